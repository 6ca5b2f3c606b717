/*
 * plugins/team/signup.c - self sign-up with a corporate email and a
 * license key: GET/POST /signup (page) and POST /api/v1/signup (JSON).
 *
 * The key is checked through the API the licenses plugin exports as
 * "licenses.lookup" (pt_licenses_lookup_api in team_manage.h); without
 * that plugin self sign-up is not available (the page says so, the API
 * answers 404). The key's account decides the rest:
 *  - "Restrict access to invite only" on: refused (403);
 *  - a domain allow-list: the address's domain must be on it;
 *  - the account has no users yet: the new user becomes its Customer
 *    Admin (Administrators group);
 *  - approval queue on: the request waits in team.approvals for a
 *    Customer Admin (approval.c); no membership until accepted;
 *  - otherwise: an Active member with support-only access (the "Support
 *    users" group).
 * Customer Admins get a notification and a mail for every new user (and
 * for every request waiting for approval). The new user must verify the
 * address before the first sign-in: part 1's verification link and mail
 * (team_link_new + team_mail_link "verify") go out in the same write
 * transaction. The password is hashed (argon2id) on the thread pool.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "team_manage.h"

#define KEY_MAX 128

typedef struct job {
    char *email;
    char *name;
    char *pw;
    char *key;
    char *hash;
    uint64_t account;
    bool json;
} job;

static void job_free(job *j)
{
    if (j->pw) {
        explicit_bzero(j->pw, strlen(j->pw));
        free(j->pw);
    }
    if (j->hash) {
        explicit_bzero(j->hash, strlen(j->hash));
        free(j->hash);
    }
    if (j->key) {
        explicit_bzero(j->key, strlen(j->key));
        free(j->key);
    }
    free(j->email);
    free(j->name);
    free(j);
}

static const pt_licenses_lookup_api *licenses(void)
{
    const pt_licenses_lookup_api *api = pt_api_find("licenses.lookup");
    return api && api->lookup ? api : NULL;
}

static void render(pt_req *req, int status, const char *email, const char *name, const char *key,
                   const mg_err *e)
{
    json_t *ctx = json_pack("{s:s, s:s, s:s}", "email", mg_utf8(email) ? email : "", "name",
                            mg_utf8(name) ? name : "", "license_key", mg_utf8(key) ? key : "");
    if (!licenses()) json_object_set_new(ctx, "unavailable", json_true());
    if (e && e->status) {
        json_object_set_new(ctx, "error", json_string(mg_msg(req, e)));
        if (e->field) {
            char k[64];
            snprintf(k, sizeof k, "error_%s", e->field);
            json_object_set_new(ctx, k, json_string(mg_msg(req, e)));
        }
    }
    team_render(req, status, "team/manage_signup", ctx);
}

static void fail(pt_req *req, job *j, const mg_err *e, const char *email, const char *name,
                 const char *key)
{
    if (j ? j->json : pt_req_wants_json(req)) mg_fail(req, e);
    else render(req, e->status, email, name, key, e);
}

/* The checks that need the store; 0 or an error in e. */
static int check_account(pt_txn *txn, const char *email, const char *key, uint64_t *account,
                         mg_err *e)
{
    const pt_licenses_lookup_api *api = licenses();
    bool active = false;
    json_t *acc = NULL;
    if (!api) {
        mg_set(e, 404, NULL, "err.signup_unavailable");
        return PT_ENOTFOUND;
    }
    if (api->lookup(txn, key, account, &active) != 0 || !active || !*account ||
        team_account_get(txn, *account, &acc) != 0) {
        mg_set(e, 422, "license_key", "err.license");
        return PT_EINVAL;
    }
    json_decref(acc);
    json_t *s = mg_settings(txn, *account);
    int rc = 0;
    if (pt_rec_bool(s, "invite_only", false)) {
        mg_set(e, 403, NULL, "err.invite_only");
        rc = PT_EPERM;
    } else if (json_array_size(json_object_get(s, "allowed_domains"))) {
        const char *at = strrchr(email, '@');
        bool ok = false;
        size_t i;
        json_t *d;
        json_array_foreach(json_object_get(s, "allowed_domains"), i, d)
            ok = ok || (at && strcasecmp(at + 1, json_string_value(d)) == 0);
        if (!ok) {
            mg_set(e, 422, "email", "err.domain_not_allowed");
            rc = PT_EPERM;
        }
    }
    json_decref(s);
    if (rc == 0 && team_user_by_email(txn, email, NULL, NULL) == 0) {
        mg_set(e, 409, "email", "err.email_taken");
        rc = PT_EEXIST;
    }
    return rc;
}

