/*
 * plugins/knowledge/article.c - the article model. Records live in
 * knowledge.articles (key: id), with knowledge.articles.by_slug (slug ->
 * id). Every create/update/delete runs in the caller's ONE write
 * transaction together with the search index, the revision and the
 * follower notifications, so nothing is ever half-written: a failure
 * aborts the lot.
 *
 * Record (schema 1): id, slug, title, collection ("kb" | "tech"), type,
 * category, tags[], products[], versions[], language, summary, body,
 * problem, cause, resolution, video_url, visibility, accounts[], status
 * ("draft" | "published"), related[] (ids), created, updated (ms), author,
 * rev, dn (search docnum).
 */
#include <ctype.h>
#include <string.h>
#include <time.h>

#include "knowledge.h"

pt_db *kb_db_articles, *kb_db_slugs, *kb_db_revs, *kb_db_votes, *kb_db_cats, *kb_db_follows,
    *kb_db_follows_by_user;

void kb_dbs_lookup(void)
{
    kb_db_articles = pt_store_db("knowledge.articles");
    kb_db_slugs = pt_store_db("knowledge.articles.by_slug");
    kb_db_revs = pt_store_db("knowledge.revisions");
    kb_db_votes = pt_store_db("knowledge.votes");
    kb_db_cats = pt_store_db("knowledge.categories");
    kb_db_follows = pt_store_db("knowledge.follows");
    kb_db_follows_by_user = pt_store_db("knowledge.follows.by_user");
}

const char *const kb_collections[2] = {"kb", "tech"};

int kb_collection_from_str(const char *s)
{
    for (int i = 0; s && i < 2; i++)
        if (strcmp(s, kb_collections[i]) == 0) return i;
    return -1;
}

static const char *const kb_types[] = {"tutorial", "guide", "onboarding", "best_practice", "video",
                                       "solution", NULL};

void kb_slugify(const char *title, char *out, size_t cap)
{
    size_t n = 0;
    bool dash = false;
    for (const unsigned char *p = (const unsigned char *)title; *p && n + 2 < cap; p++) {
        unsigned char c = *p;
        if (c == 0xC3 && p[1]) { /* ä ö ü ß and capitals: ae oe ue ss */
            const char *r = NULL;
            switch (p[1]) {
            case 0xA4: case 0x84: r = "ae"; break;
            case 0xB6: case 0x96: r = "oe"; break;
            case 0xBC: case 0x9C: r = "ue"; break;
            case 0x9F: r = "ss"; break;
            }
            p++;
            if (r && n + 3 < cap) { out[n++] = r[0]; out[n++] = r[1]; dash = false; }
            continue;
        }
        if (isalnum(c)) {
            out[n++] = (char)tolower(c);
            dash = false;
        } else if (!dash && n) {
            out[n++] = '-';
            dash = true;
        }
        if (n >= 80) break;
    }
    while (n && out[n - 1] == '-') n--;
    if (n == 0) { snprintf(out, cap, "article"); return; }
    out[n] = 0;
}

static bool slug_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 100) return false;
    for (; *s; s++)
        if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '-')) return false;
    return true;
}

/* ---- categories ----------------------------------------------------------------- */
int kb_category_num(pt_txn *txn, const char *slug, uint16_t *num)
{
    *num = 0;
    json_t *c = NULL;
    int rc = pt_record_get(txn, kb_db_cats, slug, strlen(slug), &c);
    if (rc) return rc;
    *num = (uint16_t)pt_rec_u64(c, "num", 0);
    json_decref(c);
    return 0;
}

