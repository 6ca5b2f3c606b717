/*
 * tests/fuzz/fuzz_multipart.c - libFuzzer target for the support plugin's
 * streaming multipart/form-data parser (plugins/support/multipart.c).
 * The input is a body; it is parsed once whole and once fed in pieces of
 * sizes taken from its first byte: both runs must report the same parts,
 * headers and bytes (the parser must not depend on how TCP splits the
 * body), and neither may read or write out of bounds (ASan/UBSan).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "multipart.h"

typedef struct trace {
    char *buf;
    size_t len, cap;
} trace;

static void put(trace *t, char tag, const char *p, size_t n)
{
    if (t->len + n + 2 > t->cap) {
        t->cap = (t->len + n + 2) * 2;
        t->buf = realloc(t->buf, t->cap);
        if (!t->buf) abort();
    }
    t->buf[t->len++] = tag;
    if (n) memcpy(t->buf + t->len, p, n);
    t->len += n;
}

static int on_begin(void *ud, const char *hdr, size_t len)
{
    char name[64], file[256];
    bool has = false;
    sup_mp_disposition(hdr, name, sizeof name, file, sizeof file, &has);
    put(ud, 'B', hdr, len);
    return 0;
}

static int on_data(void *ud, const char *d, size_t len)
{
    /* pieces may be split differently: record bytes, not piece borders */
    trace *t = ud;
    for (size_t i = 0; i < len; i++) put(t, 'd', d + i, 1);
    return 0;
}

static int on_end(void *ud)
{
    put(ud, 'E', NULL, 0);
    return 0;
}

static const sup_mp_cb cb = {on_begin, on_data, on_end};
static const char *CT = "multipart/form-data; boundary=XyZ";

static int run(const char *body, size_t len, size_t step, trace *t, bool *complete)
{
    sup_mp m;
    if (sup_mp_init(&m, CT) != 0) abort();
    int rc = 0;
    for (size_t off = 0; off < len && rc == 0; off += step) {
        size_t n = len - off < step ? len - off : step;
        rc = sup_mp_feed(&m, body + off, n, &cb, t);
    }
    *complete = rc == 0 && sup_mp_complete(&m);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    size_t step = (size_t)(data[0] % 17) + 1;
    const char *body = (const char *)data + 1;
    size_t len = size - 1;
    trace a = {0}, b = {0};
    bool ca = false, cb2 = false;
    int ra = run(body, len, len ? len : 1, &a, &ca);
    int rb = run(body, len, step, &b, &cb2);
    /* both succeed alike, or both fail; on success the same events */
    if ((ra == 0) != (rb == 0)) abort();
    if (ra == 0 && (ca != cb2 || a.len != b.len || (a.len && memcmp(a.buf, b.buf, a.len) != 0)))
        abort();
    free(a.buf);
    free(b.buf);
    return 0;
}
