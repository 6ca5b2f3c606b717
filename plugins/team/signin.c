/*
 * plugins/team/signin.c - sign-in, sign-out and account switching.
 *
 * POST /signin: the email and IP throttles are checked first (a locked
 * key answers 429 without hashing anything); the user's hash is copied
 * out of a read transaction and argon2id runs on the thread pool
 * (pt_work_run); unknown emails are checked against a dummy hash of the
 * same cost. Wrong password and unknown email give the same message.
 * Throttle: team.throttle keeps {fails, until, last} per "email:<addr>" and
 * "ip:<addr>"; from team.lockout_after failures on, each failure locks the
 * key for lockout_seconds * 2^(fails - lockout_after), capped at
 * lockout_max_seconds; a key idle for lockout_max_seconds starts over; a
 * successful sign-in clears the email's counter.
 *
 * Two-factor: a user with TOTP (or a member of an account that requires
 * 2FA) gets a short-lived pending sign-in (team.pending, keyed by the
 * SHA-256 of a random token in the pt_2fa cookie, 5 minutes, 5 tries)
 * and finishes on /signin/2fa with a code, a recovery code, or (when the
 * account requires 2FA and none is set up) by enrolling there.
 * Codes are accepted once: the last used time step is stored.
 */
#include <stdlib.h>
#include <string.h>

#include "team.h"

#define PENDING_COOKIE "pt_2fa"
#define PENDING_MS (5 * 60 * 1000)

/* ---- throttle ------------------------------------------------------------- */

static int tkey(pt_key *k, const char *key)
{
    pt_key_init(k);
    return pt_key_add_str(k, key);
}

long team_throttle_locked(pt_txn *txn, const char *key)
{
    pt_key k;
    if (tkey(&k, key)) return 0;
    json_t *r = NULL;
    if (pt_record_get(txn, team_db("throttle"), k.b, k.len, &r) != 0) return 0;
    uint64_t until = pt_rec_u64(r, "until", 0), now = pt_wall_ms();
    json_decref(r);
    return until > now ? (long)((until - now + 999) / 1000) : 0;
}

/* Count a failure; returns true when this failure started a lockout. */
static bool throttle_fail(pt_txn *txn, const char *key, long long after)
{
    pt_key k;
    if (tkey(&k, key)) return false;
    json_t *r = NULL;
    uint64_t now = pt_wall_ms();
    long long maxs = team_cfg_int("lockout_max_seconds", 3600);
    if (pt_record_get(txn, team_db("throttle"), k.b, k.len, &r) != 0 ||
        pt_rec_u64(r, "last", 0) + (uint64_t)maxs * 1000 < now) {
        json_decref(r);
        r = json_pack("{s:i, s:i, s:I, s:I}", "_v", 1, "fails", 0, "until", (json_int_t)0, "last",
                      (json_int_t)0);
    }
    int64_t fails = pt_rec_int(r, "fails", 0) + 1;
    bool locked = false;
    json_object_set_new(r, "fails", json_integer(fails));
    json_object_set_new(r, "last", json_integer((json_int_t)now));
    if (after > 0 && fails >= after) {
        long long secs = team_cfg_int("lockout_seconds", 60);
        for (int64_t i = after; i < fails && secs < maxs; i++) secs *= 2;
        if (secs > maxs) secs = maxs;
        json_object_set_new(r, "until", json_integer((json_int_t)(now + (uint64_t)secs * 1000)));
        locked = true;
    }
    pt_record_put(txn, team_db("throttle"), k.b, k.len, r);
    json_decref(r);
    return locked;
}

static void throttle_clear(pt_txn *txn, const char *key)
{
    pt_key k;
    if (tkey(&k, key) == 0) pt_kv_del(txn, team_db("throttle"), k.b, k.len, NULL, 0);
}

/* ---- the form ----------------------------------------------------------- */

static void render_form(pt_req *req, int status, const char *email, const char *error,
                        const char *notice)
{
    json_t *ctx = json_object();
    if (email) json_object_set_new(ctx, "email", json_string(email));
    const char *next = pt_req_form(req, "next");
    if (!next) next = pt_req_query(req, "next");
    if (next && strcmp(team_safe_next(next), "/") != 0)
        json_object_set_new(ctx, "next", json_string(team_safe_next(next)));
    if (error) json_object_set_new(ctx, "error", json_string(error));
    if (notice)
        json_object_set_new(ctx, "flash", json_pack("[{s:s, s:s}]", "kind", "success", "message",
                                                    notice));
    team_render(req, status, "core/signin", ctx);
}

