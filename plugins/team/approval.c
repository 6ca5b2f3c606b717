/*
 * plugins/team/approval.c - the approval queue for self sign-ups
 * (team.approvals, key = account + user, scoped): the page
 * /team/approvals and /api/v1/approvals (list, accept, reject).
 *
 * Accepting adds the user as an Active member with support-only access
 * ("Support users") and mails them; rejecting removes the request and the
 * user it created (when that user belongs to no account and is not
 * staff) and mails them. Both are audited (signup.approved /
 * signup.rejected) in the same write transaction.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "team_manage.h"

static void akey(uint8_t k[16], uint64_t account, uint64_t user)
{
    pt_key_u64(k, account);
    pt_key_u64(k + 8, user);
}

json_t *mg_approval_list(pt_req *req, pt_txn *txn, uint64_t account)
{
    (void)req;
    json_t *out = json_array();
    int rc = 0;
    pt_cursor *c = pt_cursor_open(txn, team_db("approvals"), &rc);
    uint8_t pk[8];
    pt_key_u64(pk, account);
    pt_kv kv;
    for (rc = c ? pt_cursor_prefix(c, pk, 8, false, &kv) : PT_ENOTFOUND; rc == 0;
         rc = pt_cursor_next(c, &kv)) {
        json_t *a = NULL;
        if (pt_record_decode(kv.val, kv.vlen, &a, NULL) != 0) continue;
        if (pt_rec_u64(a, "account", 0) == account) {
            char at[32];
            time_t t = (time_t)(pt_rec_u64(a, "at", 0) / 1000);
            struct tm tm;
            gmtime_r(&t, &tm);
            strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", &tm);
            json_array_append_new(out, json_pack("{s:o, s:s, s:s, s:s}", "id",
                                                 team_id_json(pt_rec_u64(a, "user", 0)), "email",
                                                 pt_rec_str(a, "email", ""), "name",
                                                 pt_rec_str(a, "name", ""), "requested_at", at));
        }
        json_decref(a);
    }
    if (c) pt_cursor_close(c);
    return out;
}

/* Remove a rejected sign-up's user when it has no memberships. */
static int drop_user(pt_txn *txn, uint64_t user)
{
    json_t *u = NULL;
    if (team_user_get(txn, user, &u) != 0) return 0;
    uint64_t *ids = NULL;
    size_t n = 0;
    team_member_accounts(txn, user, &ids, &n);
    free(ids);
    int rc = 0;
    if (n == 0 && strcmp(pt_rec_str(u, "staff", "none"), "none") == 0) {
        uint8_t k[8];
        pt_key_u64(k, user);
        rc = pt_record_del(txn, team_db("users"), k, 8);
        pt_key ek;
        pt_key_init(&ek);
        pt_key_add_str(&ek, pt_rec_str(u, "email", ""));
        if (rc == 0) {
            int r2 = pt_index_del(txn, team_db("users.by_email"), ek.b, ek.len, user);
            if (r2 && r2 != PT_ENOTFOUND) rc = r2;
        }
        if (rc == 0) pt_session_end_user(txn, user);
    }
    json_decref(u);
    return rc;
}

