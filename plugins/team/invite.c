/*
 * plugins/team/invite.c - invitations: a Pending membership plus a
 * single-use emailed link.
 *
 * Inviting an address creates the user when it is new (no password yet,
 * email unverified), adds a Pending membership with the chosen groups (so
 * groups and roles can be changed before the invitee accepts), and stores
 * the invitation:
 *   team.invitations  (account, user) -> {hash, exp, email, invited_by, sent}
 *   team.invite_links sha256(token) hex -> {account, user}
 * Only the SHA-256 of the 256-bit token is stored. A link is valid while
 * its hash is the invitation's current hash, it has not expired
 * (team.invite_ttl_seconds, 7 days) and the membership is still Pending.
 * Re-inviting replaces the hash (the old link stops working); accepting
 * or revoking deletes both records, so a link works once.
 *
 * The link page (GET /invite/:token) only shows a form; the POST from it
 * spends the link, so mail scanners that follow links do not burn it.
 * A new invitee chooses a name and a password there (the address is shown
 * and fixed: it is the invited one). An invitee who already has a user
 * (e.g. in another account) signs in first and then accepts; the
 * membership is added to their existing user. Accepting proves the
 * address, so the user is marked verified.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "team_manage.h"

const char *mg_inv_result_name(mg_inv_result r)
{
    switch (r) {
    case MG_INV_INVITED: return "invited";
    case MG_INV_MEMBER: return "already_member";
    case MG_INV_PENDING: return "already_invited";
    default: return "invalid_email";
    }
}

static void ikey(uint8_t k[16], uint64_t account, uint64_t user)
{
    pt_key_u64(k, account);
    pt_key_u64(k + 8, user);
}

static int inv_get(pt_txn *txn, uint64_t account, uint64_t user, json_t **out)
{
    return team_scoped_get(txn, "invitations", account, user, out);
}

static int inv_del(pt_txn *txn, uint64_t account, uint64_t user)
{
    json_t *inv = NULL;
    if (inv_get(txn, account, user, &inv) != 0) return 0;
    const char *hash = pt_rec_str(inv, "hash", "");
    int rc = 0;
    if (strlen(hash) == 64) {
        rc = pt_kv_del(txn, team_db("invite_links"), hash, 64, NULL, 0);
        if (rc == PT_ENOTFOUND) rc = 0;
    }
    json_decref(inv);
    uint8_t k[16];
    ikey(k, account, user);
    if (rc == 0) rc = pt_record_del_scoped(txn, team_db("invitations"), k, 16, account);
    return rc;
}

/* New link for (account, user): replaces any earlier one, queues the mail. */
static int issue(pt_req *req, pt_txn *txn, uint64_t account, uint64_t user)
{
    json_t *u = NULL, *acc = NULL, *old = NULL;
    int rc = team_user_get(txn, user, &u);
    if (rc == 0) rc = team_account_get(txn, account, &acc);
    if (rc) goto out;
    int64_t sent = 0;
    if (inv_get(txn, account, user, &old) == 0) {
        sent = pt_rec_int(old, "sent", 0);
        const char *h = pt_rec_str(old, "hash", "");
        if (strlen(h) == 64) {
            int r2 = pt_kv_del(txn, team_db("invite_links"), h, 64, NULL, 0);
            if (r2 && r2 != PT_ENOTFOUND) rc = r2;
        }
    }
    if (rc) goto out;
    char token[44], hex[65];
    if (pt_token_new(token) != 0) {
        rc = PT_ERR;
        goto out;
    }
    pt_sha256_hex(token, strlen(token), hex);
    long long ttl = team_cfg_int("invite_ttl_seconds", 7 * 86400);
    uint64_t now = pt_wall_ms();
    json_t *link = json_pack("{s:i, s:I, s:I}", "_v", 1, "account", (json_int_t)account, "user",
                             (json_int_t)user);
    rc = pt_record_put(txn, team_db("invite_links"), hex, 64, link);
    json_decref(link);
    json_t *inv = json_pack("{s:i, s:I, s:I, s:s, s:s, s:I, s:I, s:I, s:I}", "_v", 1, "account",
                            (json_int_t)account, "user", (json_int_t)user, "email",
                            pt_rec_str(u, "email", ""), "hash", hex, "exp",
                            (json_int_t)(now + (uint64_t)ttl * 1000), "invited_by",
                            (json_int_t)pt_req_user(req), "created",
                            (json_int_t)(old ? pt_rec_u64(old, "created", now) : now), "sent",
                            (json_int_t)(sent + 1));
    if (rc == 0) rc = team_scoped_put(txn, "invitations", account, user, inv);
    json_decref(inv);
    if (rc == 0) {
        const json_t *info = pt_req_principal(req)->info;
        json_t *extra = json_pack("{s:s, s:s, s:I}", "account_name", pt_rec_str(acc, "name", ""),
                                  "inviter_name", pt_rec_str(info, "name", ""), "days",
                                  (json_int_t)((ttl + 86399) / 86400));
        rc = team_mail_link(txn, u, "invite_link", "/invite/", token, extra);
        json_decref(extra);
    }
    explicit_bzero(token, sizeof token);
out:
    json_decref(u);
    json_decref(acc);
    json_decref(old);
    return rc;
}

