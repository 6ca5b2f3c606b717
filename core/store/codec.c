/*
 * core/store/codec.c - records: jansson object <-> msgpack map.
 *
 * Encoding uses msgpack-c's packer. Decoding is our own small reader that
 * builds json_t directly: every length is checked against the bytes left
 * before anything is allocated (msgpack-c's unpacker allocates a claimed
 * element count up front, so 5 bytes of garbage could ask for gigabytes),
 * nesting is capped, and errors say what was wrong and where (".a.b[3]").
 */
#include <math.h>
#include <msgpack.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

/* ---- encode ------------------------------------------------------------ */

static int buf_write(void *data, const char *p, size_t n)
{
    pt_buf_append(data, p, n);
    return 0;
}

static int enc(msgpack_packer *pk, const json_t *j, int depth)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        if (depth >= PT_RECORD_MAX_DEPTH) return PT_ETOOBIG;
        const char *k;
        size_t kl;
        json_t *v;
        msgpack_pack_map(pk, json_object_size(j));
        json_object_keylen_foreach((json_t *)j, k, kl, v) {
            if (memchr(k, 0, kl)) return PT_EINVAL;
            msgpack_pack_str(pk, kl);
            msgpack_pack_str_body(pk, k, kl);
            int rc = enc(pk, v, depth + 1);
            if (rc) return rc;
        }
        return PT_OK;
    }
    case JSON_ARRAY: {
        if (depth >= PT_RECORD_MAX_DEPTH) return PT_ETOOBIG;
        size_t n = json_array_size(j);
        msgpack_pack_array(pk, n);
        for (size_t i = 0; i < n; i++) {
            int rc = enc(pk, json_array_get(j, i), depth + 1);
            if (rc) return rc;
        }
        return PT_OK;
    }
    case JSON_STRING: {
        size_t n = json_string_length(j);
        msgpack_pack_str(pk, n);
        msgpack_pack_str_body(pk, json_string_value(j), n);
        return PT_OK;
    }
    case JSON_INTEGER: msgpack_pack_int64(pk, (int64_t)json_integer_value(j)); return PT_OK;
    case JSON_REAL: {
        double d = json_real_value(j);
        if (!isfinite(d)) return PT_EINVAL;
        msgpack_pack_double(pk, d);
        return PT_OK;
    }
    case JSON_TRUE: msgpack_pack_true(pk); return PT_OK;
    case JSON_FALSE: msgpack_pack_false(pk); return PT_OK;
    case JSON_NULL: msgpack_pack_nil(pk); return PT_OK;
    }
    return PT_EINVAL;
}

int pt_record_encode(const json_t *obj, pt_buf *out)
{
    if (!json_is_object(obj)) return st_err(PT_EINVAL, "record: not an object");
    json_t *v = json_object_get(obj, "_v");
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return st_err(PT_EINVAL, "record: no schema version (\"_v\" must be an integer >= 0)");
    size_t start = out->len;
    msgpack_packer pk;
    msgpack_packer_init(&pk, out, buf_write);
    int rc = enc(&pk, obj, 0);
    if (rc) {
        out->len = start;
        if (out->data) out->data[start] = 0;
        if (rc == PT_ETOOBIG)
            return st_err(rc, "record: nested deeper than %d", PT_RECORD_MAX_DEPTH);
        return st_err(rc, "record: cannot encode (NUL in a key or a non-finite number)");
    }
    return PT_OK;
}

/* ---- decode ------------------------------------------------------------ */

typedef struct rd {
    const uint8_t *p, *end;
    char path[160];   /* where we are, for messages */
    char why[400];
} rd;

static int fail(rd *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(rd *r, const char *fmt, ...)
{
    if (r->why[0]) return PT_EDECODE;
    char msg[180];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(r->why, sizeof r->why, "%s at %s", msg, r->path[0] ? r->path : "top level");
    return PT_EDECODE;
}

static bool need(rd *r, size_t n)
{
    return (size_t)(r->end - r->p) >= n;
}

static uint64_t be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++) v = (v << 8) | p[i];
    return v;
}

