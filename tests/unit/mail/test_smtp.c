/*
 * tests/unit/mail/test_smtp.c - delivery over real SMTP: core/mail/smtp.c
 * (libcurl) and the worker's sender (core/mail/sender.c) against
 * tests/tools/smtp_sink.py, a real SMTP server (python3-aiosmtpd, run with
 * /usr/bin/python3) on a free loopback port that writes each message it
 * accepts to a folder. Checks what arrives: headers, both MIME parts, the
 * envelope; AUTH with the right and a wrong password; a 451 answer then a
 * successful retry; a 554 bounce; and the whole path enqueue -> event loop
 * timer -> delivery thread -> "sent", including a message a crashed worker
 * had claimed before a restart.
 *
 * Run from the repository root (it starts tests/tools/smtp_sink.py).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "mail/mail_internal.h"
#include "mail/mail_worker.h"
#include "portico/log.h"
#include "portico/store.h"

#define PYTHON "/usr/bin/python3"
#define SINK "tests/tools/smtp_sink.py"

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(p);
}

/* ---- the sink ---------------------------------------------------------------- */

typedef struct sink {
    pid_t pid;
    int port;
    char *dir;  /* messages */
    char *root; /* temp dir */
    char url[64];
} sink;

static sink *sink_start(const char *const *extra)
{
    sink *s = pt_xcalloc(1, sizeof *s);
    const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    s->root = pt_xasprintf("%s/pt_smtp_test_XXXXXX", base);
    assert_non_null(mkdtemp(s->root));
    s->dir = pt_xasprintf("%s/mail", s->root);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    const char *argv[16] = {PYTHON, SINK, "--dir", s->dir};
    size_t n = 4;
    for (; extra && *extra && n < 15; extra++) argv[n++] = *extra;
    argv[n] = NULL;
    s->pid = fork();
    assert_true(s->pid >= 0);
    if (s->pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execv(PYTHON, (char *const *)argv);
        _exit(127);
    }
    close(fds[1]);
    /* Wait for "READY <port>". */
    char line[64] = "";
    size_t got = 0;
    uint64_t deadline = pt_now_ms() + 15000;
    while (!strchr(line, '\n') && pt_now_ms() < deadline && got < sizeof line - 1) {
        struct pollfd p = {fds[0], POLLIN, 0};
        if (poll(&p, 1, 200) <= 0) continue;
        ssize_t r = read(fds[0], line + got, sizeof line - 1 - got);
        if (r <= 0) break;
        got += (size_t)r;
        line[got] = 0;
    }
    close(fds[0]);
    if (sscanf(line, "READY %d", &s->port) != 1) fail_msg("smtp_sink did not start: '%s'", line);
    snprintf(s->url, sizeof s->url, "smtp://127.0.0.1:%d", s->port);
    return s;
}

static void sink_stop(sink *s)
{
    kill(s->pid, SIGTERM);
    int st = 0;
    assert_int_equal(waitpid(s->pid, &st, 0), s->pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0); /* clean exit on SIGTERM */
    nftw(s->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(s->root);
    free(s->dir);
    free(s);
}

/* Contents of dir/name, or NULL if it does not exist. */
static char *sink_file(const sink *s, const char *name)
{
    char *p = pt_xasprintf("%s/%s", s->dir, name);
    FILE *f = fopen(p, "rb");
    free(p);
    if (!f) return NULL;
    pt_buf b = PT_BUF_INIT;
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) pt_buf_append(&b, tmp, n);
    fclose(f);
    return b.data ? pt_buf_steal(&b) : pt_xstrdup("");
}

static pt_smtp_opts opts(const sink *s)
{
    pt_smtp_opts o = {.url = s->url, .starttls = "off", .tls_verify = true,
                      .connect_timeout_ms = 5000, .timeout_ms = 15000};
    return o;
}

static char *message(const char *to, const char *subject)
{
    pt_mail_parts p = {.from = "Acme Portal <portal@acme.example>",
                       .to = to,
                       .subject = subject,
                       .text = "Hello Jürgen,\n\nyour case #12 has a reply.\n.\nBye\n",
                       .html = "<p>Hello J&uuml;rgen,</p><p>your case <b>#12</b> has a reply.</p>",
                       .message_id = "<01test.portico@portal.acme.example>",
                       .date_ms = pt_wall_ms()};
    pt_buf b = PT_BUF_INIT;
    assert_int_equal(pt_mail_build(&p, 1, &b), PT_OK);
    return pt_buf_steal(&b);
}

