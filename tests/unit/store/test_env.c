/*
 * tests/unit/store/test_env.c - the environment: declaration rules,
 * handles that survive close/reopen and plugin rollback, durability across
 * reopen, open/close/txn state errors, map full, read-only opening, and
 * the fork guard.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include "store_test.h"

static void declare_rules(void **s)
{
    (void)s;
    assert_int_equal(pt_store_declare("shop.orders", PT_DB_PLAIN, "shop"), PT_OK);
    assert_int_equal(pt_store_declare("shop.orders", PT_DB_PLAIN, "shop"), PT_OK); /* again */
    assert_int_equal(pt_store_declare("shop.orders", PT_DB_DUPSORT, "shop"), PT_EEXIST);
    assert_int_equal(pt_store_declare("shop.orders.by_customer", PT_DB_INDEX, "shop"), PT_OK);
    /* names: <owner>.<thing>, [a-z0-9_] segments */
    assert_int_equal(pt_store_declare("shop.orders", PT_DB_PLAIN, "other"), PT_EINVAL);
    assert_int_equal(pt_store_declare("other.orders", PT_DB_PLAIN, "shop"), PT_EINVAL);
    assert_int_equal(pt_store_declare("shop", PT_DB_PLAIN, "shop"), PT_EINVAL);
    assert_int_equal(pt_store_declare("shop.", PT_DB_PLAIN, "shop"), PT_EINVAL);
    assert_int_equal(pt_store_declare("shop..x", PT_DB_PLAIN, "shop"), PT_EINVAL);
    assert_int_equal(pt_store_declare("shop.Orders", PT_DB_PLAIN, "shop"), PT_EINVAL);
    assert_int_equal(pt_store_declare("shop.a-b", PT_DB_PLAIN, "shop"), PT_EINVAL);
    assert_int_equal(pt_store_declare("shop.x", 0x10, "shop"), PT_EINVAL);
    assert_int_equal(pt_store_declare(NULL, 0, "shop"), PT_EINVAL);
    assert_non_null(pt_store_db("shop.orders"));
    assert_null(pt_store_db("shop.nothing"));
    assert_string_equal(pt_db_name(pt_store_db("shop.orders")), "shop.orders");
    /* rollback of a plugin */
    pt_db *h = pt_store_db("shop.orders");
    pt_store_undeclare_owner("shop");
    assert_null(pt_store_db("shop.orders"));
    assert_null(pt_store_db("shop.orders.by_customer"));
    /* re-declaring after rollback revives the same handle */
    assert_int_equal(pt_store_declare("shop.orders", PT_DB_DUPSORT, "shop"), PT_OK);
    assert_ptr_equal(pt_store_db("shop.orders"), h);
    pt_store_undeclare_owner("shop");
}

static void lifecycle_and_durability(void **s)
{
    (void)s;
    char *root = tmp_dir();
    char *dir = pt_xasprintf("%s/nested", root);
    assert_int_equal(pt_store_declare("life.items", PT_DB_PLAIN, "life"), PT_OK);
    pt_db *db = pt_store_db("life.items");
    int rc;
    /* not open */
    assert_false(pt_store_is_open());
    assert_null(pt_txn_begin(false, &rc));
    assert_int_equal(rc, PT_EINVAL);
    assert_int_equal(pt_store_close(), PT_OK);
    char *err = NULL;
    assert_int_equal(pt_store_open("", NULL, &err), PT_EINVAL);
    free(err);

    assert_int_equal(pt_store_open(dir, NULL, NULL), PT_OK);
    struct stat sb;
    assert_int_equal(stat(dir, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    assert_int_equal(pt_store_open(dir, NULL, &err), PT_EEXIST);
    free(err);
    /* declared after open: usable at once */
    assert_int_equal(pt_store_declare("life.late", PT_DB_PLAIN, "life"), PT_OK);
    pt_txn *t = wtxn();
    assert_int_equal(pt_kv_put(t, db, "k", 1, "v1", 2, 0), PT_OK);
    assert_int_equal(pt_kv_put(t, pt_store_db("life.late"), "k", 1, "v2", 2, 0), PT_OK);
    /* no close while a txn is live */
    assert_int_equal(pt_store_close(), PT_EAGAIN);
    assert_int_equal(pt_txn_commit(t), PT_OK);
    assert_int_equal(pt_store_close(), PT_OK);

    /* same handles after reopen; data durable */
    assert_int_equal(pt_store_open(dir, NULL, NULL), PT_OK);
    t = rtxn();
    const void *v;
    size_t vl;
    assert_int_equal(pt_kv_get(t, db, "k", 1, &v, &vl), PT_OK);
    assert_memory_equal(v, "v1", 2);
    assert_int_equal(pt_kv_get(t, pt_store_db("life.late"), "k", 1, &v, &vl), PT_OK);
    pt_txn_abort(t);
    /* an undeclared handle is refused */
    pt_store_undeclare_owner("life");
    t = rtxn();
    assert_int_equal(pt_kv_get(t, db, "k", 1, &v, &vl), PT_EINVAL);
    assert_non_null(strstr(pt_store_last_error(), "life.items is not declared"));
    pt_txn_abort(t);
    assert_int_equal(pt_store_close(), PT_OK);

    /* flags that contradict the database on disk */
    assert_int_equal(pt_store_declare("life.items", PT_DB_DUPSORT, "life"), PT_OK);
    assert_int_equal(pt_store_open(dir, NULL, &err), PT_EINVAL);
    assert_non_null(strstr(err, "life.items exists with other flags"));
    free(err);
    assert_false(pt_store_is_open());
    pt_store_undeclare_owner("life");

    /* read-only: no writes, databases missing on disk read as absent */
    assert_int_equal(pt_store_declare("life.items", PT_DB_PLAIN, "life"), PT_OK);
    assert_int_equal(pt_store_declare("life.never", PT_DB_PLAIN, "life"), PT_OK);
    pt_store_options ro = {.read_only = true};
    assert_int_equal(pt_store_open(dir, &ro, NULL), PT_OK);
    assert_null(pt_txn_begin(true, &rc));
    assert_int_equal(rc, PT_EPERM);
    t = rtxn();
    assert_int_equal(pt_kv_get(t, db, "k", 1, &v, &vl), PT_OK);
    assert_int_equal(pt_kv_get(t, pt_store_db("life.never"), "k", 1, &v, &vl), PT_ENOTFOUND);
    pt_txn_abort(t);
    json_t *st;
    assert_int_equal(pt_store_stats(&st), PT_OK);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(st, "dbs"), "life.never")),
                     0);
    json_decref(st);
    char *bk = pt_xasprintf("%s/bk", root);
    assert_int_equal(pt_store_backup(bk, NULL), PT_OK); /* backups work read-only */
    assert_int_equal(pt_store_migrate(NULL), PT_EPERM);
    assert_int_equal(pt_store_close(), PT_OK);
    pt_store_undeclare_owner("life");
    rm_rf(root);
    free(bk);
    free(dir);
    free(root);
}

