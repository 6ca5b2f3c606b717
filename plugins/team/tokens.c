/*
 * plugins/team/tokens.c - per-user API tokens: "pt_" + 43 random base64url
 * characters, shown once; only the SHA-256 is stored (team.tokens.by_hash
 * maps it to the record). A token acts for its user in exactly one
 * account, read-only or read-write, and stops working when revoked, when
 * the user is deactivated or loses access to that account.
 *
 * Use of a token is recorded in the audit log ("token.used") at most once
 * a minute per token (with last_used), so a busy integration does not
 * turn every API call into a write.
 */
#include <stdlib.h>
#include <string.h>

#include "team.h"

#define TOKEN_PREFIX "pt_"

static int hkey(pt_key *k, const char *hex)
{
    pt_key_init(k);
    return pt_key_add_str(k, hex);
}

int team_token_create(pt_txn *txn, uint64_t user, uint64_t account, const char *name,
                      bool read_only, char plain[48], json_t **rec_out)
{
    char raw[44], hex[65];
    if (pt_token_new(raw) != 0) return PT_ERR;
    snprintf(plain, 48, TOKEN_PREFIX "%s", raw);
    explicit_bzero(raw, sizeof raw);
    pt_sha256_hex(plain, strlen(plain), hex);
    uint64_t id = pt_id_new();
    json_t *t = json_pack("{s:i, s:I, s:I, s:I, s:s, s:b, s:s, s:I, s:I}", "_v", 1, "id",
                          (json_int_t)id, "user", (json_int_t)user, "account", (json_int_t)account,
                          "name", name, "read_only", read_only, "hash", hex, "created",
                          (json_int_t)pt_wall_ms(), "last_used", (json_int_t)0);
    uint8_t k[8], uk[8];
    pt_key_u64(k, id);
    pt_key_u64(uk, user);
    pt_key hk;
    int rc = pt_record_add(txn, team_db("tokens"), k, 8, t);
    if (rc == 0) rc = hkey(&hk, hex);
    if (rc == 0) rc = pt_index_put(txn, team_db("tokens.by_hash"), hk.b, hk.len, id);
    if (rc == 0) rc = pt_index_put(txn, team_db("tokens.by_user"), uk, 8, id);
    if (rc == 0) {
        json_t *d = json_pack("{s:o, s:s, s:b}", "token", team_id_json(id), "name", name,
                              "read_only", read_only);
        rc = team_audit_append(txn, account, user, "token.created", d);
        json_decref(d);
    }
    if (rc == 0 && rec_out) *rec_out = t;
    else json_decref(t);
    return rc;
}

int team_token_revoke(pt_txn *txn, uint64_t user, uint64_t id)
{
    uint8_t k[8], uk[8];
    pt_key_u64(k, id);
    pt_key_u64(uk, user);
    json_t *t = NULL;
    int rc = pt_record_get(txn, team_db("tokens"), k, 8, &t);
    if (rc) return rc;
    if (pt_rec_u64(t, "user", 0) != user) {
        json_decref(t);
        return PT_ENOTFOUND; /* another user's token looks missing */
    }
    pt_key hk;
    rc = hkey(&hk, pt_rec_str(t, "hash", ""));
    if (rc == 0) pt_index_del(txn, team_db("tokens.by_hash"), hk.b, hk.len, id);
    pt_index_del(txn, team_db("tokens.by_user"), uk, 8, id);
    rc = pt_record_del(txn, team_db("tokens"), k, 8);
    if (rc == 0) {
        json_t *d = json_pack("{s:o, s:s}", "token", team_id_json(id), "name",
                              pt_rec_str(t, "name", ""));
        rc = team_audit_append(txn, pt_rec_u64(t, "account", 0), user, "token.revoked", d);
        json_decref(d);
    }
    json_decref(t);
    return rc;
}