/* ---- smtp.c ----------------------------------------------------------------------- */

static void test_deliver(void **state)
{
    (void)state;
    sink *s = sink_start(NULL);
    char *m = message("juergen@example.com", "Grüße – a reply on case #12");
    pt_smtp_opts o = opts(s);
    char *err = NULL;
    assert_int_equal(pt_mail_smtp_send(&o, "portal@acme.example", "juergen@example.com", m,
                                       strlen(m), &err),
                     PT_OK);
    assert_null(err);
    char *eml = sink_file(s, "0001.eml");
    assert_non_null(eml);
    assert_non_null(strstr(eml, "From: Acme Portal <portal@acme.example>\r\n"));
    assert_non_null(strstr(eml, "To: <juergen@example.com>\r\n"));
    assert_non_null(strstr(eml, "Subject: =?UTF-8?B?"));
    assert_non_null(strstr(eml, "Message-ID: <01test.portico@portal.acme.example>\r\n"));
    assert_non_null(strstr(eml, "MIME-Version: 1.0\r\n"));
    assert_non_null(strstr(eml, "Content-Type: multipart/alternative; boundary="));
    assert_non_null(strstr(eml, "Content-Type: text/plain; charset=utf-8\r\n"));
    assert_non_null(strstr(eml, "Content-Type: text/html; charset=utf-8\r\n"));
    assert_non_null(strstr(eml, "Hello J=C3=BCrgen,\r\n"));
    assert_non_null(strstr(eml, "\r\n=2E\r\nBye\r\n")); /* the lone dot survived */
    assert_non_null(strstr(eml, "<b>#12</b>"));
    assert_string_equal(eml, m); /* byte for byte what we built */
    free(eml);
    char *env = sink_file(s, "0001.json");
    assert_non_null(strstr(env, "\"mail_from\": \"portal@acme.example\""));
    assert_non_null(strstr(env, "\"rcpt_tos\": [\"juergen@example.com\"]"));
    free(env);
    free(m);
    sink_stop(s);
}

static void test_auth(void **state)
{
    (void)state;
    const char *extra[] = {"--auth-user", "portico", "--auth-password", "s3cret-pw", NULL};
    sink *s = sink_start(extra);
    char *m = message("ann@example.com", "AUTH test");
    pt_smtp_opts o = opts(s);
    o.username = "portico";
    o.password = "s3cret-pw";
    char *err = NULL;
    assert_int_equal(pt_mail_smtp_send(&o, "portal@acme.example", "ann@example.com", m, strlen(m),
                                       &err),
                     PT_OK);
    char *env = sink_file(s, "0001.json");
    assert_non_null(env);
    assert_non_null(strstr(env, "\"auth_user\": \"portico\""));
    free(env);

    o.password = "wrong-pw";
    assert_int_equal(pt_mail_smtp_send(&o, "portal@acme.example", "ann@example.com", m, strlen(m),
                                       &err),
                     PT_EAGAIN);
    assert_non_null(err);
    assert_null(strstr(err, "wrong-pw")); /* never echo a secret */
    assert_null(strstr(err, "s3cret"));
    free(err);
    /* No credentials at all: refused before MAIL is accepted. */
    o.username = NULL;
    o.password = NULL;
    assert_int_equal(pt_mail_smtp_send(&o, "portal@acme.example", "ann@example.com", m, strlen(m),
                                       &err),
                     PT_EAGAIN);
    free(err);
    char *second = sink_file(s, "0002.eml");
    assert_null(second);
    free(m);
    sink_stop(s);
}

static void test_reject_then_retry(void **state)
{
    (void)state;
    const char *extra[] = {"--reject-first", "1", NULL};
    sink *s = sink_start(extra);
    char *m = message("bob@example.com", "retry me");
    pt_smtp_opts o = opts(s);
    char *err = NULL;
    assert_int_equal(pt_mail_smtp_send(&o, "portal@acme.example", "bob@example.com", m, strlen(m),
                                       &err),
                     PT_EAGAIN);
    assert_non_null(err);
    assert_non_null(strstr(err, "451"));
    free(err);
    char *none = sink_file(s, "0001.eml");
    assert_null(none);
    assert_int_equal(pt_mail_smtp_send(&o, "portal@acme.example", "bob@example.com", m, strlen(m),
                                       &err),
                     PT_OK);
    char *eml = sink_file(s, "0001.eml");
    assert_non_null(eml);
    assert_non_null(strstr(eml, "Subject: retry me\r\n"));
    free(eml);
    free(m);
    sink_stop(s);
}

