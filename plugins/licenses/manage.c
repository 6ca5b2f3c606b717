/*
 * plugins/licenses/manage.c - staff pages: portal admins (every account)
 * and account managers (their assigned accounts) add and delete an
 * account's licenses by form or by CSV import with a per-row report. An
 * account the staff member does not manage answers 404.
 */
#include <stdlib.h>
#include <string.h>

#include "licenses.h"

static uint64_t managed_account(pt_req *req)
{
    uint64_t account = lic_param_id(req, "account");
    if (!account || !lic_staff_manages(req, account)) {
        pt_http_error(req, 404, lic_t(req, "err.not_found"));
        return 0;
    }
    return account;
}

int lic_manage_accounts(pt_req *req)
{
    if (!lic_staff_manages(req, 0)) {
        pt_http_error(req, 403, lic_t(req, "err.staff_only"));
        return 0;
    }
    json_t *ctx = json_object();
    json_object_set(ctx, "accounts", pt_req_principal(req)->accounts);
    pt_render_page(req, 200, "licenses/manage_accounts", ctx);
    return 0;
}

/* Render the account's management page with extra (stolen) context. */
static void render_manage(pt_req *req, int status, uint64_t account, json_t *extra)
{
    pt_txn *txn = lic_begin(req, false);
    if (!txn) {
        json_decref(extra);
        return;
    }
    json_t *ctx = extra ? extra : json_object();
    char ids[PT_ID_STRLEN];
    pt_id_to_str(account, ids);
    json_object_set_new(ctx, "account", json_pack("{s:s, s:s}", "id", ids, "name",
                                                  lic_account_name(req, account)));
    json_t *list = lic_view(txn, account, req);
    json_t *orchs = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v) {
        if (json_is_true(json_object_get(v, "is_orchestrator")))
            json_array_append_new(orchs, json_pack("{s:O, s:O}", "id", json_object_get(v, "id"),
                                                   "name", json_object_get(v, "display_name")));
    }
    json_object_set_new(ctx, "licenses", list);
    json_object_set_new(ctx, "orchestrators", orchs);
    pt_txn_abort(txn);
    if (!json_object_get(ctx, "form")) json_object_set_new(ctx, "form", json_object());
    const char *done = pt_req_query(req, "done");
    if (done && (!strcmp(done, "added") || !strcmp(done, "deleted") || !strcmp(done, "imported"))) {
        char k[32];
        snprintf(k, sizeof k, "done.%s", done);
        json_object_set_new(ctx, "done", json_string(lic_t(req, k)));
    }
    pt_render_page(req, status, "licenses/manage", ctx);
}

int lic_manage_page(pt_req *req)
{
    uint64_t account = managed_account(req);
    if (account) render_manage(req, 200, account, NULL);
    return 0;
}

static const char *const form_fields[] = {"kind", "parent", "server", "type", "product", "sku",
                                          "quantity", "start", "end", "key", NULL};

