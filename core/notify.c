/*
 * core/notify.c - in-portal notifications (the bell).
 *
 * Storage:
 *   core.notifications         key (user u64, id u64) big-endian ->
 *                              {"_v":1, "kind", "text", "href"?, "at", "read"}
 *                              so a reverse prefix scan on the user lists
 *                              that user's notifications newest first;
 *   core.notifications.unread  key user u64 -> 8-byte big-endian count
 *                              (absent = 0), kept in step by every write
 *                              here, so the bell costs one read.
 * A notification to an account (+ permission) is fanned out to one record
 * per recipient at post time through the resolver the identity plugin
 * installs; recipients whose settings switch the kind off (wants) get
 * nothing. Everything runs in the caller's transaction.
 *
 * Text is stored as one plain line (CR/LF/tabs become blanks, at most
 * TEXT_MAX bytes, cut on a UTF-8 boundary): it is escaped when displayed.
 * href must be a local path ("/support/cases/12"), never a scheme or a
 * protocol-relative "//host" URL, so a notification cannot link off-site.
 */
#include <stdlib.h>
#include <string.h>

#include "mail/mail_worker.h"
#include "portico/log.h"
#include "portico/i18n.h"
#include "portico/notify.h"

#define NOTIF_DB "core.notifications"
#define UNREAD_DB "core.notifications.unread"
#define TEXT_MAX 500
#define KIND_MAX 128
#define HREF_MAX 1024
#define LIST_DEFAULT 50

static pt_audience_fn audience_fn;
static pt_wants_fn wants_fn;

void pt_notify_declare(void)
{
    pt_store_declare(NOTIF_DB, PT_DB_PLAIN, "core");
    pt_store_declare(UNREAD_DB, PT_DB_PLAIN, "core");
}

void pt_notify_set_audience(pt_audience_fn audience, pt_wants_fn wants)
{
    audience_fn = audience;
    wants_fn = wants;
}

static pt_db *notif_db(void) { return pt_store_db(NOTIF_DB); }
static pt_db *unread_db(void) { return pt_store_db(UNREAD_DB); }

static void key2(uint8_t k[16], uint64_t user, uint64_t id)
{
    pt_key_u64(k, user);
    pt_key_u64(k + 8, id);
}

static int unread_read(pt_txn *txn, uint64_t user, uint64_t *n)
{
    uint8_t k[8];
    pt_key_u64(k, user);
    const void *v;
    size_t vl;
    int rc = pt_kv_get(txn, unread_db(), k, 8, &v, &vl);
    *n = 0;
    if (rc == PT_ENOTFOUND) return PT_OK;
    if (rc != PT_OK) return rc;
    if (vl == 8) *n = pt_key_read_u64(v);
    return PT_OK;
}

static int unread_write(pt_txn *txn, uint64_t user, uint64_t n)
{
    uint8_t k[8], v[8];
    pt_key_u64(k, user);
    if (n == 0) {
        int rc = pt_kv_del(txn, unread_db(), k, 8, NULL, 0);
        return rc == PT_ENOTFOUND ? PT_OK : rc;
    }
    pt_key_u64(v, n);
    return pt_kv_put(txn, unread_db(), k, 8, v, 8, 0);
}

static int unread_add(pt_txn *txn, uint64_t user, int64_t delta)
{
    uint64_t n;
    int rc = unread_read(txn, user, &n);
    if (rc != PT_OK) return rc;
    if (delta < 0 && (uint64_t)-delta > n) n = 0;
    else n = (uint64_t)((int64_t)n + delta);
    return unread_write(txn, user, n);
}

/* One trimmed line of at most TEXT_MAX bytes. Owned. */
static char *clean_text(const char *s)
{
    size_t n = strlen(s);
    char *out = pt_xmalloc(n + 1);
    char *w = out;
    for (const char *r = s; *r; r++) {
        unsigned char c = (unsigned char)*r;
        if (c == '\r' || c == '\n' || c == '\t') c = ' ';
        if (c < 0x20 || c == 0x7f) continue;
        if (c == ' ' && (w == out || w[-1] == ' ')) continue;
        *w++ = (char)c;
    }
    while (w > out && w[-1] == ' ') w--;
    *w = 0;
    size_t len = (size_t)(w - out);
    if (len > TEXT_MAX) {
        len = TEXT_MAX;
        while (len > 0 && ((unsigned char)out[len] & 0xc0) == 0x80) len--;
        out[len] = 0;
    }
    return out;
}

