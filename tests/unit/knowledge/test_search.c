/*
 * tests/unit/knowledge/test_search.c - answering searches from the index
 * on a real temporary LMDB store (plugins/knowledge/search_query.c):
 * BM25 ranking sanity (title above body, more occurrences above fewer,
 * rarer terms weigh more, an exact title first), stemming in English and
 * German, prefix queries while typing, "phrases", collection / category /
 * product filters, typo tolerance, visibility applied before counting and
 * paging, and empty or garbage queries.
 */
#include <math.h>

#include "kb_test.h"

static void scores_descend(const res *r)
{
    for (size_t i = 0; i < r->n; i++) {
        assert_true(isfinite(r->h[i].score));
        if (i) assert_true(r->h[i - 1].score >= r->h[i].score);
    }
}

static void title_match_ranks_above_body(void **s)
{
    (void)s;
    pt_txn *t = wtxn();
    add_new(t, 1, "Setup guide", "the gizmo gizmo is mounted here with more text");
    add_new(t, 2, "Gizmo guide", "how it is mounted here with some more words");
    add_new(t, 3, "Other guide", "nothing to see here at all");
    res r = search(t, "gizmo ");
    assert_int_equal(r.total, 2);
    assert_true(r.h[0].id == 2);
    assert_true(r.h[1].id == 1);
    scores_descend(&r);
    pt_txn_abort(t);
}

static void more_occurrences_rank_higher(void **s)
{
    (void)s;
    pt_txn *t = wtxn();
    /* same title and body lengths: only the term frequency differs */
    add_new(t, 1, "Alpha", "widget one two three four five six");
    add_new(t, 2, "Beta", "widget widget widget four five six seven");
    add_new(t, 3, "Gamma", "widget widget one two three four five");
    res r = search(t, "widget ");
    assert_int_equal(r.total, 3);
    assert_true(r.h[0].id == 2);
    assert_true(r.h[1].id == 3);
    assert_true(r.h[2].id == 1);
    scores_descend(&r);
    /* a longer document with the same count ranks below (length norm) */
    add_new(t, 4, "Delta", "widget widget widget a b c d e f g h i j k l m n o p q r s t u v w x y z");
    r = search(t, "widget ");
    assert_true(rank_of(&r, 4) > rank_of(&r, 2));
    pt_txn_abort(t);
}

static void rarer_terms_weigh_more(void **s)
{
    (void)s;
    pt_txn *t = wtxn();
    add_new(t, 1, "Note", "common common rare filler");
    add_new(t, 2, "Note", "common rare rare filler");
    for (uint64_t i = 10; i < 20; i++) add_new(t, i, "Other", "common words only here");
    res r = search(t, "common rare ");
    assert_int_equal(r.total, 2);
    assert_true(r.h[0].id == 2);    /* two of the rare word beat two of the common */
    assert_true(r.h[1].id == 1);
    assert_true(r.h[0].score > r.h[1].score);
    pt_txn_abort(t);
}

static void title_weighs_three_body_words(void **s)
{
    (void)s;
    pt_txn *t = wtxn();
    /* same lengths; "alpha" in the title of 1, in the body of 2; "beta" in
     * both bodies (so neither has every word in its title): only the title
     * weight separates them (a tie would put the newer docnum, 2, first) */
    add_new(t, 1, "Alpha x", "beta one two three four five");
    add_new(t, 2, "Y z", "alpha beta one two three four");
    res r = search(t, "alpha beta ");
    assert_int_equal(r.total, 2);
    assert_true(r.h[0].id == 1);
    assert_true(r.h[0].score > r.h[1].score);
    pt_txn_abort(t);
}

static void exact_title_comes_first(void **s)
{
    (void)s;
    pt_txn *t = wtxn();
    add_new(t, 1, "How to reset the password of the robot",
            "reset password reset password reset password");
    add_new(t, 2, "Reset password", "short");
    add_new(t, 3, "Password", "reset it in the settings, reset again, reset");
    /* every word in its title and more of them in the body: only the
     * exact-title bonus puts 2 above this one */
    add_new(t, 4, "Reset password now", "reset password reset password reset password");
    res r = search(t, "Reset password ");
    assert_int_equal(r.total, 4);
    assert_true(r.h[0].id == 2);
    assert_true(r.h[1].id == 4);
    assert_true(r.h[2].id == 1);    /* every word in the title beats body only */
    assert_true(r.h[3].id == 3);
    r = search(t, "reset passw");   /* while typing too */
    assert_true(r.h[0].id == 2);
    pt_txn_abort(t);
}

