/*
 * plugins/quotes/pages.c - Request for Quote pages and API: "My quote
 * requests" (/quotes), the request form (/quotes/new: pick an orchestrator
 * or "new", then quantities for the SKUs that fit it; plain HTML, no
 * script needed), submit (POST /quotes), one request (/quotes/:id), the
 * JSON API (/api/v1/quotes) and the staff's request list with status
 * changes (/quotes/manage).
 */
#include <stdlib.h>
#include <string.h>

#include "quotes.h"

int quo_page_list(pt_req *req)
{
    int rc = 0;
    pt_txn *txn = pt_txn_begin(false, &rc);
    if (!txn) {
        pt_http_error(req, 503, quo_t(req, "err.busy"));
        return 0;
    }
    json_t *list = quo_list(txn, pt_req_account(req), pt_req_user(req)), *views = json_array();
    pt_txn_abort(txn);
    size_t i;
    json_t *r;
    json_array_foreach(list, i, r) json_array_append_new(views, quo_view(r, req));
    json_decref(list);
    json_t *ctx = json_pack("{s:o, s:b, s:b}", "requests", views, "has_requests", json_array_size(views) > 0,
                            "staff_manager", quo_staff_manages(req, 0));
    const char *created = pt_req_query(req, "created");
    if (created) json_object_set_new(ctx, "created", json_true());
    pt_render_page(req, 200, "quotes/index", ctx);
    return 0;
}

/* The form page; input (may be NULL) holds what the user sent, error a
 * message. */
static void render_new(pt_req *req, int status, const char *target, const json_t *input, const char *error,
                       const char *error_field)
{
    int rc = 0;
    pt_txn *txn = pt_txn_begin(false, &rc);
    if (!txn) {
        pt_http_error(req, 503, quo_t(req, "err.busy"));
        return;
    }
    json_t *targets = quo_targets(txn, pt_req_account(req), req);
    const char *type = NULL;
    size_t i;
    json_t *t;
    json_array_foreach(targets, i, t) {
        if (target && !strcmp(pt_rec_str(t, "id", ""), target)) {
            type = pt_rec_str(t, "type", NULL);
            json_object_set_new(t, "selected", json_true());
        }
    }
    json_t *ctx = json_object();
    if (type) {
        json_t *cat = quo_catalog(txn, false), *skus = json_array();
        json_t *r;
        json_array_foreach(cat, i, r) {
            if (!quo_sku_fits(r, type)) continue;
            json_t *v = json_pack("{s:O, s:O, s:O, s:O}", "sku", json_object_get(r, "sku"), "name",
                                  json_object_get(r, "name"), "description", json_object_get(r, "description"),
                                  "unit", json_object_get(r, "unit"));
            json_t *price = json_object_get(r, "price");
            if (json_is_number(price) && quo_cfg_bool("show_prices", true)) {
                pt_buf b = PT_BUF_INIT;
                pt_i18n_format_number(req, json_number_value(price), 2, &b);
                pt_buf_printf(&b, " %s", quo_cfg_str("currency", "USD"));
                json_object_set_new(v, "price_display", json_string(b.data));
                pt_buf_free(&b);
            }
            size_t j;
            json_t *l;
            json_array_foreach(json_object_get(input, "lines"), j, l) {
                if (!strcmp(pt_rec_str(l, "sku", ""), pt_rec_str(r, "sku", "")))
                    json_object_set(v, "qty", json_object_get(l, "raw"));
            }
            json_array_append_new(skus, v);
        }
        json_decref(cat);
        json_object_set_new(ctx, "skus", skus);
        json_object_set_new(ctx, "target", json_string(target));
        json_object_set_new(ctx, "step2", json_true());
    }
    pt_txn_abort(txn);
    json_object_set_new(ctx, "targets", targets);
    char today[11], def[11];
    quo_day_fmt(quo_today(), today);
    quo_day_fmt(quo_today() + 14, def);
    json_object_set_new(ctx, "min_date", json_string(today));
    const char *act = pt_rec_str(input, "activation", NULL);
    json_t *av = json_string(act ? act : def);
    json_object_set_new(ctx, "activation", av ? av : json_string(def));
    long years = (long)pt_rec_int(input, "years", 1);
    json_t *yopts = json_array();
    for (long y = 1; y <= QUO_YEARS_MAX; y++)
        json_array_append_new(yopts, json_pack("{s:i, s:b}", "value", (int)y, "selected", y == years));
    json_object_set_new(ctx, "years", yopts);
    if (input) json_object_set(ctx, "note", json_object_get(input, "note"));
    if (error) json_object_set_new(ctx, "error", json_string(error));
    if (error_field) json_object_set_new(ctx, "error_field", json_string(error_field));
    pt_render_page(req, status, "quotes/new", ctx);
}

