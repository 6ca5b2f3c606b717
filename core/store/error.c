/*
 * core/store/error.c - the per-thread "last error" of store calls, LMDB
 * code mapping and the printable form of keys used in every message.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "store_int.h"

static _Thread_local char last[512];

const char *pt_store_last_error(void)
{
    return last;
}

static void vset(const char *fmt, va_list ap)
{
    vsnprintf(last, sizeof last, fmt, ap);
}

int st_err(int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset(fmt, ap);
    va_end(ap);
    return rc;
}

int pt_store_error(int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset(fmt, ap);
    va_end(ap);
    return rc;
}

int st_fail(char **err, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset(fmt, ap);
    va_end(ap);
    if (err) *err = pt_xstrdup(last);
    return rc;
}

int st_mdb(int rc)
{
    switch (rc) {
    case MDB_SUCCESS: return PT_OK;
    case MDB_NOTFOUND: return PT_ENOTFOUND;
    case MDB_KEYEXIST: return PT_EEXIST;
    case MDB_MAP_FULL: return PT_EFULL;
    case MDB_BAD_VALSIZE:
    case MDB_TXN_FULL:
    case MDB_CURSOR_FULL:
    case MDB_PAGE_FULL: return PT_ETOOBIG;
    case MDB_READERS_FULL: return PT_EAGAIN;
    case MDB_INCOMPATIBLE:
    case MDB_BAD_DBI:
    case EINVAL: return PT_EINVAL;
    case EACCES: return PT_EPERM;
    default: return PT_EIO;
    }
}

void st_keystr(char *out, size_t cap, const void *key, size_t klen)
{
    const unsigned char *k = key;
    bool text = klen > 0 && klen <= 48;
    for (size_t i = 0; text && i < klen; i++)
        if (k[i] < 0x20 || k[i] > 0x7e) text = false;
    if (text) {
        snprintf(out, cap, "%.*s", (int)klen, (const char *)k);
        return;
    }
    size_t o = 0;
    o += (size_t)snprintf(out, cap, "0x");
    size_t show = klen > 32 ? 32 : klen;
    for (size_t i = 0; i < show && o + 3 < cap; i++)
        o += (size_t)snprintf(out + o, cap - o, "%02x", k[i]);
    if (show < klen && o + 4 < cap) snprintf(out + o, cap - o, "...");
}

void st_poison(pt_txn *txn, int rc)
{
    if (txn && !txn->poison && (rc == PT_EFULL || rc == PT_EIO)) txn->poison = rc;
}
