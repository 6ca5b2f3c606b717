/*
 * plugins/knowledge/api.c - the JSON API under /api/v1/articles and
 * /api/v1/knowledge, plus helpers the page handlers share (reader,
 * filters, search results as JSON) and the "knowledge.search" export the
 * support plugin calls while a case subject is typed.
 * Another reader's hidden article answers exactly like a missing one (404).
 */
#include <string.h>
#include <strings.h>

#include "knowledge.h"

const char *kb_tr(pt_req *req, const char *key)
{
    char full[128];
    snprintf(full, sizeof full, "knowledge.%s", key ? key : "errors.busy");
    return pt_t(req, full);
}

bool kb_can_edit(pt_req *req)
{
    return pt_req_is_staff(req) || (pt_req_user(req) && pt_req_can(req, "knowledge.edit"));
}

int kb_status_of(int rc)
{
    switch (rc) {
    case PT_ENOTFOUND: return 404;
    case PT_EFULL: return 507;
    case PT_EAGAIN: return 503;
    case PT_EEXIST: return 409;
    default: return 500;
    }
}

static void fail(pt_req *req, int status, const char *field, const char *key)
{
    if (field) pt_http_error_field(req, status, field, kb_tr(req, key));
    else pt_http_error(req, status, kb_tr(req, key));
}

static pt_txn *rtxn(pt_req *req)
{
    int rc = 0;
    pt_txn *t = pt_txn_begin(false, &rc);
    if (!t) fail(req, 503, NULL, "errors.busy");
    return t;
}

int kb_filter_from_req(pt_req *req, pt_txn *txn, kb_filter *f)
{
    f->collection = -1;
    f->cat = -1;
    f->product = NULL;
    const char *c = pt_req_query(req, "collection");
    if (c && *c) {
        f->collection = kb_collection_from_str(c);
        if (f->collection < 0) return 422;
    }
    const char *cat = pt_req_query(req, "category");
    if (cat && *cat) {
        uint16_t num = 0;
        f->cat = (kb_category_num(txn, cat, &num) == 0) ? num : 65535;
    }
    const char *p = pt_req_query(req, "product");
    if (p && *p) f->product = p;
    return 0;
}

static json_t *hit_json(pt_req *req, pt_txn *txn, const kb_query *q, const json_t *rec)
{
    char ids[PT_ID_STRLEN];
    int lang = kb_lang_from_str(pt_rec_str(rec, "language", "en"));
    pt_buf snip = PT_BUF_INIT, title = PT_BUF_INIT, text = PT_BUF_INIT;
    kb_article_text(rec, &text);
    kb_snippet(q, lang, text.data ? text.data : "", 220, &snip);
    kb_highlight(q, lang, pt_rec_str(rec, "title", ""), &title);
    json_t *h = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id",
                          pt_id_to_str(pt_rec_u64(rec, "id", 0), ids), "title",
                          pt_rec_str(rec, "title", ""), "url", "", "snippet",
                          snip.data ? snip.data : "", "title_html", title.data ? title.data : "",
                          "collection", pt_rec_str(rec, "collection", ""), "category",
                          pt_rec_str(rec, "category", ""), "summary", pt_rec_str(rec, "summary", ""),
                          "status", pt_rec_str(rec, "status", ""));
    json_object_set_new(h, "url", json_sprintf("/knowledge/a/%s", pt_rec_str(rec, "slug", "")));
    json_object_set(h, "products", json_object_get(rec, "products"));
    (void)req; (void)txn;
    pt_buf_free(&snip);
    pt_buf_free(&title);
    pt_buf_free(&text);
    return h;
}

