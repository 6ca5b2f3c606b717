/*
 * tests/unit/knowledge/test_index.c - the knowledge plugin's inverted index
 * on a real temporary LMDB store (plugins/knowledge/search_index.c):
 * docnums, the doc table, postings with title/body frequencies and
 * positions, the dictionary's document frequencies, global stats,
 * re-indexing in the same write transaction (old postings disappear),
 * deleting, posting blocks splitting past 128 documents, ACL rows, product
 * and tag pseudo-terms, and an aborted transaction leaving nothing.
 */
#include "kb_test.h"

static uint32_t df(pt_txn *t, const char *key) { return kb_df(t, key); }

/* How many posting blocks (keys "term\0start") the term has. */
static size_t post_blocks(pt_txn *t, const char *term)
{
    pt_cursor *c = pt_cursor_open(t, pt_store_db("knowledge.idx_post"), NULL);
    assert_non_null(c);
    size_t tl = strlen(term) + 1, n = 0;
    pt_kv kv;
    for (int rc = pt_cursor_prefix(c, term, tl, false, &kv); rc == PT_OK; rc = pt_cursor_next(c, &kv))
        if (kv.klen == tl + 4) n++;
    pt_cursor_close(c);
    return n;
}

static void adds_doc_entry_postings_and_stats(void **s)
{
    (void)s;
    pt_txn *t = wtxn();
    json_t *a = art(1001, "Robot arm", "The robot moves the arm. Robots!");
    uint32_t dn1 = add(t, a);
    uint32_t dn2 = add_new(t, 1002, "Gripper", "A gripper for the robot");
    assert_int_equal(dn1, 1);            /* dense docnums from 1 */
    assert_int_equal(dn2, 2);

    kb_docent e;
    assert_int_equal(kb_doc_get(t, dn1, &e), PT_OK);
    assert_true(e.id == 1001);
    assert_int_equal(e.title_len, 2);
    assert_int_equal(e.body_len, 6);
    assert_int_equal(e.lang, KB_EN);
    assert_true(e.flags & KB_DOC_LIVE);
    assert_true(e.flags & KB_DOC_PUBLISHED);
    assert_int_equal((e.flags >> KB_DOC_VIS_SHIFT) & 3, KB_VIS_PUBLIC);
    assert_false(e.flags & KB_DOC_TECH);
    assert_int_equal(kb_doc_get(t, 3, &e), PT_ENOTFOUND);
    assert_int_equal(kb_doc_get(t, 5000, &e), PT_ENOTFOUND);

    kb_stats st;
    assert_int_equal(kb_stats_get(t, &st), PT_OK);
    assert_int_equal(st.ndocs, 2);
    assert_int_equal(st.sum_title, 3);
    assert_int_equal(st.sum_body, 11);
    assert_int_equal(st.next_dn, 3);

    assert_int_equal(df(t, "en:robot"), 2);
    assert_int_equal(df(t, "en:arm"), 1);
    assert_int_equal(df(t, "en:gripper"), 1);
    assert_int_equal(df(t, "en:nothing"), 0);

    /* "robot" in doc 1: once in the title (pos 0), twice in the body
     * ("robot", "robots"), positions after the title/body gap */
    kb_post *p = NULL;
    size_t n = 0, cap = 0;
    assert_int_equal(kb_postings(t, "en:robot", &p, &n, &cap), PT_OK);
    assert_int_equal(n, 2);
    assert_int_equal(p[0].dn, dn1);
    assert_int_equal(p[1].dn, dn2);
    assert_int_equal(p[0].tft, 1);
    assert_int_equal(p[0].tfb, 2);
    const uint8_t *q = p[0].pos, *end = p[0].pos + p[0].poslen;
    uint64_t d, at = 0, want[] = {0, 4, 8}; /* title 0,1; gap 2; body 3.. */
    for (int i = 0; i < 3; i++) {
        assert_int_equal(kb_varint(&q, end, &d), 0);
        at += d;
        assert_int_equal(at, want[i]);
    }
    assert_true(q == end);
    free(p);
    json_decref(a);
    assert_int_equal(pt_txn_commit(t), PT_OK);

    /* committed: readable from a read transaction */
    t = rtxn();
    assert_int_equal(df(t, "en:robot"), 2);
    assert_int_equal(kb_doc_get(t, dn2, &e), PT_OK);
    assert_true(e.id == 1002);
    pt_txn_abort(t);
}

