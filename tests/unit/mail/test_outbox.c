/*
 * tests/unit/mail/test_outbox.c - the mail outbox (core/mail/outbox.c,
 * message.c, address.c, lua_backend.c) against a real LMDB store in a
 * temporary folder and real templates: a temporary "default" theme holding
 * the shipped themes/default/mail/layout.html.mustache, plus a folder
 * registered for "team" with pt_template_add_dir.
 *
 * What a user (or an operator) would see: a rolled-back change sends no
 * mail, a committed one is queued with its rendered parts; bad addresses
 * are refused; two claims never hand out the same message and a dead
 * worker's claim comes back after the lease; the retry schedule and the
 * dead state; the message on the wire (RFC 2047 subject, MIME parts).
 *
 * Run from the repository root (it reads themes/default/mail/...).
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
#include "portico/log.h"
#include "portico/lua.h"
#include "portico/mail.h"
#include "portico/store.h"
#include "portico/template.h"
#include "settings.h"

/* ---- fixtures ------------------------------------------------------------ */

static char *root; /* temp dir for the whole run */
static int store_n;

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(p);
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char *p = pt_xasprintf("%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    free(p);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    pt_buf b = PT_BUF_INIT;
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) pt_buf_append(&b, tmp, n);
    fclose(f);
    return pt_buf_steal(&b);
}

static pt_mail_conf test_conf(void)
{
    pt_mail_conf c;
    memset(&c, 0, sizeof c);
    c.smtp_url = "smtp://127.0.0.1:1";
    c.starttls = "off";
    c.from = "Acme Support <support@acme.example>";
    c.max_attempts = 6;
    c.keep_sent_days = 7;
    c.batch = 10;
    c.site_name = "Acme Portal";
    c.public_url = "https://portal.acme.example:8443/";
    c.default_lang = "en";
    return c;
}

static int group_setup(void **state)
{
    (void)state;
    pt_log_set_level(PT_LOG_ERROR);
    const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    root = pt_xasprintf("%s/pt_mail_test_XXXXXX", base);
    if (!mkdtemp(root)) return -1;

    /* A minimal default theme carrying the real mail layout. */
    char *d = pt_xasprintf("%s/themes/default/mail", root);
    char *t = pt_xasprintf("%s/themes", root);
    mkdir(t, 0700);
    char *td = pt_xasprintf("%s/themes/default", root);
    mkdir(td, 0700);
    mkdir(d, 0700);
    write_file(td, "theme.json", "{\"name\": \"default\", \"parent\": null, \"css_variables\": {}}");
    char *layout = slurp("themes/default/mail/layout.html.mustache");
    write_file(d, "layout.html.mustache", layout);
    free(layout);

    char *tpl = pt_xasprintf("%s/team", root);
    mkdir(tpl, 0700);
    write_file(tpl, "invitation.subject.mustache",
               "{{inviter}} invited you to {{site.name}}\n  (second line)\n");
    write_file(tpl, "invitation.txt.mustache",
               "Hello {{name}},\n\n{{inviter}} invited you. Accept: {{site.public_url}}accept/{{token}}\n"
               ". a line starting with a dot\n");
    write_file(tpl, "invitation.html.mustache",
               "<p>Hello {{name}},</p><p><a href=\"{{site.public_url}}accept/{{token}}\">Accept</a></p>");
    write_file(tpl, "plain.subject.mustache", "Grüße, {{name}}");
    write_file(tpl, "plain.txt.mustache", "Only text for {{name}}.\n");
    write_file(tpl, "nosubject.txt.mustache", "no subject file\n");

    if (pt_template_add_dir("team", tpl, "test") != PT_OK) return -1;
    char *err = NULL;
    if (pt_theme_load(t, "default", &err) != PT_OK) {
        fprintf(stderr, "theme: %s\n", err ? err : "?");
        free(err);
        return -1;
    }
    free(d);
    free(t);
    free(td);
    free(tpl);

    pt_mail_declare_dbs();
    pt_mail_conf c = test_conf();
    pt_mail_conf_override(&c);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    pt_theme_unload();
    pt_template_remove_owner("test");
    pt_mail_conf_override(NULL);
    nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(root);
    return 0;
}

static int open_store(void **state)
{
    (void)state;
    char *dir = pt_xasprintf("%s/store%d", root, store_n++);
    pt_store_options o = {.map_size = 32u << 20};
    char *err = NULL;
    int rc = pt_store_open(dir, &o, &err);
    free(dir);
    if (rc != PT_OK) {
        fprintf(stderr, "store: %s\n", err ? err : "?");
        free(err);
        return -1;
    }
    return 0;
}

