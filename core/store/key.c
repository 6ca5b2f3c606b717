/*
 * core/store/key.c - big-endian integers and composite keys, so LMDB's
 * byte order is the order a list wants (numbers numerically, strings
 * terminated by 0x00 so shorter sorts first and whole parts are prefixes).
 */
#include <string.h>

#include "store_int.h"

void pt_key_u64(uint8_t out[8], uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        out[i] = (uint8_t)(v & 0xff);
        v >>= 8;
    }
}

uint64_t pt_key_read_u64(const void *in)
{
    const uint8_t *p = in;
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = (v << 8) | p[i];
    return v;
}

void pt_key_init(pt_key *k)
{
    k->len = 0;
    k->rc = PT_OK;
}

static int room(pt_key *k, size_t n)
{
    if (n > PT_KEY_MAX - k->len) {
        k->rc = PT_ETOOBIG;
        return st_err(PT_ETOOBIG, "key: over %d bytes", PT_KEY_MAX);
    }
    return PT_OK;
}

int pt_key_add_u64(pt_key *k, uint64_t v)
{
    if (room(k, 8)) return PT_ETOOBIG;
    pt_key_u64(k->b + k->len, v);
    k->len += 8;
    return PT_OK;
}

int pt_key_add_str(pt_key *k, const char *s)
{
    size_t n = strlen(s);
    if (room(k, n + 1)) return PT_ETOOBIG;
    memcpy(k->b + k->len, s, n + 1);
    k->len += n + 1;
    return PT_OK;
}

int pt_key_add_bytes(pt_key *k, const void *p, size_t n)
{
    if (room(k, n)) return PT_ETOOBIG;
    if (n) memcpy(k->b + k->len, p, n);
    k->len += n;
    return PT_OK;
}

void pt_key_reader_init(pt_key_reader *r, const void *key, size_t klen)
{
    r->p = key;
    r->left = klen;
    r->rc = PT_OK;
}

uint64_t pt_key_take_u64(pt_key_reader *r)
{
    if (r->left < 8) {
        r->rc = PT_EINVAL;
        return 0;
    }
    uint64_t v = pt_key_read_u64(r->p);
    r->p += 8;
    r->left -= 8;
    return v;
}

const char *pt_key_take_str(pt_key_reader *r, size_t *n)
{
    const uint8_t *z = r->left ? memchr(r->p, 0, r->left) : NULL;
    if (!z) {
        r->rc = PT_EINVAL;
        return NULL;
    }
    const char *s = (const char *)r->p;
    size_t len = (size_t)(z - r->p);
    if (n) *n = len;
    r->p += len + 1;
    r->left -= len + 1;
    return s;
}