int team_signin_page(pt_req *req)
{
    if (pt_req_user(req)) {
        pt_resp_redirect(req, team_safe_next(pt_req_query(req, "next")));
        return 0;
    }
    const char *notice = NULL;
    if (pt_req_query(req, "verified")) notice = team_t(req, "team.verified_notice");
    if (pt_req_query(req, "reset")) notice = team_t(req, "team.reset_done_notice");
    render_form(req, 200, NULL, NULL, notice);
    return 0;
}

typedef struct job {
    char *email;    /* normalised, or the raw input when not plausible */
    char *pw;
    char *hash;     /* NULL for unknown users */
    char *next;
    char ip[64];
    uint64_t uid;
    bool remember;
    bool ok;
} job;

static void job_free(job *j)
{
    if (j->pw) {
        explicit_bzero(j->pw, strlen(j->pw));
        free(j->pw);
    }
    free(j->email);
    free(j->hash);
    free(j->next);
    free(j);
}

static void work(void *ud)
{
    job *j = ud;
    j->ok = team_password_verify(j->hash, j->pw) && j->hash != NULL;
}

static uint64_t first_account(pt_txn *txn, uint64_t uid)
{
    uint64_t *ids = NULL;
    size_t n = 0;
    team_member_accounts(txn, uid, &ids, &n);
    uint64_t a = n ? ids[0] : 0;
    free(ids);
    return a;
}

static bool needs_2fa(pt_txn *txn, const json_t *u, uint64_t uid, bool *enrol)
{
    *enrol = false;
    if (*pt_rec_str(u, "totp", "")) return true;
    uint64_t *ids = NULL;
    size_t n = 0;
    team_member_accounts(txn, uid, &ids, &n);
    bool req2 = false;
    for (size_t i = 0; i < n && !req2; i++) {
        json_t *a = NULL;
        if (team_account_get(txn, ids[i], &a) == 0)
            req2 = pt_rec_bool(json_object_get(a, "settings"), "require_2fa", false);
        json_decref(a);
    }
    free(ids);
    *enrol = req2;
    return req2;
}

/* Finish a sign-in: start the session, audit, redirect. */
static void complete(pt_req *req, uint64_t uid, bool remember, const char *next, bool two_factor)
{
    if (pt_session_start(req, uid, 0, remember) != 0) {
        pt_http_error(req, 503, team_t(req, "team.err.busy"));
        return;
    }
    json_t *d = json_pack("{s:s, s:b}", "ip", pt_req_remote_addr(req), "two_factor", two_factor);
    team_audit_now(pt_req_account(req), uid, "signin", d);
    json_decref(d);
    pt_resp_redirect(req, team_safe_next(next));
}

static void start_pending(pt_req *req, const job *j, bool enrol)
{
    char tok[44], hex[65];
    if (pt_token_new(tok) != 0) {
        pt_http_error(req, 503, team_t(req, "team.err.busy"));
        return;
    }
    pt_sha256_hex(tok, strlen(tok), hex);
    json_t *p = json_pack("{s:i, s:I, s:b, s:s, s:I, s:b, s:i, s:s}", "_v", 1, "user",
                          (json_int_t)j->uid, "remember", j->remember, "next",
                          team_safe_next(j->next), "exp", (json_int_t)(pt_wall_ms() + PENDING_MS),
                          "enrol", enrol, "tries", 0, "secret", "");
    int rc = 0;
    pt_txn *w = pt_txn_begin(true, &rc);
    if (w && (rc = pt_record_put(w, team_db("pending"), hex, 64, p)) == 0) rc = pt_txn_commit(w);
    else pt_txn_abort(w);
    json_decref(p);
    if (rc) {
        pt_http_error(req, 503, team_t(req, "team.err.busy"));
        return;
    }
    pt_resp_cookie(req, PENDING_COOKIE, tok, PENDING_MS / 1000,
                   PT_COOKIE_HTTPONLY | PT_COOKIE_SECURE | PT_COOKIE_LAX);
    pt_resp_redirect(req, "/signin/2fa");
}

