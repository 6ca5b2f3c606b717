/*
 * plugins/knowledge/pages_edit.c - the editor's pages (staff or holders of
 * knowledge.edit): new / edit with a Markdown preview (a Preview button
 * that posts the form without JavaScript; static/kb.js previews live
 * through POST /api/v1/articles/preview), publish / unpublish, history
 * with a line diff and restore, and the bulk import form.
 */
#include <string.h>

#include "knowledge.h"

static const char *const fields[] = {"title", "collection", "type", "category", "tags", "products",
                                     "versions", "language", "summary", "body", "problem", "cause",
                                     "resolution", "video_url", "visibility", "accounts", "status",
                                     "related", NULL};

static json_t *form_input(pt_req *req)
{
    json_t *in = json_object();
    for (size_t i = 0; fields[i]; i++) {
        const char *v = pt_req_form(req, fields[i]);
        if (!v) continue;
        json_t *s = json_string(v);
        if (!s) s = json_string("");
        if (strcmp(fields[i], "accounts") == 0 && !*v) { json_decref(s); s = json_array(); }
        json_object_set_new(in, fields[i], s);
    }
    return in;
}

static void opts(pt_req *req, json_t *ctx, const char *name, const char *prefix,
                 const char *const *values, const char *cur)
{
    json_t *a = json_array();
    for (size_t i = 0; values[i]; i++) {
        char key[96];
        snprintf(key, sizeof key, "%s.%s", prefix, values[i]);
        json_array_append_new(a, json_pack("{s:s, s:s, s:b}", "value", values[i], "label", kb_tr(req, key),
                                           "selected", cur && strcmp(cur, values[i]) == 0));
    }
    json_object_set_new(ctx, name, a);
}

static void join(json_t *v, pt_buf *b)
{
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x) {
        if (i) pt_buf_puts(b, ", ");
        if (json_is_string(x)) pt_buf_puts(b, json_string_value(x));
        else if (json_is_integer(x)) pt_buf_printf(b, "%lld", (long long)json_integer_value(x));
    }
}

/* vals: a record or raw input */
static void render_form(pt_req *req, int status, const json_t *vals, const char *slug,
                        const char *error, const char *field, const char *preview)
{
    json_t *ctx = json_object();
    json_t *f = json_object();
    for (size_t i = 0; fields[i]; i++) {
        json_t *v = json_object_get(vals, fields[i]);
        if (json_is_array(v)) {
            pt_buf b = PT_BUF_INIT;
            join(v, &b);
            json_object_set_new(f, fields[i], json_string(b.data ? b.data : ""));
            pt_buf_free(&b);
        } else if (json_is_string(v)) {
            json_object_set(f, fields[i], v);
        }
    }
    json_object_set_new(ctx, "f", f);
    static const char *const cols[] = {"kb", "tech", NULL};
    static const char *const types[] = {"guide", "tutorial", "onboarding", "best_practice", "video", "solution", NULL};
    static const char *const langs[] = {"en", "de", NULL};
    static const char *const vis[] = {"public", "customers", "accounts", NULL};
    static const char *const sts[] = {"draft", "published", NULL};
    opts(req, ctx, "collections", "collection", cols, pt_rec_str(vals, "collection", "kb"));
    opts(req, ctx, "types", "type", types, pt_rec_str(vals, "type", "guide"));
    opts(req, ctx, "languages", "language", langs, pt_rec_str(vals, "language", "en"));
    opts(req, ctx, "visibilities", "visibility", vis, pt_rec_str(vals, "visibility", "public"));
    opts(req, ctx, "statuses", "status", sts, pt_rec_str(vals, "status", "draft"));
    int rc = 0;
    pt_txn *txn = pt_txn_begin(false, &rc);
    if (txn) {
        json_t *cats = kb_categories(txn), *c = json_array();
        size_t i;
        json_t *x;
        json_array_foreach(cats, i, x) json_array_append_new(c, json_pack("{s:s}", "slug", pt_rec_str(x, "slug", "")));
        json_decref(cats);
        json_object_set_new(ctx, "category_list", c);
        pt_txn_abort(txn);
    }
    if (slug) {
        json_object_set_new(ctx, "slug", json_string(slug));
        json_object_set_new(ctx, "action", json_sprintf("/knowledge/a/%s/edit", slug));
    } else {
        json_object_set_new(ctx, "action", json_string("/knowledge/new"));
    }
    if (error) json_object_set_new(ctx, "error", json_string(error));
    if (field) {
        char k[64];
        snprintf(k, sizeof k, "err_%s", field);
        json_object_set_new(ctx, k, json_true());
    }
    if (preview) json_object_set_new(ctx, "preview_html", json_string(preview));
    pt_render_page(req, status, "knowledge/edit", ctx);
}