static void work(void *ud)
{
    job *j = ud;
    j->hash = team_password_hash(j->pw);
}

static bool approval_put(pt_txn *txn, uint64_t account, uint64_t user, const char *email,
                         const char *name)
{
    uint8_t k[16];
    pt_key_u64(k, account);
    pt_key_u64(k + 8, user);
    json_t *a = json_pack("{s:i, s:I, s:I, s:s, s:s, s:I}", "_v", 1, "account", (json_int_t)account,
                          "user", (json_int_t)user, "email", email, "name", name, "at",
                          (json_int_t)pt_wall_ms());
    int rc = pt_record_put_scoped(txn, team_db("approvals"), k, 16, account, a);
    json_decref(a);
    return rc == 0;
}

static void done(pt_req *req, void *ud)
{
    job *j = ud;
    mg_err e = {0};
    if (!j->hash) {
        mg_set(&e, 503, NULL, "err.busy");
        fail(req, j, &e, j->email, j->name, j->key);
        job_free(j);
        return;
    }
    pt_txn *txn = pt_txn_begin(true, NULL);
    if (!txn) {
        mg_set(&e, 503, NULL, "err.busy");
        fail(req, j, &e, j->email, j->name, j->key);
        job_free(j);
        return;
    }
    uint64_t account = 0, uid = 0;
    int rc = check_account(txn, j->email, j->key, &account, &e);
    const char *outcome = "member";
    if (rc == 0) rc = team_user_create(txn, j->email, j->name, j->hash, false, &uid);
    if (rc == 0 && pt_req_header(req, "Accept-Language")) {
        json_t *u = NULL;
        rc = team_user_get(txn, uid, &u);
        if (rc == 0) {
            team_user_lang_from_browser(req, u);
            rc = team_user_put(txn, uid, u);
        }
        json_decref(u);
    }
    if (rc == 0) {
        json_t *members = team_member_list(txn, account);
        bool first = json_array_size(members) == 0;
        json_decref(members);
        json_t *s = mg_settings(txn, account);
        bool queue = pt_rec_bool(s, "approval_queue", false);
        json_decref(s);
        if (first) {
            uint64_t g = team_group_preset(txn, account, "admins");
            rc = team_member_add(txn, account, uid, "Active", true, &g, g ? 1 : 0);
            outcome = "customer_admin";
        } else if (queue) {
            rc = approval_put(txn, account, uid, j->email, j->name) ? 0 : PT_EIO;
            outcome = "awaiting_approval";
        } else {
            uint64_t g = team_group_preset(txn, account, "support");
            rc = team_member_add(txn, account, uid, "Active", false, &g, g ? 1 : 0);
        }
    }
    if (rc == 0) {
        json_t *d = json_pack("{s:s, s:o, s:s}", "email", j->email, "user", team_id_json(uid),
                              "outcome", outcome);
        rc = mg_audit(txn, account, uid, "signup", d);
        json_decref(d);
    }
    if (rc == 0 && strcmp(outcome, "customer_admin") != 0) {
        bool queued = strcmp(outcome, "awaiting_approval") == 0;
        json_t *data = json_pack("{s:s, s:s}", "new_email", j->email, "new_name", j->name);
        rc = mg_notify_admins(txn, account, queued ? "approval_request" : "signup_new_user",
                              queued ? "team_manage.notify.asks" : "team_manage.notify.signed_up",
                              j->email, queued ? "/team/approvals" : "/team", data);
        json_decref(data);
    }
    if (rc == 0) {
        json_t *u = NULL;
        char tok[44];
        rc = team_user_get(txn, uid, &u);
        if (rc == 0) rc = team_link_new(txn, TEAM_LINK_VERIFY, uid, tok);
        if (rc == 0) rc = team_mail_link(txn, u, "verify", "/verify/", tok, NULL);
        explicit_bzero(tok, sizeof tok);
        json_decref(u);
    }
    if (rc == 0) rc = pt_txn_commit(txn);
    else pt_txn_abort(txn);
    if (rc) {
        if (!e.status) mg_set(&e, 503, NULL, "err.busy");
        fail(req, j, &e, j->email, j->name, j->key);
        job_free(j);
        return;
    }
    if (j->json) {
        pt_resp_json(req, 201, json_pack("{s:o, s:o, s:s, s:b}", "user", team_id_json(uid), "account",
                                         team_id_json(account), "status", outcome,
                                         "verification_sent", 1));
    } else {
        json_t *ctx = json_pack("{s:b, s:s, s:b}", "done", 1, "email", j->email, "awaiting",
                                strcmp(outcome, "awaiting_approval") == 0);
        if (!licenses()) json_object_set_new(ctx, "unavailable", json_true());
        team_render(req, 201, "team/manage_signup", ctx);
    }
    job_free(j);
}

