/*
 * plugins/team/api_groups.c - /api/v1/groups of the acting account:
 *   GET/POST          /api/v1/groups                 list / create {name, permissions}
 *   GET/PATCH/DELETE  /api/v1/groups/:id             one / {name, permissions} / delete
 *   GET/POST          /api/v1/groups/:id/members     list / add {user}
 *   DELETE            /api/v1/groups/:id/members/:user
 *   GET/PUT           /api/v1/groups/:id/permissions {permissions:[names]}
 * Rules and audit entries as on the page (groups_page.c); another
 * account's group or user id answers 404.
 */
#include <stdlib.h>
#include <string.h>

#include "team_manage.h"

static json_t *body_object(pt_req *req)
{
    const char *why = NULL;
    json_t *body = pt_req_json(req, &why);
    if (!body) {
        pt_http_error(req, 400, why ? why : mg_t(req, "err.json"));
        return NULL;
    }
    if (!json_is_object(body)) {
        pt_http_error(req, 422, mg_t(req, "err.not_object"));
        return NULL;
    }
    return body;
}

/* Answer the group's view (with members) from a txn. */
static void answer(pt_req *req, pt_txn *txn, uint64_t id, int status)
{
    json_t *g = NULL;
    if (team_group_get(txn, pt_req_account(req), id, &g) != 0) {
        pt_http_error(req, 404, mg_t(req, "err.no_group"));
        return;
    }
    json_t *v = mg_group_view(txn, pt_req_account(req), g, true);
    json_decref(g);
    pt_resp_json(req, status, v);
}

int mg_api_groups(pt_req *req)
{
    pt_txn *txn = mg_begin(req, false);
    if (!txn) return 0;
    uint64_t account = pt_req_account(req);
    json_t *list = team_group_list(txn, account), *out = json_array();
    size_t i;
    json_t *g;
    json_array_foreach(list, i, g) json_array_append_new(out, mg_group_view(txn, account, g, false));
    json_decref(list);
    pt_txn_abort(txn);
    pt_resp_json(req, 200, json_pack("{s:o}", "groups", out));
    return 0;
}

int mg_api_group_create(pt_req *req)
{
    json_t *body = body_object(req);
    if (!body) return 0;
    json_t *name = json_object_get(body, "name");
    if (name && !json_is_string(name)) {
        pt_http_error_field(req, 422, "name", mg_t(req, "err.group_name"));
        return 0;
    }
    mg_err e = {0};
    pt_txn *txn = mg_begin(req, true);
    if (!txn) return 0;
    uint64_t id = 0;
    if (mg_group_create(req, txn, pt_req_account(req), json_string_value(name),
                        json_object_get(body, "permissions"), &id, &e) != 0) {
        pt_txn_abort(txn);
        mg_fail(req, &e);
        return 0;
    }
    json_t *g = NULL;
    team_group_get(txn, pt_req_account(req), id, &g);
    json_t *v = mg_group_view(txn, pt_req_account(req), g, true);
    json_decref(g);
    if (mg_commit(req, txn) != 0) {
        json_decref(v);
        return 0;
    }
    pt_resp_json(req, 201, v);
    return 0;
}

int mg_api_group_get(pt_req *req)
{
    pt_txn *txn = mg_begin(req, false);
    if (!txn) return 0;
    answer(req, txn, mg_param_id(req, "id"), 200);
    pt_txn_abort(txn);
    return 0;
}

/* Commit txn and answer with group id as it now is. */
static int reply_group(pt_req *req, pt_txn *txn, uint64_t id)
{
    json_t *g = NULL;
    team_group_get(txn, pt_req_account(req), id, &g);
    json_t *v = mg_group_view(txn, pt_req_account(req), g, true);
    json_decref(g);
    if (mg_commit(req, txn) != 0) {
        json_decref(v);
        return 0;
    }
    pt_resp_json(req, 200, v);
    return 0;
}

static int update(pt_req *req, const char *name, const json_t *perms)
{
    uint64_t id = mg_param_id(req, "id");
    mg_err e = {0};
    pt_txn *txn = mg_begin(req, true);
    if (!txn) return 0;
    if (!id) mg_set(&e, 404, NULL, "err.no_group");
    if (!id || mg_group_update(req, txn, pt_req_account(req), id, name, perms, &e) != 0) {
        pt_txn_abort(txn);
        mg_fail(req, &e);
        return 0;
    }
    return reply_group(req, txn, id);
}

