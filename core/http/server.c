/*
 * core/http/server.c - listeners and the connection set of one worker:
 * SO_REUSEPORT non-blocking listening sockets (HTTPS and the optional
 * plain-HTTP redirect listener), accept with the connection cap (the
 * listeners are disabled at the cap and re-enabled below it), router swap,
 * counters and the graceful drain.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/http_internal.h"
#include "http/pool.h"

void pt_server_config_defaults(pt_server_config *c)
{
    memset(c, 0, sizeof *c);
    c->listen = "127.0.0.1:8443";
    c->http_listen = NULL;
    c->public_url = "https://127.0.0.1:8443";
    c->max_connections = 10000;
    c->max_request_line = 8192;
    c->max_header_size = 16384;
    c->max_headers = 64;
    c->body_max_default = 1024 * 1024;
    c->header_timeout_ms = 10000;
    c->body_timeout_ms = 30000;
    c->idle_timeout_ms = 60000;
    c->drain_timeout_ms = 10000;
    c->hsts = true;
}

/* Fill zero fields with defaults so a partly filled config works. */
static void complete_config(pt_server_config *c)
{
    pt_server_config d;
    pt_server_config_defaults(&d);
#define DEF(f) if (!c->f) c->f = d.f
    DEF(max_connections);
    DEF(max_request_line);
    DEF(max_header_size);
    DEF(max_headers);
    DEF(body_max_default);
    DEF(header_timeout_ms);
    DEF(body_timeout_ms);
    DEF(idle_timeout_ms);
    DEF(drain_timeout_ms);
#undef DEF
}

static int listen_on(const char *spec, char **err)
{
    char host[256] = "";
    const char *port;
    if (spec[0] == '[') {
        const char *end = strchr(spec, ']');
        if (!end || end[1] != ':' || (size_t)(end - spec - 1) >= sizeof host) goto bad;
        memcpy(host, spec + 1, (size_t)(end - spec - 1));
        port = end + 2;
    } else {
        const char *colon = strrchr(spec, ':');
        if (!colon) {
            port = spec;
        } else {
            if ((size_t)(colon - spec) >= sizeof host) goto bad;
            memcpy(host, spec, (size_t)(colon - spec));
            port = colon + 1;
        }
    }
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int gr = getaddrinfo(host[0] ? host : NULL, port, &hints, &ai);
    if (gr != 0) {
        *err = pt_xasprintf("cannot listen on %s: %s", spec, gai_strerror(gr));
        return -1;
    }
    int fd = -1, e = 0;
    for (struct addrinfo *a = ai; a; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            e = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
        if (bind(fd, a->ai_addr, a->ai_addrlen) == 0 && listen(fd, 1024) == 0) break;
        e = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    if (fd < 0) *err = pt_xasprintf("cannot listen on %s: %s", spec, strerror(e));
    return fd;
bad:
    *err = pt_xasprintf("cannot listen on %s: expected host:port", spec);
    return -1;
}

static void set_accepting(pt_server *s, bool on)
{
    for (int i = 0; i < s->nls; i++) {
        if (!s->ls[i].ev) continue;
        if (on)
            event_add(s->ls[i].ev, NULL);
        else
            event_del(s->ls[i].ev);
    }
    s->paused = !on;
}

static void on_accept(evutil_socket_t lfd, short what, void *arg)
{
    listener *l = arg;
    pt_server *s = l->srv;
    for (int n = 0; n < 64; n++) {
        if (s->stats.connections_open >= s->cfg.max_connections) {
            set_accepting(s, false);
            pt_warn("connection cap %zu reached; not accepting for now", s->cfg.max_connections);
            return;
        }
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE) pt_error("accept: %s", strerror(errno));
            return;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        char addr[64] = "-";
        if (ss.ss_family == AF_INET)
            inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, addr, sizeof addr);
        else if (ss.ss_family == AF_INET6)
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, addr, sizeof addr);
        pt_conn_accept(s, fd, addr, l->redirect ? TR_PLAIN : TR_TLS, l->redirect);
    }
}

static pt_server *server_alloc(const pt_server_config *cfg, pt_router *r)
{
    pt_server *s = pt_xcalloc(1, sizeof *s);
    if (cfg)
        s->cfg = *cfg;
    else
        pt_server_config_defaults(&s->cfg);
    complete_config(&s->cfg);
    s->listen_s = s->cfg.listen ? pt_xstrdup(s->cfg.listen) : NULL;
    s->http_listen_s = s->cfg.http_listen ? pt_xstrdup(s->cfg.http_listen) : NULL;
    s->public_url = s->cfg.public_url ? pt_xstrdup(s->cfg.public_url) : NULL;
    s->cfg.listen = s->listen_s;
    s->cfg.http_listen = s->http_listen_s;
    s->cfg.public_url = s->public_url;
    s->router = r;
    for (int i = 0; i < 2; i++) s->ls[i].fd = -1;
    pt_parser_set_max_header(s->cfg.max_request_line + s->cfg.max_header_size + 4096);
    return s;
}