static int close_store(void **state)
{
    (void)state;
    pt_store_close();
    return 0;
}

static pt_txn *wtxn(void)
{
    int rc;
    pt_txn *t = pt_txn_begin(true, &rc);
    assert_non_null(t);
    return t;
}

static size_t count(const char *status)
{
    json_t *list = NULL;
    assert_int_equal(pt_mail_outbox_list(status, 1000, &list), PT_OK);
    size_t n = json_array_size(list);
    json_decref(list);
    return n;
}

/* Enqueue the invitation for to in its own committed transaction. */
static uint64_t enqueue_one(const char *to)
{
    json_t *data = json_pack("{s:s, s:s, s:s}", "name", "Tom & Jerry", "inviter", "Ann <Admin>",
                             "token", "t0k3n");
    pt_mail m = {.to = to, .template = "team/invitation", .data = data, .kind = "invitation"};
    pt_txn *t = wtxn();
    const char *why = NULL;
    assert_int_equal(pt_mail_enqueue(t, &m, &why), PT_OK);
    assert_int_equal(pt_txn_commit(t), PT_OK);
    json_decref(data);
    json_t *list = NULL;
    assert_int_equal(pt_mail_outbox_list(NULL, 1, &list), PT_OK);
    uint64_t id = 0;
    assert_int_equal(pt_id_parse(json_string_value(json_object_get(json_array_get(list, 0), "id")),
                                 &id),
                     PT_OK);
    json_decref(list);
    return id;
}

/* ---- addresses ------------------------------------------------------------- */

static void test_address_ok(void **state)
{
    (void)state;
    assert_true(pt_mail_address_ok("ann@example.com"));
    assert_true(pt_mail_address_ok("first.last+tag@sub.example.co.uk"));
    assert_true(pt_mail_address_ok("a@b.c"));
    assert_false(pt_mail_address_ok("a@b.c\r\nBcc: x@y.z"));
    assert_false(pt_mail_address_ok("a@b.c\nBcc: x@y.z"));
    assert_false(pt_mail_address_ok("a@b.c\r"));
    assert_false(pt_mail_address_ok("Ann <a@b.c>"));
    assert_false(pt_mail_address_ok("a b@c.d"));
    assert_false(pt_mail_address_ok("ab.cd"));
    assert_false(pt_mail_address_ok("a@@b.cd"));
    assert_false(pt_mail_address_ok("a@b@c.d"));
    assert_false(pt_mail_address_ok("a@localhost"));
    assert_false(pt_mail_address_ok("a@.b.c"));
    assert_false(pt_mail_address_ok("a@b.c."));
    assert_false(pt_mail_address_ok("@b.c"));
    assert_false(pt_mail_address_ok("a,b@c.d"));
    assert_false(pt_mail_address_ok("jürgen@example.com"));
    assert_true(pt_mail_address_ok("ann@xn--mnchen-3ya.de"));
    assert_false(pt_mail_address_ok(""));
    assert_false(pt_mail_address_ok(NULL));
    char big[300];
    memset(big, 'a', sizeof big);
    memcpy(big + 250, "@b.co", 6); /* 255 bytes */
    assert_false(pt_mail_address_ok(big));
    memcpy(big + 60, "@example.com", 13); /* 72 bytes */
    assert_true(pt_mail_address_ok(big));

    char *name = NULL, *addr = NULL;
    assert_int_equal(pt_mail_parse_from("\"Acme, Inc.\" <help@acme.example>", &name, &addr), PT_OK);
    assert_string_equal(name, "Acme, Inc.");
    assert_string_equal(addr, "help@acme.example");
    free(name);
    free(addr);
    assert_int_equal(pt_mail_parse_from("help@acme.example", &name, &addr), PT_OK);
    assert_string_equal(name, "");
    free(name);
    free(addr);
    assert_int_equal(pt_mail_parse_from("X <a@b.c>\r\nBcc: y@z.q", &name, &addr), PT_EINVAL);
    char *h = pt_mail_url_host("https://user:pw@portal.example.com:8443/x");
    assert_string_equal(h, "portal.example.com");
    free(h);
    h = pt_mail_url_host("");
    assert_string_equal(h, "localhost");
    free(h);
}

/* ---- enqueue ----------------------------------------------------------------- */

static void test_enqueue_rolled_back(void **state)
{
    (void)state;
    json_t *data = json_pack("{s:s}", "name", "Ann");
    pt_mail m = {.to = "ann@example.com", .template = "team/plain", .data = data};
    pt_txn *t = wtxn();
    assert_int_equal(pt_mail_enqueue(t, &m, NULL), PT_OK);
    pt_txn_abort(t);
    json_decref(data);
    assert_int_equal(count(NULL), 0);
    pt_mail_job *jobs;
    size_t n;
    pt_mail_conf c;
    pt_mail_conf_load(&c);
    assert_int_equal(pt_mail_claim(pt_wall_ms() + 1000, 10, 60000, &c, &jobs, &n), PT_OK);
    assert_int_equal(n, 0);
    pt_mail_conf_free(&c);
}