static bool editor(pt_req *req)
{
    if (kb_can_edit(req)) return true;
    pt_http_error(req, 403, kb_tr(req, "errors.forbidden"));
    return false;
}

int kb_page_new(pt_req *req)
{
    if (!editor(req)) return 0;
    json_t *v = json_pack("{s:s, s:s, s:s, s:s}", "collection", "kb", "language", "en", "visibility",
                          "public", "status", "draft");
    render_form(req, 200, v, NULL, NULL, NULL, NULL);
    json_decref(v);
    return 0;
}

static bool previewing(pt_req *req, json_t *in, const char *slug)
{
    const char *a = pt_req_form(req, "action");
    if (!a || strcmp(a, "preview") != 0) return false;
    const char *md = json_string_value(json_object_get(in, "body"));
    char *html = kb_markdown(md ? md : "", md ? strlen(md) : 0);
    render_form(req, 200, in, slug, NULL, NULL, html);
    free(html);
    return true;
}

static void saved(pt_req *req, const json_t *rec)
{
    char *to = pt_xasprintf("/knowledge/a/%s", pt_rec_str(rec, "slug", ""));
    pt_resp_redirect(req, to);
    free(to);
}

int kb_page_create(pt_req *req)
{
    if (!editor(req)) return 0;
    json_t *in = form_input(req);
    if (previewing(req, in, NULL)) { json_decref(in); return 0; }
    int rc = 0;
    pt_txn *txn = pt_txn_begin(true, &rc);
    if (!txn) { json_decref(in); pt_http_error(req, 503, kb_tr(req, "errors.busy")); return 0; }
    json_t *rec = NULL;
    const char *field = NULL, *why = NULL;
    int st = kb_article_create(txn, in, pt_req_user(req), &rec, &field, &why);
    if (st == 0) st = pt_txn_commit(txn);
    else pt_txn_abort(txn);
    if (st > 0) render_form(req, st, in, NULL, kb_tr(req, why), field, NULL);
    else if (st < 0) pt_http_error(req, kb_status_of(st), kb_tr(req, "errors.busy"));
    else saved(req, rec);
    json_decref(rec);
    json_decref(in);
    return 0;
}

static json_t *load(pt_req *req)
{
    int rc = 0;
    pt_txn *txn = pt_txn_begin(false, &rc);
    if (!txn) { pt_http_error(req, 503, kb_tr(req, "errors.busy")); return NULL; }
    json_t *rec = NULL;
    if (kb_article_find(txn, pt_req_param(req, "slug"), &rec) != 0) {
        pt_http_error(req, 404, kb_tr(req, "errors.not_found"));
        rec = NULL;
    }
    pt_txn_abort(txn);
    return rec;
}

int kb_page_edit(pt_req *req)
{
    if (!editor(req)) return 0;
    json_t *rec = load(req);
    if (!rec) return 0;
    render_form(req, 200, rec, pt_rec_str(rec, "slug", ""), NULL, NULL, NULL);
    json_decref(rec);
    return 0;
}

static int update_with(pt_req *req, json_t *in, json_t **out, const char **field, const char **why)
{
    int rc = 0;
    pt_txn *txn = pt_txn_begin(true, &rc);
    if (!txn) return PT_EAGAIN;
    json_t *cur = NULL;
    rc = kb_article_find(txn, pt_req_param(req, "slug"), &cur);
    if (rc == 0) rc = kb_article_update(txn, pt_rec_u64(cur, "id", 0), in, pt_req_user(req), out, field, why);
    json_decref(cur);
    if (rc == 0) rc = pt_txn_commit(txn);
    else pt_txn_abort(txn);
    return rc;
}

int kb_page_save(pt_req *req)
{
    if (!editor(req)) return 0;
    json_t *in = form_input(req);
    const char *slug = pt_req_param(req, "slug");
    if (previewing(req, in, slug)) { json_decref(in); return 0; }
    json_t *rec = NULL;
    const char *field = NULL, *why = NULL;
    int st = update_with(req, in, &rec, &field, &why);
    if (st > 0) render_form(req, st, in, slug, kb_tr(req, why), field, NULL);
    else if (st < 0) pt_http_error(req, kb_status_of(st), kb_tr(req, st == PT_ENOTFOUND ? "errors.not_found" : "errors.busy"));
    else saved(req, rec);
    json_decref(rec);
    json_decref(in);
    return 0;
}