static void doc_flags_language_and_category(void **s)
{
    (void)s;
    pt_txn *t = wtxn();
    assert_int_equal(kb_category_ensure(t, "install", "Install", NULL, "tech", NULL, 1), PT_OK);
    uint16_t cat = 0;
    assert_int_equal(kb_category_num(t, "install", &cat), PT_OK);
    assert_true(cat > 0);
    json_t *a = art(1, "Drucker einrichten", "Die Warteschlangen");
    set_str(a, "language", "de");
    set_str(a, "collection", "tech");
    set_str(a, "category", "install");
    set_str(a, "status", "draft");
    set_str(a, "visibility", "customers");
    uint32_t dn = add(t, a);
    kb_docent e;
    assert_int_equal(kb_doc_get(t, dn, &e), PT_OK);
    assert_int_equal(e.lang, KB_DE);
    assert_int_equal(e.cat, cat);
    assert_true(e.flags & KB_DOC_TECH);
    assert_false(e.flags & KB_DOC_PUBLISHED);
    assert_int_equal((e.flags >> KB_DOC_VIS_SHIFT) & 3, KB_VIS_CUSTOMERS);
    /* German stems, under the "de:" prefix only */
    assert_int_equal(df(t, "de:warteschlang"), 1);
    assert_int_equal(df(t, "de:druck"), 1);
    assert_int_equal(df(t, "en:warteschlangen"), 0);
    /* an unknown visibility is the most restrictive, an unknown language English */
    json_t *b = art(2, "Odd", "odd words");
    set_str(b, "visibility", "everyone");
    set_str(b, "language", "xx");
    dn = add(t, b);
    assert_int_equal(kb_doc_get(t, dn, &e), PT_OK);
    assert_int_equal((e.flags >> KB_DOC_VIS_SHIFT) & 3, KB_VIS_ACCOUNTS);
    assert_int_equal(e.lang, KB_EN);
    assert_int_equal(df(t, "en:odd"), 1);
    json_decref(a);
    json_decref(b);
    assert_int_equal(pt_txn_commit(t), PT_OK);
}

static void reindex_same_txn_drops_old_postings(void **s)
{
    (void)s;
    pt_txn *t = wtxn();
    add_new(t, 1, "Other", "a robot with a laser");
    json_t *v1 = art(2, "Calibration", "calibrate the laser and the gyroscope");
    uint32_t dn = add(t, v1);
    assert_int_equal(search(t, "gyroscope").total, 1);
    assert_int_equal(search(t, "laser").total, 2);

    /* edit in the SAME transaction: gyroscope removed, compass added */
    json_t *v2 = art(2, "Calibration", "calibrate the laser and the compass");
    reindex(t, v1, v2);
    assert_int_equal(pt_rec_u64(v2, "dn", 0), dn);   /* same docnum */
    res r = search(t, "gyroscope ");
    assert_int_equal(r.total, 0);
    assert_int_equal(r.n, 0);
    assert_int_equal(df(t, "en:gyroscop"), 0);       /* gone from the dictionary */
    r = search(t, "compass ");
    assert_int_equal(r.total, 1);
    assert_true(r.h[0].id == 2);
    assert_int_equal(search(t, "laser").total, 2);   /* shared word intact */
    assert_int_equal(df(t, "en:laser"), 2);
    kb_stats st;
    assert_int_equal(kb_stats_get(t, &st), PT_OK);
    assert_int_equal(st.ndocs, 2);                   /* not counted twice */
    assert_int_equal(st.sum_body, 5 + 6);
    assert_int_equal(pt_txn_commit(t), PT_OK);

    /* and again after the commit, in a new write txn, with a title change */
    t = wtxn();
    json_t *v3 = art(2, "Compass setup", "nothing else");
    reindex(t, v2, v3);
    assert_int_equal(pt_txn_commit(t), PT_OK);
    t = rtxn();
    assert_int_equal(search(t, "calibration").total, 0);
    assert_int_equal(search(t, "laser").total, 1);
    r = search(t, "compass setup");
    assert_int_equal(r.total, 1);
    assert_int_equal(df(t, "en:calibr"), 0);
    assert_int_equal(kb_stats_get(t, &st), PT_OK);
    assert_int_equal(st.ndocs, 2);
    assert_int_equal(st.sum_title, 1 + 2);
    pt_txn_abort(t);
    json_decref(v1);
    json_decref(v2);
    json_decref(v3);
}

