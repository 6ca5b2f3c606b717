/*
 * tests/plugins/fixture_licenses - a test fixture, never shipped: stands in
 * for the licenses plugin by exporting "licenses.lookup" (the contract in
 * plugins/team/team_manage.h, pt_licenses_lookup_api), so self sign-up can
 * be tested before the real licenses plugin exists. It uses only the
 * public plugin API: the account is found by name in the team plugin's
 * team.accounts records (read-only).
 *
 *   FIXTURE-KEY-ALPHA  -> the account named "Alpha Labs", active
 *   FIXTURE-KEY-BETA   -> the account named "Beta Works", active
 *   FIXTURE-KEY-OLD    -> "Alpha Labs", expired (active = false)
 * Any other key is unknown. Tests create the accounts first (staff API).
 */
#include <string.h>

#include <portico/plugin.h>

/* Same layout as plugins/team/team_manage.h (the exported contract). */
typedef struct {
    int (*lookup)(pt_txn *txn, const char *key, uint64_t *account, bool *active);
} pt_licenses_lookup_api;

static const struct {
    const char *key;
    const char *account;
    bool active;
} keys[] = {
    {"FIXTURE-KEY-ALPHA", "Alpha Labs", true},
    {"FIXTURE-KEY-BETA", "Beta Works", true},
    {"FIXTURE-KEY-OLD", "Alpha Labs", false},
};

static uint64_t account_by_name(pt_txn *txn, const char *name)
{
    pt_db *db = pt_store_db("team.accounts");
    if (!db) return 0;
    int rc = 0;
    pt_cursor *c = pt_cursor_open(txn, db, &rc);
    uint64_t id = 0;
    pt_kv kv;
    for (rc = c ? pt_cursor_first(c, &kv) : PT_ENOTFOUND; rc == 0 && !id; rc = pt_cursor_next(c, &kv)) {
        json_t *a = NULL;
        if (pt_record_decode(kv.val, kv.vlen, &a, NULL) != 0) continue;
        if (strcmp(pt_rec_str(a, "name", ""), name) == 0) id = pt_rec_u64(a, "id", 0);
        json_decref(a);
    }
    if (c) pt_cursor_close(c);
    return id;
}

static int lookup(pt_txn *txn, const char *key, uint64_t *account, bool *active)
{
    for (size_t i = 0; key && i < sizeof keys / sizeof keys[0]; i++) {
        if (strcmp(keys[i].key, key) != 0) continue;
        *account = account_by_name(txn, keys[i].account);
        *active = keys[i].active;
        return *account ? 0 : PT_ENOTFOUND;
    }
    return PT_ENOTFOUND;
}

static const pt_licenses_lookup_api api = {.lookup = lookup};

static int init(pt_host *h) { return pt_host_export(h, "lookup", &api); }

const pt_plugin portico_plugin = {
    PT_PLUGIN_HEADER,
    .name = "licenses",
    .version = "0.0.1",
    .description = "Test fixture: two fixed license keys for self sign-up",
    .init = init,
};
