/*
 * plugins/team/resolver.c - turns (user, account) into the core's
 * principal: staff flags, the permissions held in the acting account,
 * the accounts the user may switch to and display data. Also the
 * notification audience (members holding a permission), the per-user
 * notification switch and the profile language hook.
 *
 * Permissions in an account:
 *   customer   union of the permissions of the member's groups (Everyone
 *              included); Customer Admins also get team.view/team.edit;
 *              only Active memberships count.
 *   staff      admin: every permission in every account; agent, account
 *              manager, editor: their role's fixed set in the accounts
 *              they are assigned to (staff_accounts).
 * A requested account the user may not act in falls back to the user's
 * first account (the session keeps working; /account/switch refuses such
 * an account with 404 before it gets here).
 *
 * last_active: updated at most once a minute per membership, in a short
 * write transaction of its own after the caller's read transaction has
 * been used (the core calls resolve with a read transaction; LMDB allows
 * a write transaction beside a read one in the same thread).
 */
#include <stdlib.h>
#include <string.h>

#include "team.h"

static const char *const known_perms[] = {
    "team.view",      "team.edit",      "knowledge.view", "support.view",
    "support.edit",   "support.premium", "licenses.view", "licenses.edit",
    "quotes.request", "collab.view",    "collab.edit",   "contacts.view", NULL};
static const char *const agent_perms[] = {"support.view",   "support.edit",  "support.premium",
                                          "knowledge.view", "licenses.view", "contacts.view",
                                          "team.view",      NULL};
static const char *const am_perms[] = {"team.view",     "team.edit",     "licenses.view",
                                       "licenses.edit", "quotes.request", "support.view",
                                       "knowledge.view", "contacts.view", "collab.view", NULL};
static const char *const editor_perms[] = {"knowledge.view", "knowledge.edit", NULL};

static void add_list(json_t *perms, const char *const *list)
{
    for (size_t i = 0; list[i]; i++) json_object_set_new(perms, list[i], json_true());
}

static bool staff_covers(const json_t *user, uint64_t account)
{
    const json_t *a = json_object_get(user, "staff_accounts");
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v) if ((uint64_t)json_integer_value(v) == account) return true;
    return false;
}

static team_staff_role role_of(const json_t *user)
{
    return team_staff_role_parse(pt_rec_str(user, "staff", "none"));
}

bool team_may_act(pt_txn *txn, const json_t *user, uint64_t uid, uint64_t account)
{
    if (!account || !team_user_active(user)) return false;
    json_t *acc = NULL;
    if (team_account_get(txn, account, &acc) != 0) return false;
    json_decref(acc);
    team_staff_role r = role_of(user);
    if (r == TEAM_STAFF_ADMIN) return true;
    if (r != TEAM_STAFF_NONE && staff_covers(user, account)) return true;
    json_t *m = NULL;
    if (team_member_get(txn, account, uid, &m) != 0) return false;
    bool ok = strcmp(pt_rec_str(m, "status", ""), "Active") == 0;
    json_decref(m);
    return ok;
}

json_t *team_permissions(pt_txn *txn, const json_t *user, uint64_t uid, uint64_t account)
{
    json_t *perms = json_object();
    team_staff_role r = role_of(user);
    if (r == TEAM_STAFF_ADMIN) {
        add_list(perms, known_perms);
        json_t *all = pt_permissions_all();
        size_t i;
        json_t *p;
        json_array_foreach(all, i, p) {
            const char *n = pt_rec_str(p, "name", NULL);
            if (n) json_object_set_new(perms, n, json_true());
        }
        json_decref(all);
        return perms;
    }
    if (!account) return perms;
    if (r != TEAM_STAFF_NONE && staff_covers(user, account)) {
        add_list(perms, r == TEAM_STAFF_AGENT             ? agent_perms
                        : r == TEAM_STAFF_ACCOUNT_MANAGER ? am_perms
                                                          : editor_perms);
    }
    json_t *m = NULL;
    if (team_member_get(txn, account, uid, &m) != 0) return perms;
    if (strcmp(pt_rec_str(m, "status", ""), "Active") == 0) {
        if (pt_rec_bool(m, "customer_admin", false)) {
            json_object_set_new(perms, "team.view", json_true());
            json_object_set_new(perms, "team.edit", json_true());
        }
        uint64_t everyone = team_group_preset(txn, account, "everyone");
        json_t *gids = json_deep_copy(json_object_get(m, "groups"));
        if (!json_is_array(gids)) {
            json_decref(gids);
            gids = json_array();
        }
        if (everyone) json_array_append_new(gids, json_integer((json_int_t)everyone));
        size_t i;
        json_t *gid;
        json_array_foreach(gids, i, gid) {
            json_t *g = NULL;
            if (team_group_get(txn, account, (uint64_t)json_integer_value(gid), &g) != 0) continue;
            size_t j;
            json_t *p;
            json_array_foreach(json_object_get(g, "permissions"), j, p) {
                if (json_is_string(p)) json_object_set_new(perms, json_string_value(p), json_true());
            }
            json_decref(g);
        }
        json_decref(gids);
    }
    json_decref(m);
    return perms;
}

static void push_account(pt_txn *txn, json_t *arr, uint64_t id)
{
    char s[PT_ID_STRLEN];
    pt_id_to_str(id, s);
    size_t i;
    json_t *a;
    json_array_foreach(arr, i, a) if (strcmp(pt_rec_str(a, "id", ""), s) == 0) return;
    json_t *acc = NULL;
    if (team_account_get(txn, id, &acc) != 0) return;
    json_array_append_new(arr, json_pack("{s:s, s:s}", "id", s, "name", pt_rec_str(acc, "name", "")));
    json_decref(acc);
}