static void test_enqueue_committed(void **state)
{
    (void)state;
    uint64_t id = enqueue_one("ann@example.com");
    json_t *list = NULL;
    assert_int_equal(pt_mail_outbox_list("queued", 10, &list), PT_OK);
    assert_int_equal(json_array_size(list), 1);
    json_t *row = json_array_get(list, 0);
    assert_string_equal(json_string_value(json_object_get(row, "to")), "ann@example.com");
    assert_int_equal(json_integer_value(json_object_get(row, "attempts")), 0);
    assert_string_equal(json_string_value(json_object_get(row, "kind")), "invitation");
    assert_true(json_is_null(json_object_get(row, "error")));
    json_decref(list);

    json_t *rec = NULL;
    assert_int_equal(pt_mail_get(id, &rec), PT_OK);
    /* Subject: one line, entities decoded (plain text), globals filled. */
    assert_string_equal(pt_rec_str(rec, "subject", ""),
                        "Ann <Admin> invited you to Acme Portal (second line)");
    const char *text = pt_rec_str(rec, "text", "");
    assert_non_null(strstr(text, "Hello Tom & Jerry,"));
    assert_non_null(strstr(text, "https://portal.acme.example:8443/accept/t0k3n"));
    /* The html part stays escaped and is wrapped in the layout. */
    const char *html = pt_rec_str(rec, "html", "");
    assert_non_null(strstr(html, "<p>Hello Tom &amp; Jerry,</p>"));
    assert_non_null(strstr(html, "<!DOCTYPE html>"));
    assert_non_null(strstr(html, "Acme Portal"));
    assert_string_equal(pt_rec_str(rec, "status", ""), "queued");
    assert_true(pt_rec_u64(rec, "due", 0) <= pt_wall_ms());
    assert_non_null(strstr(pt_rec_str(rec, "msgid", ""), "@portal.acme.example>"));
    json_decref(rec);
}

static void test_enqueue_refused(void **state)
{
    (void)state;
    pt_mail m = {.to = "a@b.c\r\nBcc: x@y.z", .template = "team/plain"};
    pt_txn *t = wtxn();
    const char *why = NULL;
    assert_int_equal(pt_mail_enqueue(t, &m, &why), PT_EINVAL);
    assert_non_null(why);
    m.to = "ann@example.com";
    m.reply_to = "x@y.z\nBcc: q@r.s";
    assert_int_equal(pt_mail_enqueue(t, &m, &why), PT_EINVAL);
    m.reply_to = NULL;
    m.template = "team/nope";
    assert_int_equal(pt_mail_enqueue(t, &m, &why), PT_ENOTFOUND);
    m.template = "team/nosubject"; /* .txt alone is not enough */
    assert_int_equal(pt_mail_enqueue(t, &m, &why), PT_ENOTFOUND);
    m.template = "../etc/passwd";
    assert_int_equal(pt_mail_enqueue(t, &m, &why), PT_EINVAL);
    assert_int_equal(pt_txn_commit(t), PT_OK);
    assert_int_equal(count(NULL), 0);

    int rc;
    pt_txn *r = pt_txn_begin(false, &rc);
    m.template = "team/plain";
    assert_int_equal(pt_mail_enqueue(r, &m, &why), PT_EPERM);
    pt_txn_abort(r);
}

/* ---- claims and leases ----------------------------------------------------------- */

