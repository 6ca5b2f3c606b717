/*
 * core/http/response.c - how a handler answers (portico/http.h "response"
 * part): status, headers, cookies, buffered/chunked/file/JSON/HTML bodies,
 * redirects, and the one error path pt_http_error (JSON or an HTML page by
 * the installed renderer; built-in page by default). Also serialises the
 * response head with our headers on every response: Date, Server, the
 * security headers (a handler may replace them with pt_resp_set_header),
 * Content-Length / Transfer-Encoding and Connection. Holds the gate,
 * fallback, finisher and error-page hooks.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "http/http_internal.h"

static int default_fallback(pt_req *req)
{
    pt_http_error(req, 404, "The page you asked for does not exist.");
    return 0;
}

pt_gate_fn pt_http_gate;
pt_handler_fn pt_http_fallback = default_fallback;
void (*pt_http_finisher)(pt_req *req);
pt_error_page_fn pt_http_error_page;

void pt_http_set_gate(pt_gate_fn fn) { pt_http_gate = fn; }

pt_gate_fn pt_http_prehandler;
void pt_http_set_prehandler(pt_gate_fn fn) { pt_http_prehandler = fn; }
void pt_http_set_fallback(pt_handler_fn fn) { pt_http_fallback = fn ? fn : default_fallback; }
void pt_http_set_finisher(void (*fn)(pt_req *req)) { pt_http_finisher = fn; }
void pt_http_set_error_page(pt_error_page_fn fn) { pt_http_error_page = fn; }

void pt_resp_status(pt_req *req, int status) { req->status = status; }
int pt_resp_get_status(pt_req *req) { return req->status; }
pt_buf *pt_resp_buf(pt_req *req) { return req->rbody; }

void pt_resp_reset(pt_req *req)
{
    req->status = 0;
    req->nrh = 0;
    req->overridden = 0;
    req->not_document = false;
    req->hblock = NULL;
    req->hblock_len = 0;
    if (req->rbody) pt_buf_reset(req->rbody);
    if (req->mode == RESP_FILE && req->file_fd >= 0) close(req->file_fd);
    req->file_fd = -1;
    req->mode = RESP_BUFFERED;
}

/* ---- headers ------------------------------------------------------------ */
static const struct {
    const char *name;
    size_t len;
    unsigned bit;
} overridable[] = {
    {"Content-Security-Policy", 23, OV_CSP}, {"X-Content-Type-Options", 22, OV_XCTO},
    {"X-Frame-Options", 15, OV_XFO},         {"Referrer-Policy", 15, OV_REFPOL},
    {"Strict-Transport-Security", 25, OV_HSTS}, {"Server", 6, OV_SERVER},
};

static inline bool name_is(const char *name, size_t len, const char *lit, size_t litlen)
{
    return len == litlen && strcasecmp(name, lit) == 0;
}

/* A token name without ':' or controls, a value without CR/LF, and not one
 * of the framing headers the core writes itself. *len gets the name's
 * length (the checks below compare lengths before any strcasecmp). */
static bool header_ok(const char *name, const char *value, size_t *len)
{
    if (!name || !*name || !value) return false;
    const char *p = name;
    for (; *p; p++)
        if (*p <= ' ' || *p == ':' || *p >= 0x7f) return false;
    *len = (size_t)(p - name);
    if (strpbrk(value, "\r\n")) return false;
    if (name_is(name, *len, "Content-Length", 14) || name_is(name, *len, "Transfer-Encoding", 17) ||
        name_is(name, *len, "Connection", 10))
        return false;
    return true;
}

bool pt_http_is_document_type(const char *type)
{
    return strncasecmp(type, "text/html", 9) == 0 || strncasecmp(type, "image/svg", 9) == 0 ||
           strncasecmp(type, "application/xhtml", 17) == 0 ||
           strncasecmp(type, "text/xml", 8) == 0 || strncasecmp(type, "application/xml", 15) == 0;
}

/* Remember what a header means for the ones the core writes: a replaced
 * security header, and whether the body is a document (Content-Type). */
static void note_header(pt_req *req, const char *name, size_t len, const char *value)
{
    if (name_is(name, len, "Content-Type", 12)) {
        req->not_document = !pt_http_is_document_type(value);
        return;
    }
    for (size_t i = 0; i < sizeof overridable / sizeof overridable[0]; i++)
        if (name_is(name, len, overridable[i].name, overridable[i].len))
            req->overridden |= overridable[i].bit;
}

static void add_header(pt_req *req, const char *name, size_t len, const char *value)
{
    if (req->nrh == req->caprh) {
        size_t cap = req->caprh ? req->caprh * 2 : 16;
        pt_kv *n = pt_arena_alloc(req->arena, cap * sizeof *n);
        if (req->nrh) memcpy(n, req->rh, req->nrh * sizeof *n);
        req->rh = n;
        req->caprh = cap;
    }
    req->rh[req->nrh].name = pt_arena_strndup(req->arena, name, len);
    req->rh[req->nrh].value = pt_arena_strdup(req->arena, value);
    req->nrh++;
    note_header(req, name, len, value);
}