int quo_page_new(pt_req *req)
{
    render_new(req, 200, pt_req_query(req, "target"), NULL, NULL, NULL);
    return 0;
}

static json_t *form_input(pt_req *req)
{
    json_t *in = json_object();
    const char *v;
    static const char *const keys[] = {"target", "activation", "note", NULL};
    for (size_t i = 0; keys[i]; i++) {
        v = pt_req_form(req, keys[i]);
        json_t *s = json_string(v ? v : "");
        /* invalid UTF-8 becomes a value every check refuses */
        json_object_set_new(in, keys[i], s ? s : json_string(i == 2 ? "\x01" : ""));
    }
    v = pt_req_form(req, "years");
    char *end = NULL;
    long long y = v ? strtoll(v, &end, 10) : 0;
    json_object_set_new(in, "years", json_integer(v && *v && end && !*end ? y : 0));
    const char **skus = NULL, **qtys = NULL;
    size_t ns = pt_req_form_all(req, "sku", &skus), nq = pt_req_form_all(req, "qty", &qtys);
    json_t *lines = json_array();
    for (size_t i = 0; i < ns && i < nq; i++) {
        const char *q = qtys[i];
        while (*q == ' ') q++;
        if (!*q) continue;
        end = NULL;
        long long n = strtoll(q, &end, 10);
        while (end && *end == ' ') end++;
        json_t *sku = json_string(skus[i]), *raw = json_string(q);
        json_array_append_new(lines, json_pack("{s:o, s:I, s:o}", "sku", sku ? sku : json_string("?"),
                                               "quantity", (json_int_t)(end && !*end && n > 0 ? n : 0),
                                               "raw", raw ? raw : json_string("")));
    }
    json_object_set_new(in, "lines", lines);
    return in;
}

int quo_page_submit(pt_req *req)
{
    json_t *in = form_input(req);
    json_t *rec = NULL;
    quo_err e;
    if (quo_submit(req, in, &rec, &e) != 0) {
        render_new(req, e.status, pt_rec_str(in, "target", NULL), in, quo_err_msg(req, &e), e.field);
        json_decref(in);
        return 0;
    }
    json_decref(in);
    char ids[PT_ID_STRLEN];
    pt_id_to_str(pt_rec_u64(rec, "id", 0), ids);
    json_decref(rec);
    pt_resp_redirect(req, pt_arena_printf(pt_req_arena(req), "/quotes?created=%s", ids));
    return 0;
}

static int load(pt_req *req, json_t **rec)
{
    int rc = 0;
    pt_txn *txn = pt_txn_begin(false, &rc);
    if (!txn) {
        pt_http_error(req, 503, quo_t(req, "err.busy"));
        return -1;
    }
    rc = quo_get_scoped(txn, quo_param_id(req, "id"), pt_req_account(req), rec);
    pt_txn_abort(txn);
    if (rc != 0) {
        pt_http_error(req, 404, quo_t(req, "err.not_found"));
        return -1;
    }
    return 0;
}

int quo_page_show(pt_req *req)
{
    json_t *rec = NULL;
    if (load(req, &rec) != 0) return 0;
    json_t *ctx = json_pack("{s:o}", "q", quo_view(rec, req));
    json_decref(rec);
    pt_render_page(req, 200, "quotes/show", ctx);
    return 0;
}

