/*
 * plugins/team/api_tokens.c - API tokens over JSON (GET/POST
 * /api/v1/tokens, DELETE /api/v1/tokens/:id) and the profile page's token
 * forms. A token is created only from a signed-in browser session (not
 * with another token), for an account the user may act in; the plain
 * token is in the creation answer only. Another user's token id answers
 * 404 like a missing one.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "team.h"

#define TOKEN_NAME_MAX 80

static bool via_token(pt_req *req)
{
    const char *a = pt_req_header(req, "Authorization");
    return a && strncasecmp(a, "Bearer ", 7) == 0;
}

/* Create; on failure status, field and why describe it. */
static int create(pt_req *req, const char *name, const char *account_s, bool read_only,
                  char plain[48], json_t **out, int *status, const char **field, const char **why)
{
    *field = NULL;
    if (via_token(req)) {
        *status = 403;
        *why = "team.err.token_with_token";
        return PT_EPERM;
    }
    if (!team_text_ok(name, TOKEN_NAME_MAX, false)) {
        *status = 422;
        *field = "name";
        *why = name && *name ? "team.err.token_name" : "team.err.token_name_empty";
        return PT_EINVAL;
    }
    uint64_t account = pt_req_account(req);
    if (account_s && *account_s && pt_id_parse(account_s, &account) != 0) {
        *status = 404;
        *field = "account";
        *why = "team.err.no_account";
        return PT_ENOTFOUND;
    }
    int rc = 0;
    uint64_t uid = pt_req_user(req);
    pt_txn *txn = pt_txn_begin(true, &rc);
    json_t *u = NULL;
    if (!txn || team_user_get(txn, uid, &u) != 0) {
        pt_txn_abort(txn);
        *status = 503;
        *why = "team.err.busy";
        return PT_ERR;
    }
    if (!team_may_act(txn, u, uid, account)) {
        json_decref(u);
        pt_txn_abort(txn);
        *status = 404;
        *field = "account";
        *why = "team.err.no_account";
        return PT_ENOTFOUND;
    }
    json_decref(u);
    rc = team_token_create(txn, uid, account, name, read_only, plain, out);
    if (rc == 0) rc = pt_txn_commit(txn);
    else pt_txn_abort(txn);
    if (rc) {
        json_decref(*out);
        *out = NULL;
        *status = 503;
        *why = "team.err.busy";
    }
    return rc;
}

int team_api_tokens(pt_req *req)
{
    int rc = 0;
    pt_txn *txn = pt_txn_begin(false, &rc);
    if (!txn) {
        pt_http_error(req, 503, team_t(req, "team.err.busy"));
        return 0;
    }
    json_t *list = team_token_list(txn, pt_req_user(req));
    pt_txn_abort(txn);
    pt_resp_json(req, 200, json_pack("{s:o}", "tokens", list));
    return 0;
}

int team_api_tokens_create(pt_req *req)
{
    const char *why = NULL, *field = NULL;
    json_t *body = pt_req_json(req, &why);
    if (!body) {
        pt_http_error(req, 400, why ? why : team_t(req, "team.err.json"));
        return 0;
    }
    if (!json_is_object(body)) {
        pt_http_error(req, 422, team_t(req, "team.err.not_object"));
        return 0;
    }
    json_t *name = json_object_get(body, "name"), *ro = json_object_get(body, "read_only"),
           *acc = json_object_get(body, "account");
    if (!json_is_string(name)) {
        pt_http_error_field(req, 422, "name", team_t(req, "team.err.token_name_empty"));
        return 0;
    }
    if (ro && !json_is_boolean(ro)) {
        pt_http_error_field(req, 422, "read_only", team_t(req, "team.err.not_bool"));
        return 0;
    }
    if (acc && !json_is_string(acc)) {
        pt_http_error_field(req, 422, "account", team_t(req, "team.err.not_string"));
        return 0;
    }
    char plain[48];
    json_t *rec = NULL;
    int status = 0;
    if (create(req, json_string_value(name), json_string_value(acc), ro ? json_is_true(ro) : true,
               plain, &rec, &status, &field, &why) != 0) {
        if (field) pt_http_error_field(req, status, field, team_t(req, why));
        else pt_http_error(req, status, team_t(req, why));
        return 0;
    }
    json_t *o = team_token_public(rec);
    json_object_set_new(o, "token", json_string(plain));
    explicit_bzero(plain, sizeof plain);
    json_decref(rec);
    pt_resp_json(req, 201, o);
    return 0;
}

static int revoke(pt_req *req, const char *ids)
{
    uint64_t id = 0;
    if (!ids || pt_id_parse(ids, &id) != 0) return PT_ENOTFOUND;
    int rc = 0;
    pt_txn *txn = pt_txn_begin(true, &rc);
    if (!txn) return rc;
    rc = team_token_revoke(txn, pt_req_user(req), id);
    if (rc == 0) rc = pt_txn_commit(txn);
    else pt_txn_abort(txn);
    return rc;
}

int team_api_tokens_delete(pt_req *req)
{
    int rc = revoke(req, pt_req_param(req, "id"));
    if (rc == PT_ENOTFOUND) pt_http_error(req, 404, team_t(req, "team.err.no_token"));
    else if (rc) pt_http_error(req, 503, team_t(req, "team.err.busy"));
    else pt_resp_json(req, 200, json_pack("{s:b}", "revoked", 1));
    return 0;
}

int team_tokens_create_form(pt_req *req)
{
    const char *access = pt_req_form(req, "access");
    bool ro = !access || strcmp(access, "write") != 0;
    char plain[48];
    json_t *rec = NULL;
    int status = 0;
    const char *field = NULL, *why = NULL;
    if (create(req, pt_req_form(req, "name"), pt_req_form(req, "account"), ro, plain, &rec,
               &status, &field, &why) != 0) {
        team_profile_render(req, status, json_pack("{s:s}", "token_error", team_t(req, why)));
        return 0;
    }
    json_t *x = json_pack("{s:s, s:s}", "new_token", plain, "new_token_name",
                          pt_rec_str(rec, "name", ""));
    explicit_bzero(plain, sizeof plain);
    json_decref(rec);
    team_profile_render(req, 200, x);
    return 0;
}

int team_tokens_revoke_form(pt_req *req)
{
    int rc = revoke(req, pt_req_param(req, "id"));
    if (rc == PT_ENOTFOUND) {
        pt_http_error(req, 404, team_t(req, "team.err.no_token"));
        return 0;
    }
    if (rc) {
        pt_http_error(req, 503, team_t(req, "team.err.busy"));
        return 0;
    }
    pt_resp_redirect(req, "/profile?saved=1#tokens");
    return 0;
}