static void test_reject_permanent(void **state)
{
    (void)state;
    const char *extra[] = {"--reject-first", "1", "--reject-code", "554", NULL};
    sink *s = sink_start(extra);
    char *m = message("gone@example.com", "bounce");
    pt_smtp_opts o = opts(s);
    char *err = NULL;
    assert_int_equal(pt_mail_smtp_send(&o, "portal@acme.example", "gone@example.com", m, strlen(m),
                                       &err),
                     PT_EINVAL);
    assert_non_null(strstr(err, "554"));
    free(err);
    /* Nobody listening: transient. */
    pt_smtp_opts dead = o;
    dead.url = "smtp://127.0.0.1:1";
    assert_int_equal(pt_mail_smtp_send(&dead, "portal@acme.example", "gone@example.com", m,
                                       strlen(m), &err),
                     PT_EAGAIN);
    assert_non_null(err);
    free(err);
    free(m);
    sink_stop(s);
}

/* ---- the worker's sender ----------------------------------------------------------- */

typedef struct waiter {
    struct event_base *base;
    struct event *ev;
    const char *status;
    size_t want;
    uint64_t deadline;
    bool reached;
} waiter;

static size_t count(const char *status)
{
    json_t *l = NULL;
    assert_int_equal(pt_mail_outbox_list(status, 1000, &l), PT_OK);
    size_t n = json_array_size(l);
    json_decref(l);
    return n;
}

static void check(evutil_socket_t fd, short what, void *ud)
{
    (void)fd, (void)what;
    waiter *w = ud;
    if (count(w->status) >= w->want) {
        w->reached = true;
        event_base_loopbreak(w->base);
        return;
    }
    if (pt_now_ms() > w->deadline) {
        event_base_loopbreak(w->base);
        return;
    }
    struct timeval tv = {0, 20000};
    evtimer_add(w->ev, &tv);
}

/* Run base until `want` messages have `status` or timeout_ms passed. */
static bool run_until(struct event_base *base, const char *status, size_t want,
                      uint64_t timeout_ms)
{
    waiter w = {.base = base, .status = status, .want = want,
                .deadline = pt_now_ms() + timeout_ms};
    w.ev = evtimer_new(base, check, &w);
    struct timeval tv = {0, 20000};
    evtimer_add(w.ev, &tv);
    event_base_dispatch(base);
    event_free(w.ev);
    return w.reached;
}

static char *store_root;

static void open_store(void)
{
    const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    store_root = pt_xasprintf("%s/pt_smtp_store_XXXXXX", base);
    assert_non_null(mkdtemp(store_root));
    pt_mail_declare_dbs();
    pt_store_options o = {.map_size = 32u << 20};
    char *err = NULL;
    int rc = pt_store_open(store_root, &o, &err);
    if (rc) fail_msg("store: %s", err);
}