static void done(pt_req *req, void *ud)
{
    job *j = ud;
    int rc = 0;
    pt_txn *txn = pt_txn_begin(false, &rc);
    json_t *u = NULL;
    if (txn && j->ok && team_user_get(txn, j->uid, &u) != 0) j->ok = false;
    if (j->ok && !team_user_active(u)) j->ok = false;
    bool enrol = false, two = j->ok && needs_2fa(txn, u, j->uid, &enrol);
    uint64_t acct = j->uid ? first_account(txn, j->uid) : 0;
    pt_txn_abort(txn);

    char ekey[TEAM_EMAIL_MAX + 8], ikey[80];
    snprintf(ekey, sizeof ekey, "email:%s", j->email);
    snprintf(ikey, sizeof ikey, "ip:%s", j->ip);
    if (!j->ok) {
        bool lock_e = false;
        pt_txn *w = pt_txn_begin(true, &rc);
        if (w) {
            lock_e = throttle_fail(w, ekey, team_cfg_int("lockout_after", 5));
            bool lock_i = throttle_fail(w, ikey, team_cfg_int("ip_lockout_after", 20));
            json_t *d = json_pack("{s:s, s:s}", "email", j->email, "ip", j->ip);
            team_audit_append(w, acct, j->uid, "signin.failed", d);
            if (lock_e || lock_i) team_audit_append(w, acct, j->uid, "signin.lockout", d);
            json_decref(d);
            if (pt_txn_commit(w) != 0) pt_warn("team: could not record a failed sign-in");
        }
        json_decref(u);
        render_form(req, 401, j->email, team_t(req, "team.err.signin"), NULL);
        job_free(j);
        return;
    }
    if (!pt_rec_bool(u, "verified", false)) {
        /* Right password, unverified address: send a fresh link. */
        pt_txn *w = pt_txn_begin(true, &rc);
        char tok[44];
        if (w && team_link_new(w, TEAM_LINK_VERIFY, j->uid, tok) == 0 &&
            team_mail_link(w, u, "verify", "/verify/", tok, NULL) == 0)
            rc = pt_txn_commit(w);
        else
            pt_txn_abort(w);
        explicit_bzero(tok, sizeof tok);
        json_decref(u);
        render_form(req, 403, j->email, team_t(req, "team.err.unverified"), NULL);
        job_free(j);
        return;
    }
    json_decref(u);
    pt_txn *w = pt_txn_begin(true, &rc);
    if (w) {
        throttle_clear(w, ekey);
        pt_txn_commit(w);
    }
    if (two) start_pending(req, j, enrol);
    else complete(req, j->uid, j->remember, j->next, false);
    job_free(j);
}

int team_signin_post(pt_req *req)
{
    const char *email = pt_req_form(req, "email");
    const char *pw = pt_req_form(req, "password");
    if (!email || !*email || !pw || !*pw) {
        render_form(req, 422, email, team_t(req, "team.err.signin_empty"), NULL);
        return 0;
    }
    if (strlen(email) > TEAM_EMAIL_MAX || strlen(pw) > TEAM_PASSWORD_MAX) {
        render_form(req, 401, NULL, team_t(req, "team.err.signin"), NULL);
        return 0;
    }
    char *norm = team_email_norm(email);
    job *j = pt_xcalloc(1, sizeof *j);
    j->email = norm ? norm : pt_xstrdup(email);
    j->pw = pt_xstrdup(pw);
    j->remember = pt_req_form(req, "remember") != NULL;
    j->next = pt_xstrdup(team_safe_next(pt_req_form(req, "next")));
    snprintf(j->ip, sizeof j->ip, "%s", pt_req_remote_addr(req) ? pt_req_remote_addr(req) : "?");

    int rc = 0;
    pt_txn *txn = pt_txn_begin(false, &rc);
    if (!txn) {
        job_free(j);
        pt_http_error(req, 503, team_t(req, "team.err.busy"));
        return 0;
    }
    char ekey[TEAM_EMAIL_MAX + 8], ikey[80];
    snprintf(ekey, sizeof ekey, "email:%s", j->email);
    snprintf(ikey, sizeof ikey, "ip:%s", j->ip);
    long wait = team_throttle_locked(txn, ekey);
    long wait_ip = team_throttle_locked(txn, ikey);
    if (wait_ip > wait) wait = wait_ip;
    if (wait > 0) {
        pt_txn_abort(txn);
        char msg[256], after[32];
        snprintf(after, sizeof after, "%ld", wait);
        snprintf(msg, sizeof msg, "%s", team_t(req, "team.err.locked"));
        char *p = strstr(msg, "{s}");
        pt_buf b = PT_BUF_INIT;
        if (p) {
            pt_buf_append(&b, msg, (size_t)(p - msg));
            pt_buf_puts(&b, after);
            pt_buf_puts(&b, p + 3);
        } else {
            pt_buf_puts(&b, msg);
        }
        char rs[32];
        snprintf(rs, sizeof rs, "%ld", wait);
        pt_resp_set_header(req, "Retry-After", rs);
        render_form(req, 429, j->email, b.data, NULL);
        pt_buf_free(&b);
        job_free(j);
        return 0;
    }
    json_t *u = NULL;
    if (norm && team_user_by_email(txn, norm, &j->uid, &u) == 0) {
        const char *h = pt_rec_str(u, "pw", NULL);
        if (h) j->hash = pt_xstrdup(h);
    }
    json_decref(u);
    pt_txn_abort(txn);
    if (pt_work_run(req, work, done, j) != 0) {
        job_free(j);
        pt_http_error(req, 503, team_t(req, "team.err.busy"));
        return 0;
    }
    return PT_ASYNC;
}