void pt_resp_header(pt_req *req, const char *name, const char *value)
{
    size_t len;
    if (!header_ok(name, value, &len)) {
        pt_log(PT_LOG_WARN, "response header %s refused", name ? name : "(null)");
        return;
    }
    add_header(req, name, len, value);
}

void pt_resp_set_header(pt_req *req, const char *name, const char *value)
{
    size_t len;
    if (!header_ok(name, value, &len)) {
        pt_log(PT_LOG_WARN, "response header %s refused", name ? name : "(null)");
        return;
    }
    for (size_t i = 0; i < req->nrh; i++) {
        if (strcasecmp(req->rh[i].name, name) == 0) {
            req->rh[i].value = pt_arena_strdup(req->arena, value);
            note_header(req, name, len, value);
            /* drop later duplicates */
            size_t k = i + 1;
            for (size_t j = i + 1; j < req->nrh; j++)
                if (strcasecmp(req->rh[j].name, name) != 0) req->rh[k++] = req->rh[j];
            req->nrh = k;
            return;
        }
    }
    add_header(req, name, len, value);
}

void pt_resp_header_block(pt_req *req, const char *lines, size_t len, bool not_document)
{
    char *copy = pt_arena_alloc(req->arena, req->hblock_len + len + 1);
    if (req->hblock_len) memcpy(copy, req->hblock, req->hblock_len);
    memcpy(copy + req->hblock_len, lines, len);
    copy[req->hblock_len + len] = 0;
    req->hblock = copy;
    req->hblock_len += len;
    req->not_document = not_document;
}