static void stems_english_and_german(void **s)
{
    (void)s;
    pt_txn *t = wtxn();
    add_new(t, 1, "Installing the robot", "queues are full");
    json_t *de = art(2, "Drucker", "Die Warteschlangen der Häuser sind voll");
    set_str(de, "language", "de");
    add(t, de);
    json_decref(de);
    static const char *const en_q[] = {"install ", "installation ", "installed ", "INSTALLS ",
                                       "queue ", "robots "};
    for (size_t i = 0; i < sizeof en_q / sizeof en_q[0]; i++) {
        res r = search(t, en_q[i]);
        if (r.total != 1 || r.h[0].id != 1) fail_msg("'%s' did not find the English article", en_q[i]);
    }
    static const char *const de_q[] = {"Warteschlange ", "warteschlangen ", "Haus ", "häuser ",
                                       "HÄUSER ", "druckers "};
    for (size_t i = 0; i < sizeof de_q / sizeof de_q[0]; i++) {
        res r = search(t, de_q[i]);
        if (r.total != 1 || r.h[0].id != 2) fail_msg("'%s' did not find the German article", de_q[i]);
    }
    /* "voll"/"full" are different words: no cross-language magic */
    assert_int_equal(search(t, "full ").total, 1);
    assert_int_equal(search(t, "voll ").total, 1);
    /* no stop words: "the" and "die" are searchable like any word */
    assert_int_equal(search(t, "the ").total, 1);
    assert_int_equal(search(t, "die ").total, 1);
    pt_txn_abort(t);
}

static void prefix_while_typing(void **s)
{
    (void)s;
    pt_txn *t = wtxn();
    add_new(t, 1, "Robot disconnected from network", "cable");
    add_new(t, 2, "Robot disconnection troubleshooting", "wifi");
    add_new(t, 3, "Robot display", "screen");
    json_t *de = art(4, "Warteschlangen", "Roboter");
    set_str(de, "language", "de");
    add(t, de);
    json_decref(de);
    res r = search(t, "robot disconn");
    assert_int_equal(r.total, 2);
    assert_true(has_id(&r, 1) && has_id(&r, 2));
    assert_int_equal(search(t, "dis").total, 3);
    assert_int_equal(search(t, "Dis").total, 3);
    assert_int_equal(search(t, "warte").total, 1);
    /* a trailing space ends the word: "disconn" is no word */
    assert_int_equal(search(t, "robot disconn ").total, 0);
    /* one letter is not a prefix (and too short for typos) */
    assert_int_equal(search(t, "robot d").total, 0);
    /* only the last word is a prefix */
    assert_int_equal(search(t, "disconn robot").total, 0);
    pt_txn_abort(t);
}

static void phrases_need_adjacent_words_in_order(void **s)
{
    (void)s;
    pt_txn *t = wtxn();
    add_new(t, 1, "First", "the robot arm moves fast");
    add_new(t, 2, "Second", "the arm of the robot moves");
    add_new(t, 3, "Robot", "arm swings");   /* title/body boundary is not adjacency */
    assert_int_equal(search(t, "robot arm ").total, 3);
    res r = search(t, "\"robot arm\"");
    assert_int_equal(r.total, 1);
    assert_true(r.h[0].id == 1);
    assert_int_equal(search(t, "\"arm robot\"").total, 0);    /* order matters */
    r = search(t, "\"robot moves\"");
    assert_int_equal(r.total, 1);
    assert_true(r.h[0].id == 2);
    r = search(t, "\"robots arms\"");                         /* stemmed words */
    assert_int_equal(r.total, 1);
    assert_true(r.h[0].id == 1);
    r = search(t, "\"robot arm\" mov");                       /* phrase + prefix */
    assert_int_equal(r.total, 1);
    assert_int_equal(search(t, "\"the robot arm moves fast\"").total, 1);
    assert_int_equal(search(t, "\"the arm moves\"").total, 0);
    assert_int_equal(search(t, "\"robot arm").total, 1);      /* unclosed quote */
    pt_txn_abort(t);
}

