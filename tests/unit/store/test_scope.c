/*
 * tests/unit/store/test_scope.c - account scoping: another account's record
 * answers exactly like a missing one; scoped writes cannot take over or
 * delete another account's record; account 0 is refused (staff access is
 * the separate unscoped API).
 */
#include "store_test.h"

enum { ALICE = 11, BOB = 22 };

static int setup(void **state)
{
    pt_store_declare("support.cases", PT_DB_PLAIN, "support");
    return open_store(state);
}

static void put_case(uint64_t account, uint64_t id, const char *subject)
{
    uint8_t k[8];
    pt_txn *t = wtxn();
    json_t *r = json_pack("{s:i, s:s}", "_v", 1, "subject", subject);
    assert_int_equal(pt_record_put_scoped(t, pt_store_db("support.cases"), k64(k, id), 8,
                                          account, r),
                     PT_OK);
    assert_true(pt_rec_u64(r, "account", 0) == account); /* stamped */
    json_decref(r);
    assert_int_equal(pt_txn_commit(t), PT_OK);
}

static void other_account_is_not_found(void **s)
{
    (void)s;
    pt_db *db = pt_store_db("support.cases");
    put_case(ALICE, 100, "alice's");
    uint8_t k[8], missing[8];
    pt_txn *t = rtxn();
    json_t *r;
    assert_int_equal(pt_record_get_scoped(t, db, k64(k, 100), 8, ALICE, &r), PT_OK);
    assert_string_equal(pt_rec_str(r, "subject", ""), "alice's");
    json_decref(r);

    r = (json_t *)1;
    assert_int_equal(pt_record_get_scoped(t, db, k, 8, BOB, &r), PT_ENOTFOUND);
    assert_null(r);
    char *msg_other = pt_xstrdup(pt_store_last_error());
    /* the same words as a missing key, apart from the key itself */
    assert_int_equal(pt_record_get_scoped(t, db, k64(missing, 100), 8, ALICE, &r), PT_OK);
    json_decref(r);
    pt_key_u64(missing, 101);
    assert_int_equal(pt_record_get_scoped(t, db, missing, 8, BOB, &r), PT_ENOTFOUND);
    char *msg_missing = pt_xstrdup(pt_store_last_error());
    assert_string_equal(msg_other, "get support.cases/0x0000000000000064: not found");
    assert_string_equal(msg_missing, "get support.cases/0x0000000000000065: not found");
    free(msg_other);
    free(msg_missing);

    /* staff: the unscoped API sees it */
    assert_int_equal(pt_record_get(t, db, k, 8, &r), PT_OK);
    assert_true(pt_rec_u64(r, "account", 0) == ALICE);
    json_decref(r);
    /* account 0 is not a magic "everyone" */
    assert_int_equal(pt_record_get_scoped(t, db, k, 8, 0, &r), PT_EINVAL);
    pt_txn_abort(t);
}

static void cannot_overwrite_or_delete_other_accounts(void **s)
{
    (void)s;
    pt_db *db = pt_store_db("support.cases");
    put_case(ALICE, 200, "original");
    uint8_t k[8];
    pt_txn *t = wtxn();
    json_t *r = json_pack("{s:i, s:s}", "_v", 1, "subject", "hijacked");
    assert_int_equal(pt_record_put_scoped(t, db, k64(k, 200), 8, BOB, r), PT_EPERM);
    /* a record claiming another account is refused as well */
    json_t *claim = json_pack("{s:i, s:s, s:i}", "_v", 1, "subject", "x", "account", ALICE);
    assert_int_equal(pt_record_put_scoped(t, db, k64(k, 201), 8, BOB, claim), PT_EPERM);
    assert_int_equal(pt_record_del_scoped(t, db, k64(k, 200), 8, BOB), PT_ENOTFOUND);
    assert_int_equal(pt_record_put_scoped(t, db, k, 8, 0, r), PT_EINVAL);
    assert_int_equal(pt_record_del_scoped(t, db, k, 8, 0), PT_EINVAL);
    /* the owner may update and delete */
    assert_int_equal(pt_record_put_scoped(t, db, k, 8, ALICE, r), PT_OK);
    assert_int_equal(pt_txn_commit(t), PT_OK);

    t = wtxn();
    json_t *got;
    assert_int_equal(pt_record_get_scoped(t, db, k, 8, ALICE, &got), PT_OK);
    assert_string_equal(pt_rec_str(got, "subject", ""), "hijacked"); /* alice's own update */
    json_decref(got);
    assert_int_equal(pt_record_get(t, db, k64(k, 201), 8, &got), PT_ENOTFOUND);
    assert_int_equal(pt_record_del_scoped(t, db, k64(k, 200), 8, ALICE), PT_OK);
    assert_int_equal(pt_record_del_scoped(t, db, k, 8, ALICE), PT_ENOTFOUND);
    assert_int_equal(pt_txn_commit(t), PT_OK);
    json_decref(r);
    json_decref(claim);
}

static void unowned_and_corrupt_records(void **s)
{
    (void)s;
    pt_db *db = pt_store_db("support.cases");
    uint8_t k[8];
    pt_txn *t = wtxn();
    /* a record without "account" (written unscoped) belongs to nobody */
    json_t *r = json_pack("{s:i}", "_v", 1);
    assert_int_equal(pt_record_put(t, db, k64(k, 300), 8, r), PT_OK);
    json_t *got;
    assert_int_equal(pt_record_get_scoped(t, db, k, 8, ALICE, &got), PT_ENOTFOUND);
    assert_int_equal(pt_record_put_scoped(t, db, k, 8, ALICE, r), PT_EPERM);
    /* an undecodable record is never overwritten blind */
    assert_int_equal(pt_kv_put(t, db, k64(k, 301), 8, "\xc1", 1, 0), PT_OK);
    assert_int_equal(pt_record_put_scoped(t, db, k, 8, ALICE, r), PT_EDECODE);
    assert_int_equal(pt_record_get_scoped(t, db, k, 8, ALICE, &got), PT_EDECODE);
    pt_txn_abort(t);
    json_decref(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(other_account_is_not_found, setup, close_store),
        cmocka_unit_test_setup_teardown(cannot_overwrite_or_delete_other_accounts, setup,
                                        close_store),
        cmocka_unit_test_setup_teardown(unowned_and_corrupt_records, setup, close_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
