/*
 * core/store/txn.c - transactions and raw key/value access. A pt_txn wraps
 * an MDB_txn, remembers the first write error that poisoned it (so commit
 * can say why) and owns its cursors (closed when it ends, so a forgotten
 * cursor cannot leak a reader's cursor or outlive its txn).
 */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

void st_cursor_free(pt_cursor *c); /* cursor.c */

int st_check(pt_txn *txn, pt_db *db, bool write, size_t klen)
{
    if (!txn) return st_err(PT_EINVAL, "store: no transaction");
    if (!db || !db->declared) return st_err(PT_EINVAL, "store: database %s is not declared",
                                            db ? db->name : "(null)");
    if (write && !txn->write)
        return st_err(PT_EPERM, "store: write to %s in a read transaction", db->name);
    if (!db->open) return st_err(PT_ENOTFOUND, "store: database %s does not exist", db->name);
    if (klen > PT_KEY_MAX) return st_err(PT_EINVAL, "store: key of %zu bytes for %s (max %d)",
                                         klen, db->name, PT_KEY_MAX);
    return PT_OK;
}

pt_txn *pt_txn_begin(bool write, int *rc)
{
    int dummy;
    if (!rc) rc = &dummy;
    if (!st_g.env) {
        *rc = st_err(PT_EINVAL, "store: not open");
        return NULL;
    }
    if (st_g.forked) {
        *rc = st_err(PT_EPERM, "store: opened before fork(); reopen it in this process");
        return NULL;
    }
    if (write && st_g.read_only) {
        *rc = st_err(PT_EPERM, "store: write transaction on a read-only store");
        return NULL;
    }
    MDB_txn *t;
    int r = mdb_txn_begin(st_g.env, NULL, write ? 0 : MDB_RDONLY, &t);
    if (r) {
        *rc = st_err(st_mdb(r), "store: cannot begin %s transaction: %s",
                     write ? "write" : "read", mdb_strerror(r));
        return NULL;
    }
    pt_txn *txn = pt_xcalloc(1, sizeof *txn);
    txn->t = t;
    txn->write = write;
    atomic_fetch_add(&st_g.live_txns, 1);
    *rc = PT_OK;
    return txn;
}

/* Cursors are closed explicitly before the txn ends, read or write: LMDB
 * allows it for both and we never depend on what it frees by itself. */
static void close_cursors(pt_txn *txn)
{
    while (txn->cursors) st_cursor_free(txn->cursors);
}

static void end(pt_txn *txn)
{
    atomic_fetch_sub(&st_g.live_txns, 1);
    free(txn);
}

int pt_txn_commit(pt_txn *txn)
{
    if (!txn) return st_err(PT_EINVAL, "store: commit of no transaction");
    close_cursors(txn);
    if (!txn->write) {
        mdb_txn_abort(txn->t);
        end(txn);
        return PT_OK;
    }
    int rc = PT_OK;
    if (txn->poison) {
        rc = st_err(txn->poison, "store: transaction not committed: an earlier write failed (%s)",
                    pt_strerror(txn->poison));
        mdb_txn_abort(txn->t);
    } else {
        int r = mdb_txn_commit(txn->t);
        if (r == MDB_MAP_FULL)
            rc = st_err(PT_EFULL, "store: full (map size reached) committing; raise the map size");
        else if (r)
            rc = st_err(st_mdb(r) == PT_EFULL ? PT_EFULL : PT_EIO, "store: commit failed: %s",
                        mdb_strerror(r));
    }
    end(txn);
    return rc;
}

void pt_txn_abort(pt_txn *txn)
{
    if (!txn) return;
    close_cursors(txn);
    mdb_txn_abort(txn->t);
    end(txn);
}

bool pt_txn_is_write(const pt_txn *txn)
{
    return txn && txn->write;
}

static int kerr(int rc, const char *what, pt_db *db, const void *key, size_t klen, int r)
{
    char ks[ST_KEYSTR];
    st_keystr(ks, sizeof ks, key, klen);
    if (rc == PT_ENOTFOUND) return st_err(rc, "%s %s/%s: not found", what, db->name, ks);
    if (rc == PT_EEXIST) return st_err(rc, "%s %s/%s: already exists", what, db->name, ks);
    if (rc == PT_EFULL)
        return st_err(rc, "%s %s/%s: store full (map size reached)", what, db->name, ks);
    return st_err(rc, "%s %s/%s: %s", what, db->name, ks, mdb_strerror(r));
}

int pt_kv_get(pt_txn *txn, pt_db *db, const void *key, size_t klen, const void **val,
              size_t *vlen)
{
    int rc = st_check(txn, db, false, klen);
    if (rc == PT_ENOTFOUND) return kerr(rc, "get", db, key, klen, 0);
    if (rc) return rc;
    if (klen == 0) return st_err(PT_EINVAL, "get %s: empty key", db->name);
    MDB_val k = {klen, (void *)key}, v;
    int r = mdb_get(txn->t, db->dbi, &k, &v);
    if (r) return kerr(st_mdb(r), "get", db, key, klen, r);
    if (val) *val = v.mv_data;
    if (vlen) *vlen = v.mv_size;
    return PT_OK;
}

int pt_kv_put(pt_txn *txn, pt_db *db, const void *key, size_t klen, const void *val,
              size_t vlen, unsigned flags)
{
    int rc = st_check(txn, db, true, klen);
    if (rc) return rc;
    if (klen == 0) return st_err(PT_EINVAL, "put %s: empty key", db->name);
    if (db->flags & PT_DB_DUPSORT) {
        if (vlen > PT_KEY_MAX)
            return st_err(PT_ETOOBIG, "put %s: %zu-byte value in a dupsort db (max %d)",
                          db->name, vlen, PT_KEY_MAX);
        if (db->flags == PT_DB_INDEX && vlen != 8)
            return st_err(PT_EINVAL, "put %s: index values are 8-byte ids", db->name);
    }
    unsigned fl = 0;
    if (flags & PT_PUT_NOOVERWRITE) fl |= MDB_NOOVERWRITE;
    if (flags & PT_PUT_NODUPDATA) fl |= MDB_NODUPDATA;
    MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
    int r = mdb_put(txn->t, db->dbi, &k, &v, fl);
    if (r) {
        rc = st_mdb(r);
        st_poison(txn, rc);
        return kerr(rc, "put", db, key, klen, r);
    }
    return PT_OK;
}

int pt_kv_del(pt_txn *txn, pt_db *db, const void *key, size_t klen, const void *val,
              size_t vlen)
{
    int rc = st_check(txn, db, true, klen);
    if (rc) return rc;
    if (klen == 0) return st_err(PT_EINVAL, "del %s: empty key", db->name);
    MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
    int r = mdb_del(txn->t, db->dbi, &k, (val && (db->flags & PT_DB_DUPSORT)) ? &v : NULL);
    if (r) {
        rc = st_mdb(r);
        st_poison(txn, rc);
        return kerr(rc, "del", db, key, klen, r);
    }
    return PT_OK;
}
