/*
 * tests/unit/mail/test_notify.c - notifications (core/notify.c) on a real
 * LMDB store: posting to a user, to an account (+ permission) through a
 * test audience resolver, the unread counter, newest-first listing,
 * marking read, and kinds a user switched off. Also the portico.notify
 * path of the Lua back end (core/mail/lua_backend.c).
 */
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "mail/mail_internal.h"
#include "mail/mail_worker.h"
#include "portico/i18n.h"
#include "portico/log.h"
#include "portico/lua.h"
#include "portico/notify.h"
#include "portico/store.h"

static char *root;

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(p);
}

/* ---- a fake identity plugin -------------------------------------------------- */
/* Account 7: users 1 (support.view), 2 (support.view, knowledge.view), 3
 * (nothing). User 2 switched "support.case_replied" off. */

static int audience_calls;

static int audience(pt_txn *txn, uint64_t account, const char *permission, uint64_t **users,
                    size_t *n)
{
    (void)txn;
    audience_calls++;
    *users = NULL;
    *n = 0;
    if (account != 7) return PT_OK;
    uint64_t *u = pt_xcalloc(4, sizeof *u);
    size_t k = 0;
    if (!permission) {
        u[k++] = 1, u[k++] = 2, u[k++] = 3, u[k++] = 2; /* a duplicate on purpose */
    } else if (strcmp(permission, "support.view") == 0) {
        u[k++] = 2, u[k++] = 1;
    } else if (strcmp(permission, "knowledge.view") == 0) {
        u[k++] = 2;
    }
    *users = u;
    *n = k;
    return PT_OK;
}

static bool wants(pt_txn *txn, uint64_t user, const char *kind)
{
    (void)txn;
    return !(user == 2 && strcmp(kind, "support.case_replied") == 0);
}

/* ---- fixtures --------------------------------------------------------------------- */

static int setup(void **state)
{
    (void)state;
    pt_log_set_level(PT_LOG_ERROR);
    const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    root = pt_xasprintf("%s/pt_notify_test_XXXXXX", base);
    if (!mkdtemp(root)) return -1;
    pt_notify_declare();
    pt_mail_declare_dbs();
    pt_store_options o = {.map_size = 32u << 20};
    char *err = NULL;
    char *dir = pt_xasprintf("%s/data", root);
    int rc = pt_store_open(dir, &o, &err);
    free(dir);
    if (rc != PT_OK) {
        fprintf(stderr, "store: %s\n", err ? err : "?");
        free(err);
        return -1;
    }
    pt_notify_set_audience(audience, wants);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    pt_notify_set_audience(NULL, NULL);
    pt_store_close();
    nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(root);
    return 0;
}

static pt_txn *wtxn(void)
{
    int rc;
    pt_txn *t = pt_txn_begin(true, &rc);
    assert_non_null(t);
    return t;
}

static size_t unread(uint64_t user)
{
    int rc;
    pt_txn *t = pt_txn_begin(false, &rc);
    assert_non_null(t);
    size_t n = 99;
    assert_int_equal(pt_notify_unread(t, user, &n), PT_OK);
    pt_txn_abort(t);
    return n;
}

static json_t *list(uint64_t user, size_t limit)
{
    int rc;
    pt_txn *t = pt_txn_begin(false, &rc);
    assert_non_null(t);
    json_t *out = NULL;
    assert_int_equal(pt_notify_list(t, user, limit, &out), PT_OK);
    pt_txn_abort(t);
    return out;
}

static void post(const pt_notification *n, int want)
{
    pt_txn *t = wtxn();
    assert_int_equal(pt_notify(t, n), want);
    if (want == PT_OK) assert_int_equal(pt_txn_commit(t), PT_OK);
    else pt_txn_abort(t);
}

/* ---- tests -------------------------------------------------------------------------- */

static void test_user_and_account(void **state)
{
    (void)state;
    /* One user. */
    pt_notification n = {.kind = "support.case_created", .user = 3,
                         .text = "Case #12 was opened\r\nby Ann", .href = "/support/cases/12"};
    post(&n, PT_OK);
    assert_int_equal(unread(3), 1);
    json_t *l = list(3, 10);
    assert_int_equal(json_array_size(l), 1);
    json_t *row = json_array_get(l, 0);
    assert_string_equal(json_string_value(json_object_get(row, "text")),
                        "Case #12 was opened by Ann");
    assert_string_equal(json_string_value(json_object_get(row, "href")), "/support/cases/12");
    assert_string_equal(json_string_value(json_object_get(row, "kind")), "support.case_created");
    assert_false(json_is_true(json_object_get(row, "read")));
    assert_int_equal(strlen(json_string_value(json_object_get(row, "id"))), PT_ID_STRLEN - 1);
    json_decref(l);

    /* An account + permission: holders only, once each. */
    pt_notification a = {.kind = "knowledge.article_published", .account = 7,
                         .permission = "support.view", .text = "New article"};
    post(&a, PT_OK);
    assert_int_equal(unread(1), 1);
    assert_int_equal(unread(2), 1);
    assert_int_equal(unread(3), 1); /* no support.view: unchanged */

    /* Everyone in the account, duplicates from the resolver folded. */
    a.permission = NULL;
    a.text = "Maintenance tonight";
    post(&a, PT_OK);
    assert_int_equal(unread(1), 2);
    assert_int_equal(unread(2), 2);
    assert_int_equal(unread(3), 2);

    /* Another account's users are not touched. */
    a.account = 8;
    post(&a, PT_OK);
    assert_int_equal(unread(1), 2);
}

