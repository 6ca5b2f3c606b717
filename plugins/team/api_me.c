/*
 * plugins/team/api_me.c - GET/PATCH /api/v1/me (the caller's profile,
 * accounts and permissions) and GET/POST /api/v1/accounts. Every error
 * goes through pt_http_error(_field); PATCH checks every field before it
 * writes anything.
 */
#include <stdlib.h>
#include <string.h>

#include "team.h"

static json_t *me(pt_req *req, pt_txn *txn, const json_t *u)
{
    uint64_t uid = pt_req_user(req);
    json_t *o = team_user_public(u);
    uint64_t cur = pt_req_account(req);
    json_object_set_new(o, "account", cur ? team_id_json(cur) : json_null());
    json_t *accounts = team_user_accounts(txn, u, uid);
    size_t i;
    json_t *a;
    json_array_foreach(accounts, i, a) {
        uint64_t id = 0;
        pt_id_parse(pt_rec_str(a, "id", ""), &id);
        json_t *perms = team_permissions(txn, u, uid, id);
        json_t *names = json_array();
        const char *k;
        json_t *v;
        json_object_foreach(perms, k, v) json_array_append_new(names, json_string(k));
        json_decref(perms);
        json_object_set_new(a, "permissions", names);
        json_t *m = NULL;
        bool ca = team_member_get(txn, id, uid, &m) == 0 && pt_rec_bool(m, "customer_admin", false);
        json_decref(m);
        json_object_set_new(a, "customer_admin", json_boolean(ca));
        json_object_set_new(a, "current", json_boolean(id == cur));
    }
    json_object_set_new(o, "accounts", accounts);
    json_t *n = json_object_get(u, "notify");
    json_t *off = json_object_get(n, "off");
    json_object_set_new(o, "notifications",
                        json_pack("{s:o, s:b}", "off",
                                  json_is_object(off) ? json_deep_copy(off) : json_object(),
                                  "digest", pt_rec_bool(n, "digest", true)));
    return o;
}

int team_api_me(pt_req *req)
{
    int rc = 0;
    pt_txn *txn = pt_txn_begin(false, &rc);
    json_t *u = NULL;
    if (!txn || team_user_get(txn, pt_req_user(req), &u) != 0) {
        pt_txn_abort(txn);
        pt_http_error(req, 404, team_t(req, "team.err.no_user"));
        return 0;
    }
    json_t *o = me(req, txn, u);
    json_decref(u);
    pt_txn_abort(txn);
    pt_resp_json(req, 200, o);
    return 0;
}

int team_api_me_patch(pt_req *req)
{
    const char *why = NULL;
    json_t *body = pt_req_json(req, &why);
    if (!body) {
        pt_http_error(req, 400, why ? why : team_t(req, "team.err.json"));
        return 0;
    }
    if (!json_is_object(body)) {
        pt_http_error(req, 422, team_t(req, "team.err.not_object"));
        return 0;
    }
    int rc = 0;
    uint64_t uid = pt_req_user(req);
    pt_txn *txn = pt_txn_begin(true, &rc);
    json_t *u = NULL;
    if (!txn || team_user_get(txn, uid, &u) != 0) {
        pt_txn_abort(txn);
        pt_http_error(req, 503, team_t(req, "team.err.busy"));
        return 0;
    }
    const char *field = NULL;
    if (team_profile_apply(u, body, &field, &why) != 0) {
        pt_txn_abort(txn);
        json_decref(u);
        if (field) pt_http_error_field(req, 422, field, team_t(req, why));
        else pt_http_error(req, 422, team_t(req, why));
        return 0;
    }
    rc = team_user_put(txn, uid, u);
    json_t *d = json_pack("{s:o}", "fields", json_array());
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v) json_array_append_new(json_object_get(d, "fields"), json_string(key));
    if (rc == 0) rc = team_audit_append(txn, pt_req_account(req), uid, "profile.changed", d);
    json_decref(d);
    json_t *o = rc == 0 ? me(req, txn, u) : NULL;
    json_decref(u);
    if (rc == 0) rc = pt_txn_commit(txn);
    else pt_txn_abort(txn);
    if (rc) {
        json_decref(o);
        pt_http_error(req, 503, team_t(req, "team.err.busy"));
        return 0;
    }
    pt_resp_json(req, 200, o);
    return 0;
}