int quo_api_list(pt_req *req)
{
    int rc = 0;
    pt_txn *txn = pt_txn_begin(false, &rc);
    if (!txn) {
        pt_http_error(req, 503, quo_t(req, "err.busy"));
        return 0;
    }
    json_t *list = quo_list(txn, pt_req_account(req), pt_req_user(req)), *views = json_array();
    pt_txn_abort(txn);
    size_t i;
    json_t *r;
    json_array_foreach(list, i, r) json_array_append_new(views, quo_view(r, NULL));
    json_decref(list);
    pt_resp_json(req, 200, json_pack("{s:o}", "quotes", views));
    return 0;
}

int quo_api_get(pt_req *req)
{
    json_t *rec = NULL;
    if (load(req, &rec) != 0) return 0;
    pt_resp_json(req, 200, quo_view(rec, NULL));
    json_decref(rec);
    return 0;
}

int quo_api_create(pt_req *req)
{
    const char *why = NULL;
    json_t *body = pt_req_json(req, &why);
    if (!json_is_object(body)) {
        pt_http_error(req, 400, why ? why : quo_t(req, "err.json"));
        return 0;
    }
    json_t *rec = NULL;
    quo_err e;
    if (quo_submit(req, body, &rec, &e) != 0) {
        pt_http_error_field(req, e.status, e.field, quo_err_msg(req, &e));
        return 0;
    }
    pt_resp_json(req, 201, quo_view(rec, NULL));
    json_decref(rec);
    return 0;
}

int quo_api_patch(pt_req *req)
{
    if (!quo_staff_manages(req, 0)) {
        pt_http_error(req, 403, quo_t(req, "err.staff_only"));
        return 0;
    }
    const char *why = NULL;
    json_t *body = pt_req_json(req, &why);
    json_t *rec = NULL;
    quo_err e;
    if (quo_set_status(req, quo_param_id(req, "id"), json_string_value(json_object_get(body, "status")), &rec,
                       &e) != 0) {
        pt_http_error_field(req, e.status, e.field, quo_err_msg(req, &e));
        return 0;
    }
    pt_resp_json(req, 200, quo_view(rec, NULL));
    json_decref(rec);
    return 0;
}

int quo_manage_page(pt_req *req)
{
    if (!quo_staff_manages(req, 0)) {
        pt_http_error(req, 403, quo_t(req, "err.staff_only"));
        return 0;
    }
    int rc = 0;
    pt_txn *txn = pt_txn_begin(false, &rc);
    if (!txn) {
        pt_http_error(req, 503, quo_t(req, "err.busy"));
        return 0;
    }
    json_t *views = json_array();
    pt_cursor *c = pt_cursor_open(txn, pt_store_db("quotes.requests"), &rc);
    pt_kv kv;
    for (rc = c ? pt_cursor_last(c, &kv) : PT_ENOTFOUND; rc == 0 && json_array_size(views) < 500;
         rc = pt_cursor_prev(c, &kv)) {
        json_t *r = NULL;
        if (pt_record_decode(kv.val, kv.vlen, &r, NULL) != 0) continue;
        if (quo_staff_manages(req, pt_rec_u64(r, "account", 0))) json_array_append_new(views, quo_view(r, req));
        json_decref(r);
    }
    pt_txn_abort(txn);
    json_t *ctx = json_pack("{s:o}", "requests", views);
    if (pt_req_query(req, "saved")) json_object_set_new(ctx, "saved", json_true());
    pt_render_page(req, 200, "quotes/manage", ctx);
    return 0;
}

int quo_manage_status(pt_req *req)
{
    json_t *rec = NULL;
    quo_err e;
    if (!quo_staff_manages(req, 0)) {
        pt_http_error(req, 403, quo_t(req, "err.staff_only"));
        return 0;
    }
    if (quo_set_status(req, quo_param_id(req, "id"), pt_req_form(req, "status"), &rec, &e) != 0) {
        pt_http_error_field(req, e.status, e.field, quo_err_msg(req, &e));
        return 0;
    }
    json_decref(rec);
    pt_resp_redirect(req, "/quotes/manage?saved=1");
    return 0;
}