int kb_search_json(pt_req *req, pt_txn *txn, const char *q, const kb_filter *f, size_t offset,
                   size_t limit, json_t **out, size_t *total, uint64_t *us)
{
    kb_query kq;
    kb_query_parse(q, &kq);
    kb_reader r;
    kb_reader_of(req, &r);
    kb_hit hits[100];
    if (limit > 100) limit = 100;
    size_t n = 0;
    uint64_t t0 = pt_now_us();
    int rc = kb_search(txn, &kq, &r, f, offset, limit, hits, &n, total);
    if (us) *us = pt_now_us() - t0;
    *out = json_array();
    for (size_t i = 0; i < n && rc == 0; i++) {
        json_t *rec = NULL;
        if (kb_article_get(txn, hits[i].id, &rec) != 0) continue;
        json_array_append_new(*out, hit_json(req, txn, &kq, rec));
        json_decref(rec);
    }
    if (req) {
        char st[64];
        snprintf(st, sizeof st, "search;dur=%.3f", us ? (double)*us / 1000.0 : 0.0);
        pt_resp_set_header(req, "Server-Timing", st);
    }
    return rc;
}

/* ---- listing without a query ---------------------------------------------------- */
typedef struct lctx {
    pt_txn *txn;
    const kb_reader *r;
    const kb_filter *f;
    uint32_t *pset;     /* sorted docnums of the product filter, or NULL */
    size_t npset;
    struct { uint32_t up; uint32_t dn; uint64_t id; } *v;
    size_t n, cap;
} lctx;

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void on_doc(uint32_t dn, const kb_docent *e, void *ud)
{
    lctx *c = ud;
    if (!kb_visible_ent(c->txn, c->r, dn, e)) return;
    if (c->f->collection >= 0 && ((e->flags & KB_DOC_TECH) ? 1 : 0) != c->f->collection) return;
    if (c->f->cat >= 0 && e->cat != c->f->cat) return;
    if (c->pset && !bsearch(&dn, c->pset, c->npset, sizeof dn, cmp_u32)) return;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->v = pt_xrealloc(c->v, c->cap * sizeof *c->v);
    }
    c->v[c->n].up = e->updated_s;
    c->v[c->n].dn = dn;
    c->v[c->n++].id = e->id;
}

static int cmp_recent(const void *a, const void *b)
{
    const uint32_t *x = a, *y = b; /* up, dn */
    if (x[0] != y[0]) return x[0] > y[0] ? -1 : 1;
    return x[1] > y[1] ? -1 : x[1] < y[1];
}

int kb_list_ids(pt_txn *txn, const kb_reader *r, const kb_filter *f, size_t offset, size_t limit,
                uint64_t *ids, size_t *n, size_t *total)
{
    lctx c = {txn, r, f, NULL, 0, NULL, 0, 0};
    if (f->product && *f->product) {
        char k[KB_TERM_MAX + 8];
        snprintf(k, sizeof k, "!p:%s", f->product);
        for (char *p = k; *p; p++)
            if (*p >= 'A' && *p <= 'Z') *p = (char)(*p + 32);
        kb_post *arr = NULL;
        size_t pn = 0, pc = 0;
        kb_postings(txn, k, &arr, &pn, &pc);
        c.pset = pt_xmalloc((pn + 1) * sizeof *c.pset);
        for (size_t i = 0; i < pn; i++) c.pset[i] = arr[i].dn;
        c.npset = pn;
        qsort(c.pset, pn, sizeof *c.pset, cmp_u32);
        free(arr);
    }
    kb_docs_each(txn, on_doc, &c);
    qsort(c.v, c.n, sizeof *c.v, cmp_recent);
    *total = c.n;
    *n = 0;
    for (size_t i = offset; i < c.n && *n < limit; i++) ids[(*n)++] = c.v[i].id;
    free(c.v);
    free(c.pset);
    return 0;
}

static size_t qnum(pt_req *req, const char *name, size_t dflt, size_t max)
{
    const char *s = pt_req_query(req, name);
    if (!s || !*s) return dflt;
    long v = strtol(s, NULL, 10);
    if (v < 1) return 1;
    return (size_t)v > max ? max : (size_t)v;
}

static bool anon_refused(pt_req *req)
{
    if (pt_req_user(req) || kb_anonymous_read()) return false;
    fail(req, 401, NULL, "errors.signin");
    return true;
}

