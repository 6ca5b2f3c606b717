/*
 * tests/unit/knowledge/kb_test.h - shared helpers for the knowledge search
 * tests: a real temporary LMDB store with the knowledge plugin's databases
 * declared (as its init does), article records built in memory, indexing
 * and searching them, readers of each kind, and small text checks.
 * Header-only (static), included by each test_*.c in this folder.
 */
#ifndef KB_TEST_H
#define KB_TEST_H

#include "store/store_test.h"

#include "knowledge.h"

/* The plugin's databases, as plugins/knowledge/knowledge.c declares them. */
static inline int kb_setup(void **state)
{
    static const char *const names[] = {
        "articles", "articles.by_slug", "revisions", "votes", "categories", "follows",
        "follows.by_user", "idx_post", "idx_dict", "idx_docs", "idx_acl", "idx_meta",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char n[64];
        snprintf(n, sizeof n, "knowledge.%s", names[i]);
        if (pt_store_declare(n, PT_DB_PLAIN, "knowledge") != PT_OK) return -1;
    }
    int rc = open_store(state);
    kb_dbs_lookup();
    return rc;
}

static inline int kb_teardown(void **state)
{
    kb_stem_free();
    return close_store(state);
}

/* A published, public, English knowledge-base article in category
 * "general"; tests change fields with json_object_set_new. */
static inline json_t *art(uint64_t id, const char *title, const char *body)
{
    return json_pack("{s:i, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[], s:[], s:[]}", "_v", 1,
                     "id", (json_int_t)id, "title", title, "body", body, "language", "en",
                     "status", "published", "visibility", "public", "collection", "kb",
                     "category", "general", "tags", "products", "accounts");
}

static inline void set_str(json_t *rec, const char *key, const char *val)
{
    json_object_set_new(rec, key, json_string(val));
}

/* Index rec (assigns its "dn"); the record stays owned by the caller. */
static inline uint32_t add(pt_txn *t, json_t *rec)
{
    assert_int_equal(kb_index_add(t, rec), PT_OK);
    uint32_t dn = (uint32_t)pt_rec_u64(rec, "dn", 0);
    assert_true(dn > 0);
    return dn;
}

/* Index and drop a new article; returns its docnum. */
static inline uint32_t add_new(pt_txn *t, uint64_t id, const char *title, const char *body)
{
    json_t *r = art(id, title, body);
    uint32_t dn = add(t, r);
    json_decref(r);
    return dn;
}

/* Re-index: what article.c's update does, old record out, new one in. */
static inline void reindex(pt_txn *t, const json_t *old, json_t *rec)
{
    json_object_set_new(rec, "dn", json_integer((json_int_t)pt_rec_u64(old, "dn", 0)));
    assert_int_equal(kb_index_remove(t, old, false), PT_OK);
    assert_int_equal(kb_index_add(t, rec), PT_OK);
}

/* Readers. */
static const kb_reader R_ANON_NO = {.anon_ok = false};
static const kb_reader R_ANON = {.anon_ok = true};
static const kb_reader R_USER = {.user = 7, .anon_ok = true};
static const kb_reader R_EDITOR = {.editor = true, .user = 9, .anon_ok = true};
static const kb_filter F_ANY = {.collection = -1, .cat = -1, .product = NULL};

typedef struct res {
    kb_hit h[64];
    size_t n, total;
} res;

/* Search q as r with filter f (NULL: none), page offset/limit. */
static inline res search_as(pt_txn *t, const char *q, const kb_reader *r, const kb_filter *f,
                            size_t offset, size_t limit)
{
    res s;
    memset(&s, 0, sizeof s);
    if (limit > 64) limit = 64;
    kb_query kq;
    kb_query_parse(q, &kq);
    assert_int_equal(kb_search(t, &kq, r, f, offset, limit, s.h, &s.n, &s.total), PT_OK);
    assert_true(s.n <= limit);
    assert_true(s.n <= s.total);
    return s;
}

/* The common case: a signed-in customer, no filter, first 64. */
static inline res search(pt_txn *t, const char *q)
{
    return search_as(t, q, &R_USER, &F_ANY, 0, 64);
}

static inline bool has_id(const res *s, uint64_t id)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->h[i].id == id) return true;
    return false;
}

/* Position of id in the results, or -1. */
static inline int rank_of(const res *s, uint64_t id)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->h[i].id == id) return (int)i;
    return -1;
}

/* s is well-formed UTF-8 (no truncated or stray sequences). */
static inline bool utf8_ok(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned char c = u[i];
        size_t l = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        if (!l || i + l > n) return false;
        for (size_t k = 1; k < l; k++)
            if ((u[i + k] & 0xC0) != 0x80) return false;
        i += l;
    }
    return true;
}

#endif
