/*
 * core/store/stats.c - numbers for /healthz (sizes, pages, readers, entry
 * counts per declared database) and the stale-reader sweep.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "store_int.h"

int pt_store_reader_check(int *dead)
{
    int d = 0;
    if (dead) *dead = 0;
    if (!pt_store_is_open()) return st_err(PT_EINVAL, "store: not open");
    int r = mdb_reader_check(st_g.env, &d);
    if (r) return st_err(PT_EIO, "store: reader check: %s", mdb_strerror(r));
    if (dead) *dead = d;
    return PT_OK;
}

int pt_store_stats(json_t **out)
{
    *out = NULL;
    if (!pt_store_is_open()) return st_err(PT_EINVAL, "store: not open");
    MDB_envinfo info;
    MDB_stat est;
    int r = mdb_env_info(st_g.env, &info);
    if (!r) r = mdb_env_stat(st_g.env, &est);
    if (r) return st_err(PT_EIO, "store: stats: %s", mdb_strerror(r));
    char *path = pt_xasprintf("%s/data.mdb", st_g.dir);
    struct stat sb;
    json_int_t fsize = stat(path, &sb) == 0 ? (json_int_t)sb.st_size : -1;
    free(path);

    int rc;
    pt_txn *txn = pt_txn_begin(false, &rc);
    if (!txn) return rc;
    json_t *dbs = json_object();
    for (int i = 0; i < st_ndbs; i++) {
        pt_db *d = &st_dbs[i];
        if (!d->declared) continue;
        MDB_stat s = {0};
        if (d->open && (r = mdb_stat(txn->t, d->dbi, &s)) != 0) {
            pt_txn_abort(txn);
            json_decref(dbs);
            return st_err(PT_EIO, "store: stats of %s: %s", d->name, mdb_strerror(r));
        }
        json_object_set_new(dbs, d->name, json_integer((json_int_t)s.ms_entries));
    }
    pt_txn_abort(txn);
    *out = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "dir", st_g.dir,
                     "file_size", fsize, "map_size", (json_int_t)info.me_mapsize, "page_size",
                     (json_int_t)est.ms_psize, "used_pages", (json_int_t)info.me_last_pgno + 1,
                     "last_txnid", (json_int_t)info.me_last_txnid, "readers",
                     (json_int_t)info.me_numreaders, "max_readers",
                     (json_int_t)info.me_maxreaders, "dbs", dbs);
    return PT_OK;
}
