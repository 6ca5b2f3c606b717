/*
 * tests/unit/store/test_cursor.c - composite keys and cursors: exact and
 * >= seeks, range scans, prefix scans both ways (newest first), dupsort
 * walking, cursor delete, raw kv codes, cursors closed by their txn.
 */
#include "store_test.h"

static int setup(void **state)
{
    pt_store_declare("t.events", PT_DB_PLAIN, "t");
    pt_store_declare("t.tags", PT_DB_DUPSORT, "t");
    return open_store(state);
}

/* events keyed (account u64, id u64): accounts 1..3, ids 1..10 each */
static void fill(void)
{
    pt_db *db = pt_store_db("t.events");
    pt_txn *t = wtxn();
    for (uint64_t a = 1; a <= 3; a++)
        for (uint64_t id = 1; id <= 10; id++) {
            pt_key k;
            pt_key_init(&k);
            pt_key_add_u64(&k, a);
            pt_key_add_u64(&k, id * 1000); /* ids > 255 check big-endian order */
            char v[32];
            int n = snprintf(v, sizeof v, "%llu/%llu", (unsigned long long)a,
                             (unsigned long long)id);
            assert_int_equal(pt_kv_put(t, db, k.b, k.len, v, (size_t)n, 0), PT_OK);
        }
    assert_int_equal(pt_txn_commit(t), PT_OK);
}

