/*
 * plugins/knowledge/follow.c - following a category or a product, and the
 * notifications an article published or updated there sends.
 *   knowledge.follows          "<c|p>:<target>" 0x00 user(8) -> account(8)
 *   knowledge.follows.by_user  user(8) "<c|p>:<target>" -> ""
 * The account the follower acted in is kept so an article restricted to
 * some accounts only notifies followers who may read it (visibility.c).
 */
#include <string.h>

#include "knowledge.h"

static size_t tkey(uint8_t *k, const char *kind, const char *target)
{
    int n = snprintf((char *)k, 200, "%c:%s", kind[0], target);
    for (int i = 0; i < n; i++)
        if (k[i] >= 'A' && k[i] <= 'Z') k[i] = (uint8_t)(k[i] + 32);
    k[n] = 0;
    return (size_t)n + 1;
}

int kb_follow_set(pt_txn *txn, uint64_t user, uint64_t account, const char *kind,
                  const char *target, bool on)
{
    if (strlen(target) > 120 || !*target) return PT_EINVAL;
    uint8_t k[220], u[8 + 200];
    size_t tl = tkey(k, kind, target);
    pt_key_u64(k + tl, user);
    pt_key_u64(u, user);
    memcpy(u + 8, k, tl - 1);
    int rc;
    if (on) {
        uint8_t a[8];
        pt_key_u64(a, account);
        rc = pt_kv_put(txn, kb_db_follows, k, tl + 8, a, 8, 0);
        if (rc == 0) rc = pt_kv_put(txn, kb_db_follows_by_user, u, 8 + tl - 1, "", 0, 0);
    } else {
        rc = pt_kv_del(txn, kb_db_follows, k, tl + 8, NULL, 0);
        if (rc == 0 || rc == PT_ENOTFOUND) rc = pt_kv_del(txn, kb_db_follows_by_user, u, 8 + tl - 1, NULL, 0);
        if (rc == PT_ENOTFOUND) rc = 0;
    }
    return rc;
}

bool kb_follows(pt_txn *txn, uint64_t user, const char *kind, const char *target)
{
    if (!user || strlen(target) > 120) return false;
    uint8_t k[220];
    size_t tl = tkey(k, kind, target);
    pt_key_u64(k + tl, user);
    const void *v;
    size_t vl;
    return pt_kv_get(txn, kb_db_follows, k, tl + 8, &v, &vl) == 0;
}

json_t *kb_follows_of(pt_txn *txn, uint64_t user)
{
    json_t *arr = json_array();
    uint8_t pre[8];
    pt_key_u64(pre, user);
    int rc = 0;
    pt_cursor *c = pt_cursor_open(txn, kb_db_follows_by_user, &rc);
    if (!c) return arr;
    pt_kv kv;
    for (rc = pt_cursor_prefix(c, pre, 8, false, &kv); rc == 0; rc = pt_cursor_next(c, &kv)) {
        const char *s = (const char *)kv.key + 8;
        size_t n = kv.klen - 8;
        if (n < 3) continue;
        json_array_append_new(arr, json_pack("{s:s, s:s%}", "kind", s[0] == 'c' ? "category" : "product",
                                             "target", s + 2, n - 2));
    }
    pt_cursor_close(c);
    return arr;
}

typedef struct seen {
    uint64_t *u;
    size_t n, cap;
} seen;

static bool seen_add(seen *s, uint64_t u)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->u[i] == u) return false;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->u = pt_xrealloc(s->u, s->cap * sizeof *s->u);
    }
    s->u[s->n++] = u;
    return true;
}

static int notify_target(pt_txn *txn, const json_t *rec, uint64_t author, const char *kind,
                         const char *target, bool created, seen *s)
{
    uint8_t k[220];
    if (strlen(target) > 120) return 0;
    size_t tl = tkey(k, kind, target);
    int rc = 0;
    pt_cursor *c = pt_cursor_open(txn, kb_db_follows, &rc);
    if (!c) return rc;
    pt_kv kv;
    /* a catalog message: each follower reads it in their own language */
    const char *msg = created ? "knowledge.notify.published_title" : "knowledge.notify.updated_title";
    json_t *args = json_pack("{s:s}", "title", pt_rec_str(rec, "title", ""));
    char *href = pt_xasprintf("/knowledge/a/%s", pt_rec_str(rec, "slug", ""));
    /* collect first: pt_notify writes, which would invalidate the cursor's data */
    uint64_t users[512], accts[512];
    size_t n = 0;
    for (rc = pt_cursor_prefix(c, k, tl, false, &kv); rc == 0 && n < 512; rc = pt_cursor_next(c, &kv)) {
        if (kv.klen != tl + 8 || kv.vlen != 8) continue;
        users[n] = pt_key_read_u64((const uint8_t *)kv.key + tl);
        accts[n++] = pt_key_read_u64(kv.val);
    }
    pt_cursor_close(c);
    rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (users[i] == author) continue;
        kb_reader r = {.user = users[i], .account = accts[i], .anon_ok = true};
        if (!kb_visible_rec(&r, rec)) continue;
        if (!seen_add(s, users[i])) continue;
        pt_notification note = {.kind = "knowledge.article_published", .user = users[i],
                                .href = href};
        rc = pt_notify_msg(txn, &note, msg, args);
    }
    json_decref(args);
    free(href);
    return rc;
}

int kb_notify_followers(pt_txn *txn, const json_t *rec, uint64_t author, bool created)
{
    seen s = {0};
    int rc = notify_target(txn, rec, author, "c", pt_rec_str(rec, "category", ""), created, &s);
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(rec, "products"), i, p) {
        if (rc) break;
        rc = notify_target(txn, rec, author, "p", json_string_value(p), created, &s);
    }
    free(s.u);
    return rc;
}
