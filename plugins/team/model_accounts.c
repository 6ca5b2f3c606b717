/*
 * plugins/team/model_accounts.c - customer accounts (team.accounts) and
 * memberships (team.members, key = account + user big-endian so a prefix
 * scan lists an account's members; team.members.by_user lists a user's
 * accounts). Memberships are account-owned: scoped store calls only.
 */
#include <stdlib.h>
#include <string.h>

#include "team.h"

int team_account_get(pt_txn *txn, uint64_t id, json_t **out)
{
    if (!id) return PT_ENOTFOUND;
    uint8_t k[8];
    pt_key_u64(k, id);
    return pt_record_get(txn, team_db("accounts"), k, 8, out);
}

int team_account_put(pt_txn *txn, uint64_t id, const json_t *rec)
{
    uint8_t k[8];
    pt_key_u64(k, id);
    return pt_record_put(txn, team_db("accounts"), k, 8, rec);
}

int team_account_create(pt_txn *txn, const char *name, uint64_t *id_out)
{
    uint64_t id = pt_id_new();
    json_t *a = json_pack("{s:i, s:o, s:s, s:b, s:n, s:n, s:{s:b, s:b, s:[], s:b}, s:I}", "_v", 1,
                          "id", json_integer((json_int_t)id), "name", name, "premium", 0,
                          "premium_from", "premium_until", "settings", "invite_only", 0,
                          "require_2fa", 0, "allowed_domains", "approval_queue", 0, "created",
                          (json_int_t)pt_wall_ms());
    uint8_t k[8];
    pt_key_u64(k, id);
    int rc = pt_record_add(txn, team_db("accounts"), k, 8, a);
    json_decref(a);
    if (rc == 0) rc = team_groups_preset_create(txn, id);
    if (rc == 0 && id_out) *id_out = id;
    return rc;
}

json_t *team_account_list(pt_txn *txn)
{
    json_t *arr = json_array();
    int rc = 0;
    pt_cursor *c = pt_cursor_open(txn, team_db("accounts"), &rc);
    pt_kv kv;
    for (rc = c ? pt_cursor_first(c, &kv) : PT_ENOTFOUND; rc == 0; rc = pt_cursor_next(c, &kv)) {
        json_t *r = NULL;
        if (pt_record_decode(kv.val, kv.vlen, &r, NULL) == 0) json_array_append_new(arr, r);
    }
    if (c) pt_cursor_close(c);
    return arr;
}

/* ---- memberships ---------------------------------------------------------- */

static void mkey(uint8_t k[16], uint64_t account, uint64_t user)
{
    pt_key_u64(k, account);
    pt_key_u64(k + 8, user);
}

int team_scoped_get(pt_txn *txn, const char *db, uint64_t account, uint64_t id, json_t **out)
{
    if (!account || !id) return PT_ENOTFOUND;
    uint8_t k[16];
    mkey(k, account, id);
    return pt_record_get_scoped(txn, team_db(db), k, 16, account, out);
}

int team_scoped_put(pt_txn *txn, const char *db, uint64_t account, uint64_t id, json_t *rec)
{
    uint8_t k[16];
    mkey(k, account, id);
    return pt_record_put_scoped(txn, team_db(db), k, 16, account, rec);
}

int team_member_get(pt_txn *txn, uint64_t account, uint64_t user, json_t **out)
{
    return team_scoped_get(txn, "members", account, user, out);
}

int team_member_put(pt_txn *txn, uint64_t account, uint64_t user, json_t *rec)
{
    return team_scoped_put(txn, "members", account, user, rec);
}

int team_member_add(pt_txn *txn, uint64_t account, uint64_t user, const char *status,
                    bool customer_admin, const uint64_t *groups, size_t ngroups)
{
    json_t *old = NULL;
    if (team_member_get(txn, account, user, &old) == 0) {
        json_decref(old);
        return PT_EEXIST;
    }
    json_t *g = json_array();
    uint64_t everyone = team_group_preset(txn, account, "everyone");
    if (everyone) json_array_append_new(g, json_integer((json_int_t)everyone));
    for (size_t i = 0; i < ngroups; i++)
        if (groups[i] != everyone) json_array_append_new(g, json_integer((json_int_t)groups[i]));
    json_t *m = json_pack("{s:i, s:I, s:I, s:o, s:s, s:I, s:b, s:I}", "_v", 1, "account",
                          (json_int_t)account, "user", (json_int_t)user, "groups", g, "status",
                          status, "last_active", (json_int_t)0, "customer_admin", customer_admin,
                          "joined", (json_int_t)pt_wall_ms());
    int rc = team_member_put(txn, account, user, m);
    json_decref(m);
    uint8_t uk[8];
    pt_key_u64(uk, user);
    if (rc == 0) rc = pt_index_put(txn, team_db("members.by_user"), uk, 8, account);
    return rc;
}

int team_member_accounts(pt_txn *txn, uint64_t user, uint64_t **ids, size_t *n)
{
    uint8_t uk[8];
    pt_key_u64(uk, user);
    size_t cnt = 0;
    int rc = pt_index_count(txn, team_db("members.by_user"), uk, 8, &cnt);
    *ids = NULL;
    *n = 0;
    if (rc || cnt == 0) return rc;
    *ids = pt_xcalloc(cnt, sizeof **ids);
    return pt_index_list(txn, team_db("members.by_user"), uk, 8, false, 0, *ids, cnt, n);
}

json_t *team_member_list(pt_txn *txn, uint64_t account)
{
    json_t *arr = json_array();
    int rc = 0;
    pt_cursor *c = pt_cursor_open(txn, team_db("members"), &rc);
    uint8_t pk[8];
    pt_key_u64(pk, account);
    pt_kv kv;
    for (rc = c ? pt_cursor_prefix(c, pk, 8, false, &kv) : PT_ENOTFOUND; rc == 0;
         rc = pt_cursor_next(c, &kv)) {
        json_t *r = NULL;
        if (pt_record_decode(kv.val, kv.vlen, &r, NULL) == 0) {
            if (pt_rec_u64(r, "account", 0) == account) json_array_append_new(arr, r);
            else json_decref(r);
        }
    }
    if (c) pt_cursor_close(c);
    return arr;
}