static void test_claim_lease(void **state)
{
    (void)state;
    enqueue_one("a1@example.com");
    enqueue_one("a2@example.com");
    enqueue_one("a3@example.com");
    pt_mail_conf c;
    pt_mail_conf_load(&c);
    uint64_t now = pt_wall_ms() + 10;
    pt_mail_job *j1, *j2, *j3, *j4;
    size_t n1, n2, n3, n4;
    assert_int_equal(pt_mail_claim(now, 2, 60000, &c, &j1, &n1), PT_OK);
    assert_int_equal(n1, 2);
    assert_int_equal(pt_mail_claim(now, 10, 60000, &c, &j2, &n2), PT_OK);
    assert_int_equal(n2, 1); /* only the one nobody holds */
    for (size_t i = 0; i < n1; i++) assert_true(j1[i].id != j2[0].id);
    assert_int_equal(pt_mail_claim(now + 59999, 10, 60000, &c, &j3, &n3), PT_OK);
    assert_int_equal(n3, 0); /* leases still running */
    assert_int_equal(count("sending"), 3);

    /* The worker holding j1 "dies": after the lease another claims them. */
    assert_int_equal(pt_mail_claim(now + 60000, 10, 60000, &c, &j4, &n4), PT_OK);
    assert_int_equal(n4, 3);
    json_t *rec = NULL;
    assert_int_equal(pt_mail_get(j1[0].id, &rec), PT_OK);
    assert_int_equal(pt_rec_int(rec, "attempts", 0), 2);
    json_decref(rec);

    /* The late result of the dead claim is ignored; the new one counts. */
    j1[0].rc = PT_OK;
    assert_int_equal(pt_mail_mark(j1, 1, now + 60001, &c), PT_OK);
    assert_int_equal(pt_mail_get(j1[0].id, &rec), PT_OK);
    assert_string_equal(pt_rec_str(rec, "status", ""), "sending");
    json_decref(rec);
    for (size_t i = 0; i < n4; i++) j4[i].rc = PT_OK;
    assert_int_equal(pt_mail_mark(j4, n4, now + 60002, &c), PT_OK);
    assert_int_equal(count("sent"), 3);

    /* The message the sender got is the real thing. */
    assert_non_null(strstr(j4[0].msg, "\r\nMIME-Version: 1.0\r\n"));
    assert_non_null(strstr(j4[0].msg, "From: Acme Support <support@acme.example>\r\n"));

    pt_mail_jobs_free(j1, n1);
    pt_mail_jobs_free(j2, n2);
    pt_mail_jobs_free(j3, n3);
    pt_mail_jobs_free(j4, n4);
    pt_mail_conf_free(&c);
}

static void test_backoff_and_dead(void **state)
{
    (void)state;
    assert_int_equal(pt_mail_backoff_ms(1), 30000);
    assert_int_equal(pt_mail_backoff_ms(2), 120000);
    assert_int_equal(pt_mail_backoff_ms(3), 600000);
    assert_int_equal(pt_mail_backoff_ms(4), 3600000);
    assert_int_equal(pt_mail_backoff_ms(5), 21600000);
    assert_int_equal(pt_mail_backoff_ms(9), 21600000);

    uint64_t id = enqueue_one("bounce@example.com");
    pt_mail_conf c;
    pt_mail_conf_load(&c);
    uint64_t t = pt_wall_ms() + 10;
    for (int attempt = 1; attempt <= 6; attempt++) {
        pt_mail_job *j;
        size_t n;
        assert_int_equal(pt_mail_claim(t, 10, 60000, &c, &j, &n), PT_OK);
        assert_int_equal(n, 1);
        assert_int_equal(j[0].id, id);
        j[0].rc = PT_EAGAIN;
        j[0].error = pt_xasprintf("451 4.3.0 try later #%d", attempt);
        assert_int_equal(pt_mail_mark(j, n, t, &c), PT_OK);
        pt_mail_jobs_free(j, n);
        json_t *rec = NULL;
        assert_int_equal(pt_mail_get(id, &rec), PT_OK);
        assert_int_equal(pt_rec_int(rec, "attempts", 0), attempt);
        if (attempt < 6) {
            assert_string_equal(pt_rec_str(rec, "status", ""), "failed");
            assert_int_equal(pt_rec_u64(rec, "due", 0), t + pt_mail_backoff_ms(attempt));
            /* not before its time */
            assert_int_equal(pt_mail_claim(t + pt_mail_backoff_ms(attempt) - 1, 10, 60000, &c, &j,
                                           &n),
                             PT_OK);
            assert_int_equal(n, 0);
            t += pt_mail_backoff_ms(attempt);
        } else {
            assert_string_equal(pt_rec_str(rec, "status", ""), "dead");
        }
        json_decref(rec);
    }
    json_t *list = NULL;
    assert_int_equal(pt_mail_outbox_list("dead", 10, &list), PT_OK);
    assert_int_equal(json_array_size(list), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "error")),
                        "451 4.3.0 try later #6");
    json_decref(list);
    pt_mail_job *j;
    size_t n;
    assert_int_equal(pt_mail_claim(t + 365ull * 86400000, 10, 60000, &c, &j, &n), PT_OK);
    assert_int_equal(n, 0); /* dead stays dead */

    /* An admin retries: queued again, full schedule. */
    assert_int_equal(pt_mail_retry(id), PT_OK);
    assert_int_equal(count("queued"), 1);
    assert_int_equal(pt_mail_claim(pt_wall_ms() + 10, 10, 60000, &c, &j, &n), PT_OK);
    assert_int_equal(n, 1);
    assert_int_equal(pt_mail_retry(id), PT_EINVAL); /* being sent */
    assert_int_equal(pt_mail_retry(12345), PT_ENOTFOUND);
    pt_mail_jobs_free(j, n);
    pt_mail_conf_free(&c);
    assert_int_equal(pt_mail_outbox_list("bogus", 10, &list), PT_EINVAL);
}