json_t *team_user_accounts(pt_txn *txn, const json_t *user, uint64_t uid)
{
    json_t *arr = json_array();
    team_staff_role r = role_of(user);
    if (r == TEAM_STAFF_ADMIN) {
        json_t *all = team_account_list(txn);
        size_t i;
        json_t *a;
        json_array_foreach(all, i, a) push_account(txn, arr, pt_rec_u64(a, "id", 0));
        json_decref(all);
        return arr;
    }
    uint64_t *ids = NULL;
    size_t n = 0;
    team_member_accounts(txn, uid, &ids, &n);
    for (size_t i = 0; i < n; i++) {
        json_t *m = NULL;
        if (team_member_get(txn, ids[i], uid, &m) != 0) continue;
        if (strcmp(pt_rec_str(m, "status", ""), "Active") == 0) push_account(txn, arr, ids[i]);
        json_decref(m);
    }
    free(ids);
    if (r != TEAM_STAFF_NONE) {
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(user, "staff_accounts"), i, v)
            push_account(txn, arr, (uint64_t)json_integer_value(v));
    }
    return arr;
}

static void touch(uint64_t account, uint64_t uid)
{
    int rc = 0;
    pt_txn *w = pt_txn_begin(true, &rc);
    if (!w) return;
    json_t *m = NULL;
    if (team_member_get(w, account, uid, &m) == 0) {
        json_object_set_new(m, "last_active", json_integer((json_int_t)pt_wall_ms()));
        if (team_member_put(w, account, uid, m) == 0) rc = pt_txn_commit(w), w = NULL;
        json_decref(m);
    }
    pt_txn_abort(w);
}

static int resolve(pt_txn *txn, uint64_t uid, uint64_t account, pt_principal *out)
{
    json_t *u = NULL;
    if (team_user_get(txn, uid, &u) != 0) return PT_ENOTFOUND;
    if (!team_user_active(u)) {
        json_decref(u);
        return PT_ENOTFOUND;
    }
    json_t *accounts = team_user_accounts(txn, u, uid);
    char cur[PT_ID_STRLEN];
    bool found = false;
    if (account) {
        pt_id_to_str(account, cur);
        size_t i;
        json_t *a;
        json_array_foreach(accounts, i, a) found = found || strcmp(pt_rec_str(a, "id", ""), cur) == 0;
    }
    if (!found) {
        account = 0;
        if (json_array_size(accounts))
            pt_id_parse(pt_rec_str(json_array_get(accounts, 0), "id", ""), &account);
    }
    size_t i;
    json_t *a;
    if (account) pt_id_to_str(account, cur);
    json_array_foreach(accounts, i, a) {
        if (account && strcmp(pt_rec_str(a, "id", ""), cur) == 0)
            json_object_set_new(a, "current", json_true());
    }
    team_staff_role r = role_of(u);
    out->user = uid;
    out->account = account;
    out->staff = r != TEAM_STAFF_NONE;
    out->admin = r == TEAM_STAFF_ADMIN;
    out->permissions = team_permissions(txn, u, uid, account);
    out->accounts = accounts;
    char ini[8];
    const char *name = pt_rec_str(u, "name", "");
    team_initials(*name ? name : pt_rec_str(u, "email", "?"), ini);
    out->info = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "name", *name ? name : pt_rec_str(u, "email", ""),
                          "email", pt_rec_str(u, "email", ""), "initials", ini, "language",
                          pt_rec_str(u, "lang", "en"), "timezone", pt_rec_str(u, "tz", "UTC"),
                          "staff_role", pt_rec_str(u, "staff", "none"));
    json_decref(u);
    if (account && !pt_txn_is_write(txn)) {
        json_t *m = NULL;
        if (team_member_get(txn, account, uid, &m) == 0) {
            uint64_t last = pt_rec_u64(m, "last_active", 0);
            if (pt_wall_ms() > last + 60000) touch(account, uid);
            json_decref(m);
        }
    }
    return 0;
}

const pt_auth_resolver team_resolver = {.resolve = resolve, .resolve_token = team_resolve_token};

const char *team_user_lang(pt_req *req)
{
    const pt_principal *p = pt_req_principal(req);
    const char *l = p->info ? pt_rec_str(p->info, "language", NULL) : NULL;
    return l ? pt_arena_strdup(pt_req_arena(req), l) : NULL;
}

int team_audience(pt_txn *txn, uint64_t account, const char *permission, uint64_t **users,
                  size_t *n)
{
    json_t *members = team_member_list(txn, account);
    *users = pt_xcalloc(json_array_size(members) + 1, sizeof **users);
    *n = 0;
    size_t i;
    json_t *m;
    json_array_foreach(members, i, m) {
        uint64_t uid = pt_rec_u64(m, "user", 0);
        if (strcmp(pt_rec_str(m, "status", ""), "Active") != 0) continue;
        json_t *u = NULL;
        if (team_user_get(txn, uid, &u) != 0) continue;
        bool ok = team_user_active(u);
        if (ok && permission && *permission) {
            json_t *perms = team_permissions(txn, u, uid, account);
            ok = json_is_true(json_object_get(perms, permission));
            json_decref(perms);
        }
        json_decref(u);
        if (ok) (*users)[(*n)++] = uid;
    }
    json_decref(members);
    return 0;
}

bool team_wants(pt_txn *txn, uint64_t user, const char *kind)
{
    json_t *u = NULL;
    if (team_user_get(txn, user, &u) != 0) return false;
    bool on = team_user_active(u);
    json_t *notify = json_object_get(u, "notify");
    if (on && kind && strcmp(kind, "digest") == 0) on = pt_rec_bool(notify, "digest", true);
    else if (on && kind) on = !json_is_true(json_object_get(json_object_get(notify, "off"), kind));
    json_decref(u);
    return on;
}