int kb_api_list(pt_req *req)
{
    if (anon_refused(req)) return 0;
    pt_txn *txn = rtxn(req);
    if (!txn) return 0;
    kb_filter f;
    if (kb_filter_from_req(req, txn, &f)) {
        pt_txn_abort(txn);
        fail(req, 422, "collection", "errors.collection");
        return 0;
    }
    size_t page = qnum(req, "page", 1, 100000), per = qnum(req, "per_page", 20, 100);
    const char *q = pt_req_query(req, "q");
    json_t *items = NULL;
    size_t total = 0;
    json_t *res = json_object();
    if (q && *q && (page - 1) * per >= KB_SEARCH_WINDOW) {
        pt_txn_abort(txn);
        json_decref(res);
        fail(req, 400, "page", "errors.search_window");
        return 0;
    }
    if (q && *q) {
        uint64_t us = 0;
        kb_search_json(req, txn, q, &f, (page - 1) * per, per, &items, &total, &us);
        json_object_set_new(res, "pageable", json_integer(total < KB_SEARCH_WINDOW ? (json_int_t)total
                                                                                  : KB_SEARCH_WINDOW));
        json_object_set_new(res, "query", json_string(q));
        json_object_set_new(res, "took_us", json_integer((json_int_t)us));
    } else {
        kb_reader r;
        kb_reader_of(req, &r);
        uint64_t ids[100];
        size_t n = 0;
        kb_list_ids(txn, &r, &f, (page - 1) * per, per, ids, &n, &total);
        items = json_array();
        for (size_t i = 0; i < n; i++) {
            json_t *rec = NULL;
            if (kb_article_get(txn, ids[i], &rec) != 0) continue;
            json_array_append_new(items, kb_article_view(req, txn, rec, false));
            json_decref(rec);
        }
    }
    pt_txn_abort(txn);
    json_object_set_new(res, "articles", items);
    json_object_set_new(res, "total", json_integer((json_int_t)total));
    json_object_set_new(res, "page", json_integer((json_int_t)page));
    json_object_set_new(res, "per_page", json_integer((json_int_t)per));
    pt_resp_json(req, 200, res);
    return 0;
}

/* Load the article named by :id for this reader; answers 404 itself. */
static json_t *load_visible(pt_req *req, pt_txn *txn)
{
    json_t *rec = NULL;
    kb_reader r;
    kb_reader_of(req, &r);
    if (kb_article_find(txn, pt_req_param(req, "id"), &rec) != 0 || !kb_visible_rec(&r, rec)) {
        json_decref(rec);
        fail(req, 404, NULL, "errors.not_found");
        return NULL;
    }
    return rec;
}

int kb_api_get(pt_req *req)
{
    if (anon_refused(req)) return 0;
    pt_txn *txn = rtxn(req);
    if (!txn) return 0;
    json_t *rec = load_visible(req, txn);
    if (rec) {
        pt_resp_json(req, 200, kb_article_view(req, txn, rec, true));
        json_decref(rec);
    }
    pt_txn_abort(txn);
    return 0;
}

static json_t *body_json(pt_req *req)
{
    const char *why = NULL;
    json_t *b = pt_req_json(req, &why);
    if (!b) pt_http_error(req, 400, why ? why : kb_tr(req, "errors.not_object"));
    return b;
}

static bool need_editor(pt_req *req)
{
    if (kb_can_edit(req)) return true;
    fail(req, 403, NULL, "errors.forbidden");
    return false;
}

static void answer_write(pt_req *req, int st, const char *field, const char *why)
{
    if (st > 0) fail(req, st, field, why);
    else pt_http_error(req, kb_status_of(st), pt_store_last_error());
}