int mg_approval_decide(pt_req *req, uint64_t account, uint64_t user, bool accept, mg_err *e)
{
    pt_txn *txn = pt_txn_begin(true, NULL);
    if (!txn) {
        mg_set(e, 503, NULL, "err.busy");
        return PT_EAGAIN;
    }
    uint8_t k[16];
    akey(k, account, user);
    json_t *a = NULL, *u = NULL, *acc = NULL;
    int rc = pt_record_get_scoped(txn, team_db("approvals"), k, 16, account, &a);
    if (rc) {
        pt_txn_abort(txn);
        mg_set(e, 404, NULL, "err.no_approval");
        return PT_ENOTFOUND;
    }
    team_user_get(txn, user, &u);
    team_account_get(txn, account, &acc);
    rc = pt_record_del_scoped(txn, team_db("approvals"), k, 16, account);
    if (rc == 0 && accept) {
        uint64_t g = team_group_preset(txn, account, "support");
        rc = team_member_add(txn, account, user, "Active", false, &g, g ? 1 : 0);
        if (rc == PT_EEXIST) rc = 0;
    }
    if (rc == 0) {
        json_t *d = json_pack("{s:s, s:o}", "email", pt_rec_str(a, "email", ""), "user", team_id_json(user));
        rc = mg_audit(txn, account, pt_req_user(req), accept ? "signup.approved" : "signup.rejected", d);
        json_decref(d);
    }
    if (rc == 0 && u) {
        json_t *data = json_pack("{s:s, s:s}", "name", pt_rec_str(u, "name", ""), "account_name",
                                 pt_rec_str(acc, "name", ""));
        const char *why = NULL;
        rc = pt_mail_enqueue(txn, &(pt_mail){.to = pt_rec_str(u, "email", ""),
                                             .template = accept ? "team/mail/approval_accepted"
                                                                : "team/mail/approval_rejected",
                                             .data = data, .lang = pt_rec_str(u, "lang", "en"),
                                             .kind = accept ? "approval_accepted" : "approval_rejected"},
                             &why);
        if (rc) pt_warn("team: approval mail not queued: %s", why ? why : pt_strerror(rc));
        json_decref(data);
    }
    if (rc == 0 && !accept) rc = drop_user(txn, user);
    json_decref(a);
    json_decref(u);
    json_decref(acc);
    if (rc == 0) rc = pt_txn_commit(txn);
    else pt_txn_abort(txn);
    if (rc) mg_set(e, 503, NULL, "err.busy");
    return rc;
}

int mg_approvals_page(pt_req *req)
{
    pt_txn *txn = mg_begin(req, false);
    if (!txn) return 0;
    json_t *list = mg_approval_list(req, txn, pt_req_account(req));
    pt_txn_abort(txn);
    json_t *ctx = json_pack("{s:o, s:b, s:b, s:b}", "approvals", list, "has_approvals",
                            json_array_size(list) > 0, "can_edit", pt_req_can(req, "team.edit"),
                            "tab_approvals", 1);
    json_t *flash = mg_flash(req);
    if (flash) json_object_set_new(ctx, "flash", flash);
    team_render(req, 200, "team/manage_approvals", ctx);
    return 0;
}

int mg_approval_decide_form(pt_req *req)
{
    uint64_t id = mg_param_id(req, "id");
    const char *d = pt_req_form(req, "decision");
    mg_err e = {0};
    if (!id) {
        mg_set(&e, 404, NULL, "err.no_approval");
        mg_fail(req, &e);
        return 0;
    }
    if (!d || (strcmp(d, "accept") != 0 && strcmp(d, "reject") != 0)) {
        mg_set(&e, 422, "decision", "err.decision");
        mg_fail(req, &e);
        return 0;
    }
    bool accept = strcmp(d, "accept") == 0;
    if (mg_approval_decide(req, pt_req_account(req), id, accept, &e) != 0) {
        mg_fail(req, &e);
        return 0;
    }
    pt_resp_redirect(req, accept ? "/team/approvals?done=approved" : "/team/approvals?done=rejected");
    return 0;
}

int mg_api_approvals(pt_req *req)
{
    pt_txn *txn = mg_begin(req, false);
    if (!txn) return 0;
    json_t *list = mg_approval_list(req, txn, pt_req_account(req));
    pt_txn_abort(txn);
    pt_resp_json(req, 200, json_pack("{s:o}", "approvals", list));
    return 0;
}

static int api_decide(pt_req *req, bool accept)
{
    uint64_t id = mg_param_id(req, "id");
    mg_err e = {0};
    if (!id) {
        mg_set(&e, 404, NULL, "err.no_approval");
        mg_fail(req, &e);
        return 0;
    }
    if (mg_approval_decide(req, pt_req_account(req), id, accept, &e) != 0) {
        mg_fail(req, &e);
        return 0;
    }
    pt_resp_json(req, 200, json_pack("{s:o, s:s}", "user", team_id_json(id), "status",
                                     accept ? "accepted" : "rejected"));
    return 0;
}

int mg_api_approval_accept(pt_req *req) { return api_decide(req, true); }
int mg_api_approval_reject(pt_req *req) { return api_decide(req, false); }