int kb_category_ensure(pt_txn *txn, const char *slug, const char *name, const char *name_de,
                       const char *collection, const char *desc, int order)
{
    json_t *c = NULL;
    if (pt_record_get(txn, kb_db_cats, slug, strlen(slug), &c) == 0) {
        json_decref(c);
        return 0;
    }
    kb_stats st;
    int rc = kb_stats_get(txn, &st);
    if (rc) return rc;
    c = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:i, s:I}", "_v", 1, "slug", slug, "name",
                  name ? name : slug, "name_de", name_de ? name_de : (name ? name : slug),
                  "collection", collection ? collection : "kb", "description", desc ? desc : "",
                  "order", order, "num", (json_int_t)st.next_cat++);
    rc = pt_record_put(txn, kb_db_cats, slug, strlen(slug), c);
    json_decref(c);
    if (rc == 0) rc = kb_stats_put(txn, &st);
    return rc;
}

static int cmp_cat(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int64_t ox = pt_rec_int(x, "order", 0), oy = pt_rec_int(y, "order", 0);
    if (ox != oy) return ox < oy ? -1 : 1;
    return strcmp(pt_rec_str(x, "name", ""), pt_rec_str(y, "name", ""));
}

json_t *kb_categories(pt_txn *txn)
{
    json_t *arr = json_array();
    int rc = 0;
    pt_cursor *c = pt_cursor_open(txn, kb_db_cats, &rc);
    if (!c) return arr;
    pt_kv kv;
    size_t n = 0;
    json_t *tmp[512];
    for (rc = pt_cursor_first(c, &kv); rc == 0 && n < 512; rc = pt_cursor_next(c, &kv)) {
        json_t *r = NULL;
        if (pt_record_decode(kv.val, kv.vlen, &r, NULL) == 0) tmp[n++] = r;
    }
    pt_cursor_close(c);
    qsort(tmp, n, sizeof *tmp, cmp_cat);
    for (size_t i = 0; i < n; i++) json_array_append_new(arr, tmp[i]);
    return arr;
}

/* ---- validation ------------------------------------------------------------------- */
#define FAIL(st, f, w) do { *field = (f); *why = (w); json_decref(r); return (st); } while (0)

static bool str_list(json_t *v, json_t **out, size_t maxitems, size_t maxlen)
{
    json_t *arr = json_array();
    if (json_is_string(v)) { /* "a, b, c" */
        const char *s = json_string_value(v);
        while (*s) {
            while (*s == ' ' || *s == ',') s++;
            const char *e = s;
            while (*e && *e != ',') e++;
            size_t l = (size_t)(e - s);
            while (l && s[l - 1] == ' ') l--;
            if (l) {
                if (l > maxlen) { json_decref(arr); return false; }
                json_array_append_new(arr, json_stringn(s, l));
            }
            s = e;
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) {
            if (!json_is_string(x) || json_string_length(x) > maxlen) { json_decref(arr); return false; }
            if (json_string_length(x)) json_array_append(arr, x);
        }
    } else if (!json_is_null(v)) {
        json_decref(arr);
        return false;
    }
    if (json_array_size(arr) > maxitems) { json_decref(arr); return false; }
    *out = arr;
    return true;
}

static const char *trimmed(json_t *v, char *buf, size_t cap)
{
    const char *s = json_string_value(v);
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r')) n--;
    if (n >= cap) n = cap - 1;
    memcpy(buf, s, n);
    buf[n] = 0;
    return buf;
}