static json_t *group_names(pt_txn *txn, uint64_t account, const uint64_t *groups, size_t n)
{
    json_t *names = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *g = NULL;
        if (team_group_get(txn, account, groups[i], &g) == 0)
            json_array_append_new(names, json_string(pt_rec_str(g, "name", "")));
        json_decref(g);
    }
    return names;
}

int mg_invite_one(pt_req *req, pt_txn *txn, uint64_t account, const char *email,
                  const uint64_t *groups, size_t ngroups, bool customer_admin,
                  mg_inv_result *res)
{
    *res = MG_INV_BAD_EMAIL;
    char *norm = team_email_norm(email);
    if (!norm) return 0;
    uint64_t uid = 0;
    int rc = team_user_by_email(txn, norm, &uid, NULL);
    if (rc == PT_ENOTFOUND) rc = team_user_create(txn, norm, "", NULL, false, &uid);
    if (rc) goto out;
    json_t *m = NULL;
    if (team_member_get(txn, account, uid, &m) == 0) {
        *res = strcmp(pt_rec_str(m, "status", ""), "Pending") == 0 ? MG_INV_PENDING : MG_INV_MEMBER;
        json_decref(m);
        goto out;
    }
    uint64_t *gs = pt_xcalloc(ngroups + 2, sizeof *gs);
    size_t ng = 0;
    for (size_t i = 0; i < ngroups; i++) gs[ng++] = groups[i];
    if (customer_admin) {
        uint64_t admins = team_group_preset(txn, account, "admins");
        bool have = false;
        for (size_t i = 0; i < ng; i++) have = have || gs[i] == admins;
        if (admins && !have) gs[ng++] = admins;
    }
    rc = team_member_add(txn, account, uid, "Pending", customer_admin, gs, ng);
    if (rc == 0) rc = issue(req, txn, account, uid);
    if (rc == 0) {
        json_t *d = json_pack("{s:s, s:o, s:o, s:b}", "email", norm, "user", team_id_json(uid),
                              "groups", group_names(txn, account, gs, ng), "customer_admin",
                              customer_admin);
        rc = mg_audit(txn, account, pt_req_user(req), "invitation.created", d);
        json_decref(d);
    }
    free(gs);
    if (rc == 0) *res = MG_INV_INVITED;
out:
    free(norm);
    return rc;
}

