/*
 * core/mail/sender.c - the per-worker mail sender.
 *
 * On the event loop: a timer (mail.poll_ms) claims up to mail.batch due
 * messages in one short write transaction (pt_mail_claim) and hands the
 * batch to this worker's delivery thread. The thread talks SMTP (blocking
 * libcurl, never on the loop), then signals an eventfd; the loop's read
 * event records the results in one write transaction (pt_mail_mark) and,
 * when the batch was full, claims again at once. Only one batch is in
 * flight per worker; store access stays on the loop thread (the thread
 * touches only the claimed copies).
 *
 * Leases: a claim holds a message for 60 s. The thread gives each message
 * at most the lease time left minus a margin, and does not start one whose
 * lease is nearly over (it is released instead), so a slow batch cannot
 * outlive its lease and be sent twice by another worker.
 *
 * Shutdown (pt_mail_worker_stop at drain): the abort flag stops the
 * current transfer through libcurl's progress callback, the thread is
 * joined, and whatever was not delivered is released to the queue.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <event2/event.h>

#include "mail/mail_internal.h"
#include "mail/mail_worker.h"
#include "portico/log.h"

#define LEASE_MS 60000u
#define MARGIN_MS 5000u
#define SEND_TIMEOUT_MS 45000u

typedef struct batch {
    pt_mail_conf conf;
    char *from_addr;
    pt_mail_job *jobs;
    size_t n;
} batch;

static struct {
    bool started;
    pthread_t loop_thread; /* the only thread that may touch the events */
    struct event_base *base;
    struct event *tick, *done;
    int efd;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    atomic_int stop;
    batch *todo;      /* handed to the thread (under mu)            */
    batch *finished;  /* results back from the thread (under mu)    */
    bool busy;        /* loop side: a batch is out                  */
    bool again;       /* kicked while busy: claim when it is back   */
    bool warned_off;  /* "mail disabled" logged                      */
    bool warned_from; /* bad mail.from logged                        */
} S = {.efd = -1, .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static void batch_free(batch *b)
{
    if (!b) return;
    pt_mail_jobs_free(b->jobs, b->n);
    pt_mail_conf_free(&b->conf);
    free(b->from_addr);
    free(b);
}

/* ---- the delivery thread ------------------------------------------------- */

static void deliver(batch *b)
{
    pt_smtp_opts o = {.url = b->conf.smtp_url,
                      .starttls = b->conf.starttls,
                      .username = b->conf.username,
                      .password = b->conf.password,
                      .tls_verify = b->conf.tls_verify,
                      .abort_flag = &S.stop};
    for (size_t i = 0; i < b->n; i++) {
        pt_mail_job *j = &b->jobs[i];
        uint64_t now = pt_wall_ms();
        if (atomic_load(&S.stop) || now + 2 * MARGIN_MS > j->lease_until) {
            j->rc = PT_ENOTFOUND; /* not attempted: released unchanged */
            continue;
        }
        uint64_t left = j->lease_until - now - MARGIN_MS;
        o.timeout_ms = (long)(left < SEND_TIMEOUT_MS ? left : SEND_TIMEOUT_MS);
        j->rc = pt_mail_smtp_send(&o, b->from_addr, j->to, j->msg, j->len, &j->error);
    }
}

static void *thread_main(void *ud)
{
    (void)ud;
    for (;;) {
        pthread_mutex_lock(&S.mu);
        while (!S.todo && !atomic_load(&S.stop)) pthread_cond_wait(&S.cv, &S.mu);
        batch *b = S.todo;
        S.todo = NULL;
        pthread_mutex_unlock(&S.mu);
        if (!b) break; /* stop, nothing left */
        deliver(b);
        pthread_mutex_lock(&S.mu);
        S.finished = b;
        pthread_mutex_unlock(&S.mu);
        uint64_t one = 1;
        if (write(S.efd, &one, sizeof one) < 0 && errno != EAGAIN)
            pt_error("mail: cannot signal the event loop: %s", strerror(errno));
    }
    return NULL;
}

/* ---- the loop side ---------------------------------------------------------- */

static void arm(int ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    evtimer_add(S.tick, &tv);
}

static void record(batch *b)
{
    int rc = pt_mail_mark(b->jobs, b->n, pt_wall_ms(), &b->conf);
    if (rc != PT_OK)
        pt_error("mail: cannot record delivery results (%s); the messages are retried when "
                 "their lease expires",
                 pt_store_last_error());
}

static void on_tick(evutil_socket_t fd, short what, void *ud)
{
    (void)fd, (void)what, (void)ud;
    pt_mail_conf conf;
    pt_mail_conf_load(&conf);
    int poll = conf.poll_ms;
    char *fname = NULL, *faddr = NULL;
    if (S.busy || atomic_load(&S.stop)) goto out;
    if (!*conf.smtp_url) {
        if (!S.warned_off)
            pt_warn("mail: mail.smtp_url is not set; mail stays queued in the outbox");
        S.warned_off = true;
        goto out;
    }
    S.warned_off = false;
    if (pt_mail_parse_from(conf.from, &fname, &faddr) != PT_OK) {
        if (!S.warned_from) pt_error("mail: mail.from is not a valid address; mail stays queued");
        S.warned_from = true;
        goto out;
    }
    S.warned_from = false;
    pt_mail_job *jobs = NULL;
    size_t n = 0;
    int rc = pt_mail_claim(pt_wall_ms(), (size_t)conf.batch, LEASE_MS, &conf, &jobs, &n);
    if (rc != PT_OK) {
        pt_error("mail: cannot claim messages: %s", pt_store_last_error());
        goto out;
    }
    if (n == 0) goto out;
    batch *b = pt_xcalloc(1, sizeof *b);
    b->conf = conf; /* moved */
    memset(&conf, 0, sizeof conf);
    b->from_addr = faddr;
    faddr = NULL;
    b->jobs = jobs;
    b->n = n;
    S.busy = true;
    pthread_mutex_lock(&S.mu);
    S.todo = b;
    pthread_cond_signal(&S.cv);
    pthread_mutex_unlock(&S.mu);
out:
    free(fname);
    free(faddr);
    pt_mail_conf_free(&conf);
    if (!atomic_load(&S.stop)) arm(poll);
}

static batch *take_finished(void)
{
    pthread_mutex_lock(&S.mu);
    batch *b = S.finished;
    S.finished = NULL;
    pthread_mutex_unlock(&S.mu);
    return b;
}

static void on_done(evutil_socket_t fd, short what, void *ud)
{
    (void)what, (void)ud;
    uint64_t v;
    if (read(fd, &v, sizeof v) < 0) { /* EAGAIN: spurious */
    }
    batch *b = take_finished();
    if (!b) return;
    bool full = b->n >= (size_t)b->conf.batch;
    record(b);
    batch_free(b);
    S.busy = false;
    if ((full || S.again) && !atomic_load(&S.stop)) /* more may be waiting */
        event_active(S.tick, EV_TIMEOUT, 1);
    S.again = false;
}

int pt_mail_worker_start(struct event_base *base)
{
    if (S.started) return PT_EEXIST;
    pt_mail_smtp_global_init();
    S.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (S.efd < 0) {
        pt_error("mail: eventfd: %s", strerror(errno));
        return PT_EIO;
    }
    atomic_store(&S.stop, 0);
    S.base = base;
    S.loop_thread = pthread_self();
    S.busy = false;
    S.tick = evtimer_new(base, on_tick, NULL);
    S.done = event_new(base, S.efd, EV_READ | EV_PERSIST, on_done, NULL);
    /* The thread takes no signals: the loop handles SIGTERM/SIGHUP. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int e = pthread_create(&S.th, NULL, thread_main, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (e != 0) {
        pt_error("mail: cannot start the sender thread: %s", strerror(e));
        event_free(S.tick);
        event_free(S.done);
        close(S.efd);
        S.efd = -1;
        return PT_EIO;
    }
    event_add(S.done, NULL);
    S.started = true;
    arm(50); /* first look soon after start: mail left from the last run */
    return PT_OK;
}

void pt_mail_worker_stop(void)
{
    if (!S.started) return;
    atomic_store(&S.stop, 1);
    pthread_mutex_lock(&S.mu);
    pthread_cond_signal(&S.cv);
    pthread_mutex_unlock(&S.mu);
    pthread_join(S.th, NULL);
    batch *b = take_finished();
    if (!b) { /* handed over but never picked up */
        b = S.todo;
        S.todo = NULL;
        if (b)
            for (size_t i = 0; i < b->n; i++) b->jobs[i].rc = PT_ENOTFOUND;
    }
    if (b) {
        record(b);
        batch_free(b);
    }
    event_free(S.tick);
    event_free(S.done);
    close(S.efd);
    S.tick = S.done = NULL;
    S.efd = -1;
    S.busy = false;
    S.base = NULL;
    S.started = false;
}

void pt_mail_kick(void)
{
    /* From any other thread (a pool job) the next poll picks it up. */
    if (!S.started || !pthread_equal(S.loop_thread, pthread_self())) return;
    if (S.busy) S.again = true;
    else event_active(S.tick, EV_TIMEOUT, 1);
}
