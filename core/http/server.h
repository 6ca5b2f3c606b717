/*
 * core/http/server.h - the HTTP layer's interface to the rest of the core
 * (main.c, the gate in core/auth). Plugins never see this file.
 *
 * The layer: one event per connection on a non-blocking socket, mbedTLS
 * driven over the fd with a read-ahead BIO, http-parser behind parser.c,
 * our own limits and error answers. See ../shared/DESIGN.md.
 */
#ifndef PT_HTTP_SERVER_H
#define PT_HTTP_SERVER_H

#include <event2/event.h>

#include "portico/http.h"

typedef struct pt_router pt_router;
typedef struct pt_tls pt_tls;
typedef struct pt_server pt_server;

/* ---- router (router.c) ------------------------------------------------ */
pt_router *pt_router_new(void);
void pt_router_free(pt_router *r);
/* Add a route (copied: strings duplicated). owner tags it for removal.
 * PT_EEXIST if the same method+pattern is already registered, PT_EINVAL
 * for a malformed pattern. */
int pt_router_add(pt_router *r, const pt_route *route, const char *owner);
/* Remove every route added with this owner; returns how many. */
int pt_router_remove_owner(pt_router *r, const char *owner);
/* Find the route for method+path. Literal segments beat :params. HEAD
 * falls back to GET. On success returns the route (borrowed from the
 * router) and fills names/values (pointers into path_buf, which the
 * function modifies and the caller owns) up to max params.
 * Returns NULL if nothing matches; *path_matched is set true when the path
 * exists for another method (so the caller can answer 405). */
typedef struct pt_route_params {
    int n;
    const char *name[8];
    const char *value[8];
} pt_route_params;
const pt_route *pt_router_match(pt_router *r, const char *method, char *path_buf,
                                pt_route_params *params, bool *path_matched);
/* Iterate every route (for docs / tests): calls fn for each. */
void pt_router_each(pt_router *r, void (*fn)(const pt_route *, const char *owner, void *),
                    void *ud);

/* ---- TLS (tls.c, tls_cert.c) ------------------------------------------ */
/* Load (or, when both paths are NULL, create or reuse in data_dir:
 * data_dir/tls/cert.pem and key.pem, key mode 0600) the certificate and
 * build the shared TLS configuration: TLS 1.2+, AEAD suites ChaCha20 first
 * then AES-GCM, curves X25519 and P-256, ALPN http/1.1, no renegotiation,
 * session tickets. Created in the parent before fork. On failure returns
 * NULL and an allocated message in *err (free()). *fingerprint receives the
 * SHA-256 fingerprint "AB:CD:..." (allocated) when not NULL. */
pt_tls *pt_tls_new(const char *cert_path, const char *key_path, const char *data_dir,
                   char **fingerprint, char **err);
/* Reseed the random generator after fork (every worker must call it). */
void pt_tls_after_fork(pt_tls *t);
void pt_tls_free(pt_tls *t);
/* Fill buf with len cryptographically random bytes (CTR_DRBG). 0 or PT_ERR.
 * Available after pt_tls_new in the parent and after pt_tls_after_fork. */
int pt_random(void *buf, size_t len);

/* ---- server (server.c, conn.c) ---------------------------------------- */
typedef struct pt_server_config {
    const char *listen;        /* "127.0.0.1:8443" HTTPS                 */
    const char *http_listen;   /* "127.0.0.1:8080" redirect; NULL = off   */
    const char *public_url;    /* "https://127.0.0.1:8443" for redirects  */
    size_t max_connections;    /* per worker; listener paused at the cap  */
    size_t max_request_line;   /* default 8192                            */
    size_t max_header_size;    /* all header bytes; default 16384         */
    size_t max_headers;        /* count; default 64                       */
    size_t body_max_default;   /* default 1 MiB                           */
    unsigned header_timeout_ms;/* whole header block must arrive; 10000   */
    unsigned body_timeout_ms;  /* max gap between body reads; 30000       */
    unsigned idle_timeout_ms;  /* keep-alive idle; 60000                  */
    unsigned drain_timeout_ms; /* graceful shutdown deadline; 10000       */
    bool hsts;                 /* send Strict-Transport-Security          */
} pt_server_config;

/* Fill c with the defaults above. */
void pt_server_config_defaults(pt_server_config *c);

/* Create listening sockets (SO_REUSEPORT, non-blocking) for the config in
 * the calling process; call once per worker. Returns NULL with *err
 * (allocated) on failure, e.g. "cannot listen on 127.0.0.1:8443: Address
 * already in use". router and tls are borrowed and must outlive the
 * server. */
pt_server *pt_server_new(struct event_base *base, const pt_server_config *cfg, pt_router *r,
                         pt_tls *tls, char **err);
/* Swap the router (after a reload). In-flight requests keep their route. */
void pt_server_set_router(pt_server *s, pt_router *r);
/* Stop accepting, let in-flight requests finish, close idle connections;
 * calls done(ud) when no connection is left or the drain deadline passes. */
void pt_server_drain(pt_server *s, void (*done)(void *ud), void *ud);
void pt_server_free(pt_server *s);
/* Live counters for /healthz and tests. */
typedef struct pt_server_stats {
    uint64_t requests;
    uint64_t connections_total;
    size_t connections_open;
} pt_server_stats;
void pt_server_stats_get(pt_server *s, pt_server_stats *out);

/* ---- the gate ---------------------------------------------------------- */
/* Called after a route matched and the headers are complete, before any
 * "100 Continue" and before the body is read. It resolves the session and
 * checks PT_ROUTE_AUTH / STAFF / permission / CSRF. Return 0 to go on, or
 * an HTTP status after setting the error response (pt_http_error). The
 * default gate lets everything through. */
typedef int (*pt_gate_fn)(pt_req *req, const pt_route *route);
void pt_http_set_gate(pt_gate_fn fn);
/* Called after the whole body of a matched request has arrived (buffered
 * routes) or after the streaming sink saw its end, just before the
 * handler. Return 0 to run the handler, or an HTTP status after setting
 * the error response. Used for the CSRF form-token check, which needs the
 * parsed form. The default lets everything through. */
void pt_http_set_prehandler(pt_gate_fn fn);
/* Called for every request that matched no route (static files, 404). The
 * default answers 404. */
void pt_http_set_fallback(pt_handler_fn fn);
/* Called once per request just before the response head is serialised
 * (e.g. to add page-wide headers). May be NULL. */
void pt_http_set_finisher(void (*fn)(pt_req *req));

#endif
