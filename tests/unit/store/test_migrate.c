/*
 * tests/unit/store/test_migrate.c - migrations: run in version order once,
 * a plugin's versions all-or-nothing (a failing one leaves no partial
 * writes and the version unchanged, and says which plugin and version),
 * plugins in registration order, newer stored versions refused.
 */
#include "store_test.h"

static char order[64];

static void note(const char *s)
{
    strncat(order, s, sizeof order - strlen(order) - 1);
}

static int write_mark(pt_txn *t, const char *dbname, const char *key)
{
    json_t *r = json_pack("{s:i}", "_v", 1);
    int rc = pt_record_put(t, pt_store_db(dbname), key, strlen(key), r);
    json_decref(r);
    return rc;
}

static int m_a1(pt_txn *t, void *ud) { (void)ud; note("a1 "); return write_mark(t, "aa.things", "one"); }
static int m_a2(pt_txn *t, void *ud) { (void)ud; note("a2 "); return write_mark(t, "aa.things", "two"); }
static int m_a3(pt_txn *t, void *ud) { (void)ud; note("a3 "); return write_mark(t, "aa.things", "three"); }
static int m_b1(pt_txn *t, void *ud) { (void)ud; note("b1 "); return write_mark(t, "bb.things", "x"); }
static int m_b2_fail(pt_txn *t, void *ud)
{
    int *calls = ud;
    (*calls)++;
    note("b2 ");
    write_mark(t, "bb.things", "partial"); /* must not survive */
    return pt_store_error(PT_EINVAL, "thing 7 has no owner");
}

static int setup(void **state)
{
    order[0] = 0;
    pt_store_declare("aa.things", PT_DB_PLAIN, "aa");
    pt_store_declare("bb.things", PT_DB_PLAIN, "bb");
    return open_store(state);
}

static int teardown(void **state)
{
    pt_store_undeclare_owner("aa"); /* also drops their migrations */
    pt_store_undeclare_owner("bb");
    return close_store(state);
}

static bool exists(const char *db, const char *key)
{
    pt_txn *t = rtxn();
    int rc = pt_kv_get(t, pt_store_db(db), key, strlen(key), NULL, NULL);
    pt_txn_abort(t);
    return rc == PT_OK;
}

static int version(const char *plugin)
{
    int v = -1;
    assert_int_equal(pt_store_schema_version(plugin, &v), PT_OK);
    return v;
}

static void runs_in_order_once(void **s)
{
    (void)s;
    /* registered out of order */
    assert_int_equal(pt_store_migration("aa", 2, m_a2, NULL), PT_OK);
    assert_int_equal(pt_store_migration("bb", 1, m_b1, NULL), PT_OK);
    assert_int_equal(pt_store_migration("aa", 1, m_a1, NULL), PT_OK);
    assert_int_equal(pt_store_migration("aa", 1, m_a1, NULL), PT_EEXIST);
    assert_int_equal(pt_store_migration("aa", 0, m_a1, NULL), PT_EINVAL);
    assert_int_equal(version("aa"), 0);
    char *err = NULL;
    assert_int_equal(pt_store_migrate(&err), PT_OK);
    assert_null(err);
    assert_string_equal(order, "a1 a2 b1 ");
    assert_int_equal(version("aa"), 2);
    assert_int_equal(version("bb"), 1);
    assert_true(exists("aa.things", "one") && exists("aa.things", "two"));
    /* again: nothing to do */
    order[0] = 0;
    assert_int_equal(pt_store_migrate(NULL), PT_OK);
    assert_string_equal(order, "");
    /* a new version runs alone, also after close and reopen */
    fixture *f = *s;
    assert_int_equal(pt_store_close(), PT_OK);
    assert_int_equal(pt_store_open(f->data, NULL, NULL), PT_OK);
    assert_int_equal(pt_store_migration("aa", 3, m_a3, NULL), PT_OK);
    assert_int_equal(pt_store_migrate(NULL), PT_OK);
    assert_string_equal(order, "a3 ");
    assert_int_equal(version("aa"), 3);
}

static void failure_rolls_back_that_plugin(void **s)
{
    (void)s;
    int calls = 0;
    assert_int_equal(pt_store_migration("aa", 1, m_a1, NULL), PT_OK);
    assert_int_equal(pt_store_migration("bb", 1, m_b1, NULL), PT_OK);
    assert_int_equal(pt_store_migration("bb", 2, m_b2_fail, &calls), PT_OK);
    char *err = NULL;
    assert_int_equal(pt_store_migrate(&err), PT_EINVAL);
    assert_non_null(err);
    assert_string_equal(err, "migration bb v2 failed: invalid input: thing 7 has no owner");
    free(err);
    assert_int_equal(calls, 1);
    assert_string_equal(order, "a1 b1 b2 ");
    /* aa committed before; bb: neither v1's nor v2's writes, version unchanged */
    assert_int_equal(version("aa"), 1);
    assert_int_equal(version("bb"), 0);
    assert_false(exists("bb.things", "x"));
    assert_false(exists("bb.things", "partial"));
    /* still failing next time, still nothing written */
    assert_int_equal(pt_store_migrate(NULL), PT_EINVAL);
    assert_int_equal(calls, 2);
    assert_int_equal(version("bb"), 0);
}

static void refuses_newer_store(void **s)
{
    (void)s;
    pt_txn *t = wtxn();
    json_t *r = json_pack("{s:i, s:i}", "_v", 1, "version", 9);
    assert_int_equal(pt_record_put(t, pt_store_db("core.meta"), "schema:aa", 9, r), PT_OK);
    json_decref(r);
    assert_int_equal(pt_txn_commit(t), PT_OK);
    assert_int_equal(pt_store_migration("aa", 1, m_a1, NULL), PT_OK);
    char *err = NULL;
    assert_int_equal(pt_store_migrate(&err), PT_EINVAL);
    assert_non_null(strstr(err, "aa schema v9"));
    free(err);
    assert_string_equal(order, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(runs_in_order_once, setup, teardown),
        cmocka_unit_test_setup_teardown(failure_rolls_back_that_plugin, setup, teardown),
        cmocka_unit_test_setup_teardown(refuses_newer_store, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
