/*
 * core/http/request.c - what a handler reads of a request (portico/http.h
 * "request" part): getters, headers, route params, and the lazily parsed
 * query string, cookies, form bodies (urlencoded and multipart/form-data)
 * and JSON body (jansson). Everything parsed lives in the request arena;
 * multipart file data points into the buffered body. Per-request data
 * slots for plugins live here too.
 */
#include <string.h>
#include <strings.h>

#include "http/http_internal.h"

const char *pt_req_method(pt_req *req) { return req->method ? req->method : "GET"; }
bool pt_req_is_head(pt_req *req) { return req->head; }
const char *pt_req_path(pt_req *req) { return req->path ? req->path : "/"; }
const char *pt_req_target(pt_req *req) { return req->target ? req->target : "/"; }
const char *pt_req_query_string(pt_req *req) { return req->query ? req->query : ""; }
const char *pt_req_remote_addr(pt_req *req) { return req->conn ? req->conn->remote : "-"; }
pt_arena *pt_req_arena(pt_req *req) { return req->arena; }
void *pt_req_route_ud(pt_req *req) { return req->route ? req->route->ud : NULL; }
const pt_route *pt_req_route(pt_req *req) { return req->route; }

const char *pt_req_header(pt_req *req, const char *name)
{
    unsigned char first = (unsigned char)(name[0] | 0x20);
    for (size_t i = 0; i < req->nhdr; i++)
        if ((unsigned char)(req->hdr[i].name[0] | 0x20) == first &&
            strcasecmp(req->hdr[i].name, name) == 0)
            return req->hdr[i].value;
    return NULL;
}

const char *pt_req_param(pt_req *req, const char *name)
{
    for (int i = 0; i < req->params.n; i++)
        if (strcmp(req->params.name[i], name) == 0) return req->params.value[i];
    return NULL;
}

/* ---- key/value lists ---------------------------------------------------- */
typedef struct kvlist {
    pt_kv *v;
    size_t n, cap;
} kvlist;

static void kv_push(pt_arena *a, kvlist *l, const char *name, const char *value)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        pt_kv *nv = pt_arena_alloc(a, cap * sizeof *nv);
        if (l->n) memcpy(nv, l->v, l->n * sizeof *nv);
        l->v = nv;
        l->cap = cap;
    }
    l->v[l->n].name = name;
    l->v[l->n].value = value;
    l->n++;
}

/* Parse "a=1&b=2" (copied into the arena, decoded with '+' as space). */
static void parse_urlencoded(pt_arena *a, kvlist *l, const char *s, size_t len)
{
    char *copy = pt_arena_strndup(a, s, len);
    char *p = copy, *end = copy + len;
    while (p < end) {
        char *amp = memchr(p, '&', (size_t)(end - p));
        char *stop = amp ? amp : end;
        *stop = 0;
        if (stop > p) {
            char *eq = memchr(p, '=', (size_t)(stop - p));
            char *val = "";
            if (eq) {
                *eq = 0;
                val = eq + 1;
                pt_url_decode(val, strlen(val), true);
            }
            pt_url_decode(p, strlen(p), true);
            kv_push(a, l, p, val);
        }
        p = stop + 1;
    }
}

static const char *kv_find(const pt_kv *v, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].name, name) == 0) return v[i].value;
    return NULL;
}

const char *pt_req_query(pt_req *req, const char *name)
{
    if (!req->query_done) {
        kvlist l = {0};
        const char *q = pt_req_query_string(req);
        parse_urlencoded(req->arena, &l, q, strlen(q));
        req->qkv = l.v;
        req->nq = l.n;
        req->query_done = true;
    }
    return kv_find(req->qkv, req->nq, name);
}

