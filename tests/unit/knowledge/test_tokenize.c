/*
 * tests/unit/knowledge/test_tokenize.c - the text layer of the knowledge
 * search (plugins/knowledge/tokenize.c and the parser of search_query.c):
 * word splitting and offsets, case folding (ASCII, Latin-1), other Unicode
 * letters, punctuation that is not a word (typographic quotes, dashes,
 * no-break space), over-long words, invalid UTF-8, English and German
 * stemming, no stop words, and query parsing (prefix while typing,
 * "phrases", the term limit).
 */
#include "kb_test.h"

typedef struct toks {
    char w[32][KB_TERM_MAX + 1];
    size_t off[32], len[32], n;
} toks;

static int collect_tok(const char *norm, size_t nlen, size_t off, size_t len, void *ud)
{
    toks *t = ud;
    assert_int_equal(strlen(norm), nlen);
    assert_true(nlen <= KB_TERM_MAX);
    if (t->n < 32) {
        memcpy(t->w[t->n], norm, nlen + 1);
        t->off[t->n] = off;
        t->len[t->n] = len;
        t->n++;
    }
    return 0;
}

static toks tok(const char *s)
{
    toks t;
    memset(&t, 0, sizeof t);
    size_t c = kb_tokenize(s, strlen(s), collect_tok, &t);
    assert_int_equal(c, t.n);
    return t;
}

static void splits_and_folds_ascii(void **s)
{
    (void)s;
    toks t = tok("Hello, World! Robot-Arm 42x foo_bar");
    assert_int_equal(t.n, 7);
    const char *want[] = {"hello", "world", "robot", "arm", "42x", "foo", "bar"};
    for (size_t i = 0; i < 7; i++) assert_string_equal(t.w[i], want[i]);
    /* offsets and lengths are of the original bytes */
    assert_int_equal(t.off[0], 0);
    assert_int_equal(t.len[0], 5);
    assert_int_equal(t.off[1], 7);
    assert_int_equal(t.off[2], 14);
    assert_int_equal(t.len[3], 3);
    assert_int_equal(kb_tokenize("", 0, collect_tok, &t), 0);
    assert_int_equal(kb_tokenize(" ,.;:!?()[]{}<>&\"'", 18, NULL, NULL), 0);
    assert_int_equal(kb_tokenize("a b c", 5, NULL, NULL), 3); /* fn may be NULL */
}

static int stop_after_two(const char *norm, size_t nlen, size_t off, size_t len, void *ud)
{
    (void)norm; (void)nlen; (void)off; (void)len;
    return ++*(int *)ud == 2;
}

static void callback_stops(void **s)
{
    (void)s;
    int calls = 0;
    kb_tokenize("one two three four", 18, stop_after_two, &calls);
    assert_int_equal(calls, 2);
}

static void folds_latin1_keeps_other_letters(void **s)
{
    (void)s;
    toks t = tok("ÄRGER Straße ÉCOLE Ørsted ÞORN");
    assert_int_equal(t.n, 5);
    assert_string_equal(t.w[0], "ärger");
    assert_string_equal(t.w[1], "straße");   /* ß has no capital to fold */
    assert_string_equal(t.w[2], "école");
    assert_string_equal(t.w[3], "ørsted");
    assert_string_equal(t.w[4], "þorn");
    assert_int_equal(t.len[0], strlen("ÄRGER"));
    /* other scripts are letters too (not folded: documented Latin-1 only) */
    t = tok("привет мир, 日本語");
    assert_int_equal(t.n, 3);
    assert_string_equal(t.w[0], "привет");
    assert_string_equal(t.w[2], "日本語");
}

static void punctuation_is_not_a_word(void **s)
{
    (void)s;
    /* U+00D7 multiplication sign, U+2014 em dash, U+00A0 no-break space */
    toks t = tok("2×3 foo—bar a\xC2\xA0" "b");
    assert_int_equal(t.n, 6);
    const char *want[] = {"2", "3", "foo", "bar", "a", "b"};
    for (size_t i = 0; i < 6; i++) assert_string_equal(t.w[i], want[i]);
    /* typographic quotes around and inside words: „…“ ‘…’ «…» */
    t = tok("„Warteschlange“ ‘robot’ «Zitat» don’t");
    assert_int_equal(t.n, 5);
    const char *want2[] = {"warteschlange", "robot", "zitat", "don", "t"};
    for (size_t i = 0; i < 5; i++) assert_string_equal(t.w[i], want2[i]);
    assert_int_equal(t.off[0], strlen("„"));
    /* punctuation alone makes no token */
    assert_int_equal(kb_tokenize("— … « » „ “ ’ ×", strlen("— … « » „ “ ’ ×"), NULL, NULL), 0);
}

