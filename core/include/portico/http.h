/*
 * portico/http.h - what a handler sees of an HTTP request and how it
 * answers. Nothing here depends on the HTTP layer underneath (parser,
 * TLS, libevent): handlers only use these functions.
 *
 * Lifetime: a pt_req is borrowed by the handler for the duration of the
 * request. Every const char * returned by a pt_req_* getter is borrowed
 * and stays valid until the request ends. Memory from pt_req_arena() is
 * freed when the request ends.
 *
 * Threading: all of these run on the worker's event-loop thread. Slow work
 * (argon2id, big renders) goes through pt_work_run(); the handler returns
 * PT_ASYNC and the response is finished in the done callback.
 */
#ifndef PORTICO_HTTP_H
#define PORTICO_HTTP_H

#include <jansson.h>
#include <sys/types.h>

#include "common.h"

typedef struct pt_req pt_req;

/* A handler fills the response and returns 0, or returns PT_ASYNC after
 * pt_work_run(). Any other negative return answers 500 unless a response
 * status was already set. */
typedef int (*pt_handler_fn)(pt_req *req);

/* Streaming body sink: called for each piece of the request body as it
 * arrives (data borrowed for the call), then once with data == NULL and
 * len == 0 at the end, before the handler runs. Return 0 to go on, or set
 * an error response (pt_http_error) and return a negative code to stop:
 * the rest of the body is discarded and the connection closed. */
typedef int (*pt_body_fn)(pt_req *req, const char *data, size_t len);

/* Route flags. */
enum {
    PT_ROUTE_AUTH = 1 << 0,     /* must be signed in (401 / redirect)       */
    PT_ROUTE_NO_CSRF = 1 << 1,  /* skip CSRF check on POST/PUT/PATCH/DELETE  */
    PT_ROUTE_JSON = 1 << 2,     /* an API route: errors always JSON          */
    PT_ROUTE_STAFF = 1 << 3,    /* vendor staff only                         */
    PT_ROUTE_PREFIX = 1 << 4,   /* pattern matches itself and anything below */
    PT_ROUTE_SECRET_PATH = 1 << 5, /* the path holds a secret (an emailed link's
                                      token): the access log records the
                                      route's pattern, not the path          */
    PT_ROUTE_CSRF_IN_BODY = 1 << 6, /* a streamed form (multipart with files)
                                      whose body callback reads the `_csrf`
                                      field and calls pt_req_csrf_check
                                      before it keeps anything; without the
                                      X-CSRF-Token header the handler runs
                                      only if that check passed (else 403) */
};

/* A route. Patterns are absolute paths whose segments are literal or
 * ":name" (one segment, available through pt_req_param). Method is an
 * upper-case token ("GET", "POST", ...); GET routes also answer HEAD. */
typedef struct pt_route {
    const char *method;
    const char *pattern;
    pt_handler_fn handler;
    unsigned flags;
    const char *permission;  /* e.g. "support.view"; NULL = none needed    */
    size_t body_max;         /* 0 = the server default (1 MiB)             */
    pt_body_fn body;         /* NULL = body buffered in memory             */
    void *ud;                /* handler data, see pt_req_route_ud          */
} pt_route;

/* ---- request ---------------------------------------------------------- */
const char *pt_req_method(pt_req *req);       /* "GET"; HEAD reads "HEAD" */
bool pt_req_is_head(pt_req *req);
const char *pt_req_path(pt_req *req);         /* percent-decoded path     */
const char *pt_req_target(pt_req *req);       /* raw request target       */
const char *pt_req_query_string(pt_req *req); /* raw, without '?'; or ""  */
/* Query parameter (decoded) or NULL. */
const char *pt_req_query(pt_req *req, const char *name);
/* Header value (case-insensitive name) or NULL. */
const char *pt_req_header(pt_req *req, const char *name);
/* Route parameter ":name" or NULL. */
const char *pt_req_param(pt_req *req, const char *name);
/* Cookie value or NULL. */
const char *pt_req_cookie(pt_req *req, const char *name);
/* Form field from an application/x-www-form-urlencoded or
 * multipart/form-data body (buffered routes only), or NULL. */
const char *pt_req_form(pt_req *req, const char *name);
/* All values of a repeated form field; returns the count, *out borrowed. */
size_t pt_req_form_all(pt_req *req, const char *name, const char ***out);
/* An uploaded file from a multipart body: 0 and borrowed data, or
 * PT_ENOTFOUND. filename/content_type may be NULL. */