int kb_api_create(pt_req *req)
{
    if (!need_editor(req)) return 0;
    json_t *in = body_json(req);
    if (!in) return 0;
    int rc = 0;
    pt_txn *txn = pt_txn_begin(true, &rc);
    if (!txn) { fail(req, 503, NULL, "errors.busy"); return 0; }
    json_t *rec = NULL;
    const char *field = NULL, *why = NULL;
    int st = kb_article_create(txn, in, pt_req_user(req), &rec, &field, &why);
    if (st == 0) st = pt_txn_commit(txn);
    else pt_txn_abort(txn);
    if (st) { json_decref(rec); answer_write(req, st, field, why); return 0; }
    pt_resp_json(req, 201, kb_article_view(req, NULL, rec, true));
    json_decref(rec);
    return 0;
}

int kb_api_update(pt_req *req)
{
    if (!need_editor(req)) return 0;
    json_t *in = body_json(req);
    if (!in) return 0;
    int rc = 0;
    pt_txn *txn = pt_txn_begin(true, &rc);
    if (!txn) { fail(req, 503, NULL, "errors.busy"); return 0; }
    json_t *cur = NULL, *rec = NULL;
    if (kb_article_find(txn, pt_req_param(req, "id"), &cur) != 0) {
        pt_txn_abort(txn);
        fail(req, 404, NULL, "errors.not_found");
        return 0;
    }
    const char *field = NULL, *why = NULL;
    int st = kb_article_update(txn, pt_rec_u64(cur, "id", 0), in, pt_req_user(req), &rec, &field, &why);
    json_decref(cur);
    if (st == 0) st = pt_txn_commit(txn);
    else pt_txn_abort(txn);
    if (st) { json_decref(rec); answer_write(req, st, field, why); return 0; }
    pt_resp_json(req, 200, kb_article_view(req, NULL, rec, true));
    json_decref(rec);
    return 0;
}

int kb_api_delete(pt_req *req)
{
    int rc = 0;
    pt_txn *txn = pt_txn_begin(true, &rc);
    if (!txn) { fail(req, 503, NULL, "errors.busy"); return 0; }
    json_t *cur = NULL;
    if (kb_article_find(txn, pt_req_param(req, "id"), &cur) != 0) {
        pt_txn_abort(txn);
        fail(req, 404, NULL, "errors.not_found");
        return 0;
    }
    rc = kb_article_delete(txn, pt_rec_u64(cur, "id", 0));
    json_decref(cur);
    if (rc == 0) rc = pt_txn_commit(txn);
    else pt_txn_abort(txn);
    if (rc) { answer_write(req, rc, NULL, NULL); return 0; }
    pt_resp_json(req, 200, json_pack("{s:b}", "deleted", 1));
    return 0;
}

int kb_api_revisions(pt_req *req)
{
    if (!need_editor(req)) return 0;
    pt_txn *txn = rtxn(req);
    if (!txn) return 0;
    json_t *rec = load_visible(req, txn);
    if (!rec) { pt_txn_abort(txn); return 0; }
    uint64_t id = pt_rec_u64(rec, "id", 0);
    const char *rs = pt_req_param(req, "rev");
    if (!rs) {
        pt_resp_json(req, 200, json_pack("{s:o}", "revisions", kb_revisions_list(txn, id)));
    } else {
        int64_t rev = strtoll(rs, NULL, 10);
        json_t *a = NULL, *b = NULL;
        if (kb_revision_get(txn, id, rev, &b) != 0) {
            fail(req, 404, NULL, "errors.not_found");
        } else {
            const char *from = pt_req_query(req, "against");
            int64_t prev = from ? strtoll(from, NULL, 10) : rev - 1;
            kb_revision_get(txn, id, prev, &a);
            json_t *out = json_pack("{s:I, s:s, s:s, s:o}", "rev", (json_int_t)rev, "title",
                                    pt_rec_str(b, "title", ""), "body", pt_rec_str(b, "body", ""),
                                    "diff", kb_diff_lines(pt_rec_str(a, "body", ""),
                                                          pt_rec_str(b, "body", "")));
            pt_resp_json(req, 200, out);
        }
        json_decref(a);
        json_decref(b);
    }
    json_decref(rec);
    pt_txn_abort(txn);
    return 0;
}