static void long_words_are_cut(void **s)
{
    (void)s;
    char w[200];
    memset(w, 'a', 150);
    w[150] = 0;
    toks t = tok(w);
    assert_int_equal(t.n, 1);
    assert_int_equal(strlen(t.w[0]), KB_TERM_MAX);
    assert_int_equal(t.len[0], 150);      /* the whole word is consumed */
    /* a cut never splits a multi-byte letter */
    char u[400] = "";
    for (int i = 0; i < 60; i++) strcat(u, "ä");
    t = tok(u);
    assert_int_equal(t.n, 1);
    assert_true(strlen(t.w[0]) <= KB_TERM_MAX);
    assert_true(utf8_ok(t.w[0], strlen(t.w[0])));
}

static void invalid_utf8_is_safe(void **s)
{
    (void)s;
    /* stray continuation bytes, overlong and invalid leads, truncated
     * sequences at the very end: no crash, no read past len (ASan), ASCII
     * words around them still found */
    static const char *const bad[] = {
        "\x80\x81 abc \xFF\xFE", "abc\xE2", "abc\xF0\x9F", "\xC3", "\xC0\xAF robot",
        "\xED\xA0\x80 x \xF8\x88\x80\x80\x80", "robot\xE2\x80",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t n = strlen(bad[i]);
        char *copy = pt_xmalloc(n); /* exact size, no NUL: ASan catches overreads */
        memcpy(copy, bad[i], n);
        toks t;
        memset(&t, 0, sizeof t);
        kb_tokenize(copy, n, collect_tok, &t);
        for (size_t k = 0; k < t.n; k++) {
            assert_true(t.off[k] + t.len[k] <= n);
            char st[KB_TERM_MAX + 1];
            kb_stem(KB_EN, t.w[k], strlen(t.w[k]), st);
            kb_stem(KB_DE, t.w[k], strlen(t.w[k]), st);
        }
        free(copy);
    }
    toks t = tok("\x80\x81 abc \xFF\xFE");
    bool abc = false;
    for (size_t k = 0; k < t.n; k++) abc |= strcmp(t.w[k], "abc") == 0;
    assert_true(abc);
    /* a lead byte without its continuation bytes (Latin-1 text, a cut
     * sequence) is one byte of a word: the space or '<' after it still
     * separates words */
    t = tok("caf\xE9 au lait \xC3<b>x \xF0 robot");
    assert_int_equal(t.n, 8);
    assert_string_equal(t.w[0], "caf\xE9");
    assert_string_equal(t.w[1], "au");
    assert_string_equal(t.w[2], "lait");
    assert_string_equal(t.w[3], "\xC3");
    assert_string_equal(t.w[4], "b");
    assert_string_equal(t.w[5], "x");
    assert_string_equal(t.w[6], "\xF0");
    assert_string_equal(t.w[7], "robot");
}

static void stem(int lang, const char *w, const char *want)
{
    char out[KB_TERM_MAX + 1];
    size_t n = kb_stem(lang, w, strlen(w), out);
    assert_int_equal(n, strlen(out));
    if (strcmp(out, want) != 0) fail_msg("stem(%s, %s) = %s, want %s", kb_lang_codes[lang], w, out, want);
}

static void stems_english_and_german(void **s)
{
    (void)s;
    stem(KB_EN, "installing", "instal");
    stem(KB_EN, "installation", "instal");
    stem(KB_EN, "install", "instal");
    stem(KB_EN, "robots", "robot");
    stem(KB_EN, "disconnected", "disconnect");
    stem(KB_EN, "queues", "queue");
    stem(KB_DE, "warteschlangen", "warteschlang");
    stem(KB_DE, "warteschlange", "warteschlang");
    stem(KB_DE, "häuser", "haus");
    stem(KB_DE, "druckers", "druck");
    /* words of 1-2 bytes are kept as they are; unknown languages use English */
    stem(KB_EN, "is", "is");
    stem(KB_DE, "zu", "zu");
    stem(99, "robots", "robot");
    stem(-1, "robots", "robot");
    /* the output never exceeds KB_TERM_MAX */
    char w[200], out[KB_TERM_MAX + 1];
    memset(w, 'x', sizeof w);
    assert_true(kb_stem(KB_EN, w, sizeof w, out) <= KB_TERM_MAX);
    assert_int_equal(kb_lang_from_str("en"), KB_EN);
    assert_int_equal(kb_lang_from_str("de"), KB_DE);
    assert_int_equal(kb_lang_from_str("fr"), -1);
    assert_int_equal(kb_lang_from_str(NULL), -1);
}