static void test_wants_false_skipped(void **state)
{
    (void)state;
    pt_notification n = {.kind = "support.case_replied", .account = 7,
                         .permission = "support.view", .text = "Reply on case #3",
                         .href = "/support/cases/3"};
    post(&n, PT_OK);
    assert_int_equal(unread(1), 1);
    assert_int_equal(unread(2), 0); /* switched that kind off */
    json_t *l = list(2, 10);
    assert_int_equal(json_array_size(l), 0);
    json_decref(l);
    n.account = 0;
    n.user = 2; /* a direct one too */
    post(&n, PT_OK);
    assert_int_equal(unread(2), 0);
}

static void test_list_newest_first_and_mark_read(void **state)
{
    (void)state;
    char text[32];
    for (int i = 1; i <= 5; i++) {
        snprintf(text, sizeof text, "note %d", i);
        pt_notification n = {.kind = "test.note", .user = 9, .text = text};
        post(&n, PT_OK);
    }
    pt_notification other = {.kind = "test.note", .user = 10, .text = "not yours"};
    post(&other, PT_OK);
    assert_int_equal(unread(9), 5);

    json_t *l = list(9, 3);
    assert_int_equal(json_array_size(l), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(l, 0), "text")), "note 5");
    assert_string_equal(json_string_value(json_object_get(json_array_get(l, 2), "text")), "note 3");
    uint64_t id4;
    assert_int_equal(pt_id_parse(json_string_value(json_object_get(json_array_get(l, 1), "id")),
                                 &id4),
                     PT_OK);
    json_decref(l);
    l = list(9, 0);
    assert_int_equal(json_array_size(l), 5);
    json_decref(l);

    /* One read: twice is harmless. */
    pt_txn *t = wtxn();
    assert_int_equal(pt_notify_mark_read(t, 9, id4), PT_OK);
    assert_int_equal(pt_notify_mark_read(t, 9, id4), PT_OK);
    assert_int_equal(pt_notify_mark_read(t, 10, id4), PT_ENOTFOUND); /* not user 10's */
    assert_int_equal(pt_txn_commit(t), PT_OK);
    assert_int_equal(unread(9), 4);
    l = list(9, 5);
    assert_true(json_is_true(json_object_get(json_array_get(l, 1), "read")));
    assert_false(json_is_true(json_object_get(json_array_get(l, 0), "read")));
    json_decref(l);

    /* All read. */
    t = wtxn();
    assert_int_equal(pt_notify_mark_read(t, 9, 0), PT_OK);
    assert_int_equal(pt_txn_commit(t), PT_OK);
    assert_int_equal(unread(9), 0);
    l = list(9, 10);
    for (size_t i = 0; i < json_array_size(l); i++)
        assert_true(json_is_true(json_object_get(json_array_get(l, i), "read")));
    json_decref(l);
    assert_int_equal(unread(10), 1);

    /* Rolled back: nothing. */
    t = wtxn();
    pt_notification n = {.kind = "test.note", .user = 9, .text = "ghost"};
    assert_int_equal(pt_notify(t, &n), PT_OK);
    pt_txn_abort(t);
    assert_int_equal(unread(9), 0);
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static const char *text_of(json_t *l, size_t i)
{
    return json_string_value(json_object_get(json_array_get(l, i), "text"));
}