static void test_permanent_released_sent_purged(void **state)
{
    (void)state;
    uint64_t a = enqueue_one("perm@example.com");
    uint64_t b = enqueue_one("released@example.com");
    uint64_t s = enqueue_one("sent@example.com");
    pt_mail_conf c;
    pt_mail_conf_load(&c);
    uint64_t t = pt_wall_ms() + 10;
    pt_mail_job *j;
    size_t n;
    assert_int_equal(pt_mail_claim(t, 10, 60000, &c, &j, &n), PT_OK);
    assert_int_equal(n, 3);
    for (size_t i = 0; i < n; i++) {
        if (j[i].id == a) {
            j[i].rc = PT_EINVAL;
            j[i].error = pt_xstrdup("550 5.1.1 no such user");
        } else if (j[i].id == b) {
            j[i].rc = PT_ENOTFOUND;
        } else {
            j[i].rc = PT_OK;
        }
    }
    assert_int_equal(pt_mail_mark(j, n, t, &c), PT_OK);
    pt_mail_jobs_free(j, n);
    json_t *rec;
    assert_int_equal(pt_mail_get(a, &rec), PT_OK);
    assert_string_equal(pt_rec_str(rec, "status", ""), "dead");
    assert_int_equal(pt_rec_int(rec, "attempts", 0), 1);
    json_decref(rec);
    assert_int_equal(pt_mail_get(b, &rec), PT_OK);
    assert_string_equal(pt_rec_str(rec, "status", ""), "queued");
    assert_int_equal(pt_rec_int(rec, "attempts", -1), 0);
    json_decref(rec);
    assert_int_equal(pt_mail_get(s, &rec), PT_OK);
    assert_string_equal(pt_rec_str(rec, "status", ""), "sent");
    assert_int_equal(pt_rec_u64(rec, "sent_at", 0), t);
    json_decref(rec);

    /* The released one is claimable again at once; the sent one is kept
     * for keep_sent_days, then purged by a later claim. */
    assert_int_equal(pt_mail_claim(t + 1, 10, 60000, &c, &j, &n), PT_OK);
    assert_int_equal(n, 1);
    assert_int_equal(j[0].id, b);
    pt_mail_jobs_free(j, n);
    assert_int_equal(pt_mail_claim(t + 7 * 86400000ull - 1, 0, 60000, &c, &j, &n), PT_OK);
    assert_int_equal(pt_mail_get(s, &rec), PT_OK);
    json_decref(rec);
    assert_int_equal(pt_mail_claim(t + 7 * 86400000ull, 0, 60000, &c, &j, &n), PT_OK);
    assert_int_equal(pt_mail_get(s, &rec), PT_ENOTFOUND);
    pt_mail_conf_free(&c);
}

/* ---- the message ---------------------------------------------------------------- */

/* Decode a header value: unfold, decode =?UTF-8?B?...?= words. */
static char *decode_header(const char *v)
{
    pt_buf out = PT_BUF_INIT;
    const char *p = v;
    bool prev_word = false;
    while (*p) {
        if (p[0] == '\r' && p[1] == '\n') {
            p += 2;
            continue;
        }
        if (strncmp(p, "=?UTF-8?B?", 10) == 0) {
            const char *e = strstr(p + 10, "?=");
            assert_non_null(e);
            /* base64 decode */
            unsigned v24 = 0;
            int bits = 0;
            for (const char *q = p + 10; q < e; q++) {
                const char *al = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
                if (*q == '=') break;
                const char *f = strchr(al, *q);
                assert_non_null(f);
                v24 = (v24 << 6) | (unsigned)(f - al);
                bits += 6;
                if (bits >= 8) {
                    bits -= 8;
                    pt_buf_putc(&out, (char)((v24 >> bits) & 0xff));
                }
            }
            p = e + 2;
            prev_word = true;
            continue;
        }
        if (*p == ' ' && prev_word && strncmp(p + 1, "=?", 2) == 0) { /* between words */
            p++;
            continue;
        }
        prev_word = false;
        pt_buf_putc(&out, *p++);
    }
    return out.data ? pt_buf_steal(&out) : pt_xstrdup("");
}