/* 404 before any body validation: another account's group must answer
 * exactly like a missing one, whatever the body. */
static bool exists(pt_req *req)
{
    uint64_t id = mg_param_id(req, "id");
    pt_txn *txn = mg_begin(req, false);
    if (!txn) return false;
    json_t *g = NULL;
    bool ok = id && team_group_get(txn, pt_req_account(req), id, &g) == 0;
    json_decref(g);
    pt_txn_abort(txn);
    if (!ok) pt_http_error(req, 404, mg_t(req, "err.no_group"));
    return ok;
}

int mg_api_group_patch(pt_req *req)
{
    if (!exists(req)) return 0;
    json_t *body = body_object(req);
    if (!body) return 0;
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v) {
        if (strcmp(key, "name") != 0 && strcmp(key, "permissions") != 0) {
            pt_http_error_field(req, 422, key, mg_t(req, "err.unknown_field"));
            return 0;
        }
    }
    json_t *name = json_object_get(body, "name");
    if (name && !json_is_string(name)) {
        pt_http_error_field(req, 422, "name", mg_t(req, "err.group_name"));
        return 0;
    }
    return update(req, json_string_value(name), json_object_get(body, "permissions"));
}

int mg_api_group_permissions_put(pt_req *req)
{
    if (!exists(req)) return 0;
    json_t *body = body_object(req);
    if (!body) return 0;
    json_t *p = json_object_get(body, "permissions");
    if (!json_is_array(p)) {
        pt_http_error_field(req, 422, "permissions", mg_t(req, "err.permissions"));
        return 0;
    }
    return update(req, NULL, p);
}

int mg_api_group_permissions(pt_req *req)
{
    pt_txn *txn = mg_begin(req, false);
    if (!txn) return 0;
    json_t *g = NULL;
    uint64_t id = mg_param_id(req, "id");
    if (!id || team_group_get(txn, pt_req_account(req), id, &g) != 0) {
        pt_txn_abort(txn);
        pt_http_error(req, 404, mg_t(req, "err.no_group"));
        return 0;
    }
    json_t *p = json_object_get(g, "permissions");
    json_t *all = pt_permissions_all();
    pt_resp_json(req, 200, json_pack("{s:o, s:o, s:o}", "id", team_id_json(id), "permissions",
                                     json_is_array(p) ? json_deep_copy(p) : json_array(), "available", all));
    json_decref(g);
    pt_txn_abort(txn);
    return 0;
}

int mg_api_group_delete(pt_req *req)
{
    return mg_api_delete(req, "err.no_group", mg_group_delete);
}

int mg_api_group_members(pt_req *req)
{
    pt_txn *txn = mg_begin(req, false);
    if (!txn) return 0;
    json_t *g = NULL;
    uint64_t id = mg_param_id(req, "id");
    if (!id || team_group_get(txn, pt_req_account(req), id, &g) != 0) {
        pt_txn_abort(txn);
        pt_http_error(req, 404, mg_t(req, "err.no_group"));
        return 0;
    }
    json_t *v = mg_group_view(txn, pt_req_account(req), g, true);
    json_decref(g);
    pt_txn_abort(txn);
    pt_resp_json(req, 200, json_pack("{s:O, s:O}", "id", json_object_get(v, "id"), "members",
                                     json_object_get(v, "members")));
    json_decref(v);
    return 0;
}

static int member(pt_req *req, uint64_t user, bool add)
{
    uint64_t id = mg_param_id(req, "id");
    mg_err e = {0};
    pt_txn *txn = mg_begin(req, true);
    if (!txn) return 0;
    if (!id) mg_set(&e, 404, NULL, "err.no_group");
    if (!id || mg_group_member(req, txn, pt_req_account(req), id, user, add, &e) != 0) {
        pt_txn_abort(txn);
        mg_fail(req, &e);
        return 0;
    }
    return reply_group(req, txn, id);
}

int mg_api_group_member_add(pt_req *req)
{
    if (!exists(req)) return 0;
    json_t *body = body_object(req);
    if (!body) return 0;
    uint64_t user = 0;
    const char *s = json_string_value(json_object_get(body, "user"));
    if (!s || pt_id_parse(s, &user) != 0) {
        pt_http_error_field(req, 404, "user", mg_t(req, "err.no_user"));
        return 0;
    }
    return member(req, user, true);
}

int mg_api_group_member_remove(pt_req *req)
{
    return member(req, mg_param_id(req, "user"), false);
}