int kb_page_publish(pt_req *req)
{
    if (!editor(req)) return 0;
    const char *s = pt_req_form(req, "status");
    json_t *in = json_pack("{s:s}", "status", s ? s : "");
    json_t *rec = NULL;
    const char *field = NULL, *why = NULL;
    int st = update_with(req, in, &rec, &field, &why);
    json_decref(in);
    if (st) pt_http_error(req, st > 0 ? st : kb_status_of(st), kb_tr(req, st > 0 ? why : "errors.not_found"));
    else saved(req, rec);
    json_decref(rec);
    return 0;
}

int kb_page_history(pt_req *req)
{
    if (!editor(req)) return 0;
    json_t *rec = load(req);
    if (!rec) return 0;
    int rc = 0;
    pt_txn *txn = pt_txn_begin(false, &rc);
    if (!txn) { json_decref(rec); pt_http_error(req, 503, kb_tr(req, "errors.busy")); return 0; }
    json_t *revs = kb_revisions_list(txn, pt_rec_u64(rec, "id", 0));
    pt_txn_abort(txn);
    json_t *ctx = json_pack("{s:s, s:s, s:o, s:I}", "slug", pt_rec_str(rec, "slug", ""), "title",
                            pt_rec_str(rec, "title", ""), "revisions", revs, "current",
                            (json_int_t)pt_rec_int(rec, "rev", 1));
    json_decref(rec);
    pt_render_page(req, 200, "knowledge/history", ctx);
    return 0;
}

int kb_page_diff(pt_req *req)
{
    if (!editor(req)) return 0;
    json_t *rec = load(req);
    if (!rec) return 0;
    const char *rs = pt_req_query(req, "rev");
    int64_t rev = rs ? strtoll(rs, NULL, 10) : pt_rec_int(rec, "rev", 1);
    int rc = 0;
    pt_txn *txn = pt_txn_begin(false, &rc);
    json_t *a = NULL, *b = NULL;
    if (!txn || kb_revision_get(txn, pt_rec_u64(rec, "id", 0), rev, &b) != 0) {
        pt_txn_abort(txn);
        json_decref(rec);
        pt_http_error(req, 404, kb_tr(req, "errors.not_found"));
        return 0;
    }
    kb_revision_get(txn, pt_rec_u64(rec, "id", 0), rev - 1, &a);
    pt_txn_abort(txn);
    json_t *d = kb_diff_lines(pt_rec_str(a, "body", ""), pt_rec_str(b, "body", ""));
    size_t i;
    json_t *x;
    json_array_foreach(d, i, x) {
        const char *op = pt_rec_str(x, "op", " ");
        json_object_set_new(x, op[0] == '+' ? "add" : op[0] == '-' ? "del" : "same", json_true());
    }
    json_t *ctx = json_pack("{s:s, s:s, s:I, s:I, s:o, s:b}", "slug", pt_rec_str(rec, "slug", ""),
                            "title", pt_rec_str(b, "title", ""), "rev", (json_int_t)rev, "prev",
                            (json_int_t)(rev - 1), "diff", d, "title_changed",
                            a && strcmp(pt_rec_str(a, "title", ""), pt_rec_str(b, "title", "")) != 0);
    if (a) json_object_set_new(ctx, "old_title", json_string(pt_rec_str(a, "title", "")));
    json_decref(a);
    json_decref(b);
    json_decref(rec);
    pt_render_page(req, 200, "knowledge/diff", ctx);
    return 0;
}

int kb_page_restore(pt_req *req)
{
    if (!editor(req)) return 0;
    const char *rs = pt_req_form(req, "rev");
    json_t *rec = NULL;
    int rc = kb_restore(req, pt_req_param(req, "slug"), rs ? strtoll(rs, NULL, 10) : 0, &rec);
    if (rc) {
        pt_http_error(req, rc == PT_ENOTFOUND ? 404 : 500, kb_tr(req, rc == PT_ENOTFOUND ? "errors.not_found" : "errors.busy"));
        return 0;
    }
    saved(req, rec);
    json_decref(rec);
    return 0;
}

int kb_page_import(pt_req *req)
{
    if (!editor(req)) return 0;
    pt_render_page(req, 200, "knowledge/import", json_object());
    return 0;
}

int kb_page_import_post(pt_req *req)
{
    if (!editor(req)) return 0;
    json_t *res = NULL;
    int st = kb_import_files(req, &res);
    json_t *ctx = json_object();
    if (st) {
        json_object_set_new(ctx, "error", json_pack("{s:O?, s:O?}", "file", json_object_get(res, "file"),
                                                    "message", json_object_get(res, "error")));
    } else {
        json_object_set(ctx, "imported", json_object_get(res, "imported"));
        json_object_set_new(ctx, "count", json_integer((json_int_t)json_array_size(json_object_get(res, "imported"))));
    }
    json_decref(res);
    pt_render_page(req, st ? st : 200, "knowledge/import", ctx);
    return 0;
}