static void test_rfc2047_subject(void **state)
{
    (void)state;
    pt_buf b = PT_BUF_INIT;
    pt_mail_header_encode(&b, "Hello world", 9);
    assert_string_equal(b.data, "Hello world");
    pt_buf_reset(&b);
    pt_mail_header_encode(&b, "Grüße aus Köln", 9);
    assert_string_equal(b.data, "=?UTF-8?B?R3LDvMOfZSBhdXMgS8O2bG4=?=");
    pt_buf_reset(&b);
    pt_mail_header_encode(&b, "looks =?like?= a word", 9); /* must not be taken as one */
    assert_non_null(strstr(b.data, "=?UTF-8?B?"));
    pt_buf_reset(&b);
    pt_mail_header_encode(&b, "no\r\nBcc: x@y.z", 9);
    assert_null(strchr(b.data, '\n'));
    assert_string_equal(b.data, "noBcc: x@y.z");

    /* Long non-ASCII: folded, every line <= 76, round-trips, and no UTF-8
     * sequence split between words (each word decodes to valid UTF-8). */
    const char *long_s = "Überprüfung Ihrer Bestellung – wir haben Ihre Anfrage erhalten und "
                         "bearbeiten sie so schnell wie möglich 😀 ✓";
    pt_buf_reset(&b);
    pt_mail_header_encode(&b, long_s, 9);
    size_t col = 9;
    for (const char *p = b.data; *p; p++) {
        if (*p == '\r') {
            assert_int_equal(p[1], '\n');
            assert_int_equal(p[2], ' ');
            col = 0;
            p++;
            continue;
        }
        col++;
        assert_true(col <= 76);
    }
    char *dec = decode_header(b.data);
    assert_string_equal(dec, long_s);
    free(dec);

    /* Long ASCII folds at blanks and unfolds to the original. */
    const char *la = "This is a rather long plain ASCII subject line that certainly needs "
                     "folding before column seventy-eight";
    pt_buf_reset(&b);
    pt_mail_header_encode(&b, la, 9);
    assert_non_null(strstr(b.data, "\r\n "));
    dec = decode_header(b.data);
    assert_string_equal(dec, la);
    free(dec);
    pt_buf_free(&b);
}

/* Decode quoted-printable (soft breaks, =XX, CRLF kept). */
static char *qp_decode(const char *s, size_t n)
{
    pt_buf out = PT_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '=' && i + 2 < n && s[i + 1] == '\r' && s[i + 2] == '\n') {
            i += 2;
        } else if (s[i] == '=') {
            assert_true(i + 2 < n);
            char h[3] = {s[i + 1], s[i + 2], 0};
            pt_buf_putc(&out, (char)strtol(h, NULL, 16));
            i += 2;
        } else {
            pt_buf_putc(&out, s[i]);
        }
    }
    return out.data ? pt_buf_steal(&out) : pt_xstrdup("");
}

/* The body of the MIME part whose Content-Type starts with ctype. */
static char *part_body(const char *msg, const char *boundary, const char *ctype)
{
    char *delim = pt_xasprintf("\r\n--%s", boundary);
    const char *p = msg;
    char *res = NULL;
    while ((p = strstr(p, delim))) {
        p += strlen(delim);
        if (strncmp(p, "--", 2) == 0) break;
        const char *hdr_end = strstr(p, "\r\n\r\n");
        assert_non_null(hdr_end);
        char *want = pt_xasprintf("Content-Type: %s", ctype);
        const char *ct = strstr(p, want);
        free(want);
        const char *next = strstr(hdr_end, delim);
        assert_non_null(next);
        if (ct && ct < hdr_end) {
            assert_non_null(strstr(p, "Content-Transfer-Encoding: quoted-printable"));
            res = qp_decode(hdr_end + 4, (size_t)(next - hdr_end - 4));
            break;
        }
    }
    free(delim);
    return res;
}

static void check_wire_format(const char *m)
{
    size_t col = 0;
    for (const char *p = m; *p; p++) {
        assert_true((unsigned char)*p < 0x80); /* 7-bit on the wire */
        if (*p == '\n') {
            assert_true(p > m && p[-1] == '\r'); /* no bare LF */
            col = 0;
        } else if (*p != '\r') {
            col++;
            assert_true(col <= 78);
        }
    }
}