/* Read an n-byte big-endian length/number after the type byte. */
static int num(rd *r, int n, uint64_t *v, const char *what)
{
    if (!need(r, (size_t)n)) return fail(r, "truncated %s", what);
    *v = be(r->p, n);
    r->p += n;
    return PT_OK;
}

static int dec(rd *r, json_t **out, int depth);

static int dec_str(rd *r, uint64_t n, json_t **out)
{
    if (!need(r, n)) return fail(r, "truncated str");
    json_t *s = json_stringn((const char *)r->p, (size_t)n);
    if (!s) return fail(r, "invalid UTF-8 in str");
    r->p += n;
    *out = s;
    return PT_OK;
}

static int dec_array(rd *r, uint64_t n, json_t **out, int depth)
{
    if (depth >= PT_RECORD_MAX_DEPTH) return fail(r, "nested deeper than %d", PT_RECORD_MAX_DEPTH);
    if (!need(r, n)) return fail(r, "truncated array (%llu elements claimed)",
                                 (unsigned long long)n);
    json_t *a = json_array();
    size_t plen = strlen(r->path);
    for (uint64_t i = 0; i < n; i++) {
        snprintf(r->path + plen, sizeof r->path - plen, "[%llu]", (unsigned long long)i);
        json_t *v;
        int rc = dec(r, &v, depth + 1);
        if (rc) {
            json_decref(a);
            return rc;
        }
        json_array_append_new(a, v);
    }
    r->path[plen] = 0;
    *out = a;
    return PT_OK;
}

static int dec_map(rd *r, uint64_t n, json_t **out, int depth)
{
    if (depth >= PT_RECORD_MAX_DEPTH) return fail(r, "nested deeper than %d", PT_RECORD_MAX_DEPTH);
    if (n > (uint64_t)(r->end - r->p) / 2)
        return fail(r, "truncated map (%llu entries claimed)", (unsigned long long)n);
    json_t *m = json_object();
    size_t plen = strlen(r->path);
    for (uint64_t i = 0; i < n; i++) {
        /* key: must be a str */
        uint64_t kl = 0;
        int rc = PT_OK;
        if (!need(r, 1)) rc = fail(r, "truncated map key");
        else {
            uint8_t t = *r->p++;
            if ((t & 0xe0) == 0xa0) kl = t & 0x1f;
            else if (t == 0xd9) rc = num(r, 1, &kl, "str8 length");
            else if (t == 0xda) rc = num(r, 2, &kl, "str16 length");
            else if (t == 0xdb) rc = num(r, 4, &kl, "str32 length");
            else rc = fail(r, "map key is not a string (type 0x%02x)", t);
        }
        if (!rc && !need(r, kl)) rc = fail(r, "truncated map key");
        if (!rc && memchr(r->p, 0, (size_t)kl)) rc = fail(r, "NUL in map key");
        if (rc) {
            json_decref(m);
            return rc;
        }
        const char *k = (const char *)r->p;
        r->p += kl;
        snprintf(r->path + plen, sizeof r->path - plen, ".%.*s",
                 (int)(kl > 40 ? 40 : kl), k);
        json_t *v;
        rc = dec(r, &v, depth + 1);
        if (!rc && json_object_getn(m, k, (size_t)kl)) {
            json_decref(v);
            rc = fail(r, "duplicate key");
        }
        if (!rc && json_object_setn_new(m, k, (size_t)kl, v) != 0)
            rc = fail(r, "invalid UTF-8 in map key");
        if (rc) {
            json_decref(m);
            return rc;
        }
    }
    r->path[plen] = 0;
    *out = m;
    return PT_OK;
}