int mg_invite_resend(pt_req *req, pt_txn *txn, uint64_t account, uint64_t user)
{
    json_t *m = NULL;
    if (team_member_get(txn, account, user, &m) != 0) return PT_ENOTFOUND;
    bool pending = strcmp(pt_rec_str(m, "status", ""), "Pending") == 0;
    json_decref(m);
    if (!pending) return PT_ENOTFOUND;
    int rc = issue(req, txn, account, user);
    if (rc == 0) {
        json_t *d = json_pack("{s:o}", "user", team_id_json(user));
        rc = mg_audit(txn, account, pt_req_user(req), "invitation.resent", d);
        json_decref(d);
    }
    return rc;
}

int mg_invite_revoke(pt_req *req, pt_txn *txn, uint64_t account, uint64_t user)
{
    json_t *m = NULL;
    if (team_member_get(txn, account, user, &m) != 0) return PT_ENOTFOUND;
    bool pending = strcmp(pt_rec_str(m, "status", ""), "Pending") == 0;
    json_decref(m);
    if (!pending) return PT_ENOTFOUND;
    json_t *u = NULL;
    team_user_get(txn, user, &u);
    json_t *d = json_pack("{s:s, s:o}", "email", pt_rec_str(u, "email", ""), "user",
                          team_id_json(user));
    json_decref(u);
    int rc = inv_del(txn, account, user);
    if (rc == 0) rc = mg_member_drop(txn, account, user);
    if (rc == 0) rc = mg_user_drop_if_orphan(txn, user);
    if (rc == 0) rc = mg_audit(txn, account, pt_req_user(req), "invitation.revoked", d);
    json_decref(d);
    return rc;
}

void mg_invite_expiry(pt_txn *txn, uint64_t account, json_t *v)
{
    uint64_t uid = 0;
    pt_id_parse(pt_rec_str(v, "id", ""), &uid);
    json_t *inv = NULL;
    if (inv_get(txn, account, uid, &inv) != 0) {
        json_object_set_new(v, "expired", json_true());
        return;
    }
    uint64_t exp = pt_rec_u64(inv, "exp", 0);
    json_object_set_new(v, "expired", json_boolean(exp <= pt_wall_ms()));
    json_object_set_new(v, "sent", json_integer(pt_rec_int(inv, "sent", 1)));
    char iso[32];
    time_t t = (time_t)(exp / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_object_set_new(v, "expires", json_string(iso));
    json_decref(inv);
}

json_t *mg_invite_list(pt_req *req, pt_txn *txn, uint64_t account)
{
    json_t *all = mg_member_views(req, txn, account), *out = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(all, i, v) {
        if (!json_is_true(json_object_get(v, "pending"))) continue;
        json_t *o = json_deep_copy(v);
        mg_invite_expiry(txn, account, o);
        json_array_append_new(out, o);
    }
    json_decref(all);
    return out;
}

int mg_parse_addresses(const char *text, json_t **list, mg_err *e)
{
    *list = json_array();
    const char *p = text ? text : "";
    while (*p) {
        while (*p && (isspace((unsigned char)*p) || *p == ',' || *p == ';')) p++;
        const char *s = p;
        while (*p && !isspace((unsigned char)*p) && *p != ',' && *p != ';') p++;
        if (p > s) {
            if (json_array_size(*list) >= MG_INVITE_FORM_MAX) {
                mg_set(e, 422, "emails", "err.too_many_emails");
                json_decref(*list);
                *list = NULL;
                return PT_ETOOBIG;
            }
            char *one = pt_xstrndup(s, (size_t)(p - s));
            json_t *js = json_string(one);
            json_array_append_new(*list, js ? js : json_string("?"));
            free(one);
        }
    }
    if (json_array_size(*list) == 0) {
        mg_set(e, 422, "emails", "err.no_emails");
        json_decref(*list);
        *list = NULL;
        return PT_EINVAL;
    }
    return 0;
}

int mg_invite_many(pt_req *req, uint64_t account, json_t *emails, const uint64_t *groups,
                   size_t ngroups, bool customer_admin, json_t **report, mg_err *e)
{
    *report = NULL;
    size_t n = json_array_size(emails);
    if (n == 0) {
        mg_set(e, 422, "emails", "err.no_emails");
        return PT_EINVAL;
    }
    if (n > MG_INVITE_FORM_MAX) {
        mg_set(e, 422, "emails", "err.too_many_emails");
        return PT_ETOOBIG;
    }
    for (size_t i = 0; i < n; i++) {
        const char *s = json_string_value(json_array_get(emails, i));
        char *norm = s ? team_email_norm(s) : NULL;
        if (!norm) {
            mg_set(e, 422, "emails", "err.email");
            snprintf(e->detail, sizeof e->detail, "%.120s", s ? s : "?");
            return PT_EINVAL;
        }
        free(norm);
    }
    pt_txn *txn = pt_txn_begin(true, NULL);
    if (!txn) {
        mg_set(e, 503, NULL, "err.busy");
        return PT_EAGAIN;
    }
    json_t *out = json_array();
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const char *s = json_string_value(json_array_get(emails, i));
        char *norm = team_email_norm(s);
        bool dup = false;
        size_t j;
        json_t *r;
        json_array_foreach(out, j, r) dup = dup || strcmp(pt_rec_str(r, "email", ""), norm) == 0;
        if (dup) {
            free(norm);
            continue;
        }
        mg_inv_result res;
        rc = mg_invite_one(req, txn, account, norm, groups, ngroups, customer_admin, &res);
        json_array_append_new(out, json_pack("{s:s, s:s}", "email", norm, "status",
                                             mg_inv_result_name(res)));
        free(norm);
    }
    if (rc == 0) rc = pt_txn_commit(txn);
    else pt_txn_abort(txn);
    if (rc) {
        json_decref(out);
        mg_set(e, 503, NULL, "err.busy");
        return rc;
    }
    *report = out;
    return 0;
}