/* The editable fields of a revision snapshot, as update input. */
json_t *kb_restore_input(const json_t *snap)
{
    static const char *const f[] = {"title", "collection", "type", "category", "tags", "products",
                                    "versions", "language", "summary", "body", "problem", "cause",
                                    "resolution", "video_url", "visibility", "accounts", "related",
                                    NULL};
    json_t *in = json_object();
    for (size_t i = 0; f[i]; i++) {
        json_t *v = json_object_get(snap, f[i]);
        if (v) json_object_set(in, f[i], v);
    }
    return in;
}

int kb_restore(pt_req *req, const char *id_or_slug, int64_t rev, json_t **out)
{
    int rc = 0;
    pt_txn *txn = pt_txn_begin(true, &rc);
    if (!txn) return PT_EAGAIN;
    json_t *cur = NULL, *snap = NULL;
    rc = kb_article_find(txn, id_or_slug, &cur);
    uint64_t id = pt_rec_u64(cur, "id", 0);
    if (rc == 0) rc = kb_revision_get(txn, id, rev, &snap);
    const char *field, *why;
    if (rc == 0) {
        json_t *in = kb_restore_input(snap);
        rc = kb_article_update(txn, id, in, pt_req_user(req), out, &field, &why);
        json_decref(in);
    }
    json_decref(cur);
    json_decref(snap);
    if (rc == 0) rc = pt_txn_commit(txn);
    else pt_txn_abort(txn);
    return rc > 0 ? PT_EINVAL : rc;
}

int kb_api_restore(pt_req *req)
{
    if (!need_editor(req)) return 0;
    json_t *rec = NULL;
    int rc = kb_restore(req, pt_req_param(req, "id"), strtoll(pt_req_param(req, "rev"), NULL, 10), &rec);
    if (rc) { fail(req, rc == PT_ENOTFOUND ? 404 : 500, NULL, rc == PT_ENOTFOUND ? "errors.not_found" : "errors.busy"); return 0; }
    pt_resp_json(req, 200, kb_article_view(req, NULL, rec, true));
    json_decref(rec);
    return 0;
}

int kb_vote(pt_req *req, const char *id_or_slug, bool helpful, const char *comment)
{
    if (comment && strlen(comment) > 2000) return 413;
    int rc = 0;
    pt_txn *txn = pt_txn_begin(true, &rc);
    if (!txn) return 503;
    json_t *rec = NULL;
    kb_reader r;
    kb_reader_of(req, &r);
    rc = kb_article_find(txn, id_or_slug, &rec);
    if (rc == 0 && !kb_visible_rec(&r, rec)) rc = PT_ENOTFOUND;
    if (rc == 0) rc = kb_vote_put(txn, pt_rec_u64(rec, "id", 0), pt_req_user(req), helpful, comment);
    json_decref(rec);
    if (rc == 0) rc = pt_txn_commit(txn);
    else pt_txn_abort(txn);
    return rc == 0 ? 0 : rc == PT_ENOTFOUND ? 404 : 500;
}

int kb_api_vote(pt_req *req)
{
    json_t *in = body_json(req);
    if (!in) return 0;
    json_t *h = json_object_get(in, "helpful");
    json_t *c = json_object_get(in, "comment");
    if (!json_is_boolean(h)) { fail(req, 422, "helpful", "errors.vote"); return 0; }
    if (c && !json_is_null(c) && !json_is_string(c)) { fail(req, 422, "comment", "errors.text"); return 0; }
    int st = kb_vote(req, pt_req_param(req, "id"), json_is_true(h), json_string_value(c));
    if (st) { fail(req, st, st == 413 ? "comment" : NULL, st == 404 ? "errors.not_found" : st == 413 ? "errors.too_big" : "errors.busy"); return 0; }
    pt_txn *txn = rtxn(req);
    if (!txn) return 0;
    json_t *rec = NULL;
    kb_article_find(txn, pt_req_param(req, "id"), &rec);
    int64_t up = 0, down = 0;
    int mine = -1;
    kb_vote_counts(txn, pt_rec_u64(rec, "id", 0), pt_req_user(req), &up, &down, &mine);
    json_decref(rec);
    pt_txn_abort(txn);
    pt_resp_json(req, 200, json_pack("{s:I, s:I, s:b}", "helpful", (json_int_t)up, "not_helpful",
                                     (json_int_t)down, "my_vote", mine == 1));
    return 0;
}

