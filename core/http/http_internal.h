/*
 * core/http/http_internal.h - internals shared by the files of the HTTP
 * layer (the core/http files) and its unit tests: the parser interface
 * (parser.c, the only user of http-parser), struct pt_conn (conn.c),
 * struct pt_req (request.c / response.c), struct pt_server (server.c),
 * the TLS per-connection glue (tls.c) and the work pool hook (work.c).
 * Nothing outside core/http and tests/ includes this file.
 */
#ifndef PT_HTTP_INTERNAL_H
#define PT_HTTP_INTERNAL_H

#include <event2/event.h>
#include <mbedtls/ssl.h>
#include <sys/types.h>

#include "http/server.h"
#include "portico/http.h"
#include "portico/log.h"

/* ---- parser (parser.c) ------------------------------------------------ */
typedef struct pt_parser pt_parser;

typedef struct pt_parser_info {
    const char *method;        /* static upper-case token                */
    unsigned major, minor;     /* HTTP version                          */
    uint64_t content_length;   /* valid when has_cl                     */
    bool has_cl;
    bool chunked;              /* Transfer-Encoding ends in chunked     */
    bool keepalive;            /* per version + Connection header       */
} pt_parser_info;

/* Callbacks return 0 to go on, PT_PARSE_PAUSE to make pt_parser_feed
 * return PT_PARSE_PAUSED, or a negative value to stop with an error
 * (pt_parser_feed returns PT_PARSE_CBERR; the caller knows the status).
 * Data pointers are borrowed for the call; a field/value/url may arrive in
 * several pieces (field: cont is true for a continuation piece of the
 * same name). value_fold is called instead of value when the piece is
 * an obs-fold continuation line. complete() always pauses the parser. */
typedef struct pt_parser_cb {
    int (*begin)(void *ud);
    int (*url)(void *ud, const char *at, size_t len);
    int (*field)(void *ud, const char *at, size_t len, bool cont);
    int (*value)(void *ud, const char *at, size_t len);
    int (*value_fold)(void *ud);
    int (*headers_done)(void *ud, const pt_parser_info *info);
    int (*body)(void *ud, const char *at, size_t len);
    int (*complete)(void *ud);
} pt_parser_cb;

enum { PT_PARSE_PAUSE = 1 };
enum { PT_PARSE_OK = 0, PT_PARSE_PAUSED = 1, PT_PARSE_CBERR = 2 };

/* A parser for requests; cb is borrowed (static), ud passed back. */
pt_parser *pt_parser_new(const pt_parser_cb *cb, void *ud);
void pt_parser_free(pt_parser *p);
/* Ready for a new connection's first request. */
void pt_parser_reset(pt_parser *p);
/* Feed bytes; *consumed says how many were used. Returns PT_PARSE_OK (all
 * consumed), PT_PARSE_PAUSED (a message completed or a callback paused;
 * feed the rest later), PT_PARSE_CBERR, or an HTTP status >= 400 for
 * malformed input (400, 431, 501). */
int pt_parser_feed(pt_parser *p, const char *data, size_t len, size_t *consumed);
/* Process-wide cap on start line + headers (http-parser's own check). */
void pt_parser_set_max_header(size_t n);

/* ---- request / response ----------------------------------------------- */
typedef struct pt_kv {
    const char *name;
    const char *value;
} pt_kv;

typedef struct pt_file_part {
    const char *name, *filename, *content_type;
    const char *data;
    size_t len;
} pt_file_part;

typedef struct pt_conn pt_conn;

enum { RESP_BUFFERED = 0, RESP_CHUNKED, RESP_FILE };

/* Bits for the default security headers a handler replaced. */
enum { OV_CSP = 1, OV_XCTO = 2, OV_XFO = 4, OV_REFPOL = 8, OV_HSTS = 16, OV_SERVER = 32,
       OV_CONNECTION = 64 };

#define PT_REQ_SLOTS 16

