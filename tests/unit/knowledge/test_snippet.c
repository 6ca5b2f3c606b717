/*
 * tests/unit/knowledge/test_snippet.c - search-result snippets and title
 * highlighting (kb_snippet, kb_highlight in plugins/knowledge/
 * search_query.c): text is HTML-escaped and the only markup is <mark>
 * around matching words (stemmed in the article's language, prefixes while
 * typing), the window around the first match with ellipses, Markdown noise
 * dropped, UTF-8 never cut in half, and hostile input.
 */
#include "kb_test.h"

static char *snip(const char *q, int lang, const char *text, size_t maxlen)
{
    kb_query kq;
    kb_query_parse(q, &kq);
    pt_buf b = PT_BUF_INIT;
    kb_snippet(&kq, lang, text, maxlen, &b);
    pt_buf_putc(&b, 0);
    return b.data;
}

static char *hl(const char *q, int lang, const char *text)
{
    kb_query kq;
    kb_query_parse(q, &kq);
    pt_buf b = PT_BUF_INIT;
    kb_highlight(&kq, lang, text, &b);
    pt_buf_putc(&b, 0);
    return b.data;
}

/* Only <mark> and </mark> are markup: with them removed, no '<', '>' or
 * raw quote is left, and every '&' starts an entity. */