pt_server *pt_server_new_mem(const pt_server_config *cfg, pt_router *r)
{
    return server_alloc(cfg, r);
}

pt_server *pt_server_new(struct event_base *base, const pt_server_config *cfg, pt_router *r,
                         pt_tls *tls, char **err)
{
    if (!cfg || !cfg->listen) {
        *err = pt_xstrdup("no listen address configured");
        return NULL;
    }
    pt_server *s = server_alloc(cfg, r);
    s->base = base;
    s->tls = tls;
    const char *specs[2] = {s->cfg.listen, s->cfg.http_listen};
    for (int i = 0; i < 2; i++) {
        s->ls[i].fd = -1;
        s->ls[i].srv = s;
        s->ls[i].redirect = i == 1;
    }
    for (int i = 0; i < 2; i++) {
        if (!specs[i]) continue;
        int fd = listen_on(specs[i], err);
        if (fd < 0) {
            pt_server_free(s);
            return NULL;
        }
        s->ls[i].fd = fd;
        s->ls[i].ev = event_new(base, fd, EV_READ | EV_PERSIST, on_accept, &s->ls[i]);
        s->nls = i + 1;
    }
    set_accepting(s, true);
    return s;
}

void pt_server_set_router(pt_server *s, pt_router *r)
{
    s->router = r;
}

static void close_listeners(pt_server *s)
{
    for (int i = 0; i < 2; i++) {
        if (s->ls[i].ev) event_free(s->ls[i].ev);
        if (s->ls[i].fd >= 0) close(s->ls[i].fd);
        s->ls[i].ev = NULL;
        s->ls[i].fd = -1;
    }
}

static void drain_finish(pt_server *s)
{
    if (!s->drain_done) return;
    void (*done)(void *) = s->drain_done;
    s->drain_done = NULL;
    if (s->drain_timer) event_del(s->drain_timer);
    done(s->drain_ud);
}

static void on_drain_deadline(evutil_socket_t fd, short what, void *arg)
{
    pt_server *s = arg;
    if (s->conns) pt_warn("drain deadline: closing %zu connections", s->stats.connections_open);
    while (s->conns) pt_conn_close(s->conns);
    drain_finish(s);
}

static void on_drain_check(evutil_socket_t fd, short what, void *arg)
{
    pt_server *s = arg;
    if (!s->conns) drain_finish(s);
}

void pt_server_conn_gone(pt_server *s)
{
    if (s->paused && !s->draining && s->stats.connections_open < s->cfg.max_connections)
        set_accepting(s, true);
    if (s->draining && !s->conns && s->drain_ev) event_active(s->drain_ev, EV_TIMEOUT, 0);
}

void pt_server_drain(pt_server *s, void (*done)(void *ud), void *ud)
{
    s->draining = true;
    s->drain_done = done;
    s->drain_ud = ud;
    close_listeners(s);
    s->nls = 0;
    pt_conn *c = s->conns;
    while (c) {
        pt_conn *next = c->next;
        pt_conn_drain(c);
        c = next;
    }
    if (s->base) {
        if (!s->drain_ev) s->drain_ev = event_new(s->base, -1, 0, on_drain_check, s);
        if (!s->drain_timer) s->drain_timer = evtimer_new(s->base, on_drain_deadline, s);
        struct timeval tv = {s->cfg.drain_timeout_ms / 1000,
                             (long)(s->cfg.drain_timeout_ms % 1000) * 1000};
        evtimer_add(s->drain_timer, &tv);
        if (!s->conns) event_active(s->drain_ev, EV_TIMEOUT, 0);
    } else if (!s->conns) {
        drain_finish(s);
    }
}

void pt_server_free(pt_server *s)
{
    if (!s) return;
    close_listeners(s);
    while (s->conns) {
        pt_conn *c = s->conns;
        if (c->transport == TR_MEM)
            pt_conn_mem_free(c);
        else
            pt_conn_close(c);
    }
    if (s->drain_timer) event_free(s->drain_timer);
    if (s->drain_ev) event_free(s->drain_ev);
    free(s->listen_s);
    free(s->http_listen_s);
    free(s->public_url);
    free(s);
    pt_pool_drain();
}

void pt_server_stats_get(pt_server *s, pt_server_stats *out)
{
    *out = s->stats;
}
