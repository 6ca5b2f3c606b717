/*
 * tests/unit/store/test_backup.c - hot backup while the store is open and
 * a read txn is live, restore into a data dir and read back, restore
 * refusals (store open here, store open in another process, source not a
 * Portico store), the CLI form (backup_from), and /healthz stats.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <lmdb.h>

#include "store_test.h"

static int setup(void **state)
{
    pt_store_declare("bk.items", PT_DB_PLAIN, "bk");
    pt_store_declare("bk.items.by_tag", PT_DB_INDEX, "bk");
    return open_store(state);
}

static void put_n(int from, int to, const char *title)
{
    pt_txn *t = wtxn();
    uint8_t k[8];
    for (int i = from; i < to; i++) {
        json_t *r = json_pack("{s:i, s:s, s:i}", "_v", 1, "title", title, "n", i);
        assert_int_equal(pt_record_put(t, pt_store_db("bk.items"), k64(k, (uint64_t)i), 8, r),
                         PT_OK);
        json_decref(r);
        assert_int_equal(pt_index_put(t, pt_store_db("bk.items.by_tag"), "t", 1, (uint64_t)i),
                         PT_OK);
    }
    assert_int_equal(pt_txn_commit(t), PT_OK);
}

static const char *title_of(int i, char *buf)
{
    pt_txn *t = rtxn();
    uint8_t k[8];
    json_t *r;
    int rc = pt_record_get(t, pt_store_db("bk.items"), k64(k, (uint64_t)i), 8, &r);
    strcpy(buf, rc ? "(missing)" : pt_rec_str(r, "title", "?"));
    if (!rc) json_decref(r);
    pt_txn_abort(t);
    return buf;
}

static void backup_then_restore(void **s)
{
    fixture *f = *s;
    char buf[64];
    put_n(0, 500, "before");
    char *dest = pt_xasprintf("%s/bk1", f->root);
    pt_txn *reader = rtxn(); /* serving: a read txn is live during the backup */
    char *err = NULL;
    assert_int_equal(pt_store_backup(dest, &err), PT_OK);
    assert_null(err);
    pt_txn_abort(reader);
    /* a second backup into the same dir is refused, not overwritten */
    assert_int_equal(pt_store_backup(dest, &err), PT_EEXIST);
    free(err);
    err = NULL;
    struct stat sb;
    char *p = pt_xasprintf("%s/data.mdb", dest);
    assert_int_equal(stat(p, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    free(p);

    /* change the live store after the backup */
    put_n(0, 10, "after");
    put_n(500, 600, "after");
    assert_string_equal(title_of(3, buf), "after");

    /* restore refuses while this process has the store open */
    assert_int_equal(pt_store_restore(dest, f->data, &err), PT_EPERM);
    free(err);
    err = NULL;
    assert_int_equal(pt_store_close(), PT_OK);
    assert_int_equal(pt_store_restore(dest, f->data, &err), PT_OK);
    assert_null(err);
    assert_int_equal(pt_store_open(f->data, NULL, NULL), PT_OK);
    assert_string_equal(title_of(3, buf), "before");
    assert_string_equal(title_of(499, buf), "before");
    assert_string_equal(title_of(550, buf), "(missing)");
    pt_txn *t = rtxn();
    size_t n;
    assert_int_equal(pt_index_count(t, pt_store_db("bk.items.by_tag"), "t", 1, &n), PT_OK);
    assert_int_equal(n, 500);
    pt_txn_abort(t);
    /* and it is writable again */
    put_n(700, 701, "new");
    assert_string_equal(title_of(700, buf), "new");
    free(dest);
}

static void restore_refuses_running_server_and_junk(void **s)
{
    fixture *f = *s;
    put_n(0, 5, "x");
    char *dest = pt_xasprintf("%s/bk2", f->root);
    assert_int_equal(pt_store_backup(dest, NULL), PT_OK);
    assert_int_equal(pt_store_close(), PT_OK);

    /* another process ("the server") has the store open */
    int go[2], done[2];
    assert_int_equal(pipe(go), 0);
    assert_int_equal(pipe(done), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char c = 0;
        int ok = pt_store_open(f->data, NULL, NULL) == PT_OK;
        if (write(go[1], &c, 1) != 1) _exit(2);
        if (read(done[0], &c, 1) != 1) _exit(2);
        pt_store_close();
        _exit(ok ? 0 : 1);
    }
    char c;
    assert_int_equal(read(go[0], &c, 1), 1);
    char *err = NULL;
    assert_int_equal(pt_store_restore(dest, f->data, &err), PT_EPERM);
    assert_non_null(strstr(err, "in use by a running process"));
    free(err);
    /* backup_from works beside a running server */
    char *dest2 = pt_xasprintf("%s/bk3", f->root);
    assert_int_equal(pt_store_backup_from(f->data, dest2, NULL), PT_OK);
    assert_int_equal(write(done[1], &c, 1), 1);
    int st;
    waitpid(pid, &st, 0);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_int_equal(pt_store_restore(dest2, f->data, NULL), PT_OK); /* server gone */

    /* sources that are not a Portico store */
    char *empty = pt_xasprintf("%s/empty", f->root);
    mkdir(empty, 0700);
    assert_int_equal(pt_store_restore(empty, f->data, &err), PT_EINVAL);
    free(err);
    char *junk = pt_xasprintf("%s/data.mdb", empty);
    FILE *fp = fopen(junk, "w");
    for (int i = 0; i < 3000; i++) fputs("not lmdb ", fp);
    fclose(fp);
    assert_int_equal(pt_store_restore(empty, f->data, &err), PT_EINVAL);
    free(err);
    /* an LMDB env without core.meta */
    char *bare = pt_xasprintf("%s/bare", f->root);
    mkdir(bare, 0700);
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    mdb_env_create(&env);
    mdb_env_set_maxdbs(env, 4);
    assert_int_equal(mdb_env_open(env, bare, 0, 0600), 0);
    mdb_txn_begin(env, NULL, 0, &txn);
    mdb_dbi_open(txn, "other", MDB_CREATE, &dbi);
    mdb_txn_commit(txn);
    mdb_env_close(env);
    assert_int_equal(pt_store_restore(bare, f->data, &err), PT_EINVAL);
    assert_non_null(strstr(err, "not a Portico store"));
    free(err);

    /* the data dir still holds the good store */
    char buf[64];
    assert_int_equal(pt_store_open(f->data, NULL, NULL), PT_OK);
    assert_string_equal(title_of(4, buf), "x");
    free(dest);
    free(dest2);
    free(empty);
    free(junk);
    free(bare);
}

static void backup_from_own_open_store(void **s)
{
    fixture *f = *s;
    put_n(0, 3, "y");
    char *dest = pt_xasprintf("%s/bk4", f->root);
    /* same dir as this process's open store: uses the open env */
    assert_int_equal(pt_store_backup_from(f->data, dest, NULL), PT_OK);
    char *p = pt_xasprintf("%s/data.mdb", dest);
    struct stat sb;
    assert_int_equal(stat(p, &sb), 0);
    free(p);
    free(dest);
    assert_int_equal(pt_store_backup_from("/nonexistent/dir", "/tmp/x", NULL), PT_EINVAL);
}

static void stats(void **s)
{
    (void)s;
    put_n(0, 42, "z");
    json_t *st;
    assert_int_equal(pt_store_stats(&st), PT_OK);
    json_t *dbs = json_object_get(st, "dbs");
    assert_int_equal(json_integer_value(json_object_get(dbs, "bk.items")), 42);
    assert_int_equal(json_integer_value(json_object_get(dbs, "bk.items.by_tag")), 42);
    assert_non_null(json_object_get(dbs, "core.meta"));
    assert_int_equal(json_integer_value(json_object_get(st, "map_size")), 64 << 20);
    assert_true(json_integer_value(json_object_get(st, "file_size")) > 0);
    assert_true(json_integer_value(json_object_get(st, "used_pages")) > 2);
    assert_true(json_integer_value(json_object_get(st, "page_size")) >= 4096);
    json_decref(st);
    assert_int_equal(pt_store_close(), PT_OK);
    assert_int_equal(pt_store_stats(&st), PT_EINVAL);
    assert_null(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(backup_then_restore, setup, close_store),
        cmocka_unit_test_setup_teardown(restore_refuses_running_server_and_junk, setup,
                                        close_store),
        cmocka_unit_test_setup_teardown(backup_from_own_open_store, setup, close_store),
        cmocka_unit_test_setup_teardown(stats, setup, close_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