static void test_mime_structure(void **state)
{
    (void)state;
    const char *text = "Hallo Jürgen,\n\n.dot at start\nA long line: "
                       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                       "aaaaaaaaaaaaaaaaaaaaaaaaaaaa = equals, trailing blank \nEnd\n";
    const char *html = "<p>Hallo J&uuml;rgen,</p>\n<p>Gr\xc3\xbc\xc3\x9f" "e</p>";
    pt_mail_parts p = {.from = "Jörg's Portal <portal@acme.example>",
                       .to = "juergen@example.com",
                       .reply_to = "help@acme.example",
                       .subject = "Grüße",
                       .text = text,
                       .html = html,
                       .message_id = "<01abc.portico@portal.acme.example>",
                       .date_ms = 1751364000000ull}; /* 2025-07-01 10:00:00 UTC */
    pt_buf b = PT_BUF_INIT;
    assert_int_equal(pt_mail_build(&p, 42, &b), PT_OK);
    const char *m = b.data;
    check_wire_format(m);
    const char *body = strstr(m, "\r\n\r\n");
    assert_non_null(body);
    char *hdrs = pt_xstrndup(m, (size_t)(body - m) + 2);
    assert_non_null(strstr(hdrs, "Date: Tue, 01 Jul 2025 10:00:00 +0000\r\n"));
    assert_non_null(strstr(hdrs, "Message-ID: <01abc.portico@portal.acme.example>\r\n"));
    assert_non_null(strstr(hdrs, "From: =?UTF-8?B?"));
    assert_non_null(strstr(hdrs, " <portal@acme.example>\r\n"));
    assert_non_null(strstr(hdrs, "To: <juergen@example.com>\r\n"));
    assert_non_null(strstr(hdrs, "Reply-To: <help@acme.example>\r\n"));
    assert_non_null(strstr(hdrs, "Subject: =?UTF-8?B?R3LDvMOfZQ==?=\r\n"));
    assert_non_null(strstr(hdrs, "MIME-Version: 1.0\r\n"));
    const char *ct = strstr(hdrs, "Content-Type: multipart/alternative; boundary=\"");
    assert_non_null(ct);
    ct += strlen("Content-Type: multipart/alternative; boundary=\"");
    char *boundary = pt_xstrndup(ct, strcspn(ct, "\""));
    assert_non_null(strstr(boundary, "=_"));
    char *close = pt_xasprintf("\r\n--%s--\r\n", boundary);
    assert_non_null(strstr(m, close));
    free(close);

    char *tp = part_body(m, boundary, "text/plain; charset=utf-8");
    assert_non_null(tp);
    /* Everything came through; LF became CRLF. */
    assert_non_null(strstr(tp, "Hallo Jürgen,\r\n\r\n.dot at start\r\n"));
    assert_non_null(strstr(tp, " = equals, trailing blank \r\nEnd\r\n"));
    assert_null(strstr(m, "\r\n.dot")); /* encoded as =2Edot */
    char *hp = part_body(m, boundary, "text/html; charset=utf-8");
    assert_non_null(hp);
    assert_non_null(strstr(hp, "<p>Grüße</p>"));
    free(tp);
    free(hp);
    free(boundary);
    free(hdrs);

    /* Text only: a single text/plain part. */
    pt_buf_reset(&b);
    p.html = NULL;
    p.reply_to = NULL;
    assert_int_equal(pt_mail_build(&p, 43, &b), PT_OK);
    check_wire_format(b.data);
    assert_non_null(strstr(b.data, "\r\nContent-Type: text/plain; charset=utf-8\r\n"
                                   "Content-Transfer-Encoding: quoted-printable\r\n\r\n"));
    assert_null(strstr(b.data, "multipart"));
    assert_null(strstr(b.data, "Reply-To"));

    /* A long non-ASCII sender name is folded, not overlong. */
    pt_buf_reset(&b);
    p.from = "Ünïcödé Support Team of the Very Long Company Name GmbH & Co. KG "
             "<support@acme.example>";
    assert_int_equal(pt_mail_build(&p, 46, &b), PT_OK);
    check_wire_format(b.data);
    assert_non_null(strstr(b.data, "?=\r\n =?UTF-8?B?"));
    assert_non_null(strstr(b.data, "?= <support@acme.example>\r\n"));
    p.from = "Acme <support@acme.example>";

    /* Injection through the parts is impossible. */
    pt_buf_reset(&b);
    p.to = "a@b.c\r\nBcc: x@y.z";
    assert_int_equal(pt_mail_build(&p, 44, &b), PT_EINVAL);
    assert_int_equal(b.len, 0);
    p.to = "a@b.c";
    p.subject = "Hi\r\nBcc: x@y.z";
    assert_int_equal(pt_mail_build(&p, 45, &b), PT_OK);
    assert_null(strstr(b.data, "\r\nBcc:"));
    pt_buf_free(&b);
}

/* ---- settings -------------------------------------------------------------------- */

