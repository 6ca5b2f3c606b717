/*
 * core/http/conn.c - one client connection: the state machine that reads,
 * parses, dispatches and writes. One level-triggered event per connection
 * on a non-blocking socket (re-armed for EV_WRITE only when output would
 * block: then the connection stops reading, which is the backpressure for
 * pipelined requests), one lazily re-armed timer for the header, body, send
 * and idle deadlines. Owns our protocol checks (limits, CL/TE smuggling,
 * versions, Expect) and the per-request lifecycle: the request arena and
 * the body/response buffers are per connection and reused.
 *
 * Transports: TLS (mbedTLS over the fd, see tls.c), plain (the redirect
 * listener) and memory (unit tests and the fuzzer drive the very same code
 * with byte strings).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/http_internal.h"
#include "http/pool.h"

#define RUN_BUDGET 64          /* requests per event before yielding      */
#define LINGER_MS 2000
#define LINGER_MAX (1024 * 1024)

static void conn_run(pt_conn *c);
static void finish_response(pt_conn *c);

/* ---- events and deadlines ------------------------------------------------ */
static void on_event(evutil_socket_t fd, short what, void *arg)
{
    ((pt_conn *)arg)->drained = false;
    conn_run(arg);
}

static void set_interest(pt_conn *c, short what)
{
    if (!c->ev || what == c->ev_what) return;
    event_del(c->ev);
    if (what) {
        event_assign(c->ev, c->srv->base, c->fd, what | EV_PERSIST, on_event, c);
        event_add(c->ev, NULL);
    }
    c->ev_what = what;
}

static void set_deadline(pt_conn *c, unsigned ms)
{
    if (!c->timer) return;
    if (!ms) {
        c->deadline = 0;
        return;
    }
    uint64_t now = pt_now_ms();
    c->deadline = now + ms;
    if (!c->timer_at || c->deadline < c->timer_at) {
        struct timeval tv = {ms / 1000, (long)(ms % 1000) * 1000};
        evtimer_add(c->timer, &tv);
        c->timer_at = c->deadline;
    }
}

static void protocol_error(pt_conn *c, int status);

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    pt_conn *c = arg;
    c->timer_at = 0;
    if (!c->deadline || c->state == CS_DEAD) return;
    uint64_t now = pt_now_ms();
    if (now < c->deadline) {
        uint64_t ms = c->deadline - now;
        struct timeval tv = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000};
        evtimer_add(c->timer, &tv);
        c->timer_at = c->deadline;
        return;
    }
    c->deadline = 0;
    if (c->state == CS_READING && c->in_request && c->out_pos == c->out.len) {
        pt_debug("request timeout from %s", c->remote);
        protocol_error(c, 408);
        conn_run(c);
        return;
    }
    pt_conn_close(c);
}

/* ---- transport ------------------------------------------------------------- */
/* >0 bytes, 0 would block, -1 EOF or error. */
static ssize_t tr_read(pt_conn *c, char *buf, size_t len)
{
    switch (c->transport) {
    case TR_TLS: {
        int r = mbedtls_ssl_read(&c->ssl, (unsigned char *)buf, len);
        if (r > 0) return r;
        if (r == MBEDTLS_ERR_SSL_WANT_READ) return 0;
        if (r == MBEDTLS_ERR_SSL_WANT_WRITE) {
            c->want_write = true;
            return 0;
        }
        return -1;
    }
    case TR_PLAIN: {
        ssize_t r = recv(c->fd, buf, len, 0);
        if (r > 0) return r;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return 0;
        return -1;
    }
    default:
        return 0;
    }
}

/* >0 bytes written, 0 would block, -1 error. */
static ssize_t tr_write(pt_conn *c, const char *buf, size_t len)
{
    switch (c->transport) {
    case TR_TLS: {
        size_t n = len > 16384 ? 16384 : len;
        if (c->tls_pending) n = c->tls_pending;   /* mbedTLS wants the same length */
        int r = mbedtls_ssl_write(&c->ssl, (const unsigned char *)buf, n);
        if (r >= 0) {
            c->tls_pending = 0;
            return r;
        }
        if (r == MBEDTLS_ERR_SSL_WANT_WRITE || r == MBEDTLS_ERR_SSL_WANT_READ) {
            c->tls_pending = n;
            return 0;
        }
        return -1;
    }
    case TR_PLAIN: {
        ssize_t r = send(c->fd, buf, len, MSG_NOSIGNAL);
        if (r >= 0) return r;
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return 0;
        return -1;
    }
    default:
        if (c->mem_out) pt_buf_append(c->mem_out, buf, len);
        return (ssize_t)len;
    }
}

