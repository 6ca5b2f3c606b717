/*
 * core/http/work.c - pt_work_run: a small per-worker thread pool (3
 * threads, started on first use, i.e. after fork) for slow work. Jobs go
 * through a mutex-protected queue; finished jobs come back to the event
 * loop through an eventfd event, where done(req, ud) runs and the
 * connection finishes the response (or discards it if the client left).
 * The request stays alive until done has run.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "http/http_internal.h"

#define NTHREADS 3

typedef struct job {
    struct job *next;
    pt_req *req;
    void (*work)(void *);
    void (*done)(pt_req *, void *);
    void *ud;
} job;

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    job *todo, *todo_tail;
    job *finished;
    int efd;
    struct event *ev;
    pthread_t th[NTHREADS];
    int nth;
    bool stop;
    pid_t pid;
} pool = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER, .efd = -1};

static void *worker(void *arg)
{
    for (;;) {
        pthread_mutex_lock(&pool.mu);
        while (!pool.todo && !pool.stop) pthread_cond_wait(&pool.cv, &pool.mu);
        if (!pool.todo) {
            pthread_mutex_unlock(&pool.mu);
            return NULL;
        }
        job *j = pool.todo;
        pool.todo = j->next;
        if (!pool.todo) pool.todo_tail = NULL;
        pthread_mutex_unlock(&pool.mu);
        j->work(j->ud);
        pthread_mutex_lock(&pool.mu);
        j->next = pool.finished;
        pool.finished = j;
        pthread_mutex_unlock(&pool.mu);
        uint64_t one = 1;
        ssize_t w = write(pool.efd, &one, sizeof one);
        (void)w;
    }
}

static void on_done(evutil_socket_t fd, short what, void *arg)
{
    uint64_t n;
    ssize_t r = read(pool.efd, &n, sizeof n);
    (void)r;
    pthread_mutex_lock(&pool.mu);
    job *list = pool.finished;
    pool.finished = NULL;
    pthread_mutex_unlock(&pool.mu);
    /* oldest first */
    job *rev = NULL;
    while (list) {
        job *nx = list->next;
        list->next = rev;
        rev = list;
        list = nx;
    }
    while (rev) {
        job *j = rev;
        rev = j->next;
        if (j->done) j->done(j->req, j->ud);
        pt_conn_async_done(j->req);
        free(j);
    }
}

static int start(struct event_base *base)
{
    if (pool.nth && pool.pid == getpid()) return 0;
    pool.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (pool.efd < 0) return PT_ERR;
    pool.ev = event_new(base, pool.efd, EV_READ | EV_PERSIST, on_done, NULL);
    event_add(pool.ev, NULL);
    pool.stop = false;
    pool.pid = getpid();
    for (int i = 0; i < NTHREADS; i++) {
        if (pthread_create(&pool.th[i], NULL, worker, NULL) != 0) break;
        pool.nth++;
    }
    return pool.nth ? 0 : PT_ERR;
}

int pt_work_run(pt_req *req, void (*work)(void *ud), void (*done)(pt_req *req, void *ud),
                void *ud)
{
    pt_conn *c = req->conn;
    if (!c || !c->srv || !c->srv->base) {
        /* no event loop (tests): run inline */
        work(ud);
        if (done) done(req, ud);
        return 0;
    }
    if (start(c->srv->base) != 0) return PT_ERR;
    job *j = pt_xcalloc(1, sizeof *j);
    j->req = req;
    j->work = work;
    j->done = done;
    j->ud = ud;
    req->async = true;
    pthread_mutex_lock(&pool.mu);
    if (pool.todo_tail)
        pool.todo_tail->next = j;
    else
        pool.todo = j;
    pool.todo_tail = j;
    pthread_cond_signal(&pool.cv);
    pthread_mutex_unlock(&pool.mu);
    return 0;
}

void pt_work_shutdown(void)
{
    if (!pool.nth) return;
    pthread_mutex_lock(&pool.mu);
    pool.stop = true;
    pthread_cond_broadcast(&pool.cv);
    pthread_mutex_unlock(&pool.mu);
    for (int i = 0; i < pool.nth; i++) pthread_join(pool.th[i], NULL);
    pool.nth = 0;
    if (pool.ev) event_free(pool.ev);
    pool.ev = NULL;
    if (pool.efd >= 0) close(pool.efd);
    pool.efd = -1;
}