static int dec(rd *r, json_t **out, int depth)
{
    if (!need(r, 1)) return fail(r, "truncated value");
    uint8_t t = *r->p++;
    uint64_t n = 0;
    int rc;
    if (t <= 0x7f) return *out = json_integer(t), PT_OK;
    if (t >= 0xe0) return *out = json_integer((int8_t)t), PT_OK;
    if ((t & 0xf0) == 0x80) return dec_map(r, t & 0x0f, out, depth);
    if ((t & 0xf0) == 0x90) return dec_array(r, t & 0x0f, out, depth);
    if ((t & 0xe0) == 0xa0) return dec_str(r, t & 0x1f, out);
    switch (t) {
    case 0xc0: *out = json_null(); return PT_OK;
    case 0xc2: *out = json_false(); return PT_OK;
    case 0xc3: *out = json_true(); return PT_OK;
    case 0xca: {
        if ((rc = num(r, 4, &n, "float32"))) return rc;
        uint32_t u = (uint32_t)n;
        float f;
        memcpy(&f, &u, 4);
        if (!isfinite(f)) return fail(r, "non-finite float");
        *out = json_real(f);
        return PT_OK;
    }
    case 0xcb: {
        if ((rc = num(r, 8, &n, "float64"))) return rc;
        double d;
        memcpy(&d, &n, 8);
        if (!isfinite(d)) return fail(r, "non-finite float");
        *out = json_real(d);
        return PT_OK;
    }
    case 0xcc: case 0xcd: case 0xce: case 0xcf: {
        int w = 1 << (t - 0xcc);
        if ((rc = num(r, w, &n, "uint"))) return rc;
        if (n > (uint64_t)INT64_MAX) return fail(r, "integer out of range");
        *out = json_integer((json_int_t)n);
        return PT_OK;
    }
    case 0xd0: case 0xd1: case 0xd2: case 0xd3: {
        int w = 1 << (t - 0xd0);
        if ((rc = num(r, w, &n, "int"))) return rc;
        int64_t s;
        if (w == 8) memcpy(&s, &n, 8);
        else {
            uint64_t sign = UINT64_C(1) << (w * 8 - 1);
            s = (n & sign) ? (int64_t)(n - sign) - (int64_t)sign : (int64_t)n;
        }
        *out = json_integer((json_int_t)s);
        return PT_OK;
    }
    case 0xd9: if ((rc = num(r, 1, &n, "str8 length"))) return rc; return dec_str(r, n, out);
    case 0xda: if ((rc = num(r, 2, &n, "str16 length"))) return rc; return dec_str(r, n, out);
    case 0xdb: if ((rc = num(r, 4, &n, "str32 length"))) return rc; return dec_str(r, n, out);
    case 0xdc: if ((rc = num(r, 2, &n, "array16 length"))) return rc; return dec_array(r, n, out, depth);
    case 0xdd: if ((rc = num(r, 4, &n, "array32 length"))) return rc; return dec_array(r, n, out, depth);
    case 0xde: if ((rc = num(r, 2, &n, "map16 length"))) return rc; return dec_map(r, n, out, depth);
    case 0xdf: if ((rc = num(r, 4, &n, "map32 length"))) return rc; return dec_map(r, n, out, depth);
    case 0xc4: case 0xc5: case 0xc6: return fail(r, "unsupported msgpack type bin");
    case 0xc7: case 0xc8: case 0xc9: case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8:
        return fail(r, "unsupported msgpack type ext");
    default: return fail(r, "invalid msgpack byte 0x%02x", t);
    }
}

int pt_record_decode(const void *data, size_t len, json_t **out, char **why)
{
    rd r = {.p = data, .end = (const uint8_t *)data + len};
    json_t *j = NULL;
    int rc;
    *out = NULL;
    if (!data || len == 0) rc = fail(&r, "empty record");
    else if ((*r.p & 0xf0) != 0x80 && *r.p != 0xde && *r.p != 0xdf) rc = fail(&r, "expected map");
    else rc = dec(&r, &j, 0);
    if (!rc && r.p != r.end) {
        rc = fail(&r, "%zu trailing bytes", (size_t)(r.end - r.p));
        json_decref(j);
        j = NULL;
    }
    if (!rc) {
        json_t *v = json_object_get(j, "_v");
        if (!json_is_integer(v) || json_integer_value(v) < 0) {
            r.path[0] = 0;
            rc = fail(&r, v ? "\"_v\" is not an integer >= 0" : "no \"_v\" schema version");
            json_decref(j);
            j = NULL;
        }
    }
    if (rc) {
        if (why) *why = pt_xstrdup(r.why);
        st_err(rc, "record failed to decode: %s", r.why);
        return rc;
    }
    *out = j;
    return PT_OK;
}