/* 0 all written, 1 would block, -1 error. */
static int flush(pt_conn *c)
{
    while (c->out_pos < c->out.len) {
        ssize_t n = tr_write(c, c->out.data + c->out_pos, c->out.len - c->out_pos);
        if (n > 0)
            c->out_pos += (size_t)n;
        else
            return n == 0 ? 1 : -1;
    }
    c->out_pos = 0;
    if (c->out.cap > 256 * 1024)
        pt_buf_free(&c->out);
    else
        pt_buf_reset(&c->out);
    return 0;
}

void pt_conn_send(pt_conn *c, const void *data, size_t len, bool now)
{
    if (!c || c->state == CS_DEAD || c->state == CS_LINGER) return;
    pt_pool_buf_ready(&c->out);
    pt_buf_append(&c->out, data, len);
    if (now || c->out.len - c->out_pos >= 65536) flush(c);
}

/* ---- request lifecycle ------------------------------------------------------ */
static void req_init(pt_conn *c)
{
    pt_req *r = &c->req;
    memset(r, 0, sizeof *r);
    r->conn = c;
    r->arena = c->arena;
    r->body = &c->body;
    r->rbody = &c->rbody;
    r->file_fd = -1;
    r->keepalive = false;
}

static void shrink(pt_buf *b)
{
    if (b->cap > 64 * 1024)
        pt_buf_free(b);
    else
        pt_buf_reset(b);
}

/* The request is over: free its memory, decide keep-alive. */
static void req_end(pt_conn *c)
{
    bool close_after = c->req.must_close;
    if (c->req.file_fd >= 0) close(c->req.file_fd);
    pt_arena_reset(c->arena);
    shrink(&c->body);
    shrink(&c->rbody);
    req_init(c);
    c->in_request = false;
    if (c->state == CS_DEAD) return;
    if (close_after) {
        c->state = CS_CLOSING;
        return;
    }
    c->state = CS_READING;
    if (c->in_pos < c->in_len)
        set_deadline(c, c->srv->cfg.header_timeout_ms);
    else
        set_deadline(c, c->srv->cfg.idle_timeout_ms);
}

static void access_log(pt_conn *c)
{
    pt_req *r = &c->req;
    const char *logged = r->path ? r->path : "-";
    if (r->route && (r->route->flags & PT_ROUTE_SECRET_PATH)) logged = r->route->pattern;
    pt_log_access(c->remote, r->method ? r->method : "-", logged,
                  r->status ? r->status : 200, r->bytes_out, pt_req_header(r, "Referer"),
                  pt_req_header(r, "User-Agent"), pt_now_us() - r->t_start);
}

static void finish_response(pt_conn *c)
{
    pt_req *r = &c->req;
    if (c->state == CS_DEAD) {
        req_end(c);
        return;
    }
    c->srv->stats.requests++;
    if (!r->status) r->status = 200;
    pt_pool_buf_ready(&c->out);
    size_t before = c->out.len;
    if (r->mode == RESP_CHUNKED) {
        if (!r->chunk_raw && !r->head) pt_buf_append(&c->out, "0\r\n\r\n", 5);
    } else if (r->mode == RESP_FILE) {
        pt_resp_serialize_head(r, &c->out, (long long)r->file_left);
        if (r->head || r->file_left == 0) {
            close(r->file_fd);
            r->file_fd = -1;
            r->mode = RESP_BUFFERED;
        } else {
            r->bytes_out += c->out.len - before + r->file_left;
            access_log(c);
            c->state = CS_FILE;
            return;
        }
    } else {
        pt_resp_serialize_head(r, &c->out, (long long)r->rbody->len);
        bool nobody = r->status < 200 || r->status == 204 || r->status == 304;
        if (!r->head && !nobody) pt_buf_append(&c->out, r->rbody->data, r->rbody->len);
    }
    r->bytes_out += c->out.len - before;
    access_log(c);
    req_end(c);
}