/* ---- the link page ---------------------------------------------------------------- */

/* Look the token up: 0 with account, user, or PT_ENOTFOUND. */
static int link_find(pt_txn *txn, const char *token, uint64_t *account, uint64_t *user,
                     char hex[65])
{
    if (!token || strlen(token) != 43) return PT_ENOTFOUND;
    pt_sha256_hex(token, 43, hex);
    json_t *l = NULL;
    if (pt_record_get(txn, team_db("invite_links"), hex, 64, &l) != 0) return PT_ENOTFOUND;
    *account = pt_rec_u64(l, "account", 0);
    *user = pt_rec_u64(l, "user", 0);
    json_decref(l);
    json_t *inv = NULL, *m = NULL;
    int rc = PT_ENOTFOUND;
    if (*account && inv_get(txn, *account, *user, &inv) == 0 &&
        strcmp(pt_rec_str(inv, "hash", ""), hex) == 0 && pt_rec_u64(inv, "exp", 0) > pt_wall_ms() &&
        team_member_get(txn, *account, *user, &m) == 0 &&
        strcmp(pt_rec_str(m, "status", ""), "Pending") == 0)
        rc = 0;
    json_decref(inv);
    json_decref(m);
    return rc;
}

static void gone(pt_req *req)
{
    pt_http_error(req, 410, mg_t(req, "err.invite_link"));
}

static void render_page(pt_req *req, int status, pt_txn *txn, uint64_t account, uint64_t user,
                        json_t *errors, const char *name)
{
    json_t *u = NULL, *acc = NULL;
    team_user_get(txn, user, &u);
    team_account_get(txn, account, &acc);
    bool existing = pt_rec_str(u, "pw", NULL) != NULL;
    uint64_t me = pt_req_user(req);
    json_t *ctx = json_pack("{s:s, s:s, s:s, s:b}", "email", pt_rec_str(u, "email", ""),
                            "account_name", pt_rec_str(acc, "name", ""), "action",
                            pt_req_path(req), "existing", existing);
    if (existing && me == user) json_object_set_new(ctx, "can_accept", json_true());
    else if (me && me != user) json_object_set_new(ctx, "other_user", json_true());
    else if (existing) {
        pt_buf b = PT_BUF_INIT;
        pt_buf_puts(&b, "/signin?next=");
        pt_url_encode(&b, pt_req_path(req));
        json_object_set_new(ctx, "signin_href", json_string(b.data));
        pt_buf_free(&b);
    } else {
        json_object_set_new(ctx, "new_user", json_true());
        json_object_set_new(ctx, "name", json_string(name ? name : ""));
    }
    if (errors) json_object_set_new(ctx, "errors", errors);
    json_decref(u);
    json_decref(acc);
    team_render(req, status, "team/manage_invite", ctx);
}

