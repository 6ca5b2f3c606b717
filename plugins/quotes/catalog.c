/*
 * plugins/quotes/catalog.c - the product catalog: SKUs with name,
 * description, unit, optional list price and the orchestrator types each
 * fits ("onprem", "cloud", "new" for a new deployment). Staff (portal
 * admins, account managers) manage it on /quotes/catalog and through
 * PUT/DELETE /api/v1/catalog/:sku; everyone who may request quotes reads
 * it (GET /api/v1/catalog[?target=ID|new] lists only the SKUs that fit).
 */
#include <stdlib.h>
#include <string.h>

#include "quotes.h"

static pt_db *cat(void) { return pt_store_db("quotes.catalog"); }

static bool sku_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return n >= 2 && n <= 40 && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == n;
}

int quo_sku_get(pt_txn *txn, const char *sku, json_t **out)
{
    if (!sku_ok(sku)) return PT_ENOTFOUND;
    return pt_record_get(txn, cat(), sku, strlen(sku), out);
}

json_t *quo_catalog(pt_txn *txn, bool all)
{
    json_t *out = json_array();
    int rc = 0;
    pt_cursor *c = pt_cursor_open(txn, cat(), &rc);
    pt_kv kv;
    for (rc = c ? pt_cursor_first(c, &kv) : PT_ENOTFOUND; rc == 0; rc = pt_cursor_next(c, &kv)) {
        json_t *r = NULL;
        if (pt_record_decode(kv.val, kv.vlen, &r, NULL) != 0) continue;
        if (all || pt_rec_bool(r, "active", true)) json_array_append_new(out, r);
        else json_decref(r);
    }
    if (c) pt_cursor_close(c);
    return out;
}

bool quo_sku_fits(const json_t *sku, const char *type)
{
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(sku, "types"), i, t) {
        if (json_is_string(t) && type && !strcmp(json_string_value(t), type)) return true;
    }
    return false;
}

int quo_sku_put(pt_txn *txn, json_t *rec, const char **field, const char **why)
{
#define FAIL(f, w) do { *field = f; *why = w; return PT_EINVAL; } while (0)
    const char *sku = pt_rec_str(rec, "sku", "");
    if (!sku_ok(sku)) FAIL("sku", "err.sku_format");
    const char *name = pt_rec_str(rec, "name", "");
    if (!*name || !quo_text_ok(name, 120, false)) FAIL("name", "err.name");
    if (!quo_text_ok(pt_rec_str(rec, "description", ""), 1000, true)) FAIL("description", "err.description");
    const char *unit = pt_rec_str(rec, "unit", "");
    if (!*unit || !quo_text_ok(unit, 60, false)) FAIL("unit", "err.unit");
    json_t *price = json_object_get(rec, "price");
    if (price && !json_is_null(price) && (!json_is_number(price) || json_number_value(price) < 0 ||
                                          json_number_value(price) > 1e9))
        FAIL("price", "err.price");
    json_t *types = json_object_get(rec, "types");
    if (!json_is_array(types) || !json_array_size(types)) FAIL("types", "err.types");
    size_t i;
    json_t *t;
    json_array_foreach(types, i, t) {
        const char *s = json_string_value(t);
        if (!s || (strcmp(s, "onprem") && strcmp(s, "cloud") && strcmp(s, "new"))) FAIL("types", "err.types");
    }
#undef FAIL
    json_t *r = json_pack("{s:i, s:s, s:s, s:s, s:s, s:O, s:O, s:b}", "_v", 1, "sku", sku, "name", name,
                          "description", pt_rec_str(rec, "description", ""), "unit", unit, "price",
                          price ? price : json_null(), "types", types, "active",
                          pt_rec_bool(rec, "active", true));
    int rc = pt_record_put(txn, cat(), sku, strlen(sku), r);
    json_decref(r);
    return rc;
}