void pt_resp_cookie(pt_req *req, const char *name, const char *value, long max_age,
                    unsigned flags)
{
    pt_buf b = PT_BUF_INIT;
    pt_buf_printf(&b, "%s=%s; Path=/", name, value ? value : "");
    if (max_age == 0)
        pt_buf_puts(&b, "; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
    else if (max_age > 0)
        pt_buf_printf(&b, "; Max-Age=%ld", max_age);
    if (flags & PT_COOKIE_HTTPONLY) pt_buf_puts(&b, "; HttpOnly");
    if (flags & PT_COOKIE_SECURE) pt_buf_puts(&b, "; Secure");
    if (flags & PT_COOKIE_STRICT)
        pt_buf_puts(&b, "; SameSite=Strict");
    else if (flags & PT_COOKIE_LAX)
        pt_buf_puts(&b, "; SameSite=Lax");
    pt_resp_header(req, "Set-Cookie", b.data);
    pt_buf_free(&b);
}

/* ---- bodies ------------------------------------------------------------- */
void pt_resp_write(pt_req *req, const void *data, size_t len)
{
    if (req->mode != RESP_BUFFERED) {
        pt_log(PT_LOG_ERROR, "pt_resp_write after a chunked or file response");
        return;
    }
    pt_buf_append(req->rbody, data, len);
}

void pt_resp_puts(pt_req *req, const char *s)
{
    pt_resp_write(req, s, strlen(s));
}

void pt_resp_printf(pt_req *req, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pt_buf_vprintf(req->rbody, fmt, ap);
    va_end(ap);
}

void pt_resp_chunk(pt_req *req, const void *data, size_t len)
{
    pt_conn *c = req->conn;
    if (req->mode == RESP_FILE) return;
    if (!req->head_sent) {
        req->mode = RESP_CHUNKED;
        req->head_sent = true;
        if (!req->status) req->status = 200;
        if (req->minor == 0 && req->major == 1) {
            req->chunk_raw = true;
            req->must_close = true;
        }
        pt_buf head = PT_BUF_INIT;
        pt_resp_serialize_head(req, &head, -1);
        pt_conn_send(c, head.data, head.len, len == 0 || req->head);
        req->bytes_out += head.len;
        pt_buf_free(&head);
    }
    if (len == 0 || req->head) return;
    if (req->chunk_raw) {
        pt_conn_send(c, data, len, true);
    } else {
        char h[24];
        int n = snprintf(h, sizeof h, "%zx\r\n", len);
        pt_conn_send(c, h, (size_t)n, false);
        pt_conn_send(c, data, len, false);
        pt_conn_send(c, "\r\n", 2, true);
    }
    req->bytes_out += len;
}

void pt_resp_file(pt_req *req, int fd, off_t offset, size_t len)
{
    if (req->mode != RESP_BUFFERED) {
        close(fd);
        return;
    }
    pt_buf_reset(req->rbody);
    req->mode = RESP_FILE;
    req->file_fd = fd;
    req->file_off = offset;
    req->file_left = len;
    if (!req->status) req->status = 200;
}

static int dump_cb(const char *buf, size_t size, void *data)
{
    pt_buf_append(data, buf, size);
    return 0;
}

void pt_resp_json(pt_req *req, int status, json_t *j)
{
    if (req->mode == RESP_FILE && req->file_fd >= 0) close(req->file_fd);
    req->file_fd = -1;
    req->mode = RESP_BUFFERED;
    pt_buf_reset(req->rbody);
    req->status = status;
    pt_resp_set_header(req, "Content-Type", "application/json");
    if (j) {
        json_dump_callback(j, dump_cb, req->rbody, JSON_COMPACT);
        json_decref(j);
    }
}

void pt_resp_html(pt_req *req, int status, const char *html, size_t len)
{
    req->status = status;
    pt_resp_set_header(req, "Content-Type", "text/html; charset=utf-8");
    pt_buf_reset(req->rbody);
    pt_buf_append(req->rbody, html, len);
}

void pt_resp_redirect(pt_req *req, const char *location)
{
    const char *m = pt_req_method(req);
    bool safe = strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
    req->status = safe ? 302 : 303;
    pt_resp_set_header(req, "Location", location);
    pt_buf_reset(req->rbody);
}

/* ---- errors ------------------------------------------------------------- */
static void builtin_page(pt_req *req, int status, const char *message)
{
    pt_buf *b = req->rbody;
    const char *reason = pt_http_reason(status);
    pt_buf_printf(b,
                  "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                  "<title>%d %s</title></head>\n<body><h1>%d %s</h1>\n<p>",
                  status, reason, status, reason);
    pt_buf_html_escape(b, message, strlen(message));
    pt_buf_puts(b, "</p></body></html>\n");
}

static void error_common(pt_req *req, int status, const char *field, const char *message,
                         bool builtin)
{
    if (!message) message = pt_http_reason(status);
    if (req->head_sent) {
        pt_log(PT_LOG_WARN, "error %d after the response head was sent: %s", status, message);
        req->must_close = true;
        return;
    }
    /* keep the handler's cookies and headers, reset the body */
    if (req->mode == RESP_FILE && req->file_fd >= 0) close(req->file_fd);
    req->file_fd = -1;
    req->mode = RESP_BUFFERED;
    pt_buf_reset(req->rbody);
    req->hblock = NULL;   /* prepared lines described the body just dropped */
    req->hblock_len = 0;
    req->status = status;
    if (!builtin && pt_req_wants_json(req)) {
        json_t *e = json_pack("{s:i,s:s}", "status", status, "message", message);
        if (field) json_object_set_new(e, "field", json_string(field));
        json_t *root = json_pack("{s:o}", "error", e);
        pt_resp_set_header(req, "Content-Type", "application/json");
        json_dump_callback(root, dump_cb, req->rbody, JSON_COMPACT);
        json_decref(root);
        return;
    }
    pt_resp_set_header(req, "Content-Type", "text/html; charset=utf-8");
    if (!builtin && pt_http_error_page)
        pt_http_error_page(req, status, message);
    else
        builtin_page(req, status, message);
}

void pt_http_error(pt_req *req, int status, const char *message)
{
    error_common(req, status, NULL, message, false);
}

void pt_http_error_field(pt_req *req, int status, const char *field, const char *message)
{
    error_common(req, status, field, message, false);
}

void pt_resp_builtin_error(pt_req *req, int status, const char *message)
{
    req->nrh = 0;
    req->overridden = 0;
    req->not_document = false;
    req->hblock = NULL;
    req->hblock_len = 0;
    error_common(req, status, NULL, message, true);
}

/* ---- head ----------------------------------------------------------------- */
/* The security headers on every response. Pages (HTML, SVG, XML: what a
 * browser renders as a document) get the page policy; every other
 * response (CSS, scripts, JSON, images, fonts, files) the shorter and
 * stricter policy of a resource that is not a page, and "no-referrer".
 * The policy only matters for documents, so the short form loses nothing
 * and saves ~140 bytes of every asset and API answer. */
#define HSTS_LINE "Strict-Transport-Security: max-age=31536000\r\n"
#define CSP_PAGE                                                                           \
    "Content-Security-Policy: default-src 'self'; img-src 'self' data:; style-src 'self'; " \
    "script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "          \
    "frame-ancestors 'none'\r\n"
#define CSP_RESOURCE "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\n"
#define XCTO_LINE "X-Content-Type-Options: nosniff\r\n"
#define XFO_LINE "X-Frame-Options: DENY\r\n"
#define REFPOL_PAGE "Referrer-Policy: strict-origin-when-cross-origin\r\n"
#define REFPOL_RESOURCE "Referrer-Policy: no-referrer\r\n"
#define SERVER_LINE "Server: portico\r\n"

/* [hsts * 2 + resource] */
static const char *const security_block[4] = {
    SERVER_LINE CSP_PAGE XCTO_LINE XFO_LINE REFPOL_PAGE,
    SERVER_LINE CSP_RESOURCE XCTO_LINE XFO_LINE REFPOL_RESOURCE,
    SERVER_LINE HSTS_LINE CSP_PAGE XCTO_LINE XFO_LINE REFPOL_PAGE,
    SERVER_LINE HSTS_LINE CSP_RESOURCE XCTO_LINE XFO_LINE REFPOL_RESOURCE,
};
static const size_t security_block_len[4] = {
    sizeof(SERVER_LINE CSP_PAGE XCTO_LINE XFO_LINE REFPOL_PAGE) - 1,
    sizeof(SERVER_LINE CSP_RESOURCE XCTO_LINE XFO_LINE REFPOL_RESOURCE) - 1,
    sizeof(SERVER_LINE HSTS_LINE CSP_PAGE XCTO_LINE XFO_LINE REFPOL_PAGE) - 1,
    sizeof(SERVER_LINE HSTS_LINE CSP_RESOURCE XCTO_LINE XFO_LINE REFPOL_RESOURCE) - 1,
};

static const char *date_line(void)
{
    static __thread char line[48];
    static __thread time_t last;
    time_t now = time(NULL);
    if (now != last) {
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(line, sizeof line, "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
        last = now;
    }
    return line;
}

static inline void put(pt_buf *b, const char *s, size_t n)
{
    pt_buf_append(b, s, n);
}
#define PUTS(b, lit) put((b), lit, sizeof(lit) - 1)

static void put_u(pt_buf *b, unsigned long long v)
{
    char tmp[24];
    int i = 24;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    put(b, tmp + i, (size_t)(24 - i));
}

void pt_resp_serialize_head(pt_req *req, pt_buf *out, long long body_len)
{
    if (pt_http_finisher) pt_http_finisher(req);
    int st = req->status ? req->status : 200;
    pt_conn *c = req->conn;
    bool keep = req->keepalive && !req->must_close && !(c && c->srv && c->srv->draining);
    if (!keep) req->must_close = true;
    pt_buf_reserve(out, 512);
    PUTS(out, "HTTP/1.1 ");
    put_u(out, (unsigned)st);
    pt_buf_putc(out, ' ');
    pt_buf_puts(out, pt_http_reason(st));
    PUTS(out, "\r\n");
    pt_buf_puts(out, date_line());
    unsigned ov = req->overridden;
    bool hsts = c && c->srv && c->srv->cfg.hsts;
    if (!ov) {
        /* the usual case: one copy of a prepared block */
        int k = (hsts ? 2 : 0) + (req->not_document ? 1 : 0);
        put(out, security_block[k], security_block_len[k]);
    } else {
        if (!(ov & OV_SERVER)) PUTS(out, "Server: portico\r\n");
        if (!(ov & OV_HSTS) && hsts) PUTS(out, HSTS_LINE);
        if (!(ov & OV_CSP)) {
            if (req->not_document)
                PUTS(out, CSP_RESOURCE);
            else
                PUTS(out, CSP_PAGE);
        }
        if (!(ov & OV_XCTO)) PUTS(out, XCTO_LINE);
        if (!(ov & OV_XFO)) PUTS(out, XFO_LINE);
        if (!(ov & OV_REFPOL)) {
            if (req->not_document)
                PUTS(out, REFPOL_RESOURCE);
            else
                PUTS(out, REFPOL_PAGE);
        }
    }
    for (size_t i = 0; i < req->nrh; i++) {
        size_t nl = strlen(req->rh[i].name), vl = strlen(req->rh[i].value);
        pt_buf_reserve(out, nl + vl + 4);
        char *w = out->data + out->len;
        memcpy(w, req->rh[i].name, nl);
        w[nl] = ':';
        w[nl + 1] = ' ';
        memcpy(w + nl + 2, req->rh[i].value, vl);
        w[nl + 2 + vl] = '\r';
        w[nl + 3 + vl] = '\n';
        out->len += nl + vl + 4;
        out->data[out->len] = 0;
    }
    if (req->hblock_len) put(out, req->hblock, req->hblock_len);
    bool nobody = st < 200 || st == 204 || st == 304;
    if (!nobody) {
        if (body_len >= 0) {
            PUTS(out, "Content-Length: ");
            put_u(out, (unsigned long long)body_len);
            PUTS(out, "\r\n");
        } else if (!req->chunk_raw) {
            PUTS(out, "Transfer-Encoding: chunked\r\n");
        }
    }
    if (!keep)
        PUTS(out, "Connection: close\r\n");
    else if (req->minor == 0)
        PUTS(out, "Connection: keep-alive\r\n");
    PUTS(out, "\r\n");
}