static void filters(void **s)
{
    (void)s;
    pt_txn *t = wtxn();
    assert_int_equal(kb_category_ensure(t, "install", NULL, NULL, "kb", NULL, 1), PT_OK);
    assert_int_equal(kb_category_ensure(t, "trouble", NULL, NULL, "tech", NULL, 2), PT_OK);
    uint16_t c_install = 0, c_trouble = 0;
    assert_int_equal(kb_category_num(t, "install", &c_install), PT_OK);
    assert_int_equal(kb_category_num(t, "trouble", &c_trouble), PT_OK);
    assert_true(c_install != c_trouble);
    struct { uint64_t id; const char *coll, *cat, *p1, *p2; } docs[] = {
        {1, "kb", "install", "Robot", NULL},
        {2, "tech", "trouble", "Robot", "Studio"},
        {3, "kb", "install", "Studio", NULL},
        {4, "tech", "install", NULL, NULL},
    };
    for (size_t i = 0; i < 4; i++) {
        json_t *a = art(docs[i].id, "Robot notes", "robot text");
        set_str(a, "collection", docs[i].coll);
        set_str(a, "category", docs[i].cat);
        json_t *ps = json_array();
        if (docs[i].p1) json_array_append_new(ps, json_string(docs[i].p1));
        if (docs[i].p2) json_array_append_new(ps, json_string(docs[i].p2));
        json_object_set_new(a, "products", ps);
        add(t, a);
        json_decref(a);
    }
    kb_filter f = F_ANY;
    assert_int_equal(search_as(t, "robot", &R_USER, &f, 0, 10).total, 4);
    assert_int_equal(search_as(t, "robot", &R_USER, NULL, 0, 10).total, 4);
    f.collection = 0;
    res r = search_as(t, "robot", &R_USER, &f, 0, 10);
    assert_int_equal(r.total, 2);
    assert_true(has_id(&r, 1) && has_id(&r, 3));
    f.collection = 1;
    r = search_as(t, "robot", &R_USER, &f, 0, 10);
    assert_int_equal(r.total, 2);
    assert_true(has_id(&r, 2) && has_id(&r, 4));
    f = F_ANY;
    f.cat = c_install;
    r = search_as(t, "robot", &R_USER, &f, 0, 10);
    assert_int_equal(r.total, 3);
    assert_false(has_id(&r, 2));
    f.collection = 1;                                  /* category AND collection */
    r = search_as(t, "robot", &R_USER, &f, 0, 10);
    assert_int_equal(r.total, 1);
    assert_true(r.h[0].id == 4);
    f = F_ANY;
    f.product = "robot";
    r = search_as(t, "robot", &R_USER, &f, 0, 10);
    assert_int_equal(r.total, 2);
    assert_true(has_id(&r, 1) && has_id(&r, 2));
    f.product = "STUDIO";                              /* case-insensitive */
    r = search_as(t, "robot", &R_USER, &f, 0, 10);
    assert_int_equal(r.total, 2);
    assert_true(has_id(&r, 2) && has_id(&r, 3));
    f.collection = 0;
    r = search_as(t, "robot", &R_USER, &f, 0, 10);
    assert_int_equal(r.total, 1);
    assert_true(r.h[0].id == 3);
    f = F_ANY;
    f.product = "none";
    assert_int_equal(search_as(t, "robot", &R_USER, &f, 0, 10).total, 0);
    f.product = "";                                    /* empty: no filter */
    assert_int_equal(search_as(t, "robot", &R_USER, &f, 0, 10).total, 4);
    f = F_ANY;
    f.cat = 999;
    assert_int_equal(search_as(t, "robot", &R_USER, &f, 0, 10).total, 0);
    pt_txn_abort(t);
}

