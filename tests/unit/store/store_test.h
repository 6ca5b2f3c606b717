/*
 * tests/unit/store/store_test.h - shared helpers for the store tests: a
 * fresh temporary directory per test, removed afterwards, and a store
 * opened in it. Header-only (static), included by each test_*.c.
 */
#ifndef STORE_TEST_H
#define STORE_TEST_H

#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "portico/store.h"

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb; (void)flag; (void)ftw;
    return remove(p);
}

static inline void rm_rf(const char *dir)
{
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* mkdtemp under TMPDIR; caller frees and rm_rf's. */
static inline char *tmp_dir(void)
{
    const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char *d = pt_xasprintf("%s/pt_store_test_XXXXXX", base);
    assert_non_null(mkdtemp(d));
    return d;
}

typedef struct fixture {
    char *root;  /* temp dir */
    char *data;  /* root/data: the store */
} fixture;

/* cmocka setup: temp dir + open store at root/data with a small map. */
static inline int open_store(void **state)
{
    fixture *f = pt_xcalloc(1, sizeof *f);
    f->root = tmp_dir();
    f->data = pt_xasprintf("%s/data", f->root);
    pt_store_options o = {.map_size = 64u << 20};
    char *err = NULL;
    int rc = pt_store_open(f->data, &o, &err);
    if (rc) {
        fprintf(stderr, "open: %s\n", err);
        free(err);
        return -1;
    }
    *state = f;
    return 0;
}

static inline int close_store(void **state)
{
    fixture *f = *state;
    pt_store_close();
    rm_rf(f->root);
    free(f->root);
    free(f->data);
    free(f);
    return 0;
}

/* A record {"_v":1, ...} from a jansson pack format of the rest. */
#define REC(...) json_pack(__VA_ARGS__)

static inline pt_txn *wtxn(void)
{
    int rc;
    pt_txn *t = pt_txn_begin(true, &rc);
    assert_non_null(t);
    assert_int_equal(rc, PT_OK);
    return t;
}

static inline pt_txn *rtxn(void)
{
    int rc;
    pt_txn *t = pt_txn_begin(false, &rc);
    assert_non_null(t);
    return t;
}

static inline const uint8_t *k64(uint8_t b[8], uint64_t v)
{
    pt_key_u64(b, v);
    return b;
}

#endif
