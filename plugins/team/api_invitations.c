/*
 * plugins/team/api_invitations.c - /api/v1/invitations:
 *   GET    /api/v1/invitations              pending invitations
 *   POST   /api/v1/invitations              {emails:[...] (<= 20), groups:[ids],
 *                                            customer_admin} -> per-address report
 *   POST   /api/v1/invitations/bulk         multipart "file" (CSV) -> per-row report
 *   POST   /api/v1/invitations/:id/resend   new link, the old one stops working
 *   DELETE /api/v1/invitations/:id          revoke
 * :id is the invited user's id. All or nothing per call (one write txn).
 */
#include <stdlib.h>
#include <string.h>

#include "team_manage.h"

int mg_api_invitations(pt_req *req)
{
    pt_txn *txn = mg_begin(req, false);
    if (!txn) return 0;
    json_t *list = mg_invite_list(req, txn, pt_req_account(req));
    pt_txn_abort(txn);
    pt_resp_json(req, 200, json_pack("{s:o}", "invitations", list));
    return 0;
}

int mg_api_invitations_create(pt_req *req)
{
    const char *why = NULL;
    json_t *body = pt_req_json(req, &why);
    if (!body) {
        pt_http_error(req, 400, why ? why : mg_t(req, "err.json"));
        return 0;
    }
    if (!json_is_object(body)) {
        pt_http_error(req, 422, mg_t(req, "err.not_object"));
        return 0;
    }
    mg_err e = {0};
    json_t *emails = json_object_get(body, "emails");
    if (!emails && json_is_string(json_object_get(body, "email"))) {
        emails = json_pack("[O]", json_object_get(body, "email"));
        json_object_set_new(body, "emails", emails);
    }
    if (!json_is_array(emails)) {
        pt_http_error_field(req, 422, "emails", mg_t(req, "err.no_emails"));
        return 0;
    }
    json_t *groups = json_object_get(body, "groups");
    if (groups && !json_is_array(groups)) {
        pt_http_error_field(req, 422, "groups", mg_t(req, "err.groups"));
        return 0;
    }
    json_t *ca = json_object_get(body, "customer_admin");
    if (ca && !json_is_boolean(ca)) {
        pt_http_error_field(req, 422, "customer_admin", mg_t(req, "err.bool"));
        return 0;
    }
    size_t n = json_array_size(groups);
    const char **sids = pt_xcalloc(n + 1, sizeof *sids);
    for (size_t i = 0; i < n; i++) sids[i] = json_string_value(json_array_get(groups, i));
    uint64_t *ids = NULL;
    size_t nids = 0;
    pt_txn *txn = mg_begin(req, false);
    if (!txn) {
        free(sids);
        return 0;
    }
    int rc = mg_groups_by_id(txn, pt_req_account(req), sids, n, &ids, &nids);
    pt_txn_abort(txn);
    free(sids);
    if (rc) {
        pt_http_error_field(req, 404, "groups", mg_t(req, "err.no_group"));
        return 0;
    }
    json_t *report = NULL;
    rc = mg_invite_many(req, pt_req_account(req), emails, ids, nids, json_is_true(ca), &report, &e);
    free(ids);
    if (rc) {
        mg_fail(req, &e);
        return 0;
    }
    size_t invited = 0, i;
    json_t *r;
    json_array_foreach(report, i, r) invited += strcmp(pt_rec_str(r, "status", ""), "invited") == 0;
    pt_resp_json(req, invited ? 201 : 200, json_pack("{s:o, s:I}", "results", report, "invited",
                                                     (json_int_t)invited));
    return 0;
}

int mg_api_invitations_bulk(pt_req *req)
{
    const char *data = NULL;
    size_t len = 0;
    mg_err e = {0};
    json_t *report = NULL;
    if (pt_req_file(req, "file", &data, &len, NULL, NULL) != 0 || len == 0) {
        mg_set(&e, 422, "file", "err.csv_missing");
        mg_fail(req, &e);
        return 0;
    }
    if (mg_csv_import(req, pt_req_account(req), data, len, &report, &e) != 0) {
        mg_fail(req, &e);
        return 0;
    }
    pt_resp_json(req, 200, report);
    return 0;
}

static int op(pt_req *req, bool resend)
{
    uint64_t id = mg_param_id(req, "id");
    if (!id) {
        pt_http_error(req, 404, mg_t(req, "err.no_invitation"));
        return 0;
    }
    pt_txn *txn = mg_begin(req, true);
    if (!txn) return 0;
    int rc = resend ? mg_invite_resend(req, txn, pt_req_account(req), id)
                    : mg_invite_revoke(req, txn, pt_req_account(req), id);
    if (rc) {
        pt_txn_abort(txn);
        pt_http_error(req, rc == PT_ENOTFOUND ? 404 : 503,
                      mg_t(req, rc == PT_ENOTFOUND ? "err.no_invitation" : "err.busy"));
        return 0;
    }
    if (mg_commit(req, txn) != 0) return 0;
    pt_resp_json(req, 200, json_pack("{s:o, s:s}", "id", team_id_json(id), "status",
                                     resend ? "resent" : "revoked"));
    return 0;
}

int mg_api_invitation_resend(pt_req *req) { return op(req, true); }
int mg_api_invitation_revoke(pt_req *req) { return op(req, false); }
