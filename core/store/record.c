/*
 * core/store/record.c - unscoped record access (get/put/add/del of
 * msgpack records as json_t) and the typed getters plugins read fields
 * with. Decode failures name the database and the key.
 */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

int pt_record_get(pt_txn *txn, pt_db *db, const void *key, size_t klen, json_t **out)
{
    const void *v;
    size_t vl;
    *out = NULL;
    int rc = pt_kv_get(txn, db, key, klen, &v, &vl);
    if (rc) return rc;
    char *why = NULL;
    rc = pt_record_decode(v, vl, out, &why);
    if (rc) {
        char ks[ST_KEYSTR];
        st_keystr(ks, sizeof ks, key, klen);
        st_err(rc, "record %s/%s failed to decode: %s", db->name, ks, why);
        free(why);
    }
    return rc;
}

static int put(pt_txn *txn, pt_db *db, const void *key, size_t klen, const json_t *obj,
               unsigned flags)
{
    int rc = st_check(txn, db, true, klen);
    if (rc) return rc;
    pt_buf b = PT_BUF_INIT;
    rc = pt_record_encode(obj, &b);
    if (rc) {
        char ks[ST_KEYSTR], *why = pt_xstrdup(pt_store_last_error());
        st_keystr(ks, sizeof ks, key, klen);
        st_err(rc, "record %s/%s not written: %s", db->name, ks, why);
        free(why);
    } else {
        rc = pt_kv_put(txn, db, key, klen, b.data, b.len, flags);
    }
    pt_buf_free(&b);
    return rc;
}

int pt_record_put(pt_txn *txn, pt_db *db, const void *key, size_t klen, const json_t *obj)
{
    return put(txn, db, key, klen, obj, 0);
}

int pt_record_add(pt_txn *txn, pt_db *db, const void *key, size_t klen, const json_t *obj)
{
    return put(txn, db, key, klen, obj, PT_PUT_NOOVERWRITE);
}

int pt_record_del(pt_txn *txn, pt_db *db, const void *key, size_t klen)
{
    return pt_kv_del(txn, db, key, klen, NULL, 0);
}

/* ---- typed getters ------------------------------------------------------ */

static json_t *field(const json_t *obj, const char *key, json_type want, const char *tname)
{
    json_t *v = json_is_object(obj) && key ? json_object_get(obj, key) : NULL;
    if (!v || json_is_null(v)) return NULL; /* null = unset: default, no warning */
    if (json_typeof(v) == want) return v;
    if (want == JSON_TRUE && json_is_boolean(v)) return v;
    pt_warn("record field \"%s\" is of another type, expected %s: using the default", key,
            tname);
    return NULL;
}

const char *pt_rec_str(const json_t *obj, const char *key, const char *dflt)
{
    json_t *v = field(obj, key, JSON_STRING, "a string");
    return v ? json_string_value(v) : dflt;
}

int64_t pt_rec_int(const json_t *obj, const char *key, int64_t dflt)
{
    json_t *v = field(obj, key, JSON_INTEGER, "an integer");
    return v ? (int64_t)json_integer_value(v) : dflt;
}

bool pt_rec_bool(const json_t *obj, const char *key, bool dflt)
{
    json_t *v = field(obj, key, JSON_TRUE, "a boolean");
    return v ? json_is_true(v) : dflt;
}

uint64_t pt_rec_u64(const json_t *obj, const char *key, uint64_t dflt)
{
    json_t *v = field(obj, key, JSON_INTEGER, "an integer >= 0");
    if (!v) return dflt;
    json_int_t i = json_integer_value(v);
    if (i < 0) {
        pt_warn("record field \"%s\" is negative, expected an integer >= 0: using the default",
                key);
        return dflt;
    }
    return (uint64_t)i;
}

int pt_rec_set_u64(json_t *obj, const char *key, uint64_t v)
{
    if (!json_is_object(obj) || !key || v > (uint64_t)INT64_MAX)
        return st_err(PT_EINVAL, "record: cannot set \"%s\" to %llu", key ? key : "(null)",
                      (unsigned long long)v);
    if (json_object_set_new(obj, key, json_integer((json_int_t)v)) != 0)
        return st_err(PT_EINVAL, "record: bad key \"%s\"", key);
    return PT_OK;
}
