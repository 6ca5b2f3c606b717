/*
 * plugins/team/twofa.c - switching two-factor sign-in on and off from the
 * profile. Enrolment: a new secret is kept as totp_pending and shown (as
 * text for manual entry and as an otpauth:// URI); the first valid code
 * switches 2FA on and shows ten recovery codes once. Switching it off
 * needs a current code or a recovery code.
 */
#include <stdlib.h>
#include <string.h>

#include "team.h"

static char *otpauth(const char *email, const char *secret)
{
    pt_buf b = PT_BUF_INIT;
    pt_buf_puts(&b, "otpauth://totp/Portico:");
    pt_url_encode(&b, email);
    pt_buf_printf(&b, "?secret=%s&issuer=Portico&algorithm=SHA1&digits=6&period=30", secret);
    return pt_buf_steal(&b);
}

static void page(pt_req *req, int status, const char *error)
{
    int rc = 0;
    uint64_t uid = pt_req_user(req);
    pt_txn *txn = pt_txn_begin(true, &rc);
    json_t *u = NULL;
    if (!txn || team_user_get(txn, uid, &u) != 0) {
        pt_txn_abort(txn);
        pt_http_error(req, 503, team_t(req, "team.err.busy"));
        return;
    }
    json_t *ctx = json_object();
    bool on = *pt_rec_str(u, "totp", "") != 0;
    json_object_set_new(ctx, "enabled", json_boolean(on));
    if (!on) {
        const char *pending = pt_rec_str(u, "totp_pending", "");
        char secret[33];
        if (!*pending) {
            team_totp_secret(secret);
            json_object_set_new(u, "totp_pending", json_string(secret));
            team_user_put(txn, uid, u);
        } else {
            snprintf(secret, sizeof secret, "%s", pending);
        }
        char *uri = otpauth(pt_rec_str(u, "email", ""), secret);
        json_object_set_new(ctx, "secret", json_string(secret));
        json_object_set_new(ctx, "uri", json_string(uri));
        free(uri);
        explicit_bzero(secret, sizeof secret);
    }
    json_object_set_new(ctx, "recovery_left",
                        json_integer((json_int_t)json_array_size(json_object_get(u, "recovery"))));
    json_decref(u);
    if (pt_txn_commit(txn) != 0) {
        json_decref(ctx);
        pt_http_error(req, 503, team_t(req, "team.err.busy"));
        return;
    }
    if (error) json_object_set_new(ctx, "error", json_string(error));
    team_render(req, status, "team/twofa", ctx);
}

int team_2fa_page(pt_req *req)
{
    page(req, 200, NULL);
    return 0;
}

int team_2fa_enable(pt_req *req)
{
    const char *code = pt_req_form(req, "code");
    int rc = 0;
    uint64_t uid = pt_req_user(req);
    pt_txn *txn = pt_txn_begin(true, &rc);
    json_t *u = NULL;
    if (!txn || team_user_get(txn, uid, &u) != 0) {
        pt_txn_abort(txn);
        pt_http_error(req, 503, team_t(req, "team.err.busy"));
        return 0;
    }
    const char *pending = pt_rec_str(u, "totp_pending", "");
    uint64_t now_s = pt_wall_ms() / 1000;
    int64_t used = 0;
    if (*pt_rec_str(u, "totp", "") || !*pending ||
        !team_totp_match(pending, code, now_s, 0, &used)) {
        pt_txn_abort(txn);
        json_decref(u);
        page(req, 422, team_t(req, "team.err.code"));
        return 0;
    }
    json_t *codes = NULL, *hashes = NULL;
    team_recovery_new(&codes, &hashes);
    json_object_set_new(u, "totp", json_string(pending));
    json_object_set_new(u, "totp_pending", json_string(""));
    json_object_set_new(u, "recovery", hashes);
    json_object_set_new(u, "totp_step", json_integer((json_int_t)used));
    rc = team_user_put(txn, uid, u);
    json_decref(u);
    if (rc == 0) rc = team_audit_append(txn, pt_req_account(req), uid, "2fa.enabled", NULL);
    if (rc == 0) rc = pt_txn_commit(txn);
    else pt_txn_abort(txn);
    if (rc) {
        json_decref(codes);
        pt_http_error(req, 503, team_t(req, "team.err.busy"));
        return 0;
    }
    team_render(req, 200, "team/recovery_codes",
                json_pack("{s:o, s:s}", "codes", codes, "next", "/profile"));
    return 0;
}

int team_2fa_disable(pt_req *req)
{
    const char *code = pt_req_form(req, "code");
    int rc = 0;
    uint64_t uid = pt_req_user(req);
    pt_txn *txn = pt_txn_begin(true, &rc);
    json_t *u = NULL;
    if (!txn || team_user_get(txn, uid, &u) != 0) {
        pt_txn_abort(txn);
        pt_http_error(req, 503, team_t(req, "team.err.busy"));
        return 0;
    }
    int64_t used = 0;
    bool ok = *pt_rec_str(u, "totp", "") &&
              (team_totp_match(pt_rec_str(u, "totp", ""), code, pt_wall_ms() / 1000,
                               pt_rec_int(u, "totp_step", 0), &used) ||
               team_recovery_use(u, code));
    if (!ok) {
        pt_txn_abort(txn);
        json_decref(u);
        page(req, 422, team_t(req, "team.err.code"));
        return 0;
    }
    json_object_set_new(u, "totp", json_string(""));
    json_object_set_new(u, "totp_pending", json_string(""));
    json_object_set_new(u, "recovery", json_array());
    rc = team_user_put(txn, uid, u);
    json_decref(u);
    if (rc == 0) rc = team_audit_append(txn, pt_req_account(req), uid, "2fa.disabled", NULL);
    if (rc == 0) rc = pt_txn_commit(txn);
    else pt_txn_abort(txn);
    if (rc) {
        pt_http_error(req, 503, team_t(req, "team.err.busy"));
        return 0;
    }
    pt_resp_redirect(req, "/profile?saved=1");
    return 0;
}