static void test_config_keys(void **state)
{
    (void)state;
    pt_settings_declare();
    pt_mail_declare();
    pt_mail_declare(); /* idempotent */
    write_file(root, "portico.lua",
               "public_url = \"https://help.acme.example/\"\n"
               "portal = { name = \"Acme Help\" }\n"
               "mail = { smtp_url = \"smtps://relay.acme.example:465\", username = \"u\",\n"
               "         password = \"pw\", max_attempts = 3, poll_ms = 250,\n"
               "         starttls = \"require\", tls_verify = false }\n");
    char *file = pt_xasprintf("%s/portico.lua", root);
    pt_config *cfg = NULL;
    char *err = NULL;
    assert_int_equal(pt_config_load(file, &cfg, &err), PT_OK);
    if (pt_config_check(cfg, &err) != PT_OK) fail_msg("config: %s", err);
    free(file);
    pt_settings_set(cfg);
    pt_mail_conf_override(NULL);
    pt_mail_conf c;
    pt_mail_conf_load(&c);
    assert_string_equal(c.smtp_url, "smtps://relay.acme.example:465");
    assert_string_equal(c.starttls, "require");
    assert_string_equal(c.username, "u");
    assert_string_equal(c.password, "pw");
    assert_false(c.tls_verify);
    assert_int_equal(c.max_attempts, 3);
    assert_int_equal(c.poll_ms, 250);
    assert_int_equal(c.keep_sent_days, 7);                          /* default */
    assert_string_equal(c.from, "Portico <portico@localhost.localdomain>");     /* default */
    assert_string_equal(c.site_name, "Acme Help");
    assert_string_equal(c.public_url, "https://help.acme.example/");
    pt_mail_conf_free(&c);

    /* A typo in a mail key is caught by the config check. */
    char *bad = pt_xasprintf("%s/bad.lua", root);
    write_file(root, "bad.lua", "mail = { smtp_ur = \"smtp://x\" }\n");
    pt_config *cfg2 = NULL;
    assert_int_equal(pt_config_load(bad, &cfg2, &err), PT_OK);
    assert_int_equal(pt_config_check(cfg2, &err), PT_EINVAL);
    assert_non_null(strstr(err, "mail.smtp_ur"));
    free(err);
    pt_config_free(cfg2);
    free(bad);

    pt_settings_set(NULL);
    pt_mail_conf t = test_conf();
    pt_mail_conf_override(&t);
}

/* ---- Lua back end ------------------------------------------------------------------ */

static void test_lua_backend(void **state)
{
    (void)state;
    pt_lua_outbox_ops ops;
    pt_mail_lua_ops(&ops);
    json_t *msg = json_pack("{s:[s,s], s:s, s:{s:s}, s:s}", "to", "x1@example.com",
                            "x2@example.com", "template", "team/plain", "data", "name", "Lua",
                            "script", "status");
    assert_int_equal(ops.mail(ops.ud, "status", msg), PT_OK);
    json_decref(msg);
    assert_int_equal(count("queued"), 2);
    json_t *list = NULL;
    assert_int_equal(pt_mail_outbox_list(NULL, 10, &list), PT_OK);
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "kind")),
                        "status");
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "subject")),
                        "Grüße, Lua");
    json_decref(list);
    /* All or nothing: one bad address, nothing queued. */
    msg = json_pack("{s:[s,s], s:s}", "to", "ok@example.com", "bad\r\n@x.y", "template",
                    "team/plain");
    assert_int_equal(ops.mail(ops.ud, "status", msg), PT_EINVAL);
    json_decref(msg);
    assert_int_equal(count(NULL), 2);

    /* Inside a caller's transaction: rolled back with it. */
    pt_txn *t = wtxn();
    pt_mail_lua_txn(t);
    msg = json_pack("{s:s, s:s}", "to", "y@example.com", "template", "team/plain");
    assert_int_equal(ops.mail(ops.ud, "status", msg), PT_OK);
    json_decref(msg);
    pt_mail_lua_txn(NULL);
    pt_txn_abort(t);
    assert_int_equal(count(NULL), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_address_ok),
        cmocka_unit_test(test_rfc2047_subject),
        cmocka_unit_test(test_mime_structure),
        cmocka_unit_test(test_config_keys),
        cmocka_unit_test_setup_teardown(test_enqueue_rolled_back, open_store, close_store),
        cmocka_unit_test_setup_teardown(test_enqueue_committed, open_store, close_store),
        cmocka_unit_test_setup_teardown(test_enqueue_refused, open_store, close_store),
        cmocka_unit_test_setup_teardown(test_claim_lease, open_store, close_store),
        cmocka_unit_test_setup_teardown(test_backoff_and_dead, open_store, close_store),
        cmocka_unit_test_setup_teardown(test_permanent_released_sent_purged, open_store,
                                        close_store),
        cmocka_unit_test_setup_teardown(test_lua_backend, open_store, close_store),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