int mg_invite_page(pt_req *req)
{
    pt_resp_set_header(req, "Referrer-Policy", "no-referrer");
    pt_resp_set_header(req, "Cache-Control", "no-store");
    pt_txn *txn = mg_begin(req, false);
    if (!txn) return 0;
    uint64_t account = 0, user = 0;
    char hex[65];
    if (link_find(txn, pt_req_param(req, "token"), &account, &user, hex) != 0) {
        pt_txn_abort(txn);
        gone(req);
        return 0;
    }
    render_page(req, 200, txn, account, user, NULL, NULL);
    pt_txn_abort(txn);
    return 0;
}

/* Spend the link and activate the membership (write txn). pw_hash/name
 * are set on a new user (NULL for an existing one). */
static int accept(pt_req *req, pt_txn *txn, uint64_t account, uint64_t user, const char *pw_hash,
                  const char *name)
{
    json_t *u = NULL, *m = NULL;
    int rc = team_user_get(txn, user, &u);
    if (rc == 0) rc = team_member_get(txn, account, user, &m);
    if (rc == 0 && pw_hash) {
        json_object_set_new(u, "pw", json_string(pw_hash));
        json_object_set_new(u, "name", json_string(name));
        team_user_lang_from_browser(req, u);
    }
    if (rc == 0) {
        json_object_set_new(u, "verified", json_true());
        rc = team_user_put(txn, user, u);
    }
    if (rc == 0) {
        json_object_set_new(m, "status", json_string("Active"));
        rc = team_member_put(txn, account, user, m);
    }
    if (rc == 0) rc = inv_del(txn, account, user);
    if (rc == 0) {
        json_t *d = json_pack("{s:s, s:b}", "email", pt_rec_str(u, "email", ""), "new_user",
                              pw_hash != NULL);
        rc = mg_audit(txn, account, user, "invitation.accepted", d);
        json_decref(d);
    }
    if (rc == 0) {
        json_t *args = json_pack("{s:s}", "email", pt_rec_str(u, "email", ""));
        rc = pt_notify_msg(txn,
                           &(pt_notification){.kind = "team.new_user", .account = account,
                                              .permission = "team.edit", .href = "/team"},
                           "team_manage.notify.joined", args);
        json_decref(args);
    }
    json_decref(u);
    json_decref(m);
    return rc;
}

typedef struct job {
    char token[44];
    char *pw;
    char *name;
    char *hash;
} job;

static void job_free(job *j)
{
    explicit_bzero(j->token, sizeof j->token);
    if (j->pw) {
        explicit_bzero(j->pw, strlen(j->pw));
        free(j->pw);
    }
    if (j->hash) {
        explicit_bzero(j->hash, strlen(j->hash));
        free(j->hash);
    }
    free(j->name);
    free(j);
}

static void work(void *ud)
{
    job *j = ud;
    j->hash = team_password_hash(j->pw);
}