int kb_article_build(pt_txn *txn, const json_t *base, const json_t *in, json_t **out,
                     const char **field, const char **why)
{
    (void)txn;
    *out = NULL;
    json_t *r = base ? json_deep_copy(base) : json_pack("{s:i}", "_v", 1);
    if (!json_is_object(in)) FAIL(422, "body", "errors.not_object");
    json_t *v;
    char buf[1024];
    if ((v = json_object_get(in, "title"))) {
        if (!json_is_string(v)) FAIL(422, "title", "errors.title_required");
        if (json_string_length(v) > KB_TITLE_MAX) FAIL(422, "title", "errors.title_long");
        trimmed(v, buf, sizeof buf);
        json_object_set_new(r, "title", json_string(buf));
    }
    if (!*pt_rec_str(r, "title", "")) FAIL(422, "title", "errors.title_required");
    if ((v = json_object_get(in, "collection"))) {
        if (kb_collection_from_str(json_string_value(v)) < 0)
            FAIL(422, "collection", "errors.collection");
        json_object_set(r, "collection", v);
    }
    if (!json_object_get(r, "collection")) json_object_set_new(r, "collection", json_string("kb"));
    bool tech = strcmp(pt_rec_str(r, "collection", "kb"), "tech") == 0;
    if ((v = json_object_get(in, "type")) && !json_is_null(v)) {
        const char *t = json_string_value(v);
        bool ok = false;
        for (size_t i = 0; t && kb_types[i]; i++) ok = ok || strcmp(t, kb_types[i]) == 0;
        if (!ok) FAIL(422, "type", "errors.type");
        json_object_set(r, "type", v);
    }
    if (!json_object_get(r, "type")) json_object_set_new(r, "type", json_string(tech ? "solution" : "guide"));
    if ((v = json_object_get(in, "category")) && !json_is_null(v)) {
        if (!json_is_string(v)) FAIL(422, "category", "errors.category");
        char slug[128];
        kb_slugify(json_string_value(v), slug, sizeof slug);
        if (!json_string_length(v)) FAIL(422, "category", "errors.category");
        json_object_set_new(r, "category", json_string(slug));
    }
    if (!json_object_get(r, "category")) json_object_set_new(r, "category", json_string("general"));
    static const char *const lists[] = {"tags", "products", "versions"};
    for (int i = 0; i < 3; i++) {
        if (!(v = json_object_get(in, lists[i]))) continue;
        json_t *arr = NULL;
        if (!str_list(v, &arr, 30, 64)) FAIL(422, lists[i], "errors.list");
        json_object_set_new(r, lists[i], arr);
    }
    for (int i = 0; i < 3; i++)
        if (!json_object_get(r, lists[i])) json_object_set_new(r, lists[i], json_array());
    if ((v = json_object_get(in, "language")) && !json_is_null(v)) {
        if (kb_lang_from_str(json_string_value(v)) < 0) FAIL(422, "language", "errors.language");
        json_object_set(r, "language", v);
    }
    if (!json_object_get(r, "language")) json_object_set_new(r, "language", json_string("en"));
    static const char *const texts[] = {"summary", "body", "problem", "cause", "resolution"};
    for (int i = 0; i < 5; i++) {
        if (!(v = json_object_get(in, texts[i])) || json_is_null(v)) continue;
        if (!json_is_string(v)) FAIL(422, texts[i], "errors.text");
        size_t max = i == 0 ? 1000 : KB_BODY_MAX;
        if (json_string_length(v) > max) FAIL(i == 0 ? 422 : 413, texts[i], "errors.too_big");
        json_object_set(r, texts[i], v);
    }
    if ((v = json_object_get(in, "video_url")) && !json_is_null(v)) {
        const char *u = json_string_value(v);
        if (!u || json_string_length(v) > 500 ||
            (*u && strncmp(u, "https://", 8) != 0 && strncmp(u, "http://", 7) != 0))
            FAIL(422, "video_url", "errors.video_url");
        json_object_set(r, "video_url", v);
    }
    if ((v = json_object_get(in, "visibility"))) {
        if (kb_vis_from_str(json_string_value(v)) < 0) FAIL(422, "visibility", "errors.visibility");
        json_object_set(r, "visibility", v);
    }
    if (!json_object_get(r, "visibility")) json_object_set_new(r, "visibility", json_string("public"));
    if ((v = json_object_get(in, "accounts"))) {
        json_t *arr = json_array();
        size_t i;
        json_t *x;
        if (json_is_string(v)) { /* "100, 200" from a form */
            const char *s = json_string_value(v);
            while (*s) {
                char *e;
                unsigned long long a = strtoull(s, &e, 10);
                if (e == s) { if (*s == ',' || *s == ' ') { s++; continue; } json_decref(arr); FAIL(422, "accounts", "errors.accounts"); }
                json_array_append_new(arr, json_integer((json_int_t)a));
                s = e;
            }
        } else if (json_is_array(v)) {
            json_array_foreach(v, i, x) {
                if (!json_is_integer(x) || json_integer_value(x) <= 0) { json_decref(arr); FAIL(422, "accounts", "errors.accounts"); }
                json_array_append(arr, x);
            }
        } else if (!json_is_null(v)) {
            json_decref(arr);
            FAIL(422, "accounts", "errors.accounts");
        }
        json_object_set_new(r, "accounts", arr);
    }
    if (!json_object_get(r, "accounts")) json_object_set_new(r, "accounts", json_array());
    if (strcmp(pt_rec_str(r, "visibility", ""), "accounts") == 0 &&
        json_array_size(json_object_get(r, "accounts")) == 0)
        FAIL(422, "accounts", "errors.accounts");
    if ((v = json_object_get(in, "status"))) {
        const char *s = json_string_value(v);
        if (!s || (strcmp(s, "draft") != 0 && strcmp(s, "published") != 0))
            FAIL(422, "status", "errors.status");
        json_object_set(r, "status", v);
    }
    if (!json_object_get(r, "status")) json_object_set_new(r, "status", json_string("draft"));
    if ((v = json_object_get(in, "related"))) {
        json_t *arr = NULL;
        if (!str_list(v, &arr, 20, 100)) FAIL(422, "related", "errors.list");
        json_object_set_new(r, "related", arr);
    }
    if (!json_object_get(r, "related")) json_object_set_new(r, "related", json_array());
    if ((v = json_object_get(in, "slug")) && !json_is_null(v) && json_string_length(v)) {
        if (!json_is_string(v) || !slug_ok(json_string_value(v))) FAIL(422, "slug", "errors.slug");
        json_object_set(r, "slug", v);
    }
    *out = r;
    return 0;
}