int lic_manage_add(pt_req *req)
{
    uint64_t account = managed_account(req);
    if (!account) return 0;
    json_t *form = json_object(), *rec = json_object();
    for (size_t i = 0; form_fields[i]; i++) {
        const char *v = pt_req_form(req, form_fields[i]);
        json_t *s = json_string(v ? v : "");
        json_object_set_new(form, form_fields[i], s ? s : json_string(""));
    }
    const char *kind = pt_rec_str(form, "kind", "");
    json_object_set_new(rec, "kind", json_string(kind));
    uint64_t parent = 0;
    if (strcmp(kind, "product") == 0) pt_id_parse(pt_rec_str(form, "parent", ""), &parent);
    pt_rec_set_u64(rec, "parent", parent);
    static const char *const copy[] = {"server", "type", "product", "sku", "start", "end", "key", NULL};
    for (size_t i = 0; copy[i]; i++)
        json_object_set_new(rec, copy[i], json_string(pt_rec_str(form, copy[i], "")));
    char *endp = NULL;
    const char *qs = pt_rec_str(form, "quantity", "");
    long long q = strtoll(qs, &endp, 10);
    json_object_set_new(rec, "quantity", json_integer(*qs && endp && !*endp ? q : 0));

    pt_txn *txn = lic_begin(req, true);
    if (!txn) {
        json_decref(form);
        json_decref(rec);
        return 0;
    }
    const char *field = NULL, *why = NULL;
    uint64_t id = 0;
    int rc = lic_validate(txn, account, rec, &field, &why);
    if (rc == 0) rc = lic_create(txn, account, rec, &id);
    json_decref(rec);
    if (rc != 0) {
        pt_txn_abort(txn);
        const char *msg = why ? lic_t(req, why) : lic_t(req, "err.busy");
        if (pt_req_wants_json(req)) {
            json_decref(form);
            pt_http_error_field(req, why ? 422 : 503, field, msg);
            return 0;
        }
        render_manage(req, why ? 422 : 503, account,
                      json_pack("{s:o, s:s, s:s?}", "form", form, "error", msg, "error_field", field));
        return 0;
    }
    json_decref(form);
    if (lic_commit(req, txn) != 0) return 0;
    char ids[PT_ID_STRLEN];
    pt_id_to_str(account, ids);
    pt_resp_redirect(req, pt_arena_printf(pt_req_arena(req), "/licenses/manage/%s?done=added", ids));
    return 0;
}

int lic_manage_delete(pt_req *req)
{
    uint64_t account = managed_account(req);
    if (!account) return 0;
    uint64_t id = lic_param_id(req, "id");
    pt_txn *txn = lic_begin(req, true);
    if (!txn) return 0;
    int rc = id ? lic_delete(txn, account, id) : PT_ENOTFOUND;
    if (rc != 0) {
        pt_txn_abort(txn);
        pt_http_error(req, rc == PT_ENOTFOUND ? 404 : 503,
                      lic_t(req, rc == PT_ENOTFOUND ? "err.not_found" : "err.busy"));
        return 0;
    }
    if (lic_commit(req, txn) != 0) return 0;
    char ids[PT_ID_STRLEN];
    pt_id_to_str(account, ids);
    pt_resp_redirect(req, pt_arena_printf(pt_req_arena(req), "/licenses/manage/%s?done=deleted", ids));
    return 0;
}

int lic_manage_import(pt_req *req)
{
    uint64_t account = managed_account(req);
    if (!account) return 0;
    const char *data = NULL;
    size_t len = 0;
    if (pt_req_file(req, "file", &data, &len, NULL, NULL) != 0 || len == 0) {
        data = pt_req_form(req, "csv");
        len = data ? strlen(data) : 0;
    }
    if (!data || !len) {
        data = pt_req_body(req, &len);
        const char *ct = pt_req_header(req, "Content-Type");
        if (!ct || strncmp(ct, "text/csv", 8) != 0) len = 0;
    }
    pt_txn *txn = lic_begin(req, true);
    if (!txn) return 0;
    json_t *report = NULL;
    const char *why = NULL;
    int rc = lic_import_csv(req, txn, account, data ? data : "", len, &report, &why);
    bool ok = rc == 0 && pt_rec_int(report, "errors", 1) == 0;
    if (ok) {
        if (lic_commit(req, txn) != 0) {
            json_decref(report);
            return 0;
        }
    } else {
        pt_txn_abort(txn);
    }
    int status = rc != 0 ? 422 : ok ? 200 : 422;
    if (pt_req_wants_json(req)) {
        if (rc != 0) pt_http_error_field(req, 422, "file", lic_t(req, why));
        else pt_resp_json(req, status, report), report = NULL;
        json_decref(report);
        return 0;
    }
    json_t *ctx = json_object();
    if (rc != 0) json_object_set_new(ctx, "error", json_string(lic_t(req, why)));
    if (report) {
        json_object_set_new(ctx, "report", report);
        if (!ok) json_object_set_new(ctx, "error", json_string(lic_t(req, "import.failed")));
        else json_object_set_new(ctx, "done", json_string(lic_t(req, "done.imported")));
    }
    render_manage(req, status, account, ctx);
    return 0;
}