static void typo_tolerance(void **s)
{
    (void)s;
    pt_txn *t = wtxn();
    add_new(t, 1, "Keyboard layout", "keys");
    add_new(t, 2, "Gyroscope drift", "sensor");
    add_new(t, 3, "Map", "the form");
    add_new(t, 4, "Fork", "other");
    add_new(t, 5, "Übel", "umlaut");
    static const char *const found1[] = {
        "keybaord ",   /* transposition */
        "keyboad ",    /* deletion */
        "keyboarrd ",  /* insertion */
        "keyboird ",   /* substitution */
        "KEYBAORD ",
        "keybaord layout ",
        "keybaord",    /* while typing: no prefix hit, then the typo */
    };
    for (size_t i = 0; i < sizeof found1 / sizeof found1[0]; i++) {
        res r = search(t, found1[i]);
        if (r.total != 1 || r.h[0].id != 1) fail_msg("'%s' did not find 'keyboard'", found1[i]);
    }
    res r = search(t, "gyroscpe ");
    assert_int_equal(r.total, 1);
    assert_true(r.h[0].id == 2);
    assert_int_equal(search(t, "jeyboard ").total, 0);    /* first letter is kept */
    assert_int_equal(search(t, "keyborrd ").total, 1);
    assert_int_equal(search(t, "kyebaord ").total, 0);    /* two edits */
    assert_int_equal(search(t, "mop ").total, 0);         /* under 4 letters: exact only */
    assert_int_equal(search(t, "übe ").total, 0);         /* 3 letters in 4 bytes: exact only */
    assert_int_equal(search(t, "übek ").total, 1);        /* 4 letters: one edit from "übel" */
    /* a word with hits is not expanded: "form" does not bring "fork" */
    r = search(t, "form ");
    assert_int_equal(r.total, 1);
    assert_true(r.h[0].id == 3);
    pt_txn_abort(t);
}