int kb_api_follow_get(pt_req *req)
{
    pt_txn *txn = rtxn(req);
    if (!txn) return 0;
    json_t *f = kb_follows_of(txn, pt_req_user(req));
    pt_txn_abort(txn);
    pt_resp_json(req, 200, json_pack("{s:o}", "follows", f));
    return 0;
}

int kb_follow(pt_req *req, const char *kind, const char *target, bool on)
{
    if (!kind || !target || !*target || strlen(target) > 120 ||
        (strcmp(kind, "category") != 0 && strcmp(kind, "product") != 0))
        return 422;
    int rc = 0;
    pt_txn *txn = pt_txn_begin(true, &rc);
    if (!txn) return 503;
    rc = kb_follow_set(txn, pt_req_user(req), pt_req_account(req), kind, target, on);
    if (rc == 0) rc = pt_txn_commit(txn);
    else pt_txn_abort(txn);
    return rc ? 500 : 0;
}

int kb_api_follow_set(pt_req *req)
{
    json_t *in = body_json(req);
    if (!in) return 0;
    json_t *on = json_object_get(in, "follow");
    int st = kb_follow(req, json_string_value(json_object_get(in, "kind")),
                       json_string_value(json_object_get(in, "target")), !json_is_false(on));
    if (st) { fail(req, st, st == 422 ? "kind" : NULL, st == 422 ? "errors.follow" : "errors.busy"); return 0; }
    return kb_api_follow_get(req);
}

/* ---- import: every file of a multipart body, in ONE transaction ------------------- */
typedef struct part {
    const char *filename;
    size_t flen;
    const char *data;
    size_t len;
} part;

static size_t multipart_files(pt_req *req, part *out, size_t max)
{
    const char *ct = pt_req_header(req, "Content-Type");
    const char *b = ct ? strstr(ct, "boundary=") : NULL;
    if (!b) return 0;
    b += 9;
    char delim[200];
    size_t bl = strcspn(b, "; ");
    if (*b == '"') { b++; bl = strcspn(b, "\""); }
    if (bl == 0 || bl > 180) return 0;
    int dl = snprintf(delim, sizeof delim, "--%.*s", (int)bl, b);
    size_t len = 0;
    const char *body = pt_req_body(req, &len);
    const char *end = body + len, *p = memmem(body, len, delim, (size_t)dl);
    size_t n = 0;
    while (p && n < max) {
        p += dl;
        if (p + 2 > end || (p[0] == '-' && p[1] == '-')) break;
        const char *hend = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
        if (!hend) break;
        const char *fn = NULL;
        size_t fnl = 0;
        for (const char *h = p; h < hend; h++) {
            if (strncasecmp(h, "filename=\"", 10) == 0) {
                fn = h + 10;
                const char *q = memchr(fn, '"', (size_t)(hend - fn));
                fnl = q ? (size_t)(q - fn) : 0;
                break;
            }
        }
        const char *data = hend + 4;
        char nd[204];
        int ndl = snprintf(nd, sizeof nd, "\r\n%s", delim);
        const char *next = memmem(data, (size_t)(end - data), nd, (size_t)ndl);
        if (!next) break;
        if (fn) out[n++] = (part){fn, fnl, data, (size_t)(next - data)};
        p = next + 2;
    }
    return n;
}