struct pt_req {
    pt_conn *conn;
    pt_arena *arena;            /* conn's, reset at request end        */
    /* request line and headers */
    const char *method;
    bool head;
    unsigned major, minor;
    char *target;               /* raw, NUL-terminated                 */
    char *path;                 /* decoded                             */
    const char *query;          /* raw, without '?', or ""             */
    pt_kv *hdr;                 /* conn->hdrs, n = nhdr                */
    size_t nhdr;
    const pt_route *route;
    pt_route_params params;
    bool keepalive;             /* as the client asked                 */
    bool expect_continue;
    bool has_body;
    bool chunked_in;
    uint64_t content_length;
    size_t body_max;
    size_t body_seen;
    pt_buf *body;               /* buffered body (conn's)              */
    /* lazily parsed */
    bool query_done, form_done, cookie_done, json_done;
    pt_kv *qkv, *fkv, *ckv;
    size_t nq, nf, nc;
    pt_file_part *files;
    size_t nfiles;
    json_t *json;
    const char *json_why;
    /* slots */
    const void *slot_key[PT_REQ_SLOTS];
    void *slot_val[PT_REQ_SLOTS];
    int nslots;
    /* response */
    int status;
    pt_kv *rh;                  /* response headers (arena)            */
    size_t nrh, caprh;
    unsigned overridden;        /* OV_* bits                           */
    bool not_document;          /* Content-Type is not a page (CSP)    */
    const char *hblock;         /* prepared header lines (arena)       */
    size_t hblock_len;
    pt_buf *rbody;              /* conn's                              */
    int mode;                   /* RESP_*                              */
    bool head_sent;             /* chunked: head already queued        */
    bool chunk_raw;             /* HTTP/1.0 chunked: no framing, close */
    bool must_close;
    bool async;                 /* pt_work_run pending                 */
    bool early;                 /* answered before the body was read   */
    int file_fd;
    off_t file_off;
    size_t file_left;
    uint64_t t_start;
    size_t bytes_out;
};

/* Head of the response (status line, our headers, handler headers,
 * Content-Length or Transfer-Encoding, Connection) appended to out.
 * body_len < 0 means chunked. Runs the finisher hook. */
void pt_resp_serialize_head(pt_req *req, pt_buf *out, long long body_len);
/* True for the Content-Types browsers render as documents (HTML, SVG,
 * XML): those get the page Content-Security-Policy, others the short one. */
bool pt_http_is_document_type(const char *type);
/* Add prepared, already valid "Name: value\r\n" lines (copied) that name
 * none of the headers the core writes; not_document as for a Content-Type
 * that is not a page. For hot paths (static files) that would otherwise
 * pay for pt_resp_set_header's checks on every request. */
void pt_resp_header_block(pt_req *req, const char *lines, size_t len, bool not_document);
/* Built-in error answer for malformed requests (no route, no renderer). */
void pt_resp_builtin_error(pt_req *req, int status, const char *message);
/* Reset the response part of req (status 0, no headers, empty body). */
void pt_resp_reset(pt_req *req);

/* ---- connection (conn.c) ---------------------------------------------- */
enum { TR_TLS, TR_PLAIN, TR_MEM };
enum { CS_HANDSHAKE, CS_READING, CS_ASYNC, CS_FILE, CS_CLOSING, CS_LINGER, CS_DEAD };

#define PT_INBUF 16384         /* = PT_POOL_BLOCK: both come from pool.h */
#define PT_STAGE 16384
#define PT_FILE_PIECE 65536

struct pt_conn {
    pt_server *srv;
    pt_conn *prev, *next;      /* server's list                          */
    int fd;
    int transport;             /* TR_*                                   */
    int state;                 /* CS_*                                   */
    bool redirect;             /* plain listener: answer 301 to all      */
    bool want_write;           /* event armed for EV_WRITE               */
    short ev_what;             /* what the event is armed for (0 = off)  */
    bool in_request;           /* bytes of a request have arrived        */
    bool in_headers;           /* collecting header lines                */
    bool last_was_value;
    bool url_closed;
    bool linked;
    bool req_complete;
    size_t lingered;
    int err_status;            /* decided by our own checks              */
    struct event *ev;
    struct event *timer;
    uint64_t deadline;         /* ms, 0 = none                           */
    uint64_t timer_at;         /* when the timer is armed to fire, 0 off */
    char remote[64];
    /* TLS */
    mbedtls_ssl_context ssl;
    bool ssl_ready;
    size_t tls_pending;        /* length of a WANT_WRITE ssl_write      */
    char *stage;               /* read-ahead staging buffer (PT_STAGE)   */
    size_t stage_pos, stage_len;
    bool drained;              /* last recv was short: socket empty until
                                  the next readiness event (saves the
                                  EAGAIN recv per request)              */
    /* input */
    char *in;                  /* PT_INBUF                               */
    size_t in_pos, in_len;
    pt_parser *parser;
    /* header collection: "name\0value\0..." offsets in hbuf */
    pt_buf hbuf;
    size_t *hoff;              /* 2 per header: name, value offsets      */
    size_t nhdr, maxhdr;
    size_t hbytes;
    size_t url_len;
    size_t url_off;
    pt_kv *hdrs;
    /* request */
    pt_req req;
    pt_arena *arena;
    pt_buf body, rbody;
    /* output */
    pt_buf out;
    size_t out_pos;
    /* test transport output */
    pt_buf *mem_out;
    bool mem_closed;
    int requests_this_run;
};