static void visibility_before_counting(void **s)
{
    (void)s;
    pt_txn *t = wtxn();
    json_t *a;
    add_new(t, 1, "Manual", "public");
    a = art(2, "Manual", "customers");
    set_str(a, "visibility", "customers");
    add(t, a);
    json_decref(a);
    a = art(3, "Manual", "account 100");
    set_str(a, "visibility", "accounts");
    json_object_set_new(a, "accounts", json_pack("[I]", (json_int_t)100));
    add(t, a);
    json_decref(a);
    a = art(4, "Manual", "draft");
    set_str(a, "status", "draft");
    add(t, a);
    json_decref(a);
    a = art(5, "Manual", "account 200");
    set_str(a, "visibility", "accounts");
    json_object_set_new(a, "accounts", json_pack("[I]", (json_int_t)200));
    add(t, a);
    json_decref(a);
    assert_int_equal(pt_txn_commit(t), PT_OK);

    t = rtxn();
    const kb_reader acct100 = {.user = 7, .account = 100, .anon_ok = true};
    const kb_reader acct200 = {.user = 7, .account = 200, .anon_ok = true};
    const kb_reader anon100 = {.account = 100, .anon_ok = true};
    struct { const kb_reader *r; size_t total; uint64_t ids[5]; } cases[] = {
        {&R_ANON_NO, 0, {0}},
        {&R_ANON, 1, {1}},
        {&anon100, 1, {1}},
        {&R_USER, 2, {1, 2}},
        {&acct100, 3, {1, 2, 3}},
        {&acct200, 3, {1, 2, 5}},
        {&R_EDITOR, 5, {1, 2, 3, 4, 5}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        res r = search_as(t, "manual", cases[i].r, &F_ANY, 0, 10);
        if (r.total != cases[i].total || r.n != cases[i].total)
            fail_msg("reader %zu: total %zu n %zu, want %zu", i, r.total, r.n, cases[i].total);
        for (size_t k = 0; k < cases[i].total; k++) assert_true(has_id(&r, cases[i].ids[k]));
        /* a page past the visible ones is empty but the total stays */
        r = search_as(t, "manual", cases[i].r, &F_ANY, cases[i].total, 10);
        assert_int_equal(r.n, 0);
        assert_int_equal(r.total, cases[i].total);
    }
    pt_txn_abort(t);
}

static void paging_counts_only_visible(void **s)
{
    (void)s;
    pt_txn *t = wtxn();
    for (uint64_t i = 1; i <= 30; i++) {
        json_t *a = art(i, "Printer", i % 2 ? "hidden from anonymous" : "open to all");
        if (i % 2) set_str(a, "visibility", "customers");
        add(t, a);
        json_decref(a);
    }
    bool seen[31] = {false};
    size_t got = 0;
    for (size_t off = 0; off < 20; off += 10) {
        res r = search_as(t, "printer", &R_ANON, &F_ANY, off, 10);
        assert_int_equal(r.total, 15);
        assert_int_equal(r.n, off == 0 ? 10 : 5);
        for (size_t i = 0; i < r.n; i++) {
            assert_true(r.h[i].id % 2 == 0);          /* never a hidden one */
            assert_false(seen[r.h[i].id]);            /* no doc on two pages */
            seen[r.h[i].id] = true;
            got++;
        }
    }
    assert_int_equal(got, 15);
    /* limit 0 still counts */
    res r = search_as(t, "printer", &R_USER, &F_ANY, 0, 0);
    assert_int_equal(r.total, 30);
    assert_int_equal(r.n, 0);
    pt_txn_abort(t);
}

static void empty_and_garbage_queries(void **s)
{
    (void)s;
    pt_txn *t = wtxn();
    /* an empty index answers nothing */
    assert_int_equal(search(t, "robot").total, 0);
    add_new(t, 1, "Robot arm", "the robot arm moves; punctuation!!! and \"quotes\"");
    add_new(t, 2, "Gripper", "a gripper");
    static const char *const garbage[] = {
        "", " ", "\t\n", "!!!", "?", "...", "\"", "\"\"", "\"\"\"", "\" \"", "'''", "*", "-- -- --",
        "<>&;", "— … « » „ “ ’ ×", "\xC2\xA0\xC2\xA0", "\x01\x02\x03\x7f",
        "\xff\xfe\xfd", "\x80\x81\x82\x83 \xC0\xAF", "\xE2\x80", "\xF0\x9F\x98", "\xED\xA0\x80\xED\xB0\x80",
        "zzzzqqqq xxyyzz", "robot zzzzqqqq",
    };
    for (size_t i = 0; i < sizeof garbage / sizeof garbage[0]; i++) {
        res r = search_as(t, garbage[i], &R_EDITOR, &F_ANY, 0, 10);
        if (r.total || r.n) fail_msg("garbage query %zu found %zu", i, r.total);
    }
    /* very long queries: cut, never overflowing */
    size_t big = 200000;
    char *b = pt_xmalloc(big + 1);
    b[big] = 0;
    memset(b, '!', big);
    assert_int_equal(search(t, b).total, 0);
    memset(b, 'z', big);
    assert_int_equal(search(t, b).total, 0);
    for (size_t i = 0; i < big; i++) b[i] = (char)(0x80 + i % 0x80);
    assert_int_equal(search(t, b).total, 0);
    for (size_t i = 0; i < big; i++) b[i] = "\" \xC3"[i % 3];
    assert_int_equal(search(t, b).total, 0);
    /* a long but real query still works: "robot" repeated */
    for (size_t i = 0; i < big; i++) b[i] = "robot "[i % 6];
    res r = search(t, b);
    assert_int_equal(r.total, 1);
    assert_true(r.h[0].id == 1);
    free(b);
    /* a query struct with no terms */
    kb_query q;
    memset(&q, 0, sizeof q);
    kb_hit h[4];
    size_t n = 9, total = 9;
    assert_int_equal(kb_search(t, &q, &R_USER, NULL, 0, 4, h, &n, &total), PT_OK);
    assert_int_equal(n, 0);
    assert_int_equal(total, 0);
    pt_txn_abort(t);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, kb_setup, kb_teardown)
    const struct CMUnitTest tests[] = {
        T(title_match_ranks_above_body),
        T(more_occurrences_rank_higher),
        T(rarer_terms_weigh_more),
        T(title_weighs_three_body_words),
        T(exact_title_comes_first),
        T(stems_english_and_german),
        T(prefix_while_typing),
        T(phrases_need_adjacent_words_in_order),
        T(filters),
        T(typo_tolerance),
        T(visibility_before_counting),
        T(paging_counts_only_visible),
        T(empty_and_garbage_queries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