int kb_import_files(pt_req *req, json_t **result)
{
    part parts[500];
    size_t n = multipart_files(req, parts, 500);
    *result = json_object();
    if (n == 0) {
        json_object_set_new(*result, "error", json_string(kb_tr(req, "errors.import_none")));
        return 422;
    }
    int rc = 0;
    pt_txn *txn = pt_txn_begin(true, &rc);
    if (!txn) return 503;
    json_t *done = json_array();
    int st = 0;
    for (size_t i = 0; i < n && st == 0; i++) {
        char *fname = pt_xstrndup(parts[i].filename, parts[i].flen);
        const char *why = NULL, *field = NULL;
        json_t *in = kb_import_parse(parts[i].data, parts[i].len, fname, &why);
        json_t *rec = NULL;
        if (!in) st = 422;
        else st = kb_article_create(txn, in, pt_req_user(req), &rec, &field, &why);
        if (st) {
            json_object_set_new(*result, "file", json_string(fname));
            json_object_set_new(*result, "field", json_string(field ? field : "file"));
            json_object_set_new(*result, "error",
                                json_string(st > 0 && why ? kb_tr(req, why) : pt_store_last_error()));
        } else {
            json_array_append_new(done, kb_article_view(req, NULL, rec, false));
        }
        json_decref(in);
        json_decref(rec);
        free(fname);
    }
    if (st == 0) st = pt_txn_commit(txn);
    else pt_txn_abort(txn);
    if (st == 0) json_object_set_new(*result, "imported", done);
    else json_decref(done);
    return st < 0 ? kb_status_of(st) : st;
}

int kb_api_import(pt_req *req)
{
    if (!need_editor(req)) return 0;
    json_t *res = NULL;
    int st = kb_import_files(req, &res);
    if (st) {
        json_t *err = json_pack("{s:{s:i, s:s, s:O?, s:O?}}", "error", "status", st, "message",
                                json_string_value(json_object_get(res, "error"))
                                    ? json_string_value(json_object_get(res, "error")) : "",
                                "field", json_object_get(res, "field"), "file",
                                json_object_get(res, "file"));
        json_decref(res);
        pt_resp_json(req, st, err);
        return 0;
    }
    pt_resp_json(req, 201, res);
    return 0;
}

int kb_api_preview(pt_req *req)
{
    if (!need_editor(req)) return 0;
    const char *md = pt_req_form(req, "body");
    if (!md) {
        const char *why;
        json_t *b = pt_req_json(req, &why);
        md = json_string_value(json_object_get(b, "body"));
    }
    if (!md) md = "";
    if (strlen(md) > KB_BODY_MAX) { fail(req, 413, "body", "errors.too_big"); return 0; }
    char *html = kb_markdown(md, strlen(md));
    pt_resp_json(req, 200, json_pack("{s:s}", "html", html));
    free(html);
    return 0;
}

/* knowledge.search export: [{id,title,url,snippet}] for req's reader. */
int kb_api_suggest(pt_req *req, const char *q, size_t limit, json_t **out)
{
    *out = json_array();
    if (!pt_req_user(req) && !kb_anonymous_read()) return 0;
    int rc = 0;
    pt_txn *txn = pt_txn_begin(false, &rc);
    if (!txn) return rc;
    kb_filter f = {-1, -1, NULL};
    json_t *items = NULL;
    size_t total = 0;
    kb_query kq;
    kb_query_parse(q, &kq);
    kb_reader r;
    kb_reader_of(req, &r);
    kb_hit hits[20];
    size_t n = 0;
    if (limit > 20) limit = 20;
    rc = kb_search(txn, &kq, &r, &f, 0, limit, hits, &n, &total);
    for (size_t i = 0; i < n; i++) {
        json_t *rec = NULL;
        if (kb_article_get(txn, hits[i].id, &rec) != 0) continue;
        json_t *h = hit_json(req, txn, &kq, rec);
        json_array_append_new(*out, json_pack("{s:O, s:O, s:O, s:O}", "id", json_object_get(h, "id"),
                                              "title", json_object_get(h, "title"), "url",
                                              json_object_get(h, "url"), "snippet",
                                              json_object_get(h, "snippet")));
        json_decref(h);
        json_decref(rec);
    }
    (void)items;
    pt_txn_abort(txn);
    return rc;
}