int pt_req_file(pt_req *req, const char *name, const char **data, size_t *len,
                const char **filename, const char **content_type);
/* The raw body of a buffered route (may be empty). */
const char *pt_req_body(pt_req *req, size_t *len);
/* The body parsed as JSON. Returns a borrowed reference (freed with the
 * request) or NULL with a person-readable reason in *why (borrowed). */
json_t *pt_req_json(pt_req *req, const char **why);
/* True when the client prefers JSON (Accept, or an API route). */
bool pt_req_wants_json(pt_req *req);
const char *pt_req_remote_addr(pt_req *req);
pt_arena *pt_req_arena(pt_req *req);
void *pt_req_route_ud(pt_req *req);
const pt_route *pt_req_route(pt_req *req);

/* Per-request slots for plugins and core modules: key is any stable
 * address (e.g. of a static variable). Value borrowed by the request. */
void pt_req_set_data(pt_req *req, const void *key, void *value);
void *pt_req_get_data(pt_req *req, const void *key);

/* ---- response --------------------------------------------------------- */
void pt_resp_status(pt_req *req, int status);
int pt_resp_get_status(pt_req *req);
/* Add a header (copied). Setting Content-Length or Transfer-Encoding is
 * refused; the layer computes them. */
void pt_resp_header(pt_req *req, const char *name, const char *value);
/* Replace a header previously added (or add it). */
void pt_resp_set_header(pt_req *req, const char *name, const char *value);
enum { PT_COOKIE_HTTPONLY = 1, PT_COOKIE_SECURE = 2, PT_COOKIE_LAX = 4, PT_COOKIE_STRICT = 8 };
/* Set-Cookie with Path=/; max_age < 0 = session cookie, 0 = delete. */
void pt_resp_cookie(pt_req *req, const char *name, const char *value, long max_age,
                    unsigned flags);
/* Append to the (buffered) body. */
void pt_resp_write(pt_req *req, const void *data, size_t len);
void pt_resp_puts(pt_req *req, const char *s);
void pt_resp_printf(pt_req *req, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Body buffer, for renderers that write straight into it. Borrowed. */
pt_buf *pt_resp_buf(pt_req *req);
/* Stream the body with chunked encoding: the first call sends the status
 * line and headers, each call sends one chunk at once. Use for large
 * generated bodies; cannot be mixed with pt_resp_write. */
void pt_resp_chunk(pt_req *req, const void *data, size_t len);
/* Send len bytes of an open file from offset (the layer takes ownership of
 * fd and closes it). Written as the socket drains; memory stays bounded. */
void pt_resp_file(pt_req *req, int fd, off_t offset, size_t len);
/* Status + JSON body. Steals the reference to j. */
void pt_resp_json(pt_req *req, int status, json_t *j);
/* Status + text/html body (copied). */
void pt_resp_html(pt_req *req, int status, const char *html, size_t len);
/* 303 for unsafe methods, 302 for GET/HEAD, with Location (copied). */
void pt_resp_redirect(pt_req *req, const char *location);

/* The one error path: sets status and an HTML page or a JSON body
 * {"error": {"status": N, "message": "..."}} depending on
 * pt_req_wants_json. message is shown to the user; keep it plain. */
void pt_http_error(pt_req *req, int status, const char *message);
/* Same with a field: {"error": {..., "field": "email"}}. */
void pt_http_error_field(pt_req *req, int status, const char *field, const char *message);

/* Renderer for HTML error pages (installed by the theme layer). Must fill
 * the response body; status is already set. */
typedef void (*pt_error_page_fn)(pt_req *req, int status, const char *message);
void pt_http_set_error_page(pt_error_page_fn fn);

/* ---- slow work -------------------------------------------------------- */
/* Run work(ud) on the worker's thread pool, then done(req, ud) on the event
 * loop, which finishes the response. The handler that calls this returns
 * PT_ASYNC. If the client went away, done still runs (its response is then
 * discarded). work must not touch req. */
int pt_work_run(pt_req *req, void (*work)(void *ud), void (*done)(pt_req *req, void *ud),
                void *ud);

/* ---- helpers ---------------------------------------------------------- */
/* Percent-decode in place ('+' to space when plus is true); returns new
 * length. Invalid escapes are kept as they are. */
size_t pt_url_decode(char *s, size_t len, bool plus);
/* Append s percent-encoded (RFC 3986 unreserved kept). */
void pt_url_encode(pt_buf *out, const char *s);
const char *pt_http_reason(int status);

#endif
