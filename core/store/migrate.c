/*
 * core/store/migrate.c - per-plugin schema migrations. Versions live in
 * core.meta as records {"_v":1,"version":N,"at":ms} under "schema:<plugin>".
 * A plugin's pending migrations run in one write txn together with the
 * version update, so they apply entirely or not at all.
 */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

typedef struct mig {
    char *plugin;
    int version;
    pt_migration_fn fn;
    void *ud;
} mig;

static mig *migs;
static size_t nmigs, capmigs;

int pt_store_migration(const char *plugin, int version, pt_migration_fn fn, void *ud)
{
    if (!plugin || !*plugin || strlen(plugin) > PT_DB_NAME_MAX || version < 1 || !fn)
        return st_err(PT_EINVAL, "migration: bad plugin name, version or function");
    for (size_t i = 0; i < nmigs; i++)
        if (strcmp(migs[i].plugin, plugin) == 0 && migs[i].version == version)
            return st_err(PT_EEXIST, "migration %s v%d is already registered", plugin, version);
    if (nmigs == capmigs) {
        capmigs = capmigs ? capmigs * 2 : 16;
        migs = pt_xrealloc(migs, capmigs * sizeof *migs);
    }
    migs[nmigs++] = (mig){pt_xstrdup(plugin), version, fn, ud};
    return PT_OK;
}

void st_migrations_drop_owner(const char *owner)
{
    size_t o = 0;
    for (size_t i = 0; i < nmigs; i++) {
        if (strcmp(migs[i].plugin, owner) == 0) free(migs[i].plugin);
        else migs[o++] = migs[i];
    }
    nmigs = o;
}

static int get_version(pt_txn *txn, const char *plugin, int *version)
{
    char key[PT_DB_NAME_MAX + 16];
    snprintf(key, sizeof key, "schema:%s", plugin);
    json_t *rec;
    *version = 0;
    int rc = pt_record_get(txn, st_meta(), key, strlen(key), &rec);
    if (rc == PT_ENOTFOUND) return PT_OK;
    if (rc) return rc;
    int64_t v = pt_rec_int(rec, "version", -1);
    json_decref(rec);
    if (v < 0 || v > INT32_MAX)
        return st_err(PT_EDECODE, "core.meta/%s: bad version", key);
    *version = (int)v;
    return PT_OK;
}

int pt_store_schema_version(const char *plugin, int *version)
{
    *version = 0;
    if (!plugin) return st_err(PT_EINVAL, "schema version: no plugin");
    int rc;
    pt_txn *txn = pt_txn_begin(false, &rc);
    if (!txn) return rc;
    rc = get_version(txn, plugin, version);
    pt_txn_abort(txn);
    return rc;
}

static int cmp_mig(const void *a, const void *b)
{
    const mig *x = a, *y = b;
    return (x->version > y->version) - (x->version < y->version);
}

/* Run plugin's migrations above its stored version in one txn. */
static int migrate_one(const char *plugin, char **err)
{
    /* this plugin's migrations, by version */
    size_t n = 0;
    mig *list = pt_xcalloc(nmigs, sizeof *list);
    int maxv = 0;
    for (size_t i = 0; i < nmigs; i++)
        if (strcmp(migs[i].plugin, plugin) == 0) {
            list[n++] = migs[i];
            if (migs[i].version > maxv) maxv = migs[i].version;
        }
    qsort(list, n, sizeof *list, cmp_mig);

    int rc;
    pt_txn *txn = pt_txn_begin(true, &rc);
    if (!txn) {
        free(list);
        return st_fail(err, rc, "migrations of %s: %s", plugin, pt_store_last_error());
    }
    int cur;
    rc = get_version(txn, plugin, &cur);
    if (rc) {
        pt_txn_abort(txn);
        free(list);
        return st_fail(err, rc, "migrations of %s: %s", plugin, pt_store_last_error());
    }
    if (cur > maxv) {
        pt_txn_abort(txn);
        free(list);
        return st_fail(err, PT_EINVAL,
                       "store has %s schema v%d but this build knows only up to v%d "
                       "(data from a newer version?)", plugin, cur, maxv);
    }
    int done = cur;
    for (size_t i = 0; i < n; i++) {
        if (list[i].version <= cur) continue;
        pt_info("store: migrating %s to v%d", plugin, list[i].version);
        st_err(PT_OK, "%s", ""); /* so a stale message is not blamed on fn */
        rc = list[i].fn(txn, list[i].ud);
        if (rc) {
            char *why = pt_xstrdup(pt_store_last_error());
            int v = list[i].version;
            pt_txn_abort(txn);
            free(list);
            rc = st_fail(err, rc < 0 ? rc : PT_ERR, "migration %s v%d failed: %s%s%s", plugin, v,
                         pt_strerror(rc), why[0] ? ": " : "", why);
            free(why);
            return rc;
        }
        done = list[i].version;
    }
    free(list);
    if (done == cur) {
        pt_txn_abort(txn);
        return PT_OK;
    }
    json_t *rec = json_pack("{s:i, s:i, s:I}", "_v", 1, "version", done, "at",
                            (json_int_t)pt_wall_ms());
    char key[PT_DB_NAME_MAX + 16];
    snprintf(key, sizeof key, "schema:%s", plugin);
    rc = pt_record_put(txn, st_meta(), key, strlen(key), rec);
    json_decref(rec);
    if (rc) {
        pt_txn_abort(txn);
        return st_fail(err, rc, "migration %s v%d: cannot record version: %s", plugin, done,
                       pt_store_last_error());
    }
    rc = pt_txn_commit(txn);
    if (rc) return st_fail(err, rc, "migration %s v%d: %s", plugin, done, pt_store_last_error());
    pt_info("store: %s schema now v%d", plugin, done);
    return PT_OK;
}

int pt_store_migrate(char **err)
{
    if (!pt_store_is_open()) return st_fail(err, PT_EINVAL, "migrate: store not open");
    if (st_g.read_only) return st_fail(err, PT_EPERM, "migrate: store is read-only");
    for (size_t i = 0; i < nmigs; i++) {
        bool seen = false; /* plugins in order of first registration */
        for (size_t j = 0; j < i && !seen; j++) seen = strcmp(migs[j].plugin, migs[i].plugin) == 0;
        if (seen) continue;
        int rc = migrate_one(migs[i].plugin, err);
        if (rc) return rc;
    }
    return PT_OK;
}