static void keys(void **s)
{
    (void)s;
    uint8_t b[8];
    pt_key_u64(b, 0x0102030405060708ULL);
    assert_memory_equal(b, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    assert_true(pt_key_read_u64(b) == 0x0102030405060708ULL);

    pt_key k;
    pt_key_init(&k);
    assert_int_equal(pt_key_add_u64(&k, 7), PT_OK);
    assert_int_equal(pt_key_add_str(&k, "ab"), PT_OK);
    assert_int_equal(pt_key_add_bytes(&k, "\xff", 1), PT_OK);
    assert_int_equal(k.len, 8 + 3 + 1);
    pt_key_reader r;
    pt_key_reader_init(&r, k.b, k.len);
    assert_true(pt_key_take_u64(&r) == 7);
    size_t n;
    assert_string_equal(pt_key_take_str(&r, &n), "ab");
    assert_int_equal(n, 2);
    assert_null(pt_key_take_str(&r, NULL)); /* 0xff has no terminator */
    assert_int_equal(r.rc, PT_EINVAL);
    pt_key_reader_init(&r, "abc", 3);
    assert_true(pt_key_take_u64(&r) == 0);
    assert_int_equal(r.rc, PT_EINVAL);

    /* "ab" < "abc" and ("ab", x) < ("abc", y) for any x, y */
    pt_key k1, k2;
    pt_key_init(&k1);
    pt_key_add_str(&k1, "ab");
    pt_key_add_u64(&k1, UINT64_MAX);
    pt_key_init(&k2);
    pt_key_add_str(&k2, "abc");
    pt_key_add_u64(&k2, 0);
    assert_true(memcmp(k1.b, k2.b, k1.len < k2.len ? k1.len : k2.len) < 0);

    /* overflow is refused and sticky; the key is unchanged */
    char big[PT_KEY_MAX];
    memset(big, 'x', sizeof big - 4);
    big[sizeof big - 4] = 0;
    pt_key_init(&k);
    assert_int_equal(pt_key_add_str(&k, big), PT_OK); /* 507 + 1 bytes */
    assert_int_equal(pt_key_add_u64(&k, 1), PT_ETOOBIG);
    assert_int_equal(k.len, PT_KEY_MAX - 3);
    assert_int_equal(k.rc, PT_ETOOBIG);
    assert_int_equal(pt_key_add_bytes(&k, "abc", 3), PT_OK);
    assert_int_equal(k.rc, PT_ETOOBIG);
}

static void seek_and_range(void **s)
{
    (void)s;
    fill();
    pt_db *db = pt_store_db("t.events");
    pt_txn *t = rtxn();
    int rc;
    pt_cursor *c = pt_cursor_open(t, db, &rc);
    assert_non_null(c);
    pt_kv kv;
    assert_int_equal(pt_cursor_first(c, &kv), PT_OK);
    assert_memory_equal(kv.val, "1/1", 3);
    assert_int_equal(pt_cursor_last(c, &kv), PT_OK);
    assert_memory_equal(kv.val, "3/10", 4);

    pt_key k;
    pt_key_init(&k);
    pt_key_add_u64(&k, 2);
    pt_key_add_u64(&k, 5000);
    assert_int_equal(pt_cursor_seek(c, k.b, k.len, &kv), PT_OK);
    assert_memory_equal(kv.val, "2/5", 3);
    pt_key_init(&k);
    pt_key_add_u64(&k, 2);
    pt_key_add_u64(&k, 5001);
    assert_int_equal(pt_cursor_seek(c, k.b, k.len, &kv), PT_ENOTFOUND);
    /* >= : lands on 2/6 */
    assert_int_equal(pt_cursor_seek_ge(c, k.b, k.len, &kv), PT_OK);
    assert_memory_equal(kv.val, "2/6", 3);
    /* range [2/6000, 3/2000]: 2/6..2/10, 3/1, 3/2 = 7 entries */
    pt_key hi;
    pt_key_init(&hi);
    pt_key_add_u64(&hi, 3);
    pt_key_add_u64(&hi, 2000);
    int count = 0;
    for (rc = pt_cursor_seek_ge(c, k.b, k.len, &kv);
         rc == PT_OK && memcmp(kv.key, hi.b, 16) <= 0; rc = pt_cursor_next(c, &kv))
        count++;
    assert_int_equal(count, 7);
    /* prev from 2/1 goes to 1/10 */
    pt_key_init(&k);
    pt_key_add_u64(&k, 2);
    assert_int_equal(pt_cursor_seek_ge(c, k.b, k.len, &kv), PT_OK);
    assert_memory_equal(kv.val, "2/1", 3);
    assert_int_equal(pt_cursor_prev(c, &kv), PT_OK);
    assert_memory_equal(kv.val, "1/10", 4);
    /* past the end */
    pt_key_init(&k);
    pt_key_add_u64(&k, 9);
    assert_int_equal(pt_cursor_seek_ge(c, k.b, k.len, &kv), PT_ENOTFOUND);
    pt_cursor_close(c);
    pt_txn_abort(t);
}

static void prefix_scans(void **s)
{
    (void)s;
    fill();
    pt_db *db = pt_store_db("t.events");
    pt_txn *t = rtxn();
    pt_cursor *c = pt_cursor_open(t, db, NULL);
    pt_kv kv;
    uint8_t p[8];
    char want[16];
    int rc, n;
    for (uint64_t a = 1; a <= 3; a++) {
        pt_key_u64(p, a);
        n = 0; /* oldest first */
        for (rc = pt_cursor_prefix(c, p, 8, false, &kv); rc == PT_OK; rc = pt_cursor_next(c, &kv)) {
            n++;
            snprintf(want, sizeof want, "%llu/%d", (unsigned long long)a, n);
            assert_int_equal(kv.vlen, strlen(want));
            assert_memory_equal(kv.val, want, kv.vlen);
        }
        assert_int_equal(rc, PT_ENOTFOUND);
        assert_int_equal(n, 10);
        n = 0; /* newest first */
        for (rc = pt_cursor_prefix(c, p, 8, true, &kv); rc == PT_OK; rc = pt_cursor_prev(c, &kv)) {
            snprintf(want, sizeof want, "%llu/%d", (unsigned long long)a, 10 - n);
            assert_memory_equal(kv.val, want, kv.vlen);
            n++;
        }
        assert_int_equal(n, 10);
    }
    /* empty prefix range, and prefixes before / after everything */
    pt_key_u64(p, 0);
    assert_int_equal(pt_cursor_prefix(c, p, 8, false, &kv), PT_ENOTFOUND);
    assert_int_equal(pt_cursor_prefix(c, p, 8, true, &kv), PT_ENOTFOUND);
    pt_key_u64(p, 4);
    assert_int_equal(pt_cursor_prefix(c, p, 8, false, &kv), PT_ENOTFOUND);
    assert_int_equal(pt_cursor_prefix(c, p, 8, true, &kv), PT_ENOTFOUND);
    /* all-0xff prefix (no successor) and the whole db */
    memset(p, 0xff, 8);
    assert_int_equal(pt_cursor_prefix(c, p, 8, true, &kv), PT_ENOTFOUND);
    n = 0;
    for (rc = pt_cursor_prefix(c, NULL, 0, true, &kv); rc == PT_OK; rc = pt_cursor_prev(c, &kv)) n++;
    assert_int_equal(n, 30);
    /* a later positioning call clears the bound */
    pt_key_u64(p, 1);
    assert_int_equal(pt_cursor_prefix(c, p, 8, true, &kv), PT_OK);
    assert_int_equal(pt_cursor_next(c, &kv), PT_ENOTFOUND);
    assert_int_equal(pt_cursor_first(c, &kv), PT_OK);
    for (n = 1; pt_cursor_next(c, &kv) == PT_OK; n++) {}
    assert_int_equal(n, 30);
    pt_txn_abort(t); /* closes c */
}

static void prefix_with_ff_bytes(void **s)
{
    (void)s;
    pt_db *db = pt_store_db("t.events");
    pt_txn *t = wtxn();
    const char *keys[] = {"a\xff", "a\xff\x01", "a\xff\xff", "a\xff\xff\x00", "b", "a\xfe"};
    for (int i = 0; i < 6; i++)
        assert_int_equal(pt_kv_put(t, db, keys[i], strlen(keys[i]) + (i == 3), "v", 1, 0), PT_OK);
    pt_cursor *c = pt_cursor_open(t, db, NULL);
    pt_kv kv;
    int n = 0, rc;
    for (rc = pt_cursor_prefix(c, "a\xff", 2, true, &kv); rc == PT_OK; rc = pt_cursor_prev(c, &kv)) n++;
    assert_int_equal(n, 4);
    assert_int_equal(pt_txn_commit(t), PT_OK); /* commits with an open cursor */
}

static void dupsort_and_cursor_del(void **s)
{
    (void)s;
    pt_db *db = pt_store_db("t.tags");
    pt_txn *t = wtxn();
    assert_int_equal(pt_kv_put(t, db, "red", 3, "b", 1, 0), PT_OK);
    assert_int_equal(pt_kv_put(t, db, "red", 3, "a", 1, 0), PT_OK);
    assert_int_equal(pt_kv_put(t, db, "red", 3, "c", 1, 0), PT_OK);
    assert_int_equal(pt_kv_put(t, db, "red", 3, "c", 1, PT_PUT_NODUPDATA), PT_EEXIST);
    assert_int_equal(pt_kv_put(t, db, "blue", 4, "z", 1, 0), PT_OK);
    const void *v;
    size_t vl;
    assert_int_equal(pt_kv_get(t, db, "red", 3, &v, &vl), PT_OK);
    assert_memory_equal(v, "a", 1); /* first value */
    pt_cursor *c = pt_cursor_open(t, db, NULL);
    pt_kv kv;
    char seen[8] = {0};
    int n = 0, rc;
    for (rc = pt_cursor_prefix(c, "red", 3, true, &kv); rc == PT_OK; rc = pt_cursor_prev(c, &kv))
        seen[n++] = *(const char *)kv.val;
    assert_string_equal(seen, "cba");
    /* delete "b" through the cursor */
    assert_int_equal(pt_cursor_seek(c, "red", 3, &kv), PT_OK);
    assert_int_equal(pt_cursor_next(c, &kv), PT_OK);
    assert_memory_equal(kv.val, "b", 1);
    assert_int_equal(pt_cursor_del(c), PT_OK);
    assert_int_equal(pt_kv_del(t, db, "red", 3, "c", 1), PT_OK);
    assert_int_equal(pt_kv_del(t, db, "red", 3, "c", 1), PT_ENOTFOUND);
    memset(seen, 0, sizeof seen);
    n = 0;
    for (rc = pt_cursor_first(c, &kv); rc == PT_OK; rc = pt_cursor_next(c, &kv))
        seen[n++] = *(const char *)kv.val;
    assert_string_equal(seen, "za");
    assert_int_equal(pt_kv_del(t, db, "red", 3, NULL, 0), PT_OK); /* all values */
    assert_int_equal(pt_kv_get(t, db, "red", 3, &v, &vl), PT_ENOTFOUND);
    char big[600] = {0};
    assert_int_equal(pt_kv_put(t, db, "k", 1, big, sizeof big, 0), PT_ETOOBIG);
    pt_cursor_close(c);
    assert_int_equal(pt_txn_commit(t), PT_OK);

    t = rtxn();
    c = pt_cursor_open(t, db, NULL);
    assert_int_equal(pt_cursor_first(c, &kv), PT_OK);
    assert_int_equal(pt_cursor_del(c), PT_EPERM);
    assert_int_equal(pt_kv_put(t, db, "x", 1, "y", 1, 0), PT_EPERM);
    assert_int_equal(pt_txn_commit(t), PT_OK); /* read commit closes c too */
}

static void delete_while_iterating(void **s)
{
    (void)s;
    fill();
    pt_db *db = pt_store_db("t.events");
    pt_txn *t = wtxn();
    pt_cursor *c = pt_cursor_open(t, db, NULL);
    pt_kv kv;
    int rc, n = 0, kept = 0;
    for (rc = pt_cursor_first(c, &kv); rc == PT_OK; rc = pt_cursor_next(c, &kv), n++)
        if (n % 2 == 0) assert_int_equal(pt_cursor_del(c), PT_OK);
    assert_int_equal(n, 30); /* every entry visited once */
    for (rc = pt_cursor_first(c, &kv); rc == PT_OK; rc = pt_cursor_next(c, &kv)) {
        kept++;
        char want[48];
        /* kept: 1/2, 1/4, ... (the odd positions) */
        uint64_t a = pt_key_read_u64(kv.key), id = pt_key_read_u64((const uint8_t *)kv.key + 8);
        snprintf(want, sizeof want, "%llu/%llu", (unsigned long long)a,
                 (unsigned long long)(id / 1000));
        assert_memory_equal(kv.val, want, kv.vlen);
        assert_int_equal(id / 1000 % 2, 0);
    }
    assert_int_equal(kept, 15);
    assert_int_equal(pt_txn_commit(t), PT_OK);
}

static void kv_codes(void **s)
{
    (void)s;
    pt_db *db = pt_store_db("t.events");
    pt_txn *t = wtxn();
    assert_int_equal(pt_kv_put(t, db, "k", 1, "1", 1, 0), PT_OK);
    assert_int_equal(pt_kv_put(t, db, "k", 1, "2", 1, PT_PUT_NOOVERWRITE), PT_EEXIST);
    assert_string_equal(pt_store_last_error(), "put t.events/k: already exists");
    const void *v;
    size_t vl;
    assert_int_equal(pt_kv_get(t, db, "k", 1, &v, &vl), PT_OK);
    assert_memory_equal(v, "1", 1);
    assert_int_equal(pt_kv_get(t, db, "nope", 4, &v, &vl), PT_ENOTFOUND);
    assert_string_equal(pt_store_last_error(), "get t.events/nope: not found");
    assert_int_equal(pt_kv_del(t, db, "nope", 4, NULL, 0), PT_ENOTFOUND);
    assert_int_equal(pt_kv_get(t, db, "", 0, &v, &vl), PT_EINVAL);
    pt_txn_abort(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keys),
        cmocka_unit_test_setup_teardown(seek_and_range, setup, close_store),
        cmocka_unit_test_setup_teardown(prefix_scans, setup, close_store),
        cmocka_unit_test_setup_teardown(prefix_with_ff_bytes, setup, close_store),
        cmocka_unit_test_setup_teardown(dupsort_and_cursor_del, setup, close_store),
        cmocka_unit_test_setup_teardown(delete_while_iterating, setup, close_store),
        cmocka_unit_test_setup_teardown(kv_codes, setup, close_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