static void delete_forgets_the_doc(void **s)
{
    (void)s;
    pt_txn *t = wtxn();
    json_t *a = art(1, "Robot arm", "arm joints");
    json_t *b = art(2, "Robot base", "base plate");
    uint32_t da = add(t, a);
    add(t, b);
    assert_int_equal(pt_txn_commit(t), PT_OK);

    t = wtxn();
    assert_int_equal(kb_index_remove(t, a, true), PT_OK);
    kb_docent e;
    assert_int_equal(kb_doc_get(t, da, &e), PT_ENOTFOUND);
    assert_int_equal(df(t, "en:arm"), 0);
    assert_int_equal(df(t, "en:joint"), 0);
    assert_int_equal(df(t, "en:robot"), 1);
    res r = search(t, "robot");
    assert_int_equal(r.total, 1);
    assert_true(r.h[0].id == 2);
    assert_int_equal(search(t, "arm").total, 0);
    kb_stats st;
    assert_int_equal(kb_stats_get(t, &st), PT_OK);
    assert_int_equal(st.ndocs, 1);
    assert_int_equal(st.sum_title, 2);
    assert_int_equal(st.sum_body, 2);
    /* a record never indexed (no "dn") is a no-op */
    json_t *c = art(3, "Never", "indexed");
    assert_int_equal(kb_index_remove(t, c, true), PT_OK);
    assert_int_equal(kb_stats_get(t, &st), PT_OK);
    assert_int_equal(st.ndocs, 1);
    /* a new article gets a new docnum, never the deleted one */
    assert_true(add(t, c) > 2);
    assert_int_equal(pt_txn_commit(t), PT_OK);
    json_decref(a);
    json_decref(b);
    json_decref(c);
}

/* More documents than one posting block holds: blocks split, stay
 * ordered, and removing/re-adding in the middle keeps every list exact. */
static void many_docs_split_blocks(void **s)
{
    (void)s;
    enum { N = 300 };
    json_t *recs[N + 1];
    pt_txn *t = wtxn();
    for (int i = 1; i <= N; i++) {
        char body[64];
        snprintf(body, sizeof body, "common words w%d %s", i, i % 3 ? "" : "third");
        recs[i] = art((uint64_t)i, "Title", body);
        assert_int_equal(add(t, recs[i]), (uint32_t)i);
    }
    assert_int_equal(pt_txn_commit(t), PT_OK);

    t = wtxn();
    assert_int_equal(df(t, "en:common"), N);
    kb_post *p = NULL;
    size_t n = 0, cap = 0;
    assert_int_equal(kb_postings(t, "en:common", &p, &n, &cap), PT_OK);
    assert_int_equal(n, N);
    for (size_t i = 0; i < n; i++) assert_int_equal(p[i].dn, i + 1);
    /* stored as several blocks of at most 128 docs, not one */
    assert_true(post_blocks(t, "en:common") >= 3);
    /* delete the first doc and one in the middle; re-index another without "common" */
    assert_int_equal(kb_index_remove(t, recs[1], true), PT_OK);
    assert_int_equal(kb_index_remove(t, recs[150], true), PT_OK);
    json_t *nv = art(200, "Title", "different words");
    reindex(t, recs[200], nv);
    n = 0;
    assert_int_equal(kb_postings(t, "en:common", &p, &n, &cap), PT_OK);
    assert_int_equal(n, N - 3);
    for (size_t i = 1; i < n; i++) assert_true(p[i].dn > p[i - 1].dn);
    for (size_t i = 0; i < n; i++) assert_true(p[i].dn != 1 && p[i].dn != 150 && p[i].dn != 200);
    assert_int_equal(df(t, "en:common"), N - 3);
    /* and the changed one back in the middle of a block */
    reindex(t, nv, recs[200]);
    n = 0;
    assert_int_equal(kb_postings(t, "en:common", &p, &n, &cap), PT_OK);
    assert_int_equal(n, N - 2);
    for (size_t i = 1; i < n; i++) assert_true(p[i].dn > p[i - 1].dn);
    free(p);
    assert_int_equal(pt_txn_commit(t), PT_OK);

    t = rtxn();
    res r = search_as(t, "common", &R_USER, &F_ANY, 0, 10);
    assert_int_equal(r.total, N - 2);
    assert_int_equal(r.n, 10);
    assert_int_equal(search(t, "common third").total, N / 3 - 1);   /* 150 was a third */
    res w = search(t, "w150 ");     /* typo tolerance may offer w15x, never 150 */
    assert_false(has_id(&w, 150));
    w = search(t, "w200 ");
    assert_int_equal(w.total, 1);
    assert_true(w.h[0].id == 200);
    assert_int_equal(search(t, "w299 ").total, 1);
    kb_stats st;
    assert_int_equal(kb_stats_get(t, &st), PT_OK);
    assert_int_equal(st.ndocs, N - 2);
    pt_txn_abort(t);
    for (int i = 1; i <= N; i++) json_decref(recs[i]);
    json_decref(nv);
}