/* Answer a malformed request with our own page and headers, then close. */
static void protocol_error(pt_conn *c, int status)
{
    pt_req *r = &c->req;
    if (r->head_sent) {   /* a chunked response already started: just close */
        r->must_close = true;
        c->state = CS_CLOSING;
        return;
    }
    r->must_close = true;
    r->keepalive = false;
    r->early = true;
    r->head = false;
    const char *msg = "The request could not be understood.";
    switch (status) {
    case 408: msg = "The request took too long to arrive."; break;
    case 413: msg = "The request body is too large."; break;
    case 414: msg = "The request target is too long."; break;
    case 417: msg = "The expectation given in the Expect header cannot be met."; break;
    case 431: msg = "The request headers are too large."; break;
    case 501: msg = "This server does not support what the request asks for."; break;
    case 505: msg = "This server speaks HTTP/1.0 and HTTP/1.1 only."; break;
    }
    pt_resp_builtin_error(r, status, msg);
    c->err_status = 0;
    c->state = CS_READING;
    finish_response(c);
}

static void dispatch(pt_conn *c)
{
    pt_req *r = &c->req;
    c->requests_this_run++;
    if (!r->early) {
        set_deadline(c, 0);
        int rc;
        if (c->redirect)
            rc = 0;
        else if (r->route && pt_http_prehandler && pt_http_prehandler(r, r->route) != 0)
            rc = 0; /* refused after the body (CSRF form token); response set */
        else if (r->route)
            rc = r->route->handler(r);
        else
            rc = pt_http_fallback(r);
        if (r->async) {
            c->state = CS_ASYNC;
            set_interest(c, 0);
            return;
        }
        if (rc < 0 && !r->status) pt_http_error(r, 500, "Something went wrong on our side.");
    }
    finish_response(c);
}

/* ---- parser callbacks -------------------------------------------------------- */
static int fail(pt_conn *c, int status)
{
    if (!c->err_status) c->err_status = status;
    return -1;
}

static int cb_begin(void *ud)
{
    pt_conn *c = ud;
    req_init(c);
    c->req.t_start = pt_now_us();
    c->in_request = true;
    c->in_headers = true;
    c->last_was_value = false;
    c->url_closed = false;
    c->req_complete = false;
    c->err_status = 0;
    c->nhdr = 0;
    c->hbytes = 0;
    c->url_len = 0;
    pt_buf_reset(&c->hbuf);
    pt_buf_reserve(&c->hbuf, 1024);
    pt_pool_buf_ready(&c->rbody);
    set_deadline(c, c->srv->cfg.header_timeout_ms);
    return 0;
}

static int cb_url(void *ud, const char *at, size_t len)
{
    pt_conn *c = ud;
    c->url_len += len;
    if (c->url_len > c->srv->cfg.max_request_line) return fail(c, 414);
    pt_buf_append(&c->hbuf, at, len);
    return 0;
}

static void close_url(pt_conn *c)
{
    if (c->url_closed) return;
    pt_buf_putc(&c->hbuf, 0);
    c->url_closed = true;
}