/* ---- cookies -------------------------------------------------------------- */
static void parse_cookies(pt_req *req)
{
    kvlist l = {0};
    for (size_t h = 0; h < req->nhdr; h++) {
        if (strcasecmp(req->hdr[h].name, "Cookie") != 0) continue;
        char *copy = pt_arena_strdup(req->arena, req->hdr[h].value);
        char *save = NULL;
        for (char *tok = strtok_r(copy, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
            while (*tok == ' ' || *tok == '\t') tok++;
            char *eq = strchr(tok, '=');
            if (!eq || eq == tok) continue;
            *eq = 0;
            char *name = tok, *val = eq + 1;
            size_t nl = strlen(name);
            while (nl && (name[nl - 1] == ' ' || name[nl - 1] == '\t')) name[--nl] = 0;
            size_t vl = strlen(val);
            while (vl && (val[vl - 1] == ' ' || val[vl - 1] == '\t')) val[--vl] = 0;
            if (vl >= 2 && val[0] == '"' && val[vl - 1] == '"') {
                val[vl - 1] = 0;
                val++;
            }
            kv_push(req->arena, &l, name, val);
        }
    }
    req->ckv = l.v;
    req->nc = l.n;
    req->cookie_done = true;
}

const char *pt_req_cookie(pt_req *req, const char *name)
{
    if (!req->cookie_done) parse_cookies(req);
    /* first one wins: the most specific path is sent first */
    return kv_find(req->ckv, req->nc, name);
}

/* ---- forms ------------------------------------------------------------------ */
/* Value of parameter `key` in a header value like
 * 'form-data; name="x"; filename="y"' (arena copy) or NULL. */
static const char *hparam(pt_arena *a, const char *h, const char *key)
{
    size_t kl = strlen(key);
    const char *p = h;
    while ((p = strchr(p, ';'))) {
        p++;
        while (*p == ' ' || *p == '\t') p++;
        if (strncasecmp(p, key, kl) == 0 && p[kl] == '=') {
            p += kl + 1;
            if (*p == '"') {
                p++;
                const char *e = p;
                pt_buf tmp = PT_BUF_INIT;
                while (*e && *e != '"') {
                    if (*e == '\\' && e[1]) e++;
                    pt_buf_putc(&tmp, *e++);
                }
                char *r = pt_arena_strndup(a, tmp.data ? tmp.data : "", tmp.len);
                pt_buf_free(&tmp);
                return r;
            }
            const char *e = p;
            while (*e && *e != ';' && *e != ' ' && *e != '\t') e++;
            return pt_arena_strndup(a, p, (size_t)(e - p));
        }
    }
    return NULL;
}

static const char *memmem_s(const char *h, size_t hl, const char *n, size_t nl)
{
    return memmem(h, hl, n, nl);
}

static void parse_multipart(pt_req *req, const char *ctype, kvlist *l)
{
    const char *b = hparam(req->arena, ctype, "boundary");
    if (!b || !*b || strlen(b) > 200) return;
    char *delim = pt_arena_printf(req->arena, "--%s", b);
    size_t dl = strlen(delim);
    const char *body = req->body->data ? req->body->data : "";
    size_t blen = req->body->len;
    const char *p = memmem_s(body, blen, delim, dl);
    pt_file_part *files = NULL;
    size_t nfiles = 0, capf = 0;
    while (p) {
        p += dl;
        size_t left = blen - (size_t)(p - body);
        if (left >= 2 && p[0] == '-' && p[1] == '-') break;   /* closing */
        if (left >= 2 && p[0] == '\r' && p[1] == '\n') p += 2;
        else if (left >= 1 && p[0] == '\n') p += 1;
        else break;
        left = blen - (size_t)(p - body);
        const char *hend = memmem_s(p, left, "\r\n\r\n", 4);
        size_t hsep = 4;
        if (!hend) break;
        /* part headers */
        const char *name = NULL, *filename = NULL, *ptype = NULL;
        char *hdrs = pt_arena_strndup(req->arena, p, (size_t)(hend - p));
        char *save = NULL;
        for (char *line = strtok_r(hdrs, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
            char *colon = strchr(line, ':');
            if (!colon) continue;
            *colon = 0;
            char *v = colon + 1;
            while (*v == ' ' || *v == '\t') v++;
            if (strcasecmp(line, "Content-Disposition") == 0) {
                name = hparam(req->arena, v, "name");
                filename = hparam(req->arena, v, "filename");
            } else if (strcasecmp(line, "Content-Type") == 0) {
                ptype = pt_arena_strdup(req->arena, v);
            }
        }
        const char *data = hend + hsep;
        size_t dleft = blen - (size_t)(data - body);
        /* the part ends at CRLF + delimiter */
        char *end_delim = pt_arena_printf(req->arena, "\r\n%s", delim);
        const char *next = memmem_s(data, dleft, end_delim, dl + 2);
        if (!next) break;
        size_t len = (size_t)(next - data);
        if (name) {
            if (filename) {
                if (nfiles == capf) {
                    capf = capf ? capf * 2 : 4;
                    pt_file_part *nf = pt_arena_alloc(req->arena, capf * sizeof *nf);
                    if (nfiles) memcpy(nf, files, nfiles * sizeof *nf);
                    files = nf;
                }
                files[nfiles++] = (pt_file_part){name, filename, ptype, data, len};
            } else {
                kv_push(req->arena, l, name, pt_arena_strndup(req->arena, data, len));
            }
        }
        p = next + 2;
    }
    req->files = files;
    req->nfiles = nfiles;
}

static void parse_form(pt_req *req)
{
    req->form_done = true;
    if (!req->body) return;
    const char *ct = pt_req_header(req, "Content-Type");
    if (!ct) return;
    kvlist l = {0};
    if (strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0)
        parse_urlencoded(req->arena, &l, req->body->data ? req->body->data : "", req->body->len);
    else if (strncasecmp(ct, "multipart/form-data", 19) == 0)
        parse_multipart(req, ct, &l);
    req->fkv = l.v;
    req->nf = l.n;
}

const char *pt_req_form(pt_req *req, const char *name)
{
    if (!req->form_done) parse_form(req);
    return kv_find(req->fkv, req->nf, name);
}

size_t pt_req_form_all(pt_req *req, const char *name, const char ***out)
{
    if (!req->form_done) parse_form(req);
    size_t n = 0;
    for (size_t i = 0; i < req->nf; i++)
        if (strcmp(req->fkv[i].name, name) == 0) n++;
    const char **v = pt_arena_alloc(req->arena, (n + 1) * sizeof *v);
    size_t k = 0;
    for (size_t i = 0; i < req->nf; i++)
        if (strcmp(req->fkv[i].name, name) == 0) v[k++] = req->fkv[i].value;
    *out = v;
    return n;
}

int pt_req_file(pt_req *req, const char *name, const char **data, size_t *len,
                const char **filename, const char **content_type)
{
    if (!req->form_done) parse_form(req);
    for (size_t i = 0; i < req->nfiles; i++) {
        if (strcmp(req->files[i].name, name) != 0) continue;
        if (data) *data = req->files[i].data;
        if (len) *len = req->files[i].len;
        if (filename) *filename = req->files[i].filename;
        if (content_type) *content_type = req->files[i].content_type;
        return 0;
    }
    return PT_ENOTFOUND;
}

const char *pt_req_body(pt_req *req, size_t *len)
{
    if (!req->body || !req->body->data) {
        if (len) *len = 0;
        return "";
    }
    if (len) *len = req->body->len;
    return req->body->data;
}

static void json_release(void *p)
{
    json_decref(p);
}

json_t *pt_req_json(pt_req *req, const char **why)
{
    if (!req->json_done) {
        req->json_done = true;
        size_t len;
        const char *b = pt_req_body(req, &len);
        if (len == 0) {
            req->json_why = "the request body is empty";
        } else {
            json_error_t err;
            req->json = json_loadb(b, len, JSON_REJECT_DUPLICATES, &err);
            if (req->json)
                pt_arena_defer(req->arena, json_release, req->json);
            else
                req->json_why = pt_arena_printf(req->arena, "invalid JSON at line %d: %s",
                                                err.line, err.text);
        }
    }
    if (!req->json && why) *why = req->json_why;
    return req->json;
}

bool pt_req_wants_json(pt_req *req)
{
    if (req->route && (req->route->flags & PT_ROUTE_JSON)) return true;
    const char *p = req->path;
    if (p && strncmp(p, "/api", 4) == 0 && (p[4] == '/' || p[4] == 0)) return true;
    const char *acc = pt_req_header(req, "Accept");
    if (!acc) return false;
    const char *j = strcasestr(acc, "application/json");
    if (!j) return false;
    const char *h = strcasestr(acc, "text/html");
    return !h || j < h;
}

void pt_req_set_data(pt_req *req, const void *key, void *value)
{
    for (int i = 0; i < req->nslots; i++)
        if (req->slot_key[i] == key) {
            req->slot_val[i] = value;
            return;
        }
    if (req->nslots == PT_REQ_SLOTS) {
        pt_log(PT_LOG_ERROR, "pt_req_set_data: more than %d slots", PT_REQ_SLOTS);
        return;
    }
    req->slot_key[req->nslots] = key;
    req->slot_val[req->nslots++] = value;
}

void *pt_req_get_data(pt_req *req, const void *key)
{
    for (int i = 0; i < req->nslots; i++)
        if (req->slot_key[i] == key) return req->slot_val[i];
    return NULL;
}
