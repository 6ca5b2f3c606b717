/*
 * tests/unit/store/test_record.c - records in the store: put/get/add/del,
 * a corrupt record is PT_EDECODE naming database and key, and the typed
 * getters default missing keys and wrong types.
 */
#include "store_test.h"

static int setup(void **state)
{
    pt_store_declare("notes.items", PT_DB_PLAIN, "notes");
    return open_store(state);
}

static void put_get_add_del(void **s)
{
    (void)s;
    pt_db *db = pt_store_db("notes.items");
    assert_non_null(db);
    uint8_t k[8];
    uint64_t id = pt_id_new();
    json_t *rec = json_pack("{s:i, s:s, s:I}", "_v", 1, "title", "first", "id", (json_int_t)id);
    pt_txn *t = wtxn();
    assert_int_equal(pt_record_add(t, db, k64(k, id), 8, rec), PT_OK);
    assert_int_equal(pt_record_add(t, db, k, 8, rec), PT_EEXIST);
    assert_int_equal(pt_txn_commit(t), PT_OK);

    t = rtxn();
    json_t *got;
    assert_int_equal(pt_record_get(t, db, k, 8, &got), PT_OK);
    assert_true(json_equal(rec, got));
    json_decref(got);
    assert_int_equal(pt_record_put(t, db, k, 8, rec), PT_EPERM); /* read txn */
    pt_txn_abort(t);

    t = wtxn();
    json_object_set_new(rec, "title", json_string("second"));
    assert_int_equal(pt_record_put(t, db, k, 8, rec), PT_OK);
    assert_int_equal(pt_record_get(t, db, k, 8, &got), PT_OK); /* visible in its own txn */
    assert_string_equal(pt_rec_str(got, "title", ""), "second");
    json_decref(got);
    pt_txn_abort(t); /* ...and gone after abort */

    t = wtxn();
    assert_int_equal(pt_record_get(t, db, k, 8, &got), PT_OK);
    assert_string_equal(pt_rec_str(got, "title", ""), "first");
    json_decref(got);
    assert_int_equal(pt_record_del(t, db, k, 8), PT_OK);
    assert_int_equal(pt_record_del(t, db, k, 8), PT_ENOTFOUND);
    assert_int_equal(pt_record_get(t, db, k, 8, &got), PT_ENOTFOUND);
    assert_null(got);
    assert_non_null(strstr(pt_store_last_error(), "notes.items/0x"));
    assert_int_equal(pt_txn_commit(t), PT_OK);
    json_decref(rec);
}

static void corrupt_record_names_db_and_key(void **s)
{
    (void)s;
    pt_db *db = pt_store_db("notes.items");
    uint8_t k[8];
    pt_key_u64(k, 0x18c0000000001ULL);
    pt_txn *t = wtxn();
    assert_int_equal(pt_kv_put(t, db, k, 8, "\x93\x01\x02\x03", 4, 0), PT_OK);
    assert_int_equal(pt_kv_put(t, db, "text-key", 8, "\x82\xa2_v", 4, 0), PT_OK);
    json_t *got = (json_t *)1;
    assert_int_equal(pt_record_get(t, db, k, 8, &got), PT_EDECODE);
    assert_null(got);
    assert_string_equal(pt_store_last_error(),
                        "record notes.items/0x00018c0000000001 failed to decode: "
                        "expected map at top level");
    assert_int_equal(pt_record_get(t, db, "text-key", 8, &got), PT_EDECODE);
    assert_non_null(strstr(pt_store_last_error(), "record notes.items/text-key failed to "
                                                  "decode: truncated"));
    pt_txn_abort(t);
}

static void bad_arguments(void **s)
{
    (void)s;
    pt_db *db = pt_store_db("notes.items");
    pt_txn *t = wtxn();
    json_t *rec = json_pack("{s:s}", "title", "no version");
    assert_int_equal(pt_record_put(t, db, "k", 1, rec), PT_EINVAL);
    assert_non_null(strstr(pt_store_last_error(), "notes.items/k not written"));
    json_decref(rec);
    rec = json_pack("{s:i}", "_v", 1);
    assert_int_equal(pt_record_put(t, db, "", 0, rec), PT_EINVAL);
    uint8_t big[PT_KEY_MAX + 1] = {0};
    assert_int_equal(pt_record_put(t, db, big, sizeof big, rec), PT_EINVAL);
    assert_int_equal(pt_record_put(t, NULL, "k", 1, rec), PT_EINVAL);
    json_decref(rec);
    pt_txn_abort(t);
}

static void typed_getters(void **s)
{
    (void)s;
    json_t *o = json_pack("{s:i, s:s, s:I, s:i, s:b, s:n, s:f, s:[]}", "_v", 1, "name", "Ann",
                          "id", (json_int_t)1 << 60, "neg", -5, "ok", 1, "nothing", "real", 1.5,
                          "list");
    /* present, right type */
    assert_string_equal(pt_rec_str(o, "name", "x"), "Ann");
    assert_int_equal(pt_rec_int(o, "neg", 0), -5);
    assert_true(pt_rec_u64(o, "id", 0) == (uint64_t)1 << 60);
    assert_true(pt_rec_bool(o, "ok", false));
    /* missing: default */
    assert_string_equal(pt_rec_str(o, "missing", "dflt"), "dflt");
    assert_null(pt_rec_str(o, "missing", NULL));
    assert_int_equal(pt_rec_int(o, "missing", 42), 42);
    assert_true(pt_rec_u64(o, "missing", 7) == 7);
    assert_false(pt_rec_bool(o, "missing", false));
    assert_true(pt_rec_bool(o, "missing", true));
    /* wrong type: default */
    assert_string_equal(pt_rec_str(o, "id", "d"), "d");
    assert_int_equal(pt_rec_int(o, "name", 9), 9);
    assert_int_equal(pt_rec_int(o, "real", 9), 9);
    assert_true(pt_rec_u64(o, "neg", 3) == 3);
    assert_true(pt_rec_u64(o, "list", 3) == 3);
    assert_true(pt_rec_bool(o, "nothing", true));
    assert_string_equal(pt_rec_str(o, "nothing", "d"), "d");
    /* not an object / NULL */
    json_t *arr = json_array();
    assert_int_equal(pt_rec_int(arr, "x", 1), 1);
    assert_string_equal(pt_rec_str(NULL, "x", "n"), "n");
    /* setter */
    assert_int_equal(pt_rec_set_u64(o, "acct", 77), PT_OK);
    assert_true(pt_rec_u64(o, "acct", 0) == 77);
    assert_int_equal(pt_rec_set_u64(o, "acct", UINT64_MAX), PT_EINVAL);
    assert_int_equal(pt_rec_set_u64(arr, "acct", 1), PT_EINVAL);
    json_decref(arr);
    json_decref(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(put_get_add_del, setup, close_store),
        cmocka_unit_test_setup_teardown(corrupt_record_names_db_and_key, setup, close_store),
        cmocka_unit_test_setup_teardown(bad_arguments, setup, close_store),
        cmocka_unit_test(typed_getters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
