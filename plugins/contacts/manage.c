/*
 * plugins/contacts/manage.c - staff assign an account's contacts: portal
 * admins in every account, account managers in their assigned accounts
 * (others get 404). An empty name removes the role's contact. Also
 * PUT /api/v1/contacts/:role for the account the staff member acts in.
 */
#include <string.h>

#include "contacts.h"

int con_manage_accounts(pt_req *req)
{
    if (!con_staff_manages(req, 0)) {
        pt_http_error(req, 403, con_t(req, "err.staff_only"));
        return 0;
    }
    json_t *ctx = json_object();
    json_object_set(ctx, "accounts", pt_req_principal(req)->accounts);
    pt_render_page(req, 200, "contacts/manage_accounts", ctx);
    return 0;
}

static void render(pt_req *req, int status, uint64_t account, json_t *ctx)
{
    int rc = 0;
    pt_txn *txn = pt_txn_begin(false, &rc);
    if (!txn) {
        json_decref(ctx);
        pt_http_error(req, 503, con_t(req, "err.busy"));
        return;
    }
    if (!ctx) ctx = json_object();
    json_t *roles = json_array();
    for (size_t i = 0; con_roles[i]; i++) {
        json_t *c = NULL, *v;
        if (con_get(txn, account, con_roles[i], &c) == 0) v = con_view(c, req);
        else v = json_pack("{s:s}", "role", con_roles[i]);
        char k[64];
        snprintf(k, sizeof k, "role.%s", con_roles[i]);
        json_object_set_new(v, "role_label", json_string(con_t(req, k)));
        json_decref(c);
        json_array_append_new(roles, v);
    }
    pt_txn_abort(txn);
    char ids[PT_ID_STRLEN];
    pt_id_to_str(account, ids);
    json_object_set_new(ctx, "roles", roles);
    json_object_set_new(ctx, "account", json_pack("{s:s, s:s}", "id", ids, "name", con_account_name(req, account)));
    if (pt_req_query(req, "saved")) json_object_set_new(ctx, "saved", json_true());
    pt_render_page(req, status, "contacts/manage", ctx);
}

int con_manage_page(pt_req *req)
{
    uint64_t account = con_param_id(req, "account");
    if (!account || !con_staff_manages(req, account)) {
        pt_http_error(req, 404, con_t(req, "err.not_found"));
        return 0;
    }
    render(req, 200, account, NULL);
    return 0;
}

/* Store obj for role in account (own write txn). 0 or an HTTP status. */
static int save(pt_req *req, uint64_t account, const char *role, const json_t *obj,
                const char **field, const char **why)
{
    int rc = 0;
    pt_txn *txn = pt_txn_begin(true, &rc);
    if (!txn) return *why = "err.busy", 503;
    rc = con_set(txn, account, role, obj, pt_rec_str(pt_req_principal(req)->info, "name", ""), field, why);
    if (rc != 0) {
        pt_txn_abort(txn);
        if (rc == PT_EINVAL) return 422;
        return *why = "err.busy", 503;
    }
    if (pt_txn_commit(txn) != 0) return *why = "err.busy", 503;
    return 0;
}

int con_manage_post(pt_req *req)
{
    uint64_t account = con_param_id(req, "account");
    if (!account || !con_staff_manages(req, account)) {
        pt_http_error(req, 404, con_t(req, "err.not_found"));
        return 0;
    }
    json_t *obj = json_object();
    static const char *const f[] = {"name", "email", "phone", "photo", "tz", NULL};
    for (size_t i = 0; f[i]; i++) {
        const char *v = pt_req_form(req, f[i]);
        json_t *s = json_string(v ? v : "");
        json_object_set_new(obj, f[i], s ? s : json_string("\x01"));
    }
    const char *field = NULL, *why = NULL;
    int st = save(req, account, pt_req_form(req, "role"), obj, &field, &why);
    json_decref(obj);
    if (st) {
        if (pt_req_wants_json(req)) {
            pt_http_error_field(req, st, field, con_t(req, why));
            return 0;
        }
        render(req, st, account, json_pack("{s:s, s:s?}", "error", con_t(req, why), "error_field", field));
        return 0;
    }
    char ids[PT_ID_STRLEN];
    pt_id_to_str(account, ids);
    pt_resp_redirect(req, pt_arena_printf(pt_req_arena(req), "/contacts/manage/%s?saved=1", ids));
    return 0;
}

int con_api_put(pt_req *req)
{
    uint64_t account = pt_req_account(req);
    if (!con_staff_manages(req, account)) {
        pt_http_error(req, 403, con_t(req, "err.staff_only"));
        return 0;
    }
    const char *jwhy = NULL;
    json_t *body = pt_req_json(req, &jwhy);
    if (!json_is_object(body)) {
        pt_http_error(req, 400, jwhy ? jwhy : con_t(req, "err.json"));
        return 0;
    }
    const char *field = NULL, *why = NULL;
    const char *role = pt_req_param(req, "role");
    int st = save(req, account, role, body, &field, &why);
    if (st) {
        pt_http_error_field(req, st, field, con_t(req, why));
        return 0;
    }
    int rc = 0;
    pt_txn *txn = pt_txn_begin(false, &rc);
    json_t *c = NULL, *out = NULL;
    if (txn && con_get(txn, account, role, &c) == 0) out = con_view(c, NULL);
    pt_txn_abort(txn);
    json_decref(c);
    pt_resp_json(req, 200, out ? out : json_pack("{s:s, s:b}", "role", role, "removed", 1));
    return 0;
}