static void acl_rows_follow_the_record(void **s)
{
    (void)s;
    pt_txn *t = wtxn();
    json_t *a = art(1, "Secret", "for some accounts");
    set_str(a, "visibility", "accounts");
    json_object_set_new(a, "accounts", json_pack("[I, I]", (json_int_t)100, (json_int_t)101));
    uint32_t dn = add(t, a);
    assert_true(kb_acl_has(t, dn, 100));
    assert_true(kb_acl_has(t, dn, 101));
    assert_false(kb_acl_has(t, dn, 102));
    json_t *b = json_deep_copy(a);
    json_object_set_new(b, "accounts", json_pack("[I]", (json_int_t)102));
    reindex(t, a, b);
    assert_false(kb_acl_has(t, dn, 100));
    assert_false(kb_acl_has(t, dn, 101));
    assert_true(kb_acl_has(t, dn, 102));
    assert_int_equal(kb_index_remove(t, b, true), PT_OK);
    assert_false(kb_acl_has(t, dn, 102));
    assert_int_equal(pt_txn_commit(t), PT_OK);
    json_decref(a);
    json_decref(b);
}

static void product_and_tag_pseudo_terms(void **s)
{
    (void)s;
    pt_txn *t = wtxn();
    json_t *a = art(1, "Arm", "text");
    json_object_set_new(a, "products", json_pack("[s, s]", "Robot", "Studio X"));
    json_object_set_new(a, "tags", json_pack("[s]", "Windows"));
    add(t, a);
    assert_int_equal(df(t, "!p:robot"), 1);
    assert_int_equal(df(t, "!p:studio x"), 1);
    assert_int_equal(df(t, "!t:windows"), 1);
    assert_int_equal(df(t, "en:window"), 1);          /* tags are searchable text too */
    assert_int_equal(search(t, "windows").total, 1);
    assert_int_equal(kb_index_remove(t, a, true), PT_OK);
    assert_int_equal(df(t, "!p:robot"), 0);
    assert_int_equal(df(t, "!t:windows"), 0);
    assert_int_equal(pt_txn_commit(t), PT_OK);
    json_decref(a);
}

static void abort_leaves_nothing(void **s)
{
    (void)s;
    pt_txn *t = wtxn();
    add_new(t, 1, "Robot", "arm");
    assert_int_equal(search(t, "robot").total, 1);
    pt_txn_abort(t);
    t = rtxn();
    assert_int_equal(search(t, "robot").total, 0);
    assert_int_equal(df(t, "en:robot"), 0);
    kb_stats st;
    assert_int_equal(kb_stats_get(t, &st), PT_OK);
    assert_int_equal(st.ndocs, 0);
    assert_int_equal(st.next_dn, 1);
    pt_txn_abort(t);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, kb_setup, kb_teardown)
    const struct CMUnitTest tests[] = {
        T(adds_doc_entry_postings_and_stats),
        T(doc_flags_language_and_category),
        T(reindex_same_txn_drops_old_postings),
        T(delete_forgets_the_doc),
        T(many_docs_split_blocks),
        T(acl_rows_follow_the_record),
        T(product_and_tag_pseudo_terms),
        T(abort_leaves_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