static void done(pt_req *req, void *ud)
{
    job *j = ud;
    pt_txn *txn = j->hash ? mg_begin(req, true) : NULL;
    if (!j->hash) pt_http_error(req, 503, mg_t(req, "err.busy"));
    if (!txn) {
        job_free(j);
        return;
    }
    uint64_t account = 0, user = 0;
    char hex[65];
    json_t *u = NULL;
    /* Checked again: the link may have been used or replaced meanwhile, or
     * the user may have set a password another way. */
    if (link_find(txn, j->token, &account, &user, hex) != 0 || team_user_get(txn, user, &u) != 0 ||
        pt_rec_str(u, "pw", NULL)) {
        json_decref(u);
        pt_txn_abort(txn);
        gone(req);
        job_free(j);
        return;
    }
    json_decref(u);
    if (accept(req, txn, account, user, j->hash, j->name) != 0) {
        pt_txn_abort(txn);
        pt_http_error(req, 503, mg_t(req, "err.busy"));
    } else if (mg_commit(req, txn) == 0) {
        pt_resp_redirect(req, "/signin?invited=1");
    }
    job_free(j);
}

int mg_invite_accept(pt_req *req)
{
    pt_resp_set_header(req, "Referrer-Policy", "no-referrer");
    const char *token = pt_req_param(req, "token");
    pt_txn *txn = mg_begin(req, false);
    if (!txn) return 0;
    uint64_t account = 0, user = 0;
    char hex[65];
    json_t *u = NULL;
    if (link_find(txn, token, &account, &user, hex) != 0 || team_user_get(txn, user, &u) != 0) {
        pt_txn_abort(txn);
        gone(req);
        return 0;
    }
    bool existing = pt_rec_str(u, "pw", NULL) != NULL;
    json_decref(u);
    uint64_t me = pt_req_user(req);
    if (existing || me) {
        if (me != user) {
            /* Another user signed in, or not signed in as the invitee. */
            render_page(req, 403, txn, account, user, NULL, NULL);
            pt_txn_abort(txn);
            return 0;
        }
        pt_txn_abort(txn);
        txn = mg_begin(req, true);
        if (!txn) return 0;
        if (link_find(txn, token, &account, &user, hex) != 0) {
            pt_txn_abort(txn);
            gone(req);
            return 0;
        }
        if (accept(req, txn, account, user, NULL, NULL) != 0) {
            pt_txn_abort(txn);
            pt_http_error(req, 503, mg_t(req, "err.busy"));
            return 0;
        }
        if (mg_commit(req, txn) != 0) return 0;
        pt_session_set_account(req, account);
        pt_resp_redirect(req, "/?joined=1");
        return 0;
    }
    const char *name = pt_req_form(req, "name");
    const char *pw = pt_req_form(req, "password");
    const char *pw2 = pt_req_form(req, "password_confirm");
    json_t *errors = json_object();
    const char *why = NULL;
    if (!team_text_ok(name, TEAM_NAME_MAX, false))
        json_object_set_new(errors, "name", json_string(mg_t(req, "err.name")));
    if (!team_password_ok(pw, &why))
        json_object_set_new(errors, "password", json_string(team_t(req, why)));
    else if (!pw2 || strcmp(pw, pw2) != 0)
        json_object_set_new(errors, "password_confirm", json_string(mg_t(req, "err.password_match")));
    if (json_object_size(errors)) {
        if (pt_req_wants_json(req)) {
            const char *f = json_object_iter_key(json_object_iter(errors));
            pt_http_error_field(req, 422, f, json_string_value(json_object_get(errors, f)));
            json_decref(errors);
        } else {
            render_page(req, 422, txn, account, user, errors, team_text_ok(name, TEAM_NAME_MAX, true) ? name : "");
        }
        pt_txn_abort(txn);
        return 0;
    }
    json_decref(errors);
    pt_txn_abort(txn);
    job *j = pt_xcalloc(1, sizeof *j);
    snprintf(j->token, sizeof j->token, "%s", token);
    j->pw = pt_xstrdup(pw);
    j->name = pt_xstrdup(name);
    if (pt_work_run(req, work, done, j) != 0) {
        job_free(j);
        pt_http_error(req, 503, mg_t(req, "err.busy"));
        return 0;
    }
    return PT_ASYNC;
}
