/*
 * plugins/team/model_groups.c - groups per account (team.groups, key =
 * account + group id, scoped). Every account starts with four presets:
 * Everyone (no permissions, every member is in it), Administrators (every
 * declared permission, team.view/team.edit included), Support users and
 * License viewers. Custom groups carry no "preset".
 */
#include <string.h>

#include "team.h"

int team_group_get(pt_txn *txn, uint64_t account, uint64_t id, json_t **out)
{
    return team_scoped_get(txn, "groups", account, id, out);
}

int team_group_put(pt_txn *txn, uint64_t account, uint64_t id, json_t *rec)
{
    return team_scoped_put(txn, "groups", account, id, rec);
}

int team_group_create(pt_txn *txn, uint64_t account, const char *name, const char *preset,
                      const char *const *perms, uint64_t *id_out)
{
    uint64_t id = pt_id_new();
    json_t *p = json_array();
    for (size_t i = 0; perms && perms[i]; i++) json_array_append_new(p, json_string(perms[i]));
    json_t *g = json_pack("{s:i, s:I, s:I, s:s, s:o}", "_v", 1, "id", (json_int_t)id, "account",
                          (json_int_t)account, "name", name, "permissions", p);
    if (preset) json_object_set_new(g, "preset", json_string(preset));
    int rc = team_group_put(txn, account, id, g);
    json_decref(g);
    if (rc == 0 && id_out) *id_out = id;
    return rc;
}

json_t *team_group_list(pt_txn *txn, uint64_t account)
{
    json_t *arr = json_array();
    int rc = 0;
    pt_cursor *c = pt_cursor_open(txn, team_db("groups"), &rc);
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

uint64_t team_group_preset(pt_txn *txn, uint64_t account, const char *preset)
{
    json_t *list = team_group_list(txn, account);
    uint64_t id = 0;
    size_t i;
    json_t *g;
    json_array_foreach(list, i, g) {
        if (strcmp(pt_rec_str(g, "preset", ""), preset) == 0) {
            id = pt_rec_u64(g, "id", 0);
            break;
        }
    }
    json_decref(list);
    return id;
}

int team_groups_preset_create(pt_txn *txn, uint64_t account)
{
    static const char *const support[] = {"support.view", "support.edit", "knowledge.view", NULL};
    static const char *const licenses[] = {"licenses.view", NULL};
    /* Administrators: every permission any loaded plugin declares, plus the
     * well-known section permissions (a section loaded later still works). */
    static const char *const known[] = {
        "team.view",      "team.edit",     "knowledge.view", "support.view",  "support.edit",
        "support.premium", "licenses.view", "licenses.edit", "quotes.request", "collab.view",
        "collab.edit",    "contacts.view", NULL};
    json_t *all = pt_permissions_all();
    size_t n = json_array_size(all);
    const char **admin = pt_xcalloc(n + 16, sizeof *admin);
    size_t k = 0;
    for (size_t i = 0; known[i]; i++) admin[k++] = known[i];
    for (size_t i = 0; i < n; i++) {
        const char *name = pt_rec_str(json_array_get(all, i), "name", NULL);
        bool dup = false;
        for (size_t j = 0; name && j < k; j++) dup = dup || strcmp(admin[j], name) == 0;
        if (name && !dup) admin[k++] = name;
    }
    admin[k] = NULL;
    int rc = team_group_create(txn, account, "Everyone", "everyone", NULL, NULL);
    if (rc == 0) rc = team_group_create(txn, account, "Administrators", "admins", admin, NULL);
    if (rc == 0) rc = team_group_create(txn, account, "Support users", "support", support, NULL);
    if (rc == 0) rc = team_group_create(txn, account, "License viewers", "licenses", licenses, NULL);
    free(admin);
    json_decref(all);
    return rc;
}
