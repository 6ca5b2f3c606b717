/*
 * core/store/cursor.c - cursors: exact and >= seeks, first/last, next/prev
 * and prefix scans in either direction (reverse = "newest first" when keys
 * end in time-sortable ids). A prefix bound lives in the cursor so callers
 * just loop on next/prev until PT_ENOTFOUND.
 */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

void st_cursor_free(pt_cursor *c)
{
    pt_txn *t = c->txn;
    if (c->prev) c->prev->next = c->next;
    else t->cursors = c->next;
    if (c->next) c->next->prev = c->prev;
    mdb_cursor_close(c->c);
    free(c);
}

pt_cursor *pt_cursor_open(pt_txn *txn, pt_db *db, int *rc)
{
    int dummy;
    if (!rc) rc = &dummy;
    *rc = st_check(txn, db, false, 0);
    if (*rc) return NULL;
    MDB_cursor *mc;
    int r = mdb_cursor_open(txn->t, db->dbi, &mc);
    if (r) {
        *rc = st_err(st_mdb(r), "cursor on %s: %s", db->name, mdb_strerror(r));
        return NULL;
    }
    pt_cursor *c = pt_xcalloc(1, sizeof *c);
    c->c = mc;
    c->txn = txn;
    c->db = db;
    c->next = txn->cursors;
    if (c->next) c->next->prev = c;
    txn->cursors = c;
    return c;
}

void pt_cursor_close(pt_cursor *c)
{
    if (c) st_cursor_free(c);
}

/* Run one cursor op, check the prefix bound, fill out. */
static int op(pt_cursor *c, MDB_val *k, MDB_val *v, MDB_cursor_op o, pt_kv *out)
{
    int r = mdb_cursor_get(c->c, k, v, o);
    if (r == MDB_NOTFOUND) return PT_ENOTFOUND;
    if (r) return st_err(st_mdb(r), "cursor on %s: %s", c->db->name, mdb_strerror(r));
    if (c->bounded && (k->mv_size < c->plen || memcmp(k->mv_data, c->prefix, c->plen) != 0))
        return PT_ENOTFOUND;
    if (out) {
        out->key = k->mv_data;
        out->klen = k->mv_size;
        out->val = v->mv_data;
        out->vlen = v->mv_size;
    }
    return PT_OK;
}

static int position(pt_cursor *c, const void *key, size_t klen, MDB_cursor_op o, pt_kv *out)
{
    if (!c) return st_err(PT_EINVAL, "store: no cursor");
    c->bounded = false;
    c->idx_dir = 0;
    if (klen > PT_KEY_MAX || (key && klen == 0))
        return st_err(PT_EINVAL, "cursor on %s: bad key length %zu", c->db->name, klen);
    MDB_val k = {klen, (void *)key}, v = {0, NULL};
    return op(c, &k, &v, o, out);
}

int pt_cursor_first(pt_cursor *c, pt_kv *out)
{
    return position(c, NULL, 0, MDB_FIRST, out);
}

int pt_cursor_last(pt_cursor *c, pt_kv *out)
{
    return position(c, NULL, 0, MDB_LAST, out);
}

int pt_cursor_seek(pt_cursor *c, const void *key, size_t klen, pt_kv *out)
{
    if (!key) return st_err(PT_EINVAL, "cursor: no key");
    return position(c, key, klen, MDB_SET_KEY, out);
}

int pt_cursor_seek_ge(pt_cursor *c, const void *key, size_t klen, pt_kv *out)
{
    if (!key) return st_err(PT_EINVAL, "cursor: no key");
    return position(c, key, klen, MDB_SET_RANGE, out);
}

int pt_cursor_next(pt_cursor *c, pt_kv *out)
{
    if (!c) return st_err(PT_EINVAL, "store: no cursor");
    MDB_val k, v;
    return op(c, &k, &v, MDB_NEXT, out);
}

int pt_cursor_prev(pt_cursor *c, pt_kv *out)
{
    if (!c) return st_err(PT_EINVAL, "store: no cursor");
    MDB_val k, v;
    return op(c, &k, &v, MDB_PREV, out);
}

int pt_cursor_prefix(pt_cursor *c, const void *prefix, size_t plen, bool reverse, pt_kv *out)
{
    if (!c) return st_err(PT_EINVAL, "store: no cursor");
    if (plen > PT_KEY_MAX || (plen && !prefix))
        return st_err(PT_EINVAL, "cursor on %s: bad prefix", c->db->name);
    c->idx_dir = 0;
    c->bounded = false;
    MDB_val k, v;
    int rc;
    if (!reverse) {
        if (plen) {
            k.mv_size = plen;
            k.mv_data = (void *)prefix;
            rc = op(c, &k, &v, MDB_SET_RANGE, NULL);
        } else {
            rc = op(c, &k, &v, MDB_FIRST, NULL);
        }
    } else {
        /* the first key after every key with this prefix: increment the
         * last byte that is not 0xff and cut after it */
        uint8_t succ[PT_KEY_MAX];
        size_t n = plen;
        if (plen) memcpy(succ, prefix, plen);
        while (n > 0 && succ[n - 1] == 0xff) n--;
        if (n == 0) {
            rc = op(c, &k, &v, MDB_LAST, NULL);
        } else {
            succ[n - 1]++;
            k.mv_size = n;
            k.mv_data = succ;
            rc = op(c, &k, &v, MDB_SET_RANGE, NULL);
            if (rc == PT_OK) rc = op(c, &k, &v, MDB_PREV, NULL);
            else if (rc == PT_ENOTFOUND) rc = op(c, &k, &v, MDB_LAST, NULL);
        }
    }
    if (rc) return rc;
    if (plen) memcpy(c->prefix, prefix, plen);
    c->plen = plen;
    c->bounded = true;
    /* check the landing entry against the bound and fill out */
    return op(c, &k, &v, MDB_GET_CURRENT, out);
}

int pt_cursor_del(pt_cursor *c)
{
    if (!c) return st_err(PT_EINVAL, "store: no cursor");
    if (!c->txn->write) return st_err(PT_EPERM, "cursor on %s: delete in a read txn", c->db->name);
    int r = mdb_cursor_del(c->c, 0);
    if (r) {
        int rc = st_mdb(r);
        st_poison(c->txn, rc);
        return st_err(rc, "cursor on %s: delete: %s", c->db->name, mdb_strerror(r));
    }
    return PT_OK;
}