static const unsigned char tchar[256] = {
    ['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1, ['*'] = 1, ['+'] = 1,
    ['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1, ['`'] = 1, ['|'] = 1, ['~'] = 1,
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
    ['8'] = 1, ['9'] = 1,
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1,
    ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1,
    ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
    ['Y'] = 1, ['Z'] = 1,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1,
    ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1,
    ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
    ['y'] = 1, ['z'] = 1,
};

/* End the current header: NUL after its value (or an empty value). */
static void end_header(pt_conn *c)
{
    if (!c->nhdr) return;
    if (!c->last_was_value) {
        pt_buf_putc(&c->hbuf, 0);
        c->hoff[2 * (c->nhdr - 1) + 1] = c->hbuf.len;
    }
    pt_buf_putc(&c->hbuf, 0);
}

static int cb_field(void *ud, const char *at, size_t len, bool cont)
{
    pt_conn *c = ud;
    if (!c->in_headers) return 0;   /* trailers are ignored */
    close_url(c);
    if (!cont || c->nhdr == 0) {
        end_header(c);
        if (c->nhdr == c->maxhdr) return fail(c, 431);
        c->hoff[2 * c->nhdr] = c->hbuf.len;
        c->hoff[2 * c->nhdr + 1] = (size_t)-1;
        c->nhdr++;
        c->hbytes += 4;
    }
    for (size_t i = 0; i < len; i++)
        if (!tchar[(unsigned char)at[i]]) return fail(c, 400);   /* "Name :" and friends */
    c->hbytes += len;
    if (c->hbytes > c->srv->cfg.max_header_size) return fail(c, 431);
    pt_buf_append(&c->hbuf, at, len);
    c->last_was_value = false;
    return 0;
}

static int cb_value(void *ud, const char *at, size_t len)
{
    pt_conn *c = ud;
    if (!c->in_headers) return 0;
    if (c->nhdr == 0) return fail(c, 400);
    if (!c->last_was_value) {
        pt_buf_putc(&c->hbuf, 0);   /* end name */
        c->hoff[2 * (c->nhdr - 1) + 1] = c->hbuf.len;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)at[i];
        if (ch == 0 || ch == '\r' || ch == '\n') return fail(c, 400);
    }
    c->hbytes += len;
    if (c->hbytes > c->srv->cfg.max_header_size) return fail(c, 431);
    pt_buf_append(&c->hbuf, at, len);
    c->last_was_value = true;
    return 0;
}

static int cb_fold(void *ud)
{
    return fail(ud, 400);
}

/* Our checks on the collected headers; 0 or an HTTP status. Also used to
 * classify errors http-parser found first (CL+TE, duplicate CL). */
static int check_framing(pt_conn *c, const pt_kv *h, size_t n)
{
    int ncl = 0, nte = 0, nhost = 0;
    const char *te = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!h[i].name || !h[i].value) continue;
        if (strcasecmp(h[i].name, "Content-Length") == 0) {
            ncl++;
            const char *v = h[i].value;
            if (!*v) return 400;
            for (; *v; v++)
                if (*v < '0' || *v > '9') return 400;
        } else if (strcasecmp(h[i].name, "Transfer-Encoding") == 0) {
            nte++;
            te = h[i].value;
        } else if (strcasecmp(h[i].name, "Host") == 0) {
            nhost++;
        }
    }
    if (ncl > 1) return 400;
    if (ncl && nte) return 400;
    if (nte > 1) return 400;
    if (nte && strcasecmp(te, "chunked") != 0) return 501;
    if (nhost > 1) return 400;
    return 0;
}

/* Build c->hdrs from the offsets (hbuf no longer grows). */
static void finish_headers(pt_conn *c)
{
    close_url(c);
    end_header(c);
    c->last_was_value = false;
    char *base = c->hbuf.data;
    for (size_t i = 0; i < c->nhdr; i++) {
        c->hdrs[i].name = base + c->hoff[2 * i];
        char *v = base + c->hoff[2 * i + 1];
        size_t vl = strlen(v);
        while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t')) v[--vl] = 0;
        while (*v == ' ' || *v == '\t') v++;
        c->hdrs[i].value = v;
    }
    c->in_headers = false;
}

static bool dot_segments(const char *p)
{
    for (const char *s = p; (s = strchr(s, '/')); s++) {
        if (s[1] == '.' && (s[2] == '/' || s[2] == 0)) return true;
        if (s[1] == '.' && s[2] == '.' && (s[3] == '/' || s[3] == 0)) return true;
    }
    return false;
}

/* Early answer (before the body): with a body pending we close. */
static int early(pt_conn *c)
{
    pt_req *r = &c->req;
    r->early = true;
    if (r->has_body) {
        r->must_close = true;
        return PT_PARSE_PAUSE;
    }
    return 0;
}

static int cb_headers_done(void *ud, const pt_parser_info *info)
{
    pt_conn *c = ud;
    pt_req *r = &c->req;
    const pt_server_config *cfg = &c->srv->cfg;
    finish_headers(c);
    r->hdr = c->hdrs;
    r->nhdr = c->nhdr;
    r->target = c->hbuf.data;
    r->method = info->method;
    r->major = info->major;
    r->minor = info->minor;
    r->keepalive = info->keepalive;
    if (info->major != 1) return fail(c, 505);
    int st = check_framing(c, c->hdrs, c->nhdr);
    if (st) return fail(c, st);
    if (strcmp(info->method, "CONNECT") == 0) return fail(c, 501);
    if (info->minor >= 1 && !pt_req_header(r, "Host")) return fail(c, 400);
    r->head = strcmp(info->method, "HEAD") == 0;
    r->chunked_in = info->chunked;
    r->content_length = info->content_length;
    r->has_body = info->chunked || (info->has_cl && info->content_length > 0);
    const char *exp = pt_req_header(r, "Expect");
    if (exp) {
        if (strcasecmp(exp, "100-continue") != 0) return fail(c, 417);
        r->expect_continue = info->minor >= 1;
    }
    /* target: origin-form only (and "*" for OPTIONS) */
    char *t = r->target;
    if (t[0] != '/') {
        if (strcmp(t, "*") == 0 && strcmp(info->method, "OPTIONS") == 0) {
            r->path = "*";
            r->query = "";
            r->early = true;
            pt_resp_status(r, 204);
            pt_resp_header(r, "Allow", "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
            return early(c);
        }
        return fail(c, 400);
    }
    size_t tl = strlen(t);
    const char *q = memchr(t, '?', tl);
    const char *hash = memchr(t, '#', tl);
    size_t pl = q ? (size_t)(q - t) : hash ? (size_t)(hash - t) : tl;
    if (q) {
        size_t ql = hash && hash > q ? (size_t)(hash - q - 1) : strlen(q + 1);
        r->query = pt_arena_strndup(r->arena, q + 1, ql);
    } else {
        r->query = "";
    }
    char *path = pt_arena_strndup(r->arena, t, pl);
    size_t dl = pt_url_decode(path, pl, false);
    path[dl] = 0;
    if (strlen(path) != dl || dot_segments(path)) return fail(c, 400);
    r->path = path;
    r->body_max = cfg->body_max_default;

    if (c->redirect) {
        const char *pub = c->srv->public_url ? c->srv->public_url : "https://localhost";
        size_t pl2 = strlen(pub);
        char *loc = pt_arena_printf(r->arena, "%.*s%s", (int)(pl2 && pub[pl2 - 1] == '/' ? pl2 - 1 : pl2),
                                    pub, r->target);
        pt_resp_status(r, 301);
        pt_resp_set_header(r, "Location", loc);
        pt_resp_set_header(r, "Content-Type", "text/plain; charset=utf-8");
        pt_resp_puts(r, "Moved to HTTPS.\n");
        return early(c);
    }

    if (c->srv->router) {
        char *pbuf = pt_arena_strndup(r->arena, path, dl);
        bool pm = false;
        r->route = pt_router_match(c->srv->router, info->method, pbuf, &r->params, &pm);
        if (!r->route && pm) {
            pt_http_error(r, 405, "This address does not accept that method.");
            return early(c);
        }
    }
    if (r->route) {
        if (r->route->body_max) r->body_max = r->route->body_max;
        if (pt_http_gate) {
            int g = pt_http_gate(r, r->route);
            if (g != 0) {
                if (!r->status) pt_http_error(r, g >= 400 && g < 600 ? g : 403, "Access denied.");
                return early(c);
            }
        }
    }
    if (info->has_cl && info->content_length > r->body_max) {
        pt_http_error(r, 413, "The request body is too large.");
        return early(c);
    }
    if (r->expect_continue && r->has_body) pt_conn_send(c, "HTTP/1.1 100 Continue\r\n\r\n", 25, true);
    set_deadline(c, r->has_body ? cfg->body_timeout_ms : 0);
    return 0;
}

static int cb_body(void *ud, const char *at, size_t len)
{
    pt_conn *c = ud;
    pt_req *r = &c->req;
    if (r->early) return 0;
    r->body_seen += len;
    if (r->body_seen > r->body_max) {
        pt_http_error(r, 413, "The request body is too large.");
        r->early = true;
        r->must_close = true;
        return PT_PARSE_PAUSE;
    }
    if (c->deadline) c->deadline = pt_now_ms() + c->srv->cfg.body_timeout_ms;
    if (r->route && r->route->body) {
        if (r->route->body(r, at, len) < 0) {
            if (!r->status) pt_http_error(r, 400, "The upload was refused.");
            r->early = true;
            r->must_close = true;
            return PT_PARSE_PAUSE;
        }
        return 0;
    }
    pt_buf_append(r->body, at, len);
    return 0;
}

static int cb_complete(void *ud)
{
    pt_conn *c = ud;
    pt_req *r = &c->req;
    c->req_complete = true;
    if (!r->early && r->route && r->route->body) {
        if (r->route->body(r, NULL, 0) < 0) {
            if (!r->status) pt_http_error(r, 400, "The upload was refused.");
            r->early = true;
            r->must_close = true;
        }
    }
    return 0;
}

static const pt_parser_cb callbacks = {
    .begin = cb_begin,
    .url = cb_url,
    .field = cb_field,
    .value = cb_value,
    .value_fold = cb_fold,
    .headers_done = cb_headers_done,
    .body = cb_body,
    .complete = cb_complete,
};

/* ---- input ------------------------------------------------------------------ */
static void process_input(pt_conn *c)
{
    while (c->state == CS_READING && c->in_pos < c->in_len) {
        if (c->requests_this_run >= RUN_BUDGET) return;
        size_t used = 0;
        int r = pt_parser_feed(c->parser, c->in + c->in_pos, c->in_len - c->in_pos, &used);
        c->in_pos += used;
        if (r == PT_PARSE_OK) break;
        if (r == PT_PARSE_PAUSED) {
            if (c->req_complete) {
                c->req_complete = false;
                c->in_request = false;
                dispatch(c);
            } else if (c->req.early) {
                c->req.must_close = true;
                c->requests_this_run++;
                finish_response(c);
            }
            if (c->out.len - c->out_pos > 65536) return;   /* write before parsing more */
            continue;
        }
        int st = c->err_status;
        if (!st && c->in_headers) {
            /* http-parser stopped first: classify with what we collected */
            finish_headers(c);
            st = check_framing(c, c->hdrs, c->nhdr);
        }
        if (!st) st = r == PT_PARSE_CBERR ? 400 : r;
        protocol_error(c, st);
        return;
    }
    if (c->in_pos == c->in_len) c->in_pos = c->in_len = 0;
}

/* Discard what the client still sends after our final answer, so the
 * kernel does not reset the connection before the client read it. */
static void linger(pt_conn *c)
{
    char tmp[4096];
    for (;;) {
        ssize_t n = recv(c->fd, tmp, sizeof tmp, 0);
        if (n > 0) {
            c->lingered += (size_t)n;
            if (c->lingered > LINGER_MAX) break;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            set_interest(c, EV_READ);
            return;
        }
        break;
    }
    pt_conn_close(c);
}

static void start_close(pt_conn *c)
{
    if (c->transport == TR_MEM) {
        pt_conn_close(c);
        return;
    }
    /* the client may still be sending (a body we refused): close gently */
    if (c->ssl_ready) {
        mbedtls_ssl_close_notify(&c->ssl);
        mbedtls_ssl_free(&c->ssl);
        c->ssl_ready = false;
    }
    shutdown(c->fd, SHUT_WR);
    c->state = CS_LINGER;
    set_deadline(c, LINGER_MS);
    linger(c);
}

/* Pump the next piece of a pt_resp_file body into the output. */
static int file_fill(pt_conn *c)
{
    pt_req *r = &c->req;
    size_t n = r->file_left > PT_FILE_PIECE ? PT_FILE_PIECE : r->file_left;
    pt_buf_reserve(&c->out, n);
    ssize_t got = pread(r->file_fd, c->out.data + c->out.len, n, r->file_off);
    if (got <= 0) {
        pt_log(PT_LOG_ERROR, "file response: read failed: %s", got < 0 ? strerror(errno) : "EOF");
        return -1;
    }
    c->out.len += (size_t)got;
    c->out.data[c->out.len] = 0;
    r->file_off += got;
    r->file_left -= (size_t)got;
    if (r->file_left == 0) req_end(c);
    return 0;
}

/* Waiting for the client: hand back the buffers only a busy connection
 * needs, so an idle keep-alive connection costs mbedTLS's record buffers
 * and little else (pool.h). They come back on the next bytes. */
static void conn_shed(pt_conn *c)
{
    if (c->in && c->in_pos == c->in_len) {
        pt_pool_put(c->in);
        c->in = NULL;
        c->in_pos = c->in_len = 0;
    }
    if (c->stage && c->stage_pos == c->stage_len) {
        pt_pool_put(c->stage);
        c->stage = NULL;
        c->stage_pos = c->stage_len = 0;
    }
    if (c->in_request || c->out_pos < c->out.len) return;
    pt_pool_buf_shed(&c->out);
    c->out_pos = 0;
    pt_pool_buf_shed(&c->rbody);
    pt_buf_free(&c->body);
    pt_buf_free(&c->hbuf);
    pt_arena_trim(c->arena);
}

static void conn_run(pt_conn *c)
{
    c->requests_this_run = 0;
    for (;;) {
        switch (c->state) {
        case CS_DEAD: return;
        case CS_LINGER: linger(c); return;
        case CS_HANDSHAKE: {
            int r = mbedtls_ssl_handshake(&c->ssl);
            if (r == 0) {
                c->state = CS_READING;
                continue;
            }
            if (r == MBEDTLS_ERR_SSL_WANT_READ) {
                conn_shed(c);
                set_interest(c, EV_READ);
                return;
            }
            if (r == MBEDTLS_ERR_SSL_WANT_WRITE) {
                set_interest(c, EV_WRITE);
                return;
            }
            pt_debug("TLS handshake with %s failed: -0x%04x", c->remote, (unsigned)-r);
            pt_conn_close(c);
            return;
        }
        default: break;
        }
        if (c->out_pos < c->out.len) {
            int f = flush(c);
            if (f < 0) {
                pt_conn_close(c);
                return;
            }
            if (f > 0) {
                set_interest(c, EV_WRITE);
                if (c->state != CS_ASYNC) set_deadline(c, c->srv->cfg.body_timeout_ms);
                return;
            }
            if (c->state == CS_READING && !c->in_request && c->in_pos == c->in_len)
                set_deadline(c, c->srv->cfg.idle_timeout_ms);
        }
        if (c->state == CS_FILE) {
            if (file_fill(c) < 0) {
                pt_conn_close(c);
                return;
            }
            continue;
        }
        if (c->state == CS_CLOSING) {
            start_close(c);
            return;
        }
        if (c->state == CS_ASYNC) {
            set_interest(c, 0);
            return;
        }
        /* CS_READING */
        if (c->in_pos < c->in_len) {
            if (c->requests_this_run >= RUN_BUDGET) {
                /* let other connections run; come back soon */
                if (c->ev) event_active(c->ev, EV_READ, 0);
                return;
            }
            process_input(c);
            continue;
        }
        if (c->srv->draining && !c->in_request) {
            pt_conn_close(c);
            return;
        }
        if (c->transport == TR_MEM) return;
        c->in_pos = c->in_len = 0;
        c->want_write = false;
        if (!c->in) c->in = pt_pool_get();
        ssize_t n = tr_read(c, c->in, PT_INBUF);
        if (n > 0) {
            c->in_len = (size_t)n;
            continue;
        }
        if (n == 0) {
            conn_shed(c);
            set_interest(c, c->want_write ? EV_WRITE : EV_READ);
            return;
        }
        pt_conn_close(c);
        return;
    }
}

/* ---- creation and teardown -------------------------------------------------- */
static void unlink_conn(pt_conn *c)
{
    pt_server *s = c->srv;
    if (!s || !c->linked) return;
    if (c->prev)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next) c->next->prev = c->prev;
    c->prev = c->next = NULL;
    c->linked = false;
    s->stats.connections_open--;
    pt_server_conn_gone(s);
}

static pt_conn *conn_new(pt_server *s, int fd, int transport)
{
    pt_conn *c = pt_xcalloc(1, sizeof *c);
    c->srv = s;
    c->fd = fd;
    c->transport = transport;
    c->parser = pt_parser_new(&callbacks, c);
    c->maxhdr = s->cfg.max_headers ? s->cfg.max_headers : 64;
    c->hoff = pt_xcalloc(2 * c->maxhdr, sizeof *c->hoff);
    c->hdrs = pt_xcalloc(c->maxhdr, sizeof *c->hdrs);
    c->arena = pt_arena_new(8192);
    c->state = CS_READING;
    req_init(c);
    c->next = s->conns;
    if (s->conns) s->conns->prev = c;
    s->conns = c;
    c->linked = true;
    s->stats.connections_open++;
    s->stats.connections_total++;
    return c;
}

static void conn_free(pt_conn *c)
{
    if (c->req.file_fd >= 0) close(c->req.file_fd);
    pt_arena_free(c->arena);
    pt_buf_free(&c->body);
    pt_pool_buf_shed(&c->rbody);
    pt_pool_buf_shed(&c->out);
    pt_buf_free(&c->hbuf);
    pt_parser_free(c->parser);
    free(c->hoff);
    free(c->hdrs);
    pt_pool_put(c->in);
    pt_pool_put(c->stage);
    free(c);
}

void pt_conn_accept(pt_server *s, int fd, const char *remote, int transport, bool redirect)
{
    pt_conn *c = conn_new(s, fd, transport);
    c->redirect = redirect;
    snprintf(c->remote, sizeof c->remote, "%s", remote);
    if (transport == TR_TLS) {
        if (pt_tls_conn_setup(s->tls, c) != 0) {
            pt_conn_close(c);
            return;
        }
        c->ssl_ready = true;
        c->state = CS_HANDSHAKE;
    }
    c->ev = event_new(s->base, fd, EV_READ | EV_PERSIST, on_event, c);
    c->timer = evtimer_new(s->base, on_timer, c);
    c->ev_what = 0;
    set_interest(c, EV_READ);
    set_deadline(c, s->cfg.header_timeout_ms);
}

void pt_conn_close(pt_conn *c)
{
    if (c->state == CS_DEAD) return;
    if (c->transport == TR_TLS && c->ssl_ready && c->state != CS_HANDSHAKE)
        mbedtls_ssl_close_notify(&c->ssl);
    if (c->ssl_ready) mbedtls_ssl_free(&c->ssl);
    c->ssl_ready = false;
    if (c->ev) event_free(c->ev);
    if (c->timer) event_free(c->timer);
    c->ev = c->timer = NULL;
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
    c->state = CS_DEAD;
    if (c->transport == TR_MEM) {
        c->mem_closed = true;
        return;
    }
    unlink_conn(c);
    c->srv = NULL;   /* the server may go away before async work ends */
    if (!c->req.async) conn_free(c);
}

void pt_conn_drain(pt_conn *c)
{
    if (c->state == CS_HANDSHAKE || c->state == CS_LINGER ||
        (c->state == CS_READING && !c->in_request && c->in_pos == c->in_len &&
         c->out_pos == c->out.len))
        pt_conn_close(c);
}

void pt_conn_async_done(pt_req *req)
{
    pt_conn *c = req->conn;
    req->async = false;
    if (c->state == CS_DEAD) {
        /* the client went away: discard the response */
        if (c->transport == TR_MEM) {
            req_end(c);
            return;
        }
        req_end(c);
        conn_free(c);
        return;
    }
    c->state = CS_READING;
    finish_response(c);
    if (c->ev)
        event_active(c->ev, EV_READ, 0);
    else
        conn_run(c);
}

/* ---- memory transport (tests, fuzzing) --------------------------------------- */
pt_conn *pt_conn_mem_new(pt_server *s, pt_buf *out)
{
    pt_conn *c = conn_new(s, -1, TR_MEM);
    c->mem_out = out;
    snprintf(c->remote, sizeof c->remote, "127.0.0.1");
    return c;
}

void pt_conn_mem_feed(pt_conn *c, const char *data, size_t len)
{
    while (len && c->state != CS_DEAD) {
        if (!c->in) c->in = pt_pool_get();
        if (c->in_pos) {
            memmove(c->in, c->in + c->in_pos, c->in_len - c->in_pos);
            c->in_len -= c->in_pos;
            c->in_pos = 0;
        }
        size_t space = PT_INBUF - c->in_len;
        if (!space) break;   /* blocked (async): the rest is dropped */
        size_t n = len < space ? len : space;
        memcpy(c->in + c->in_len, data, n);
        c->in_len += n;
        data += n;
        len -= n;
        conn_run(c);
    }
}

bool pt_conn_mem_closed(pt_conn *c)
{
    return c->mem_closed;
}

void pt_conn_mem_free(pt_conn *c)
{
    if (c->state != CS_DEAD) pt_conn_close(c);
    unlink_conn(c);
    conn_free(c);
}
