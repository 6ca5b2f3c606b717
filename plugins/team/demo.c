/*
 * plugins/team/demo.c - the schema migration and the demo data set: vendor
 * staff (portal admin, support agent, account manager), the accounts
 * "Acme Corp" and "Globex" and three customers. Every demo user signs in
 * with the password "portico-demo" (verified email, no 2FA).
 *
 *   admin@portico.example  portal admin (every account)
 *   agent@portico.example  support agent (Acme Corp, Globex)
 *   am@portico.example     account manager (Acme Corp)
 *   alice@acme.example     Customer Admin of Acme Corp; Support user in Globex
 *   bob@acme.example       Acme Corp, Support users
 *   carol@globex.example   Globex, Support users
 *   dan@globex.example     Globex, has not confirmed his email yet (shows the
 *                          verification step)
 */
#include <stdlib.h>
#include <string.h>

#include "team.h"

int team_migrate_v1(pt_txn *txn, void *ud)
{
    (void)txn;
    (void)ud;
    return 0; /* v1: the databases exist */
}

static int user(pt_txn *txn, const char *email, const char *name, const char *hash,
                const char *staff, uint64_t *id)
{
    int rc = team_user_create(txn, email, name, hash, true, id);
    if (rc == PT_EEXIST) return team_user_by_email(txn, email, id, NULL);
    if (rc || !staff) return rc;
    json_t *u = NULL;
    rc = team_user_get(txn, *id, &u);
    if (rc == 0) {
        json_object_set_new(u, "staff", json_string(staff));
        rc = team_user_put(txn, *id, u);
    }
    json_decref(u);
    return rc;
}

static int assign(pt_txn *txn, uint64_t uid, uint64_t a, uint64_t b)
{
    json_t *u = NULL;
    int rc = team_user_get(txn, uid, &u);
    if (rc) return rc;
    json_t *list = json_array();
    if (a) json_array_append_new(list, json_integer((json_int_t)a));
    if (b) json_array_append_new(list, json_integer((json_int_t)b));
    json_object_set_new(u, "staff_accounts", list);
    rc = team_user_put(txn, uid, u);
    json_decref(u);
    return rc;
}

int team_demo(pt_txn *txn, void *ud)
{
    (void)ud;
    char *hash = team_password_hash("portico-demo");
    if (!hash) return pt_store_error(PT_ERR, "team demo: password hashing failed");
    uint64_t acme = 0, globex = 0, admin, agent, am, alice, bob, carol, dan = 0;
    int rc = team_account_create(txn, "Acme Corp", &acme);
    if (rc == 0) rc = team_account_create(txn, "Globex", &globex);
    if (rc == 0) rc = user(txn, "admin@portico.example", "Ada Admin", hash, "admin", &admin);
    if (rc == 0) rc = user(txn, "agent@portico.example", "Sam Agent", hash, "agent", &agent);
    if (rc == 0) rc = user(txn, "am@portico.example", "Max Manager", hash, "account_manager", &am);
    if (rc == 0) rc = user(txn, "alice@acme.example", "Alice Anders", hash, NULL, &alice);
    if (rc == 0) rc = user(txn, "bob@acme.example", "Bob Brown", hash, NULL, &bob);
    if (rc == 0) rc = user(txn, "carol@globex.example", "Carol Chen", hash, NULL, &carol);
    if (rc == 0) rc = team_user_create(txn, "dan@globex.example", "Dan Dorsey", hash, false, &dan);
    free(hash);
    if (rc) return rc;
    rc = assign(txn, agent, acme, globex);
    if (rc == 0) rc = assign(txn, am, acme, 0);
    uint64_t acme_admins = team_group_preset(txn, acme, "admins");
    uint64_t acme_support = team_group_preset(txn, acme, "support");
    uint64_t globex_support = team_group_preset(txn, globex, "support");
    if (rc == 0) rc = team_member_add(txn, acme, alice, "Active", true, &acme_admins, 1);
    if (rc == 0) rc = team_member_add(txn, globex, alice, "Active", false, &globex_support, 1);
    if (rc == 0) rc = team_member_add(txn, acme, bob, "Active", false, &acme_support, 1);
    if (rc == 0) rc = team_member_add(txn, globex, carol, "Active", false, &globex_support, 1);
    if (rc == 0) rc = team_member_add(txn, globex, dan, "Active", false, NULL, 0);
    return rc;
}