/* ---- storage ----------------------------------------------------------------------- */
static void idkey(uint8_t k[8], uint64_t id) { pt_key_u64(k, id); }

int kb_article_get(pt_txn *txn, uint64_t id, json_t **out)
{
    uint8_t k[8];
    idkey(k, id);
    return pt_record_get(txn, kb_db_articles, k, 8, out);
}

int kb_article_find(pt_txn *txn, const char *s, json_t **out)
{
    *out = NULL;
    if (!s || !*s) return PT_ENOTFOUND;
    uint64_t id;
    if (strlen(s) == 13 && pt_id_parse(s, &id) == 0 && kb_article_get(txn, id, out) == 0) return 0;
    const void *v;
    size_t vl;
    if (strlen(s) > 200) return PT_ENOTFOUND;
    if (pt_kv_get(txn, kb_db_slugs, s, strlen(s), &v, &vl) != 0 || vl != 8) return PT_ENOTFOUND;
    return kb_article_get(txn, pt_key_read_u64(v), out);
}

void kb_article_text(const json_t *rec, pt_buf *out)
{
    static const char *const f[] = {"summary", "problem", "cause", "resolution", "body"};
    for (int i = 0; i < 5; i++) {
        const char *s = pt_rec_str(rec, f[i], "");
        if (!*s) continue;
        if (out->len) pt_buf_putc(out, '\n');
        pt_buf_puts(out, s);
    }
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(rec, "tags"), i, t) {
        pt_buf_putc(out, ' ');
        pt_buf_puts(out, json_string_value(t));
    }
}