static void map_full(void **s)
{
    (void)s;
    char *root = tmp_dir();
    pt_store_declare("big.blobs", PT_DB_PLAIN, "big");
    pt_store_options o = {.map_size = 1 << 20}; /* 1 MiB */
    assert_int_equal(pt_store_open(root, &o, NULL), PT_OK);
    char val[4000];
    memset(val, 'x', sizeof val);
    int rc = PT_OK;
    pt_txn *t = wtxn();
    uint8_t k[8];
    for (uint64_t i = 0; i < 1000 && rc == PT_OK; i++)
        rc = pt_kv_put(t, pt_store_db("big.blobs"), k64(k, i), 8, val, sizeof val, 0);
    assert_int_equal(rc, PT_EFULL);
    assert_non_null(strstr(pt_store_last_error(), "full"));
    /* the txn is poisoned: commit reports it and writes nothing */
    assert_int_equal(pt_txn_commit(t), PT_EFULL);
    t = rtxn();
    assert_int_equal(pt_kv_get(t, pt_store_db("big.blobs"), k64(k, 0), 8, NULL, NULL),
                     PT_ENOTFOUND);
    pt_txn_abort(t);
    /* small writes still work */
    t = wtxn();
    assert_int_equal(pt_kv_put(t, pt_store_db("big.blobs"), k64(k, 1), 8, "small", 5, 0), PT_OK);
    assert_int_equal(pt_txn_commit(t), PT_OK);
    assert_int_equal(pt_store_close(), PT_OK);
    pt_store_undeclare_owner("big");
    rm_rf(root);
    free(root);
}

static void fork_guard(void **s)
{
    (void)s;
    char *root = tmp_dir();
    pt_store_declare("fk.items", PT_DB_PLAIN, "fk");
    assert_int_equal(pt_store_open(root, NULL, NULL), PT_OK);
    pt_txn *t = wtxn();
    assert_int_equal(pt_kv_put(t, pt_store_db("fk.items"), "k", 1, "v", 1, 0), PT_OK);
    assert_int_equal(pt_txn_commit(t), PT_OK);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int rc, code = 0;
        /* the inherited env is refused... */
        if (pt_txn_begin(false, &rc) != NULL || rc != PT_EPERM) code |= 1;
        if (pt_store_is_open()) code |= 2;
        /* ...and reopening in the child works */
        if (pt_store_open(root, NULL, NULL) != PT_OK) code |= 4;
        pt_txn *c = pt_txn_begin(true, &rc);
        if (!c) code |= 8;
        else {
            if (pt_kv_put(c, pt_store_db("fk.items"), "child", 5, "v", 1, 0)) code |= 16;
            if (pt_txn_commit(c)) code |= 16;
        }
        pt_store_close();
        _exit(code);
    }
    int st;
    waitpid(pid, &st, 0);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    /* the parent's env is unaffected and sees the child's write */
    t = rtxn();
    assert_int_equal(pt_kv_get(t, pt_store_db("fk.items"), "child", 5, NULL, NULL), PT_OK);
    pt_txn_abort(t);
    assert_int_equal(pt_store_close(), PT_OK);
    pt_store_undeclare_owner("fk");
    rm_rf(root);
    free(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(declare_rules),
        cmocka_unit_test(lifecycle_and_durability),
        cmocka_unit_test(map_full),
        cmocka_unit_test(fork_guard),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