static json_t *sku_view(pt_req *req, const json_t *r)
{
    json_t *v = json_deep_copy(r);
    json_object_del(v, "_v");
    if (req) {
        json_t *price = json_object_get(r, "price");
        if (json_is_number(price) && quo_cfg_bool("show_prices", true)) {
            pt_buf b = PT_BUF_INIT;
            pt_i18n_format_number(req, json_number_value(price), 2, &b);
            pt_buf_printf(&b, " %s", quo_cfg_str("currency", "USD"));
            json_object_set_new(v, "price_display", json_string(b.data));
            pt_buf_free(&b);
        }
        json_t *labels = json_array();
        size_t i;
        json_t *t;
        json_array_foreach(json_object_get(r, "types"), i, t) {
            char k[40];
            snprintf(k, sizeof k, "type.%s", json_string_value(t));
            json_array_append_new(labels, json_string(quo_t(req, k)));
        }
        json_object_set_new(v, "type_labels", labels);
        for (const char *const *ty = (const char *const[]){"onprem", "cloud", "new", NULL}; *ty; ty++) {
            char k[40];
            snprintf(k, sizeof k, "fits_%s", *ty);
            json_object_set_new(v, k, json_boolean(quo_sku_fits(r, *ty)));
        }
    }
    return v;
}

int quo_api_catalog(pt_req *req)
{
    int rc = 0;
    pt_txn *txn = pt_txn_begin(false, &rc);
    if (!txn) {
        pt_http_error(req, 503, quo_t(req, "err.busy"));
        return 0;
    }
    const char *target = pt_req_query(req, "target");
    const char *type = NULL;
    json_t *targets = NULL;
    if (target) {
        targets = quo_targets(txn, pt_req_account(req), NULL);
        size_t i;
        json_t *t;
        json_array_foreach(targets, i, t) if (!strcmp(pt_rec_str(t, "id", ""), target)) type = pt_rec_str(t, "type", NULL);
        if (!type) {
            json_decref(targets);
            pt_txn_abort(txn);
            pt_http_error_field(req, 404, "target", quo_t(req, "err.target"));
            return 0;
        }
    }
    json_t *all = quo_catalog(txn, false), *out = json_array();
    pt_txn_abort(txn);
    size_t i;
    json_t *r;
    json_array_foreach(all, i, r) {
        if (type && !quo_sku_fits(r, type)) continue;
        json_t *v = sku_view(NULL, r);
        if (!quo_cfg_bool("show_prices", true)) json_object_set_new(v, "price", json_null());
        json_array_append_new(out, v);
    }
    json_decref(all);
    json_decref(targets);
    pt_resp_json(req, 200, json_pack("{s:o, s:s}", "catalog", out, "currency", quo_cfg_str("currency", "USD")));
    return 0;
}

static void render_catalog(pt_req *req, int status, json_t *ctx)
{
    int rc = 0;
    pt_txn *txn = pt_txn_begin(false, &rc);
    if (!txn) {
        json_decref(ctx);
        pt_http_error(req, 503, quo_t(req, "err.busy"));
        return;
    }
    json_t *all = quo_catalog(txn, true), *views = json_array();
    pt_txn_abort(txn);
    size_t i;
    json_t *r;
    json_array_foreach(all, i, r) json_array_append_new(views, sku_view(req, r));
    json_decref(all);
    if (!ctx) ctx = json_object();
    json_object_set_new(ctx, "skus", views);
    if (pt_req_query(req, "saved")) json_object_set_new(ctx, "saved", json_true());
    pt_render_page(req, status, "quotes/catalog", ctx);
}

int quo_catalog_page(pt_req *req)
{
    if (!quo_staff_manages(req, 0)) {
        pt_http_error(req, 403, quo_t(req, "err.staff_only"));
        return 0;
    }
    render_catalog(req, 200, NULL);
    return 0;
}

/* Upsert rec in a write txn of its own. 0 or an HTTP status. */
static int save(json_t *rec, const char **field, const char **why)
{
    int rc = 0;
    pt_txn *txn = pt_txn_begin(true, &rc);
    if (!txn) return *why = "err.busy", 503;
    rc = quo_sku_put(txn, rec, field, why);
    if (rc) {
        pt_txn_abort(txn);
        if (rc == PT_EINVAL) return 422;
        return *why = "err.busy", 503;
    }
    return pt_txn_commit(txn) == 0 ? 0 : (*why = "err.busy", 503);
}