static int unique_slug(pt_txn *txn, json_t *rec, uint64_t id)
{
    char base[128], slug[140];
    const char *want = pt_rec_str(rec, "slug", NULL);
    if (want) snprintf(base, sizeof base, "%s", want);
    else kb_slugify(pt_rec_str(rec, "title", ""), base, sizeof base);
    for (int n = 1; n < 1000; n++) {
        if (n == 1) snprintf(slug, sizeof slug, "%s", base);
        else snprintf(slug, sizeof slug, "%s-%d", base, n);
        const void *v;
        size_t vl;
        int rc = pt_kv_get(txn, kb_db_slugs, slug, strlen(slug), &v, &vl);
        if (rc == PT_ENOTFOUND || (rc == 0 && vl == 8 && pt_key_read_u64(v) == id)) {
            json_object_set_new(rec, "slug", json_string(slug));
            uint8_t k[8];
            idkey(k, id);
            return pt_kv_put(txn, kb_db_slugs, slug, strlen(slug), k, 8, 0);
        }
        if (rc && rc != PT_ENOTFOUND) return rc;
    }
    return PT_EEXIST;
}

int kb_article_create(pt_txn *txn, const json_t *in, uint64_t author, json_t **out,
                      const char **field, const char **why)
{
    json_t *rec = NULL;
    int st = kb_article_build(txn, NULL, in, &rec, field, why);
    if (st) return st;
    uint64_t id = pt_id_new();
    uint64_t now = pt_wall_ms();
    pt_rec_set_u64(rec, "id", id);
    pt_rec_set_u64(rec, "created", now);
    pt_rec_set_u64(rec, "updated", now);
    pt_rec_set_u64(rec, "author", author);
    json_object_set_new(rec, "rev", json_integer(1));
    const char *cat = pt_rec_str(rec, "category", "general");
    int rc = kb_category_ensure(txn, cat, NULL, NULL, pt_rec_str(rec, "collection", "kb"), NULL, 100);
    if (rc == 0) rc = unique_slug(txn, rec, id);
    if (rc == 0) rc = kb_index_add(txn, rec);
    uint8_t k[8];
    idkey(k, id);
    if (rc == 0) rc = pt_record_add(txn, kb_db_articles, k, 8, rec);
    if (rc == 0) rc = kb_revision_add(txn, rec, author);
    if (rc == 0 && strcmp(pt_rec_str(rec, "status", ""), "published") == 0)
        rc = kb_notify_followers(txn, rec, author, true);
    if (rc == 0 && out) *out = rec;
    else json_decref(rec);
    return rc;
}

int kb_article_update(pt_txn *txn, uint64_t id, const json_t *in, uint64_t author, json_t **out,
                      const char **field, const char **why)
{
    json_t *old = NULL, *rec = NULL;
    int rc = kb_article_get(txn, id, &old);
    if (rc) return rc;
    int st = kb_article_build(txn, old, in, &rec, field, why);
    if (st) { json_decref(old); return st; }
    pt_rec_set_u64(rec, "updated", pt_wall_ms());
    pt_rec_set_u64(rec, "editor", author);
    json_object_set_new(rec, "rev", json_integer(pt_rec_int(old, "rev", 0) + 1));
    const char *os = pt_rec_str(old, "slug", ""), *ns = pt_rec_str(rec, "slug", "");
    if (strcmp(os, ns) != 0) {
        rc = pt_kv_del(txn, kb_db_slugs, os, strlen(os), NULL, 0);
        if (rc == PT_ENOTFOUND) rc = 0;
        if (rc == 0) rc = unique_slug(txn, rec, id);
    }
    if (rc == 0)
        rc = kb_category_ensure(txn, pt_rec_str(rec, "category", "general"), NULL, NULL,
                                pt_rec_str(rec, "collection", "kb"), NULL, 100);
    if (rc == 0) rc = kb_index_remove(txn, old, false);
    if (rc == 0) rc = kb_index_add(txn, rec);
    uint8_t k[8];
    idkey(k, id);
    if (rc == 0) rc = pt_record_put(txn, kb_db_articles, k, 8, rec);
    if (rc == 0) rc = kb_revision_add(txn, rec, author);
    if (rc == 0 && strcmp(pt_rec_str(rec, "status", ""), "published") == 0)
        rc = kb_notify_followers(txn, rec, author, strcmp(pt_rec_str(old, "status", ""), "published") != 0);
    json_decref(old);
    if (rc == 0 && out) *out = rec;
    else json_decref(rec);
    return rc;
}

