/*
 * tests/unit/store/test_index.c - secondary indexes: put (idempotent),
 * del, count, iterate oldest/newest first, pages with pt_index_list, and
 * that only PT_DB_INDEX dbs are accepted.
 */
#include "store_test.h"

static int setup(void **state)
{
    pt_store_declare("cases.items", PT_DB_PLAIN, "cases");
    pt_store_declare("cases.items.by_status", PT_DB_INDEX, "cases");
    return open_store(state);
}

static void put_del_iterate(void **s)
{
    (void)s;
    pt_db *idx = pt_store_db("cases.items.by_status");
    pt_txn *t = wtxn();
    uint64_t ids[20];
    for (int i = 0; i < 20; i++) {
        ids[i] = pt_id_new();
        const char *st = i % 2 ? "open" : "closed";
        assert_int_equal(pt_index_put(t, idx, st, strlen(st), ids[i]), PT_OK);
    }
    assert_int_equal(pt_index_put(t, idx, "open", 4, ids[1]), PT_OK); /* again: no-op */
    assert_int_equal(pt_txn_commit(t), PT_OK);

    t = rtxn();
    size_t n;
    assert_int_equal(pt_index_count(t, idx, "open", 4, &n), PT_OK);
    assert_int_equal(n, 10);
    assert_int_equal(pt_index_count(t, idx, "none", 4, &n), PT_OK);
    assert_int_equal(n, 0);
    pt_cursor *c = pt_cursor_open(t, idx, NULL);
    uint64_t id;
    int rc, k = 0;
    for (rc = pt_index_seek(c, "open", 4, false, &id); rc == PT_OK; rc = pt_index_next(c, &id)) {
        assert_true(id == ids[2 * k + 1]);
        k++;
    }
    assert_int_equal(rc, PT_ENOTFOUND);
    assert_int_equal(k, 10);
    k = 0; /* newest first, and never running into the next key ("open" < ...) */
    for (rc = pt_index_seek(c, "closed", 6, true, &id); rc == PT_OK; rc = pt_index_next(c, &id)) {
        assert_true(id == ids[18 - 2 * k]);
        k++;
    }
    assert_int_equal(k, 10);
    assert_int_equal(pt_index_seek(c, "missing", 7, true, &id), PT_ENOTFOUND);
    assert_int_equal(pt_index_next(c, &id), PT_EINVAL); /* seek failed: no direction */
    /* pages */
    uint64_t page[4];
    assert_int_equal(pt_index_list(t, idx, "open", 4, true, 0, page, 4, &n), PT_OK);
    assert_int_equal(n, 4);
    assert_true(page[0] == ids[19] && page[3] == ids[13]);
    assert_int_equal(pt_index_list(t, idx, "open", 4, true, 8, page, 4, &n), PT_OK);
    assert_int_equal(n, 2);
    assert_true(page[0] == ids[3] && page[1] == ids[1]);
    assert_int_equal(pt_index_list(t, idx, "nope", 4, true, 0, page, 4, &n), PT_OK);
    assert_int_equal(n, 0);
    pt_txn_abort(t);

    t = wtxn();
    assert_int_equal(pt_index_del(t, idx, "open", 4, ids[5]), PT_OK);
    assert_int_equal(pt_index_del(t, idx, "open", 4, ids[5]), PT_ENOTFOUND);
    assert_int_equal(pt_index_del(t, idx, "open", 4, ids[0]), PT_ENOTFOUND); /* other key's */
    assert_int_equal(pt_index_count(t, idx, "open", 4, &n), PT_OK);
    assert_int_equal(n, 9);
    assert_int_equal(pt_txn_commit(t), PT_OK);
}

static void only_index_dbs(void **s)
{
    (void)s;
    pt_db *plain = pt_store_db("cases.items");
    pt_txn *t = wtxn();
    assert_int_equal(pt_index_put(t, plain, "k", 1, 1), PT_EINVAL);
    assert_non_null(strstr(pt_store_last_error(), "cases.items is not declared as an index"));
    size_t n;
    assert_int_equal(pt_index_count(t, plain, "k", 1, &n), PT_EINVAL);
    /* raw puts into an index must be 8-byte ids */
    assert_int_equal(pt_kv_put(t, pt_store_db("cases.items.by_status"), "k", 1, "abc", 3, 0),
                     PT_EINVAL);
    pt_txn_abort(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(put_del_iterate, setup, close_store),
        cmocka_unit_test_setup_teardown(only_index_dbs, setup, close_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
