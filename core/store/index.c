/*
 * core/store/index.c - secondary indexes: PT_DB_INDEX databases (LMDB
 * dupsort + dupfixed) mapping a field value to 8-byte big-endian ids, so
 * one key's ids are kept sorted and come out oldest or newest first.
 */
#include <string.h>

#include "store_int.h"

static int is_index(pt_db *idx)
{
    if (idx && idx->declared && idx->flags != PT_DB_INDEX)
        return st_err(PT_EINVAL, "%s is not declared as an index (PT_DB_INDEX)", idx->name);
    return PT_OK;
}

int pt_index_put(pt_txn *txn, pt_db *idx, const void *key, size_t klen, uint64_t id)
{
    int rc = is_index(idx);
    if (rc) return rc;
    uint8_t v[8];
    pt_key_u64(v, id);
    rc = pt_kv_put(txn, idx, key, klen, v, 8, PT_PUT_NODUPDATA);
    return rc == PT_EEXIST ? PT_OK : rc;
}

int pt_index_del(pt_txn *txn, pt_db *idx, const void *key, size_t klen, uint64_t id)
{
    int rc = is_index(idx);
    if (rc) return rc;
    uint8_t v[8];
    pt_key_u64(v, id);
    return pt_kv_del(txn, idx, key, klen, v, 8);
}

int pt_index_count(pt_txn *txn, pt_db *idx, const void *key, size_t klen, size_t *n)
{
    *n = 0;
    int rc = is_index(idx);
    if (rc) return rc;
    pt_cursor *c = pt_cursor_open(txn, idx, &rc);
    if (!c) return rc == PT_ENOTFOUND ? PT_OK : rc;
    rc = pt_cursor_seek(c, key, klen, NULL);
    if (rc == PT_OK) {
        size_t cnt = 0;
        int r = mdb_cursor_count(c->c, &cnt);
        if (r) rc = st_err(st_mdb(r), "count %s: %s", idx->name, mdb_strerror(r));
        else *n = (size_t)cnt;
    } else if (rc == PT_ENOTFOUND) {
        rc = PT_OK;
    }
    pt_cursor_close(c);
    return rc;
}

static int get_id(pt_cursor *c, MDB_cursor_op o, uint64_t *id)
{
    MDB_val k, v;
    int r = mdb_cursor_get(c->c, &k, &v, o);
    if (r == MDB_NOTFOUND) return PT_ENOTFOUND;
    if (r) return st_err(st_mdb(r), "index %s: %s", c->db->name, mdb_strerror(r));
    if (v.mv_size != 8) return st_err(PT_EDECODE, "index %s: value of %zu bytes, not an id",
                                      c->db->name, v.mv_size);
    *id = pt_key_read_u64(v.mv_data);
    return PT_OK;
}

int pt_index_seek(pt_cursor *c, const void *key, size_t klen, bool newest_first, uint64_t *id)
{
    if (!c) return st_err(PT_EINVAL, "store: no cursor");
    int rc = is_index(c->db);
    if (rc) return rc;
    rc = pt_cursor_seek(c, key, klen, NULL);
    if (rc) return rc;
    c->idx_dir = newest_first ? -1 : 1;
    return get_id(c, newest_first ? MDB_LAST_DUP : MDB_FIRST_DUP, id);
}

int pt_index_next(pt_cursor *c, uint64_t *id)
{
    if (!c || !c->idx_dir) return st_err(PT_EINVAL, "index: next without pt_index_seek");
    return get_id(c, c->idx_dir > 0 ? MDB_NEXT_DUP : MDB_PREV_DUP, id);
}

int pt_index_list(pt_txn *txn, pt_db *idx, const void *key, size_t klen, bool newest_first,
                  size_t skip, uint64_t *ids, size_t max, size_t *n)
{
    *n = 0;
    int rc = is_index(idx);
    if (rc) return rc;
    pt_cursor *c = pt_cursor_open(txn, idx, &rc);
    if (!c) return rc == PT_ENOTFOUND ? PT_OK : rc;
    uint64_t id;
    for (rc = pt_index_seek(c, key, klen, newest_first, &id); rc == PT_OK && *n < max;
         rc = pt_index_next(c, &id)) {
        if (skip) skip--;
        else ids[(*n)++] = id;
    }
    pt_cursor_close(c);
    return rc == PT_ENOTFOUND ? PT_OK : rc;
}
