/*
 * plugins/team/verify.c - single-use emailed links (team.links) and email
 * verification.
 *
 * A link's token is 32 random bytes (base64url) in the URL; the store
 * keeps only its SHA-256 -> {kind, user, exp, used}. Opening a link (GET)
 * only shows a confirmation form; the link is spent by the POST from that
 * form, so mail scanners that follow links do not burn it. A spent link
 * stays as "used" until it expires (a second use answers like an unknown
 * one: 410).
 */
#include <string.h>

#include "team.h"

static long long ttl(team_link_kind kind)
{
    switch (kind) {
    case TEAM_LINK_VERIFY: return team_cfg_int("verify_ttl_seconds", 7 * 86400);
    case TEAM_LINK_RESET: return team_cfg_int("reset_ttl_seconds", 3600);
    default: return team_cfg_int("welcome_ttl_seconds", 7 * 86400);
    }
}

int team_link_new(pt_txn *txn, team_link_kind kind, uint64_t user, char token[44])
{
    if (pt_token_new(token) != 0) return PT_ERR;
    char hex[65];
    pt_sha256_hex(token, strlen(token), hex);
    json_t *l = json_pack("{s:i, s:i, s:I, s:I, s:b, s:I}", "_v", 1, "kind", (int)kind, "user",
                          (json_int_t)user, "exp",
                          (json_int_t)(pt_wall_ms() + (uint64_t)ttl(kind) * 1000), "used", 0,
                          "created", (json_int_t)pt_wall_ms());
    int rc = pt_record_add(txn, team_db("links"), hex, 64, l);
    json_decref(l);
    return rc;
}

static int lookup(pt_txn *txn, team_link_kind kind, const char *token, char hex[65],
                  json_t **out)
{
    if (!token || strlen(token) != 43) return PT_ENOTFOUND;
    pt_sha256_hex(token, strlen(token), hex);
    json_t *l = NULL;
    if (pt_record_get(txn, team_db("links"), hex, 64, &l) != 0) return PT_ENOTFOUND;
    int k = (int)pt_rec_int(l, "kind", 0);
    bool kind_ok = k == (int)kind || (kind == TEAM_LINK_RESET && k == TEAM_LINK_WELCOME);
    if (!kind_ok || pt_rec_bool(l, "used", true) || pt_rec_u64(l, "exp", 0) <= pt_wall_ms()) {
        json_decref(l);
        return PT_ENOTFOUND;
    }
    *out = l;
    return 0;
}

int team_link_peek(pt_txn *txn, team_link_kind kind, const char *token, uint64_t *user)
{
    char hex[65];
    json_t *l = NULL;
    int rc = lookup(txn, kind, token, hex, &l);
    if (rc) return rc;
    if (user) *user = pt_rec_u64(l, "user", 0);
    json_decref(l);
    return 0;
}

int team_link_spend(pt_txn *txn, team_link_kind kind, const char *token, uint64_t *user)
{
    char hex[65];
    json_t *l = NULL;
    int rc = lookup(txn, kind, token, hex, &l);
    if (rc) return rc;
    if (user) *user = pt_rec_u64(l, "user", 0);
    json_object_set_new(l, "used", json_true());
    rc = pt_record_put(txn, team_db("links"), hex, 64, l);
    json_decref(l);
    return rc;
}

int team_mail_link(pt_txn *txn, const json_t *u, const char *tpl, const char *path,
                   const char *token, json_t *extra)
{
    char name[64];
    snprintf(name, sizeof name, "team/mail/%s", tpl);
    char *link_path = pt_xasprintf("%s%s", path, token);
    json_t *data = json_pack("{s:s, s:s, s:s}", "name", pt_rec_str(u, "name", ""), "email",
                             pt_rec_str(u, "email", ""), "link_path", link_path);
    explicit_bzero(link_path, strlen(link_path));
    free(link_path);
    if (extra) json_object_update(data, extra);
    const char *why = NULL;
    int rc = pt_mail_enqueue(txn,
                             &(pt_mail){.to = pt_rec_str(u, "email", ""),
                                        .template = name,
                                        .data = data,
                                        .lang = pt_rec_str(u, "lang", "en"),
                                        .kind = tpl},
                             &why);
    if (rc) pt_warn("team: mail %s not queued: %s", tpl, why ? why : pt_strerror(rc));
    json_decref(data);
    return rc;
}

/* ---- pages ------------------------------------------------------------------- */

static void gone(pt_req *req)
{
    pt_http_error(req, 410, team_t(req, "team.err.link"));
}

int team_verify_page(pt_req *req)
{
    const char *tok = pt_req_param(req, "token");
    int rc = 0;
    pt_txn *txn = pt_txn_begin(false, &rc);
    rc = txn ? team_link_peek(txn, TEAM_LINK_VERIFY, tok, NULL) : rc;
    pt_txn_abort(txn);
    if (rc) {
        gone(req);
        return 0;
    }
    json_t *ctx = json_pack("{s:s, s:s, s:s, s:s}", "title", team_t(req, "team.verify.title"),
                            "text", team_t(req, "team.verify.text"), "button",
                            team_t(req, "team.verify.button"), "action", pt_req_path(req));
    team_render(req, 200, "team/confirm", ctx);
    return 0;
}

int team_verify_post(pt_req *req)
{
    const char *tok = pt_req_param(req, "token");
    int rc = 0;
    uint64_t uid = 0;
    pt_txn *txn = pt_txn_begin(true, &rc);
    json_t *u = NULL;
    if (!txn || team_link_spend(txn, TEAM_LINK_VERIFY, tok, &uid) != 0 ||
        team_user_get(txn, uid, &u) != 0) {
        pt_txn_abort(txn);
        gone(req);
        return 0;
    }
    json_object_set_new(u, "verified", json_true());
    rc = team_user_put(txn, uid, u);
    if (rc == 0) rc = team_audit_append(txn, 0, uid, "email.verified", NULL);
    json_decref(u);
    if (rc == 0) rc = pt_txn_commit(txn);
    else pt_txn_abort(txn);
    if (rc) {
        pt_http_error(req, 503, team_t(req, "team.err.busy"));
        return 0;
    }
    pt_resp_redirect(req, "/signin?verified=1");
    return 0;
}