/* A catalog message is stored once and shown in each reader's language. */
static void test_catalog_message_in_the_readers_language(void **state)
{
    (void)state;
    char dir[512];
    snprintf(dir, sizeof dir, "%s/locales", root);
    assert_int_equal(mkdir(dir, 0700), 0);
    write_file(dir, "en.json", "{\"test\": {\"msg\": \"{who} has {n} new {what}\"}}");
    write_file(dir, "de.json", "{\"test\": {\"msg\": \"{who} hat {n} neue {what}\"}}");
    assert_int_equal(pt_i18n_add_dir(dir, "test"), 0);
    char *err = NULL;
    json_t *set = pt_i18n_build(NULL, 0, &err);
    assert_non_null(set);
    pt_i18n_install(set);

    json_t *args = json_pack("{s:s, s:i}", "who", "Ada <b>", "n", 3);
    pt_txn *t = wtxn();
    pt_notification n = {.kind = "test.note", .user = 11};
    assert_int_equal(pt_notify_msg(t, &n, "test.msg", args), PT_OK);
    json_t *bad = json_array();
    assert_int_equal(pt_notify_msg(t, &n, "test.msg", bad), PT_EINVAL);   /* args: an object */
    assert_int_equal(pt_notify_msg(t, &n, NULL, args), PT_EINVAL);
    json_decref(bad);
    assert_int_equal(pt_txn_commit(t), PT_OK);
    json_decref(args);

    pt_txn *r = pt_txn_begin(false, NULL);
    json_t *l = NULL;
    assert_int_equal(pt_notify_list_lang(r, 11, "de", 10, &l), PT_OK);
    assert_string_equal(text_of(l, 0), "Ada <b> hat 3 neue {what}");   /* unknown stays */
    json_decref(l);
    assert_int_equal(pt_notify_list_lang(r, 11, "xx", 10, &l), PT_OK);   /* unknown: English */
    assert_string_equal(text_of(l, 0), "Ada <b> has 3 new {what}");
    json_decref(l);
    assert_int_equal(pt_notify_list(r, 11, 10, &l), PT_OK);   /* stored default text */
    assert_string_equal(text_of(l, 0), "Ada <b> has 3 new {what}");
    json_decref(l);
    pt_txn_abort(r);
    assert_int_equal(unread(11), 1);

    char *s = pt_t_fill("de", "test.missing", NULL);   /* no string: the key */
    assert_string_equal(s, "test.missing");
    free(s);
    pt_i18n_remove_owner("test");
    pt_i18n_install(NULL);
}

static void test_refused(void **state)
{
    (void)state;
    pt_notification n = {.kind = "x.y", .user = 1, .text = "hi", .href = "https://evil.example/"};
    post(&n, PT_EINVAL);
    n.href = "//evil.example/";
    post(&n, PT_EINVAL);
    n.href = "javascript:alert(1)";
    post(&n, PT_EINVAL);
    n.href = "/ok";
    n.text = " \r\n ";
    post(&n, PT_EINVAL);
    n.text = "hi";
    n.kind = NULL;
    post(&n, PT_EINVAL);
    n.kind = "x.y";
    n.user = 0;
    post(&n, PT_EINVAL); /* nobody */
    assert_int_equal(unread(1), 0);

    /* Without a resolver only direct notifications work. */
    pt_notify_set_audience(NULL, NULL);
    n.account = 7;
    post(&n, PT_EINVAL);
    n.account = 0;
    n.user = 1;
    post(&n, PT_OK);
    assert_int_equal(unread(1), 1);
}

static void test_lua_notify(void **state)
{
    (void)state;
    pt_lua_outbox_ops ops;
    pt_mail_lua_ops(&ops);
    char ids[PT_ID_STRLEN];
    pt_id_to_str(7, ids);
    json_t *msg = json_pack("{s:s, s:s, s:s, s:s, s:s}", "account", ids, "permission",
                            "knowledge.view", "kind", "status.alert", "text", "Status changed",
                            "script", "status");
    assert_int_equal(ops.notify(ops.ud, "status", msg), PT_OK);
    json_decref(msg);
    assert_int_equal(unread(2), 1);
    assert_int_equal(unread(1), 0);
    msg = json_pack("{s:i, s:s, s:s, s:s}", "user", 5, "kind", "status.alert", "text", "Hi five",
                    "href", "/status");
    assert_int_equal(ops.notify(ops.ud, "status", msg), PT_OK);
    json_decref(msg);
    assert_int_equal(unread(5), 1);
    msg = json_pack("{s:s, s:s, s:s}", "user", "not-an-id", "kind", "k.k", "text", "x");
    assert_int_equal(ops.notify(ops.ud, "status", msg), PT_EINVAL);
    json_decref(msg);
    /* a catalog message: no catalog loaded here, so the key with its
     * placeholders filled is the stored text */
    msg = json_pack("{s:i, s:s, s:s, s:{s:s}}", "user", 6, "kind", "status.alert", "key",
                    "{who} waves", "args", "who", "Ada");
    assert_int_equal(ops.notify(ops.ud, "status", msg), PT_OK);
    json_decref(msg);
    json_t *l = list(6, 1);
    assert_string_equal(text_of(l, 0), "Ada waves");
    json_decref(l);
    msg = json_pack("{s:i, s:s, s:s, s:[s]}", "user", 6, "kind", "status.alert", "key", "x.y",
                    "args", "not an object");
    assert_int_equal(ops.notify(ops.ud, "status", msg), PT_EINVAL);
    json_decref(msg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_user_and_account, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wants_false_skipped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_newest_first_and_mark_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_catalog_message_in_the_readers_language, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lua_notify, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