static void only_mark_markup(const char *html)
{
    char *c = pt_xstrdup(html);
    char *w = c;
    for (const char *p = html; *p;) {
        if (strncmp(p, "<mark>", 6) == 0) { p += 6; continue; }
        if (strncmp(p, "</mark>", 7) == 0) { p += 7; continue; }
        *w++ = *p++;
    }
    *w = 0;
    if (strpbrk(c, "<>\"'")) fail_msg("unescaped markup in snippet: %s", html);
    for (const char *a = strchr(c, '&'); a; a = strchr(a + 1, '&')) {
        static const char *const ents[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&#39;", "&#x27;", "&#34;"};
        bool ok = false;
        for (size_t i = 0; i < sizeof ents / sizeof ents[0]; i++) ok |= strncmp(a, ents[i], strlen(ents[i])) == 0;
        if (!ok) fail_msg("bare & in snippet: %s", html);
    }
    /* marks are balanced and not nested */
    int depth = 0;
    for (const char *p = html; *p; p++) {
        if (strncmp(p, "<mark>", 6) == 0) { depth++; assert_int_equal(depth, 1); }
        if (strncmp(p, "</mark>", 7) == 0) { depth--; assert_int_equal(depth, 0); }
    }
    assert_int_equal(depth, 0);
    free(c);
}

static void escapes_html_marks_matches(void **s)
{
    (void)s;
    const char *text = "Intro <script>alert('x')</script> & the \"robot\" <b>arm</b> > all";
    char *o = snip("robot", KB_EN, text, 220);
    only_mark_markup(o);
    assert_non_null(strstr(o, "&lt;script&gt;"));
    assert_null(strstr(o, "<script"));
    assert_null(strstr(o, "<b>"));
    assert_non_null(strstr(o, "&amp;"));
    assert_non_null(strstr(o, "<mark>robot</mark>"));
    free(o);
    /* the matched word itself next to markup, and a query for "script" */
    o = snip("script", KB_EN, text, 220);
    only_mark_markup(o);
    assert_non_null(strstr(o, "&lt;<mark>script</mark>&gt;"));
    assert_non_null(strstr(o, "&lt;/<mark>script</mark>&gt;"));
    free(o);
    /* invalid UTF-8 next to markup: a stray lead byte does not take the
     * '<' into a word, and it is escaped all the same */
    o = snip("\xC3<img", KB_EN, "x \xC3<img src=x onerror=alert(1)>", 220);
    only_mark_markup(o);
    assert_non_null(strstr(o, "&lt;<mark>img</mark>"));
    free(o);
    /* a query full of markup is only words */
    o = snip("<img src=x onerror=alert(1)>", KB_EN, "an img with src and x", 220);
    only_mark_markup(o);
    free(o);
}

static void marks_stems_and_prefixes(void **s)
{
    (void)s;
    char *o = snip("installing ", KB_EN, "Install it. The installation installs fine; instant?", 220);
    only_mark_markup(o);
    assert_non_null(strstr(o, "<mark>Install</mark> it"));   /* original case kept */
    assert_non_null(strstr(o, "<mark>installation</mark>"));
    assert_non_null(strstr(o, "<mark>installs</mark>"));
    assert_null(strstr(o, "<mark>instant</mark>"));          /* another stem */
    free(o);
    o = snip("robot disconn", KB_EN, "The robot disconnected, disconnects and reconnects", 220);
    assert_non_null(strstr(o, "<mark>robot</mark> <mark>disconnected</mark>, <mark>disconnects</mark>"));
    assert_null(strstr(o, "<mark>reconnects"));
    free(o);
    o = snip("Warteschlange ", KB_DE, "Die Warteschlangen sind voll", 220);
    assert_string_equal(o, "Die <mark>Warteschlangen</mark> sind voll");
    free(o);
    o = snip("ärger ", KB_DE, "Kein ÄRGER mehr", 220);        /* Latin-1 case folding */
    assert_string_equal(o, "Kein <mark>ÄRGER</mark> mehr");
    free(o);
}

static void window_around_first_match(void **s)
{
    (void)s;
    pt_buf t = PT_BUF_INIT;
    for (int i = 0; i < 100; i++) pt_buf_puts(&t, "filler words here ");
    pt_buf_puts(&t, "the robot arm ");
    for (int i = 0; i < 100; i++) pt_buf_puts(&t, "more text after ");
    pt_buf_putc(&t, 0);
    char *o = snip("robot ", KB_EN, t.data, 220);
    only_mark_markup(o);
    assert_non_null(strstr(o, "<mark>robot</mark>"));
    assert_true(strncmp(o, "… ", strlen("… ")) == 0);
    size_t n = strlen(o);
    assert_true(n > strlen(" …") && strcmp(o + n - strlen(" …"), " …") == 0);
    assert_true(n < 220 + 64);                                 /* bounded */
    /* the match sits near the start of the window, not cut off */
    assert_true((size_t)(strstr(o, "<mark>") - o) <= 80);
    free(o);
    /* no match: the start of the text, no marks */
    o = snip("zebra ", KB_EN, t.data, 100);
    assert_null(strstr(o, "<mark>"));
    assert_true(strncmp(o, "filler words here", 17) == 0);
    free(o);
    /* short text: all of it, no ellipses */
    o = snip("robot ", KB_EN, "a robot", 220);
    assert_string_equal(o, "a <mark>robot</mark>");
    free(o);
    pt_buf_free(&t);
}

static void drops_markdown_noise(void **s)
{
    (void)s;
    char *o = snip("robot ", KB_EN, "# Title\n\n**bold** `code` | cell | _it_\n\n* the robot", 220);
    assert_string_equal(o, " Title bold code cell it the <mark>robot</mark>");
    free(o);
}

static void never_cuts_utf8(void **s)
{
    (void)s;
    pt_buf t = PT_BUF_INIT;
    for (int i = 0; i < 300; i++) pt_buf_puts(&t, i % 7 ? "ä" : "€ ");
    pt_buf_puts(&t, " robot ");
    for (int i = 0; i < 300; i++) pt_buf_puts(&t, i % 5 ? "日" : "ü ");
    pt_buf_putc(&t, 0);
    for (size_t maxlen = 20; maxlen < 300; maxlen += 7) {
        char *o = snip("robot ", KB_EN, t.data, maxlen);
        assert_true(utf8_ok(o, strlen(o)));
        free(o);
        o = snip("zebra ", KB_EN, t.data, maxlen);
        assert_true(utf8_ok(o, strlen(o)));
        free(o);
    }
    /* no space to fall back to: the cut itself must step back */
    pt_buf_reset(&t);
    for (int i = 0; i < 200; i++) pt_buf_puts(&t, i % 3 ? "ä" : "日");
    pt_buf_putc(&t, 0);
    for (size_t maxlen = 1; maxlen < 40; maxlen++) {
        char *o = snip("zebra ", KB_EN, t.data, maxlen);
        assert_true(utf8_ok(o, strlen(o)));
        free(o);
    }
    pt_buf_free(&t);
}

static void highlights_titles(void **s)
{
    (void)s;
    char *o = hl("arm ", KB_EN, "Robots & <Arms>");
    assert_string_equal(o, "Robots &amp; &lt;<mark>Arms</mark>&gt;");
    free(o);
    o = hl("", KB_EN, "Plain \"title\"");
    only_mark_markup(o);
    assert_null(strstr(o, "<mark>"));
    free(o);
}

static void hostile_input(void **s)
{
    (void)s;
    /* invalid UTF-8 and control bytes in text and query: escaped output,
     * no crash, no read past the text (ASan) */
    static const char *const texts[] = {
        "\xff\xfe robot \x80<x>", "robot\xE2", "\xC3<script>robot", "\xF0\x9F<\"robot\">", "",
        "<<<>>>&&&\"\"\"'''", "robot\xC2\xA0<i>robot</i>",
    };
    static const char *const queries[] = {"robot", "\xff\xfe", "\xC3", "", "!!!", "\"robot"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        for (size_t k = 0; k < sizeof queries / sizeof queries[0]; k++)
            for (size_t m = 0; m < 30; m += 3) {
                char *o = snip(queries[k], KB_EN, texts[i], m);
                only_mark_markup(o);
                free(o);
                o = hl(queries[k], KB_DE, texts[i]);
                only_mark_markup(o);
                free(o);
            }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(escapes_html_marks_matches),
        cmocka_unit_test(marks_stems_and_prefixes),
        cmocka_unit_test(window_around_first_match),
        cmocka_unit_test(drops_markdown_noise),
        cmocka_unit_test(never_cuts_utf8),
        cmocka_unit_test(highlights_titles),
        cmocka_unit_test(hostile_input),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    kb_stem_free();
    return rc;
}
