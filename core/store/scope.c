/*
 * core/store/scope.c - account scoping, in one place. A record owned by a
 * customer account carries "account"; these functions compare it with the
 * request's account. Another account's record answers exactly like a
 * missing one (same code, same message), so ids cannot be probed. Staff /
 * unscoped code uses pt_record_get/put/del; account 0 here is a bug.
 */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

static int no_account(pt_db *db)
{
    return st_err(PT_EINVAL, "scoped access to %s without an account (use the unscoped "
                             "pt_record_* functions for staff access)", pt_db_name(db));
}

static int not_found(pt_db *db, const void *key, size_t klen)
{
    char ks[ST_KEYSTR];
    st_keystr(ks, sizeof ks, key, klen);
    return st_err(PT_ENOTFOUND, "get %s/%s: not found", db->name, ks);
}

/* account of a decoded record: 0 when absent or not an integer >= 1 */
static uint64_t owner(const json_t *rec)
{
    json_t *v = json_object_get(rec, "account");
    return json_is_integer(v) && json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v)
                                                           : 0;
}

int pt_record_get_scoped(pt_txn *txn, pt_db *db, const void *key, size_t klen,
                         uint64_t account, json_t **out)
{
    *out = NULL;
    if (account == 0) return no_account(db);
    json_t *rec;
    int rc = pt_record_get(txn, db, key, klen, &rec);
    if (rc) return rc;
    if (owner(rec) != account) {
        json_decref(rec);
        return not_found(db, key, klen);
    }
    *out = rec;
    return PT_OK;
}

int pt_record_put_scoped(pt_txn *txn, pt_db *db, const void *key, size_t klen,
                         uint64_t account, json_t *obj)
{
    if (account == 0) return no_account(db);
    if (account > (uint64_t)INT64_MAX) return st_err(PT_EINVAL, "account out of range");
    if (!json_is_object(obj)) return st_err(PT_EINVAL, "record for %s: not an object", db ? db->name : "?");
    int rc = st_check(txn, db, true, klen);
    if (rc) return rc;
    char ks[ST_KEYSTR];
    json_t *a = json_object_get(obj, "account");
    if (a && (!json_is_integer(a) || (uint64_t)json_integer_value(a) != account)) {
        st_keystr(ks, sizeof ks, key, klen);
        return st_err(PT_EPERM, "put %s/%s: record names another account", db->name, ks);
    }
    json_t *old;
    rc = pt_record_get(txn, db, key, klen, &old);
    if (rc == PT_OK) {
        uint64_t o = owner(old);
        json_decref(old);
        if (o != account) {
            st_keystr(ks, sizeof ks, key, klen);
            return st_err(PT_EPERM, "put %s/%s: belongs to another account", db->name, ks);
        }
    } else if (rc != PT_ENOTFOUND) {
        return rc; /* PT_EDECODE: never overwrite what we cannot check */
    }
    rc = pt_rec_set_u64(obj, "account", account);
    if (rc) return rc;
    return pt_record_put(txn, db, key, klen, obj);
}

int pt_record_del_scoped(pt_txn *txn, pt_db *db, const void *key, size_t klen,
                         uint64_t account)
{
    if (account == 0) return no_account(db);
    int rc = st_check(txn, db, true, klen);
    if (rc) return rc;
    json_t *rec;
    rc = pt_record_get_scoped(txn, db, key, klen, account, &rec);
    if (rc) return rc;
    json_decref(rec);
    return pt_record_del(txn, db, key, klen);
}