static bool href_ok(const char *h)
{
    if (!h || !*h) return true;
    if (h[0] != '/' || h[1] == '/' || h[1] == '\\' || strlen(h) > HREF_MAX) return false;
    for (const unsigned char *p = (const unsigned char *)h; *p; p++)
        if (*p < 0x21 || *p == 0x7f || *p == '\\' || *p == '"' || *p == '<' || *p == '>')
            return false;
    return true;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int post_one(pt_txn *txn, uint64_t user, const pt_notification *n, const char *text,
                    const char *key, const json_t *args)
{
    if (wants_fn && !wants_fn(txn, user, n->kind)) return PT_OK;
    uint64_t id = pt_id_new();
    uint8_t k[16];
    key2(k, user, id);
    json_t *rec = json_pack("{s:i, s:s, s:s, s:I, s:b}", "_v", 1, "kind", n->kind, "text", text,
                            "at", (json_int_t)pt_wall_ms(), "read", 0);
    if (n->href && *n->href) json_object_set_new(rec, "href", json_string(n->href));
    if (key) {
        json_object_set_new(rec, "key", json_string(key));
        if (args) json_object_set_new(rec, "args", json_deep_copy(args));
    }
    int rc = pt_record_add(txn, notif_db(), k, 16, rec);
    json_decref(rec);
    if (rc == PT_OK) rc = unread_add(txn, user, 1);
    return rc;
}

static int notify_common(pt_txn *txn, const pt_notification *n, const char *key,
                         const json_t *args)
{
    if (!txn || !n || !pt_txn_is_write(txn))
        return pt_store_error(PT_EINVAL, "notify: needs a write transaction");
    if (!notif_db() || !unread_db())
        return pt_store_error(PT_EINVAL, "notify: databases not declared");
    if (!n->kind || !*n->kind || strlen(n->kind) > KIND_MAX)
        return pt_store_error(PT_EINVAL, "notify: missing or overlong kind");
    if (!key && (!n->text || !*n->text)) return pt_store_error(PT_EINVAL, "notify: empty text");
    if (key && (!*key || strlen(key) > KIND_MAX || (args && !json_is_object(args))))
        return pt_store_error(PT_EINVAL, "notify: bad message key or arguments");
    if (!href_ok(n->href))
        return pt_store_error(PT_EINVAL, "notify: href must be a local path starting with /");

    uint64_t *users = NULL;
    size_t nu = 0;
    if (n->user) {
        users = pt_xmalloc(sizeof *users);
        users[0] = n->user;
        nu = 1;
    } else if (n->account) {
        if (!audience_fn)
            return pt_store_error(PT_EINVAL,
                                  "notify: no audience resolver installed (account notifications "
                                  "need the identity plugin)");
        int rc = audience_fn(txn, n->account, n->permission, &users, &nu);
        if (rc != PT_OK) {
            free(users);
            return rc;
        }
    } else {
        return pt_store_error(PT_EINVAL, "notify: neither user nor account given");
    }
    /* a catalog message is stored with its default-language text too */
    char *fallback = key && !(n->text && *n->text) ? pt_t_fill(NULL, key, args) : NULL;
    char *text = clean_text(fallback ? fallback : n->text);
    free(fallback);
    int rc = PT_OK;
    if (!*text) rc = pt_store_error(PT_EINVAL, "notify: empty text");
    if (nu > 1) qsort(users, nu, sizeof *users, cmp_u64);
    for (size_t i = 0; i < nu && rc == PT_OK; i++) {
        if (users[i] == 0 || (i > 0 && users[i] == users[i - 1])) continue;
        rc = post_one(txn, users[i], n, text, key, args);
    }
    free(text);
    free(users);
    return rc;
}

int pt_notify(pt_txn *txn, const pt_notification *n)
{
    return notify_common(txn, n, NULL, NULL);
}

int pt_notify_msg(pt_txn *txn, const pt_notification *n, const char *key, const json_t *args)
{
    if (!key) return pt_store_error(PT_EINVAL, "notify: no message key");
    return notify_common(txn, n, key, args);
}

int pt_notify_unread(pt_txn *txn, uint64_t user, size_t *count)
{
    uint64_t n = 0;
    *count = 0;
    if (!txn || !user) return PT_EINVAL;
    int rc = unread_read(txn, user, &n);
    if (rc == PT_OK) *count = (size_t)n;
    return rc;
}

int pt_notify_list(pt_txn *txn, uint64_t user, size_t limit, json_t **out)
{
    return pt_notify_list_lang(txn, user, NULL, limit, out);
}

int pt_notify_list_lang(pt_txn *txn, uint64_t user, const char *lang, size_t limit, json_t **out)
{
    *out = NULL;
    if (!txn || !user) return PT_EINVAL;
    if (limit == 0) limit = LIST_DEFAULT;
    int rc;
    pt_cursor *c = pt_cursor_open(txn, notif_db(), &rc);
    if (!c) return rc;
    uint8_t prefix[8];
    pt_key_u64(prefix, user);
    json_t *arr = json_array();
    pt_kv kv;
    for (rc = pt_cursor_prefix(c, prefix, 8, true, &kv); rc == PT_OK && json_array_size(arr) < limit;
         rc = pt_cursor_prev(c, &kv)) {
        if (kv.klen != 16) continue;
        json_t *rec = NULL;
        if (pt_record_decode(kv.val, kv.vlen, &rec, NULL) != PT_OK) continue;
        char ids[PT_ID_STRLEN];
        const char *href = pt_rec_str(rec, "href", NULL);
        const char *key = pt_rec_str(rec, "key", NULL);
        char *mine = NULL;   /* a catalog message in the reader's language */
        if (key && lang) {
            char *filled = pt_t_fill(lang, key, json_object_get(rec, "args"));
            mine = clean_text(filled);
            free(filled);
            if (!*mine) {
                free(mine);
                mine = NULL;
            }
        }
        json_t *row = json_pack("{s:s, s:s, s:s, s:o, s:I, s:b}", "id",
                                pt_id_to_str(pt_key_read_u64((const uint8_t *)kv.key + 8), ids),
                                "kind", pt_rec_str(rec, "kind", ""), "text",
                                mine ? mine : pt_rec_str(rec, "text", ""), "href",
                                href ? json_string(href) : json_null(), "at",
                                (json_int_t)pt_rec_int(rec, "at", 0), "read",
                                pt_rec_bool(rec, "read", false));
        free(mine);
        json_array_append_new(arr, row);
        json_decref(rec);
    }
    pt_cursor_close(c);
    if (rc != PT_OK && rc != PT_ENOTFOUND) {
        json_decref(arr);
        return rc;
    }
    *out = arr;
    return PT_OK;
}

/* Set one record read; *changed tells whether it was unread. */
static int set_read(pt_txn *txn, const uint8_t k[16], bool *changed)
{
    json_t *rec = NULL;
    *changed = false;
    int rc = pt_record_get(txn, notif_db(), k, 16, &rec);
    if (rc != PT_OK) return rc;
    if (!pt_rec_bool(rec, "read", false)) {
        json_object_set_new(rec, "read", json_true());
        rc = pt_record_put(txn, notif_db(), k, 16, rec);
        *changed = rc == PT_OK;
    }
    json_decref(rec);
    return rc;
}

int pt_notify_mark_read(pt_txn *txn, uint64_t user, uint64_t id)
{
    if (!txn || !user || !pt_txn_is_write(txn)) return PT_EINVAL;
    uint8_t k[16];
    bool changed;
    if (id) {
        key2(k, user, id);
        int rc = set_read(txn, k, &changed);
        if (rc == PT_OK && changed) rc = unread_add(txn, user, -1);
        return rc;
    }
    /* All: collect the unread ones first, then write (no writes under a
     * live cursor). */
    int rc;
    pt_cursor *c = pt_cursor_open(txn, notif_db(), &rc);
    if (!c) return rc;
    uint8_t prefix[8];
    pt_key_u64(prefix, user);
    uint64_t *ids = NULL;
    size_t n = 0, cap = 0;
    pt_kv kv;
    for (rc = pt_cursor_prefix(c, prefix, 8, false, &kv); rc == PT_OK; rc = pt_cursor_next(c, &kv)) {
        if (kv.klen != 16) continue;
        json_t *rec = NULL;
        if (pt_record_decode(kv.val, kv.vlen, &rec, NULL) != PT_OK) continue;
        bool unread = !pt_rec_bool(rec, "read", false);
        json_decref(rec);
        if (!unread) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            ids = pt_xrealloc(ids, cap * sizeof *ids);
        }
        ids[n++] = pt_key_read_u64((const uint8_t *)kv.key + 8);
    }
    pt_cursor_close(c);
    if (rc != PT_OK && rc != PT_ENOTFOUND) {
        free(ids);
        return rc;
    }
    rc = PT_OK;
    for (size_t i = 0; i < n && rc == PT_OK; i++) {
        key2(k, user, ids[i]);
        rc = set_read(txn, k, &changed);
    }
    free(ids);
    if (rc == PT_OK) rc = unread_write(txn, user, 0);
    return rc;
}