static int del_prefix(pt_txn *txn, pt_db *db, const void *pre, size_t plen)
{
    int rc = 0;
    pt_cursor *c = pt_cursor_open(txn, db, &rc);
    if (!c) return rc;
    pt_kv kv;
    for (rc = pt_cursor_prefix(c, pre, plen, false, &kv); rc == 0;) {
        rc = pt_cursor_del(c);
        if (rc) break;
        rc = pt_cursor_next(c, &kv);
        if (rc == 0 && (kv.klen < plen || memcmp(kv.key, pre, plen) != 0)) rc = PT_ENOTFOUND;
    }
    pt_cursor_close(c);
    return rc == PT_ENOTFOUND ? 0 : rc;
}

int kb_article_delete(pt_txn *txn, uint64_t id)
{
    json_t *old = NULL;
    int rc = kb_article_get(txn, id, &old);
    if (rc) return rc;
    rc = kb_index_remove(txn, old, true);
    uint8_t k[8];
    idkey(k, id);
    if (rc == 0) rc = pt_record_del(txn, kb_db_articles, k, 8);
    const char *slug = pt_rec_str(old, "slug", "");
    if (rc == 0 && *slug) {
        rc = pt_kv_del(txn, kb_db_slugs, slug, strlen(slug), NULL, 0);
        if (rc == PT_ENOTFOUND) rc = 0;
    }
    if (rc == 0) rc = del_prefix(txn, kb_db_revs, k, 8);
    if (rc == 0) rc = del_prefix(txn, kb_db_votes, k, 8);
    json_decref(old);
    return rc;
}

/* ---- views ---------------------------------------------------------------------------- */
static void iso(uint64_t ms, char out[32])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

json_t *kb_article_view(pt_req *req, pt_txn *txn, const json_t *rec, bool full)
{
    char ids[PT_ID_STRLEN], ts[32];
    uint64_t id = pt_rec_u64(rec, "id", 0);
    json_t *v = json_object();
    json_object_set_new(v, "id", json_string(pt_id_to_str(id, ids)));
    static const char *const keep[] = {"slug", "title", "collection", "type", "category", "tags",
                                       "products", "versions", "language", "summary", "status",
                                       "visibility", "video_url", "related", "rev", NULL};
    for (size_t i = 0; keep[i]; i++) {
        json_t *x = json_object_get(rec, keep[i]);
        if (x) json_object_set(v, keep[i], x);
    }
    iso(pt_rec_u64(rec, "updated", 0), ts);
    json_object_set_new(v, "updated", json_string(ts));
    iso(pt_rec_u64(rec, "created", 0), ts);
    json_object_set_new(v, "created", json_string(ts));
    json_object_set_new(v, "url", json_sprintf("/knowledge/a/%s", pt_rec_str(rec, "slug", "")));
    kb_reader r;
    if (req) {
        kb_reader_of(req, &r);
        if (r.editor) json_object_set(v, "accounts", json_object_get(rec, "accounts"));
    }
    if (full) {
        static const char *const texts[] = {"body", "problem", "cause", "resolution"};
        for (int i = 0; i < 4; i++) {
            const char *s = pt_rec_str(rec, texts[i], "");
            json_object_set_new(v, texts[i], json_string(s));
            char *html = kb_markdown(s, strlen(s));
            char key[32];
            snprintf(key, sizeof key, "%s_html", texts[i]);
            json_object_set_new(v, key, json_string(html));
            free(html);
        }
        if (txn) {
            int64_t up = 0, down = 0;
            int mine = -1;
            kb_vote_counts(txn, id, req ? pt_req_user(req) : 0, &up, &down, &mine);
            json_object_set_new(v, "votes", json_pack("{s:I, s:I}", "helpful", (json_int_t)up,
                                                      "not_helpful", (json_int_t)down));
            if (mine >= 0) json_object_set_new(v, "my_vote", json_boolean(mine));
        }
    }
    return v;
}