/* Take an accepted socket (non-blocking). transport TR_TLS or TR_PLAIN. */
void pt_conn_accept(pt_server *s, int fd, const char *remote, int transport, bool redirect);
/* Close now (best-effort close_notify); frees unless async work pends. */
void pt_conn_close(pt_conn *c);
/* Drain: close if idle, else make the in-flight response the last. */
void pt_conn_drain(pt_conn *c);
/* Called by work.c on the loop when a request's async work finished. */
void pt_conn_async_done(pt_req *req);
/* Queue bytes for the client; with now, try to write everything queued at
 * once (chunked responses, 100 Continue). Ignored on a closed connection. */
void pt_conn_send(pt_conn *c, const void *data, size_t len, bool now);

/* In-memory connections for tests and the fuzzer: no socket, no TLS,
 * output appended to *out. */
pt_conn *pt_conn_mem_new(pt_server *s, pt_buf *out);
/* Feed bytes as if received; processes everything it can. */
void pt_conn_mem_feed(pt_conn *c, const char *data, size_t len);
/* True once the connection closed itself (after an error or close). */
bool pt_conn_mem_closed(pt_conn *c);
/* Free an in-memory connection. */
void pt_conn_mem_free(pt_conn *c);

/* ---- server (server.c) ------------------------------------------------ */
typedef struct listener {
    pt_server *srv;
    int fd;
    struct event *ev;
    bool redirect;
} listener;

struct pt_server {
    struct event_base *base;
    pt_server_config cfg;
    char *listen_s, *http_listen_s, *public_url;
    pt_router *router;
    pt_tls *tls;
    listener ls[2];
    int nls;
    bool paused;               /* listeners disabled at the cap          */
    bool draining;
    void (*drain_done)(void *);
    void *drain_ud;
    struct event *drain_timer;
    struct event *drain_ev;    /* deferred done call                     */
    pt_conn *conns;
    pt_server_stats stats;
};

/* A server without listeners or event base, for tests (cfg may be NULL
 * for defaults). Free with pt_server_free. */
pt_server *pt_server_new_mem(const pt_server_config *cfg, pt_router *r);
/* conn.c tells the server a connection ended (after unlinking it):
 * resumes accepting below the cap, finishes a drain at zero. */
void pt_server_conn_gone(pt_server *s);

/* Hooks (response.c holds them). */
extern pt_gate_fn pt_http_gate;
extern pt_gate_fn pt_http_prehandler;
extern pt_handler_fn pt_http_fallback;
extern void (*pt_http_finisher)(pt_req *req);
extern pt_error_page_fn pt_http_error_page;

/* ---- TLS glue (tls.c) ------------------------------------------------- */
/* Set up c->ssl for the server's TLS config with the read-ahead BIO. */
int pt_tls_conn_setup(pt_tls *t, pt_conn *c);

/* Create (or reuse when both exist) dir/tls/cert.pem and dir/tls/key.pem:
 * ECDSA P-256, CN=localhost, SAN DNS:localhost + IP:127.0.0.1, 10 years,
 * key mode 0600 (tls_cert.c). Paths returned allocated (free()). */
int pt_tls_cert_make(const char *dir, void *drbg, char **cert_path, char **key_path,
                     char **err);

/* ---- work pool (work.c) ----------------------------------------------- */
/* Stop the pool threads (tests, shutdown). Pending jobs finish first. */
void pt_work_shutdown(void);

/* ---- small shared helpers --------------------------------------------- */
/* Case-insensitive ASCII compare of NUL-terminated strings; true if equal. */
bool pt_ieq(const char *a, const char *b);

#endif