static void close_store(void)
{
    pt_store_close();
    nftw(store_root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(store_root);
}

static void use_sink(const sink *s)
{
    pt_mail_conf c;
    memset(&c, 0, sizeof c);
    c.smtp_url = (char *)s->url;
    c.starttls = "off";
    c.from = "Acme Portal <portal@acme.example>";
    c.poll_ms = 50;
    c.keep_sent_days = 7;
    c.batch = 2; /* so a full batch triggers an immediate second claim */
    c.public_url = "https://portal.acme.example/";
    pt_mail_conf_override(&c);
}

static void enqueue(const char *to, const char *subject)
{
    int rc;
    pt_txn *t = pt_txn_begin(true, &rc);
    assert_non_null(t);
    pt_mail_rendered r = {.to = to, .subject = subject, .text = "Body text\n",
                          .html = "<p>Body</p>", .kind = "test"};
    assert_int_equal(pt_mail_store(t, &r, NULL), PT_OK);
    assert_int_equal(pt_txn_commit(t), PT_OK);
}

static void test_worker_delivers(void **state)
{
    (void)state;
    sink *s = sink_start(NULL);
    open_store();
    use_sink(s);

    /* A message a crashed worker had claimed before the restart: its
     * lease ran out a second ago. */
    enqueue("crashed@example.com", "left over");
    pt_mail_conf c;
    pt_mail_conf_load(&c);
    pt_mail_job *j;
    size_t n;
    uint64_t now = pt_wall_ms();
    assert_int_equal(pt_mail_claim(now + 5, 10, 0, &c, &j, &n), PT_OK);
    assert_int_equal(n, 1);
    pt_mail_jobs_free(j, n);
    pt_mail_conf_free(&c);
    assert_int_equal(count("sending"), 1);

    enqueue("one@example.com", "first");
    enqueue("two@example.com", "second");
    enqueue("three@example.com", "third");

    struct event_base *base = event_base_new();
    assert_int_equal(pt_mail_worker_start(base), PT_OK);
    assert_int_equal(pt_mail_worker_start(base), PT_EEXIST);
    assert_true(run_until(base, "sent", 4, 15000));

    /* A new one after a kick goes out too. */
    enqueue("four@example.com", "fourth");
    pt_mail_kick();
    assert_true(run_until(base, "sent", 5, 15000));
    pt_mail_worker_stop();
    pt_mail_worker_stop(); /* twice is harmless */
    event_base_free(base);

    size_t found = 0;
    for (int i = 1; i <= 5; i++) {
        char name[16];
        snprintf(name, sizeof name, "%04d.eml", i);
        char *eml = sink_file(s, name);
        assert_non_null(eml);
        assert_non_null(strstr(eml, "From: Acme Portal <portal@acme.example>\r\n"));
        if (strstr(eml, "To: <crashed@example.com>")) found++;
        free(eml);
    }
    assert_int_equal(found, 1);
    json_t *l = NULL;
    assert_int_equal(pt_mail_outbox_list("sent", 10, &l), PT_OK);
    assert_true(json_is_integer(json_object_get(json_array_get(l, 0), "sent_at")));
    json_decref(l);

    pt_mail_conf_override(NULL);
    close_store();
    sink_stop(s);
}

static void test_worker_retries_later(void **state)
{
    (void)state;
    const char *extra[] = {"--reject-first", "1", NULL};
    sink *s = sink_start(extra);
    open_store();
    use_sink(s);
    enqueue("later@example.com", "try again");
    struct event_base *base = event_base_new();
    assert_int_equal(pt_mail_worker_start(base), PT_OK);
    assert_true(run_until(base, "failed", 1, 15000));
    pt_mail_worker_stop();
    event_base_free(base);
    json_t *l = NULL;
    assert_int_equal(pt_mail_outbox_list("failed", 10, &l), PT_OK);
    json_t *row = json_array_get(l, 0);
    assert_non_null(strstr(json_string_value(json_object_get(row, "error")), "451"));
    assert_int_equal(json_integer_value(json_object_get(row, "attempts")), 1);
    int64_t due = json_integer_value(json_object_get(row, "due"));
    int64_t wait = due - (int64_t)pt_wall_ms();
    assert_true(wait > 25000 && wait <= 30000); /* first backoff step */
    json_decref(l);
    assert_null(sink_file(s, "0001.eml"));

    /* Mail disabled: nothing is claimed, nothing lost. */
    pt_mail_conf c;
    memset(&c, 0, sizeof c);
    c.poll_ms = 50;
    pt_mail_conf_override(&c);
    enqueue("waiting@example.com", "no relay yet");
    base = event_base_new();
    assert_int_equal(pt_mail_worker_start(base), PT_OK);
    assert_false(run_until(base, "sending", 1, 600)); /* ~12 ticks, no claim */
    pt_mail_worker_stop();
    event_base_free(base);
    assert_int_equal(count("queued"), 1);

    pt_mail_conf_override(NULL);
    close_store();
    sink_stop(s);
}

int main(void)
{
    pt_log_set_level(PT_LOG_ERROR);
    pt_mail_smtp_global_init();
    if (access(SINK, R_OK) != 0 || access(PYTHON, X_OK) != 0) {
        fprintf(stderr, "run from the repository root with %s installed\n", PYTHON);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deliver),
        cmocka_unit_test(test_auth),
        cmocka_unit_test(test_reject_then_retry),
        cmocka_unit_test(test_reject_permanent),
        cmocka_unit_test(test_worker_delivers),
        cmocka_unit_test(test_worker_retries_later),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