int quo_catalog_post(pt_req *req)
{
    if (!quo_staff_manages(req, 0)) {
        pt_http_error(req, 403, quo_t(req, "err.staff_only"));
        return 0;
    }
    json_t *rec = json_object();
    static const char *const f[] = {"sku", "name", "description", "unit", NULL};
    for (size_t i = 0; f[i]; i++) {
        const char *v = pt_req_form(req, f[i]);
        json_t *s = json_string(v ? v : "");
        json_object_set_new(rec, f[i], s ? s : json_string("\x01"));
    }
    const char *ps = pt_req_form(req, "price");
    if (ps && *ps) {
        char *end = NULL;
        double d = strtod(ps, &end);
        json_object_set_new(rec, "price", end && !*end ? json_real(d) : json_string("x"));
    }
    const char **types = NULL;
    size_t nt = pt_req_form_all(req, "types", &types);
    json_t *ta = json_array();
    for (size_t i = 0; i < nt; i++) {
        json_t *s = json_string(types[i]);
        json_array_append_new(ta, s ? s : json_string("?"));
    }
    json_object_set_new(rec, "types", ta);
    const char *active = pt_req_form(req, "active");
    json_object_set_new(rec, "active", json_boolean(active && *active));
    const char *field = NULL, *why = NULL;
    int st = save(rec, &field, &why);
    json_decref(rec);
    if (st) {
        render_catalog(req, st, json_pack("{s:s, s:s?}", "error", quo_t(req, why), "error_field", field));
        return 0;
    }
    pt_resp_redirect(req, "/quotes/catalog?saved=1");
    return 0;
}

static int drop(const char *sku)
{
    int rc = 0;
    pt_txn *txn = pt_txn_begin(true, &rc);
    if (!txn) return rc;
    rc = sku ? pt_kv_del(txn, cat(), sku, strlen(sku), NULL, 0) : PT_ENOTFOUND;
    if (rc) pt_txn_abort(txn);
    else rc = pt_txn_commit(txn);
    return rc;
}

int quo_catalog_delete(pt_req *req)
{
    if (!quo_staff_manages(req, 0)) {
        pt_http_error(req, 403, quo_t(req, "err.staff_only"));
        return 0;
    }
    int rc = drop(pt_req_param(req, "sku"));
    if (rc) {
        pt_http_error(req, rc == PT_ENOTFOUND ? 404 : 503, quo_t(req, rc == PT_ENOTFOUND ? "err.no_sku" : "err.busy"));
        return 0;
    }
    pt_resp_redirect(req, "/quotes/catalog?saved=1");
    return 0;
}

int quo_api_catalog_put(pt_req *req)
{
    if (!quo_staff_manages(req, 0)) {
        pt_http_error(req, 403, quo_t(req, "err.staff_only"));
        return 0;
    }
    const char *jwhy = NULL;
    json_t *body = pt_req_json(req, &jwhy);
    if (!json_is_object(body)) {
        pt_http_error(req, 400, jwhy ? jwhy : quo_t(req, "err.json"));
        return 0;
    }
    json_t *rec = json_deep_copy(body);
    json_t *sk = json_string(pt_req_param(req, "sku") ? pt_req_param(req, "sku") : "");
    json_object_set_new(rec, "sku", sk ? sk : json_string(""));
    const char *field = NULL, *why = NULL;
    int st = save(rec, &field, &why);
    if (st) {
        json_decref(rec);
        pt_http_error_field(req, st, field, quo_t(req, why));
        return 0;
    }
    json_object_del(rec, "_v");
    pt_resp_json(req, 200, rec);
    return 0;
}

int quo_api_catalog_delete(pt_req *req)
{
    if (!quo_staff_manages(req, 0)) {
        pt_http_error(req, 403, quo_t(req, "err.staff_only"));
        return 0;
    }
    int rc = drop(pt_req_param(req, "sku"));
    if (rc) {
        pt_http_error(req, rc == PT_ENOTFOUND ? 404 : 503, quo_t(req, rc == PT_ENOTFOUND ? "err.no_sku" : "err.busy"));
        return 0;
    }
    pt_resp_json(req, 200, json_pack("{s:b}", "deleted", 1));
    return 0;
}
