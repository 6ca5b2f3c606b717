/*
 * plugins/team/reset.c - password reset by email (and a new Customer
 * Admin's first password, which comes as a WELCOME link).
 *
 * The request form answers the same whatever the address, so it does not
 * reveal who has an account. The link opens a form (GET does not spend
 * it); the POST checks the new password, hashes it on the thread pool,
 * then spends the link, stores the hash, marks the email verified (the
 * link proves the address) and ends every session of the user, all in
 * one write transaction.
 */
#include <stdlib.h>
#include <string.h>

#include "team.h"

static void request_form(pt_req *req, int status, const char *email, const char *error,
                         bool sent)
{
    json_t *ctx = json_object();
    if (email) json_object_set_new(ctx, "email", json_string(email));
    if (error) json_object_set_new(ctx, "error", json_string(error));
    if (sent) json_object_set_new(ctx, "sent", json_true());
    team_render(req, status, "team/reset_request", ctx);
}

int team_reset_request_page(pt_req *req)
{
    request_form(req, 200, NULL, NULL, false);
    return 0;
}

int team_reset_request_post(pt_req *req)
{
    const char *email = pt_req_form(req, "email");
    char *norm = team_email_norm(email);
    if (!norm) {
        request_form(req, 422, email && strlen(email) <= TEAM_EMAIL_MAX ? email : NULL,
                     team_t(req, "team.err.email"), false);
        return 0;
    }
    int rc = 0;
    pt_txn *txn = pt_txn_begin(true, &rc);
    if (!txn) {
        free(norm);
        pt_http_error(req, 503, team_t(req, "team.err.busy"));
        return 0;
    }
    uint64_t uid = 0;
    json_t *u = NULL;
    char ekey[TEAM_EMAIL_MAX + 16];
    snprintf(ekey, sizeof ekey, "email:%s", norm);
    if (team_user_by_email(txn, norm, &uid, &u) == 0 && team_user_active(u) &&
        team_throttle_locked(txn, ekey) == 0) {
        char tok[44];
        rc = team_link_new(txn, TEAM_LINK_RESET, uid, tok);
        if (rc == 0) rc = team_mail_link(txn, u, "reset", "/password/reset/", tok, NULL);
        if (rc == 0) rc = team_audit_append(txn, 0, uid, "password.reset_requested", NULL);
        explicit_bzero(tok, sizeof tok);
    }
    json_decref(u);
    if (rc == 0) rc = pt_txn_commit(txn);
    else pt_txn_abort(txn);
    if (rc) {
        free(norm);
        pt_http_error(req, 503, team_t(req, "team.err.busy"));
        return 0;
    }
    request_form(req, 200, norm, NULL, true);
    free(norm);
    return 0;
}

static void reset_form(pt_req *req, int status, const char *error)
{
    json_t *ctx = json_pack("{s:s}", "action", pt_req_path(req));
    if (error) json_object_set_new(ctx, "error", json_string(error));
    team_render(req, status, "team/reset", ctx);
}

static bool link_ok(pt_req *req)
{
    int rc = 0;
    pt_txn *txn = pt_txn_begin(false, &rc);
    rc = txn ? team_link_peek(txn, TEAM_LINK_RESET, pt_req_param(req, "token"), NULL) : rc;
    pt_txn_abort(txn);
    return rc == 0;
}

int team_reset_page(pt_req *req)
{
    if (!link_ok(req)) {
        pt_http_error(req, 410, team_t(req, "team.err.link"));
        return 0;
    }
    reset_form(req, 200, NULL);
    return 0;
}

typedef struct rjob {
    char *pw;
    char *hash;
    char token[48];
} rjob;

static void rwork(void *ud)
{
    rjob *j = ud;
    j->hash = team_password_hash(j->pw);
}

static void rjob_free(rjob *j)
{
    explicit_bzero(j->pw, strlen(j->pw));
    free(j->pw);
    free(j->hash);
    explicit_bzero(j->token, sizeof j->token);
    free(j);
}

static void rdone(pt_req *req, void *ud)
{
    rjob *j = ud;
    int rc = 0;
    uint64_t uid = 0;
    json_t *u = NULL;
    pt_txn *txn = j->hash ? pt_txn_begin(true, &rc) : NULL;
    if (!txn || team_link_spend(txn, TEAM_LINK_RESET, j->token, &uid) != 0 ||
        team_user_get(txn, uid, &u) != 0) {
        pt_txn_abort(txn);
        rjob_free(j);
        pt_http_error(req, 410, team_t(req, "team.err.link"));
        return;
    }
    json_object_set_new(u, "pw", json_string(j->hash));
    json_object_set_new(u, "verified", json_true());
    rc = team_user_put(txn, uid, u);
    if (rc == 0) rc = pt_session_end_user(txn, uid);
    if (rc == 0) rc = team_audit_append(txn, 0, uid, "password.reset", NULL);
    json_decref(u);
    if (rc == 0) rc = pt_txn_commit(txn);
    else pt_txn_abort(txn);
    rjob_free(j);
    if (rc) {
        pt_http_error(req, 503, team_t(req, "team.err.busy"));
        return;
    }
    pt_resp_cookie(req, "pt_session", "", 0, PT_COOKIE_HTTPONLY | PT_COOKIE_SECURE | PT_COOKIE_LAX);
    pt_resp_redirect(req, "/signin?reset=1");
}

int team_reset_post(pt_req *req)
{
    const char *pw = pt_req_form(req, "password");
    const char *pw2 = pt_req_form(req, "password_confirm");
    const char *why = NULL;
    if (!link_ok(req)) {
        pt_http_error(req, 410, team_t(req, "team.err.link"));
        return 0;
    }
    if (!team_password_ok(pw, &why)) {
        reset_form(req, 422, team_t(req, why));
        return 0;
    }
    if (!pw2 || strcmp(pw, pw2) != 0) {
        reset_form(req, 422, team_t(req, "team.err.password_mismatch"));
        return 0;
    }
    rjob *j = pt_xcalloc(1, sizeof *j);
    j->pw = pt_xstrdup(pw);
    snprintf(j->token, sizeof j->token, "%s", pt_req_param(req, "token"));
    if (pt_work_run(req, rwork, rdone, j) != 0) {
        rjob_free(j);
        pt_http_error(req, 503, team_t(req, "team.err.busy"));
        return 0;
    }
    return PT_ASYNC;
}