json_t *team_token_public(const json_t *t)
{
    json_t *o = json_pack("{s:o, s:s, s:o, s:b, s:I}", "id", team_id_json(pt_rec_u64(t, "id", 0)),
                          "name", pt_rec_str(t, "name", ""), "account",
                          team_id_json(pt_rec_u64(t, "account", 0)), "read_only",
                          pt_rec_bool(t, "read_only", true), "created",
                          (json_int_t)pt_rec_int(t, "created", 0));
    int64_t lu = pt_rec_int(t, "last_used", 0);
    json_object_set_new(o, "last_used", lu ? json_integer(lu) : json_null());
    return o;
}

json_t *team_token_list(pt_txn *txn, uint64_t user)
{
    json_t *arr = json_array();
    uint8_t uk[8];
    pt_key_u64(uk, user);
    uint64_t ids[200];
    size_t n = 0;
    pt_index_list(txn, team_db("tokens.by_user"), uk, 8, true, 0, ids, 200, &n);
    for (size_t i = 0; i < n; i++) {
        uint8_t k[8];
        pt_key_u64(k, ids[i]);
        json_t *t = NULL;
        if (pt_record_get(txn, team_db("tokens"), k, 8, &t) != 0) continue;
        json_t *p = team_token_public(t);
        json_t *a = NULL;
        if (team_account_get(txn, pt_rec_u64(t, "account", 0), &a) == 0)
            json_object_set_new(p, "account_name", json_string(pt_rec_str(a, "name", "")));
        json_decref(a);
        json_array_append_new(arr, p);
        json_decref(t);
    }
    return arr;
}

static void record_use(uint64_t id)
{
    int rc = 0;
    pt_txn *w = pt_txn_begin(true, &rc);
    if (!w) return;
    uint8_t k[8];
    pt_key_u64(k, id);
    json_t *t = NULL;
    if (pt_record_get(w, team_db("tokens"), k, 8, &t) == 0) {
        json_object_set_new(t, "last_used", json_integer((json_int_t)pt_wall_ms()));
        json_t *d = json_pack("{s:o, s:s}", "token", team_id_json(id), "name",
                              pt_rec_str(t, "name", ""));
        if (pt_record_put(w, team_db("tokens"), k, 8, t) == 0 &&
            team_audit_append(w, pt_rec_u64(t, "account", 0), pt_rec_u64(t, "user", 0),
                              "token.used", d) == 0) {
            pt_txn_commit(w);
            w = NULL;
        }
        json_decref(d);
    }
    json_decref(t);
    pt_txn_abort(w);
}

int team_resolve_token(pt_txn *txn, const char *token, pt_principal *out, bool *read_only)
{
    if (!token || strlen(token) != 46 || strncmp(token, TOKEN_PREFIX, 3) != 0) return PT_ENOTFOUND;
    char hex[65];
    pt_sha256_hex(token, strlen(token), hex);
    pt_key hk;
    if (hkey(&hk, hex)) return PT_ENOTFOUND;
    uint64_t ids[1];
    size_t n = 0;
    if (pt_index_list(txn, team_db("tokens.by_hash"), hk.b, hk.len, false, 0, ids, 1, &n) != 0 ||
        n == 0)
        return PT_ENOTFOUND;
    uint8_t k[8];
    pt_key_u64(k, ids[0]);
    json_t *t = NULL, *u = NULL;
    if (pt_record_get(txn, team_db("tokens"), k, 8, &t) != 0) return PT_ENOTFOUND;
    uint64_t uid = pt_rec_u64(t, "user", 0), account = pt_rec_u64(t, "account", 0);
    int rc = PT_ENOTFOUND;
    if (team_user_get(txn, uid, &u) == 0 && team_may_act(txn, u, uid, account) &&
        team_resolver.resolve(txn, uid, account, out) == 0 && out->account == account) {
        *read_only = pt_rec_bool(t, "read_only", true);
        rc = 0;
        if (!pt_txn_is_write(txn) && pt_rec_u64(t, "last_used", 0) + 60000 < pt_wall_ms())
            record_use(ids[0]);
    }
    json_decref(u);
    json_decref(t);
    return rc;
}