int team_api_accounts(pt_req *req)
{
    int rc = 0;
    pt_txn *txn = pt_txn_begin(false, &rc);
    json_t *u = NULL;
    if (!txn || team_user_get(txn, pt_req_user(req), &u) != 0) {
        pt_txn_abort(txn);
        pt_http_error(req, 404, team_t(req, "team.err.no_user"));
        return 0;
    }
    json_t *list = team_user_accounts(txn, u, pt_req_user(req));
    size_t i;
    json_t *a;
    json_array_foreach(list, i, a) {
        uint64_t id = 0;
        pt_id_parse(pt_rec_str(a, "id", ""), &id);
        json_t *acc = NULL;
        if (team_account_get(txn, id, &acc) == 0) {
            json_object_set_new(a, "premium", json_boolean(pt_rec_bool(acc, "premium", false)));
            json_t *perms = team_permissions(txn, u, pt_req_user(req), id);
            if (json_is_true(json_object_get(perms, "team.view")))
                json_object_set(a, "settings", json_object_get(acc, "settings"));
            json_decref(perms);
        }
        json_decref(acc);
    }
    json_decref(u);
    pt_txn_abort(txn);
    pt_resp_json(req, 200, json_pack("{s:o}", "accounts", list));
    return 0;
}

/* Shared with the staff page: create an account named name. 0, PT_EINVAL
 * (*why catalog key), PT_EEXIST (name taken), or a store error. */
int team_account_create_checked(pt_req *req, const char *name, uint64_t *id, const char **why)
{
    if (!team_text_ok(name, TEAM_NAME_MAX, false)) {
        *why = name && *name ? "team.err.account_name" : "team.err.account_name_empty";
        return PT_EINVAL;
    }
    int rc = 0;
    pt_txn *txn = pt_txn_begin(true, &rc);
    if (!txn) {
        *why = "team.err.busy";
        return rc;
    }
    json_t *all = team_account_list(txn);
    size_t i;
    json_t *a;
    json_array_foreach(all, i, a) {
        if (strcasecmp(pt_rec_str(a, "name", ""), name) == 0) rc = PT_EEXIST;
    }
    json_decref(all);
    if (rc == 0) rc = team_account_create(txn, name, id);
    if (rc == 0) {
        json_t *d = json_pack("{s:s}", "name", name);
        rc = team_audit_append(txn, *id, pt_req_user(req), "account.created", d);
        json_decref(d);
    }
    if (rc == 0) rc = pt_txn_commit(txn);
    else pt_txn_abort(txn);
    if (rc == PT_EEXIST) *why = "team.err.account_exists";
    else if (rc) *why = "team.err.busy";
    return rc;
}

bool team_staff_manager(pt_req *req)
{
    const pt_principal *p = pt_req_principal(req);
    const char *role = p->info ? pt_rec_str(p->info, "staff_role", "none") : "none";
    return p->admin || strcmp(role, "account_manager") == 0;
}

int team_api_accounts_create(pt_req *req)
{
    if (!team_staff_manager(req)) {
        pt_http_error(req, 403, team_t(req, "team.err.staff_manager"));
        return 0;
    }
    const char *why = NULL;
    json_t *body = pt_req_json(req, &why);
    if (!body) {
        pt_http_error(req, 400, why ? why : team_t(req, "team.err.json"));
        return 0;
    }
    if (!json_is_object(body)) {
        pt_http_error(req, 422, team_t(req, "team.err.not_object"));
        return 0;
    }
    json_t *name = json_object_get(body, "name");
    if (!json_is_string(name)) {
        pt_http_error_field(req, 422, "name", team_t(req, "team.err.account_name_empty"));
        return 0;
    }
    uint64_t id = 0;
    int rc = team_account_create_checked(req, json_string_value(name), &id, &why);
    if (rc) {
        pt_http_error_field(req, rc == PT_EEXIST ? 409 : rc == PT_EINVAL ? 422 : 503, "name",
                            team_t(req, why));
        return 0;
    }
    pt_resp_json(req, 201, json_pack("{s:o, s:s}", "id", team_id_json(id), "name",
                                     json_string_value(name)));
    return 0;
}