/* ---- second factor ---------------------------------------------------------- */

static int pending_get(pt_req *req, pt_txn *txn, char hex[65], json_t **out)
{
    const char *tok = pt_req_cookie(req, PENDING_COOKIE);
    if (!tok || strlen(tok) != 43) return PT_ENOTFOUND;
    pt_sha256_hex(tok, strlen(tok), hex);
    int rc = pt_record_get(txn, team_db("pending"), hex, 64, out);
    if (rc) return rc;
    if (pt_rec_u64(*out, "exp", 0) <= pt_wall_ms()) {
        json_decref(*out);
        *out = NULL;
        return PT_ENOTFOUND;
    }
    return 0;
}

static void render_2fa(pt_req *req, int status, json_t *p, const char *error)
{
    json_t *ctx = json_object();
    bool enrol = pt_rec_bool(p, "enrol", false);
    json_object_set_new(ctx, "enrol", json_boolean(enrol));
    if (enrol) {
        const char *secret = pt_rec_str(p, "secret", "");
        json_t *u = NULL;
        int rc = 0;
        pt_txn *txn = pt_txn_begin(false, &rc);
        if (txn) team_user_get(txn, pt_rec_u64(p, "user", 0), &u);
        pt_txn_abort(txn);
        json_object_set_new(ctx, "secret", json_string(secret));
        char *uri = pt_xasprintf("otpauth://totp/Portico:%s?secret=%s&issuer=Portico&algorithm=SHA1"
                                 "&digits=6&period=30",
                                 pt_rec_str(u, "email", ""), secret);
        json_object_set_new(ctx, "uri", json_string(uri));
        free(uri);
        json_decref(u);
    }
    if (error) json_object_set_new(ctx, "error", json_string(error));
    team_render(req, status, "team/signin_2fa", ctx);
}

int team_signin_2fa_page(pt_req *req)
{
    int rc = 0;
    char hex[65];
    json_t *p = NULL;
    pt_txn *txn = pt_txn_begin(true, &rc);
    if (!txn || pending_get(req, txn, hex, &p) != 0) {
        pt_txn_abort(txn);
        pt_resp_redirect(req, "/signin");
        return 0;
    }
    if (pt_rec_bool(p, "enrol", false) && !*pt_rec_str(p, "secret", "")) {
        char secret[33];
        team_totp_secret(secret);
        json_object_set_new(p, "secret", json_string(secret));
        pt_record_put(txn, team_db("pending"), hex, 64, p);
    }
    if (pt_txn_commit(txn) != 0) {
        json_decref(p);
        pt_http_error(req, 503, team_t(req, "team.err.busy"));
        return 0;
    }
    render_2fa(req, 200, p, NULL);
    json_decref(p);
    return 0;
}