static void no_stop_words(void **s)
{
    (void)s;
    /* every word is a term, "the" and "die" included: nothing is dropped */
    toks t = tok("The robot and the arm; die Warteschlange");
    assert_int_equal(t.n, 7);
    assert_string_equal(t.w[0], "the");
    assert_string_equal(t.w[5], "die");
    kb_query q;
    kb_query_parse("the ", &q);
    assert_int_equal(q.n, 1);
}

static void parses_prefix_while_typing(void **s)
{
    (void)s;
    kb_query q;
    kb_query_parse("Robot DISCONN", &q);
    assert_int_equal(q.n, 2);
    assert_string_equal(q.t[0].norm, "robot");
    assert_string_equal(q.t[1].norm, "disconn");
    assert_false(q.t[0].prefix);
    assert_true(q.t[1].prefix);
    assert_int_equal(q.t[0].phrase, 0);
    assert_string_equal(q.norm_all, "robot disconn");
    kb_query_parse("robot disconn ", &q);     /* a trailing space ends the word */
    assert_false(q.t[1].prefix);
    kb_query_parse("robot disconn.", &q);
    assert_false(q.t[1].prefix);
    kb_query_parse("robot a", &q);            /* one letter: not a prefix */
    assert_false(q.t[1].prefix);
    kb_query_parse("ab", &q);
    assert_true(q.t[0].prefix);
}

static void parses_phrases(void **s)
{
    (void)s;
    kb_query q;
    kb_query_parse("\"Robot Arm\" moves \"the gripper\" x", &q);
    assert_int_equal(q.n, 6);
    assert_int_equal(q.t[0].phrase, 1);
    assert_int_equal(q.t[1].phrase, 1);
    assert_int_equal(q.t[2].phrase, 0);
    assert_int_equal(q.t[3].phrase, 2);
    assert_int_equal(q.t[4].phrase, 2);
    assert_int_equal(q.t[5].phrase, 0);
    assert_false(q.t[1].prefix);
    /* a one-word "phrase" is just a word; an unclosed quote runs to the end
     * and a phrase's last word is never a prefix */
    kb_query_parse("\"robot\" arm ", &q);
    assert_int_equal(q.n, 2);
    assert_int_equal(q.t[0].phrase, 0);
    kb_query_parse("\"robot arm", &q);
    assert_int_equal(q.n, 2);
    assert_int_equal(q.t[1].phrase, 1);
    assert_false(q.t[1].prefix);
}

static void parses_garbage(void **s)
{
    (void)s;
    kb_query q;
    kb_query_parse(NULL, &q);
    assert_int_equal(q.n, 0);
    kb_query_parse("", &q);
    assert_int_equal(q.n, 0);
    kb_query_parse("!!! ??? ... --- \"\" \"\"\" ''' ((( )))", &q);
    assert_int_equal(q.n, 0);
    assert_string_equal(q.norm_all, "");
    /* at most KB_MAX_QTERMS words; a huge query is cut, not overflowed */
    size_t big = 100000;
    char *b = pt_xmalloc(big + 1);
    for (size_t i = 0; i < big; i++) b[i] = "word "[i % 5];
    b[big] = 0;
    kb_query_parse(b, &q);
    assert_int_equal(q.n, KB_MAX_QTERMS);
    assert_true(strlen(q.norm_all) < sizeof q.norm_all);
    memset(b, 'q', big);                       /* one 100 KB word */
    kb_query_parse(b, &q);
    assert_int_equal(q.n, 1);
    assert_true(strlen(q.t[0].norm) <= KB_TERM_MAX);
    memset(b, '"', big);                       /* 100 KB of quotes */
    kb_query_parse(b, &q);
    assert_int_equal(q.n, 0);
    for (size_t i = 0; i < big; i++) b[i] = (char)(0x80 + i % 0x7f); /* invalid UTF-8 */
    kb_query_parse(b, &q);
    assert_true(q.n <= KB_MAX_QTERMS);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(splits_and_folds_ascii),
        cmocka_unit_test(callback_stops),
        cmocka_unit_test(folds_latin1_keeps_other_letters),
        cmocka_unit_test(punctuation_is_not_a_word),
        cmocka_unit_test(long_words_are_cut),
        cmocka_unit_test(invalid_utf8_is_safe),
        cmocka_unit_test(stems_english_and_german),
        cmocka_unit_test(no_stop_words),
        cmocka_unit_test(parses_prefix_while_typing),
        cmocka_unit_test(parses_phrases),
        cmocka_unit_test(parses_garbage),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    kb_stem_free();
    return rc;
}