/* Shared by the page and the API: fields are borrowed. */
static int start(pt_req *req, bool json, const char *email, const char *name, const char *pw,
                 const char *key)
{
    mg_err e = {0};
    job tmp = {.json = json};
    if (!licenses()) {
        mg_set(&e, 404, NULL, "err.signup_unavailable");
        fail(req, &tmp, &e, email, name, key);
        return 0;
    }
    char *norm = team_email_norm(email);
    const char *why = NULL;
    if (!norm) mg_set(&e, 422, "email", "err.email");
    else if (!team_text_ok(name, TEAM_NAME_MAX, false)) mg_set(&e, 422, "name", "err.name");
    else if (!team_password_ok(pw, &why)) mg_set(&e, 422, "password", "err.password");
    else if (!key || !*key || strlen(key) > KEY_MAX || !team_text_ok(key, KEY_MAX, false))
        mg_set(&e, 422, "license_key", "err.license");
    if (e.status) {
        free(norm);
        fail(req, &tmp, &e, email, name, key);
        return 0;
    }
    pt_txn *txn = pt_txn_begin(false, NULL);
    uint64_t account = 0;
    int rc = txn ? check_account(txn, norm, key, &account, &e) : PT_EAGAIN;
    pt_txn_abort(txn);
    if (rc) {
        if (!e.status) mg_set(&e, 503, NULL, "err.busy");
        free(norm);
        fail(req, &tmp, &e, email, name, key);
        return 0;
    }
    job *j = pt_xcalloc(1, sizeof *j);
    j->json = json;
    j->email = norm;
    j->name = pt_xstrdup(name);
    j->pw = pt_xstrdup(pw);
    j->key = pt_xstrdup(key);
    j->account = account;
    if (pt_work_run(req, work, done, j) != 0) {
        job_free(j);
        mg_set(&e, 503, NULL, "err.busy");
        fail(req, &tmp, &e, email, name, key);
        return 0;
    }
    return PT_ASYNC;
}

int mg_signup_page(pt_req *req)
{
    if (!licenses()) {
        render(req, 404, NULL, NULL, NULL, NULL);
        return 0;
    }
    render(req, 200, NULL, NULL, NULL, NULL);
    return 0;
}

int mg_signup_post(pt_req *req)
{
    return start(req, false, pt_req_form(req, "email"), pt_req_form(req, "name"),
                 pt_req_form(req, "password"), pt_req_form(req, "license_key"));
}

int mg_api_signup(pt_req *req)
{
    if (!licenses()) {
        pt_http_error(req, 404, mg_t(req, "err.signup_unavailable"));
        return 0;
    }
    const char *ct = pt_req_header(req, "Content-Type");
    if (!ct || strncasecmp(ct, "application/json", 16) != 0) {
        pt_http_error(req, 415, mg_t(req, "err.json_type"));
        return 0;
    }
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
    const char *f[] = {"email", "name", "password", "license_key"};
    for (int i = 0; i < 4; i++) {
        json_t *v = json_object_get(body, f[i]);
        if (v && !json_is_string(v)) {
            pt_http_error_field(req, 422, f[i], mg_t(req, "err.string"));
            return 0;
        }
    }
    return start(req, true, json_string_value(json_object_get(body, "email")),
                 json_string_value(json_object_get(body, "name")),
                 json_string_value(json_object_get(body, "password")),
                 json_string_value(json_object_get(body, "license_key")));
}