int team_signin_2fa_post(pt_req *req)
{
    const char *code = pt_req_form(req, "code");
    const char *recovery = pt_req_form(req, "recovery");
    int rc = 0;
    char hex[65];
    json_t *p = NULL, *u = NULL;
    pt_txn *txn = pt_txn_begin(true, &rc);
    if (!txn || pending_get(req, txn, hex, &p) != 0) {
        pt_txn_abort(txn);
        pt_resp_redirect(req, "/signin");
        return 0;
    }
    uint64_t uid = pt_rec_u64(p, "user", 0);
    bool enrol = pt_rec_bool(p, "enrol", false);
    if (team_user_get(txn, uid, &u) != 0 || !team_user_active(u)) {
        pt_kv_del(txn, team_db("pending"), hex, 64, NULL, 0);
        pt_txn_commit(txn);
        json_decref(p);
        json_decref(u);
        pt_resp_redirect(req, "/signin");
        return 0;
    }
    uint64_t now_s = pt_wall_ms() / 1000;
    bool ok = false;
    const char *how = "totp";
    json_t *codes = NULL;
    if (enrol) {
        const char *secret = pt_rec_str(p, "secret", "");
        int64_t used = 0;
        ok = team_totp_match(secret, code, now_s, 0, &used);
        if (ok) {
            json_t *hashes = NULL;
            team_recovery_new(&codes, &hashes);
            json_object_set_new(u, "totp", json_string(secret));
            json_object_set_new(u, "recovery", hashes);
            json_object_set_new(u, "totp_step", json_integer((json_int_t)used));
            how = "enrol";
        }
    } else if (recovery && *recovery) {
        ok = team_recovery_use(u, recovery);
        how = "recovery";
    } else {
        int64_t used = 0;
        ok = team_totp_match(pt_rec_str(u, "totp", ""), code, now_s, pt_rec_int(u, "totp_step", 0),
                             &used);
        if (ok) json_object_set_new(u, "totp_step", json_integer((json_int_t)used));
    }
    if (!ok) {
        int64_t tries = pt_rec_int(p, "tries", 0) + 1;
        json_t *d = json_pack("{s:s, s:s}", "ip", pt_req_remote_addr(req), "method", how);
        team_audit_append(txn, first_account(txn, uid), uid, "signin.2fa_failed", d);
        json_decref(d);
        bool gone = tries >= 5;
        if (gone) pt_kv_del(txn, team_db("pending"), hex, 64, NULL, 0);
        else {
            json_object_set_new(p, "tries", json_integer(tries));
            pt_record_put(txn, team_db("pending"), hex, 64, p);
        }
        pt_txn_commit(txn);
        json_decref(u);
        if (gone) {
            json_decref(p);
            pt_resp_redirect(req, "/signin");
            return 0;
        }
        render_2fa(req, 401, p, team_t(req, "team.err.code"));
        json_decref(p);
        return 0;
    }
    pt_kv_del(txn, team_db("pending"), hex, 64, NULL, 0);
    rc = team_user_put(txn, uid, u);
    if (enrol) {
        team_audit_append(txn, first_account(txn, uid), uid, "2fa.enabled", NULL);
    }
    if (rc == 0) rc = pt_txn_commit(txn);
    else pt_txn_abort(txn);
    json_decref(u);
    pt_resp_cookie(req, PENDING_COOKIE, "", 0, PT_COOKIE_HTTPONLY | PT_COOKIE_SECURE | PT_COOKIE_LAX);
    if (rc) {
        json_decref(p);
        json_decref(codes);
        pt_http_error(req, 503, team_t(req, "team.err.busy"));
        return 0;
    }
    const char *next = pt_rec_str(p, "next", "/");
    if (codes) {
        if (pt_session_start(req, uid, 0, pt_rec_bool(p, "remember", false)) != 0) {
            json_decref(p);
            json_decref(codes);
            pt_http_error(req, 503, team_t(req, "team.err.busy"));
            return 0;
        }
        json_t *d = json_pack("{s:s, s:b}", "ip", pt_req_remote_addr(req), "two_factor", 1);
        team_audit_now(pt_req_account(req), uid, "signin", d);
        json_decref(d);
        team_render(req, 200, "team/recovery_codes",
                    json_pack("{s:o, s:s}", "codes", codes, "next", team_safe_next(next)));
    } else {
        complete(req, uid, pt_rec_bool(p, "remember", false), next, true);
    }
    json_decref(p);
    return 0;
}

/* ---- sign-out, switch ------------------------------------------------------- */

int team_signout(pt_req *req)
{
    uint64_t uid = pt_req_user(req), acct = pt_req_account(req);
    pt_session_end(req);
    if (uid) team_audit_now(acct, uid, "signout", NULL);
    pt_resp_redirect(req, "/");
    return 0;
}

int team_account_switch(pt_req *req)
{
    uint64_t acct = 0;
    const char *a = pt_req_form(req, "account");
    if (!a || pt_id_parse(a, &acct) != 0) {
        pt_http_error(req, 404, team_t(req, "team.err.no_account"));
        return 0;
    }
    int rc = 0;
    pt_txn *txn = pt_txn_begin(false, &rc);
    json_t *u = NULL;
    bool ok = txn && team_user_get(txn, pt_req_user(req), &u) == 0 &&
              team_may_act(txn, u, pt_req_user(req), acct);
    json_decref(u);
    pt_txn_abort(txn);
    if (!ok) {
        pt_http_error(req, 404, team_t(req, "team.err.no_account"));
        return 0;
    }
    if (pt_session_set_account(req, acct) != 0) {
        pt_http_error(req, 400, team_t(req, "team.err.no_session"));
        return 0;
    }
    pt_resp_redirect(req, team_safe_next(pt_req_form(req, "next")));
    return 0;
}
