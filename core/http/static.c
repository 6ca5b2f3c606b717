/*
 * core/http/static.c - static files: mounts, safe path resolution, ETag /
 * If-None-Match, Last-Modified / If-Modified-Since, Cache-Control,
 * single Range requests, an in-memory cache of small hot files with a
 * gzip variant made once for text types (zlib), and pt_resp_file for big
 * ones so memory stays bounded.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "http/http_internal.h"
#include "http/static.h"
#include "portico/log.h"

#define CACHE_MAX_FILE (256 * 1024)
#define CACHE_SLOTS 256

typedef struct mount {
    char *prefix;
    size_t prefix_len;
    char *dir;
    char *owner;
    struct mount *next;
} mount;

typedef struct cached {
    char *path;          /* full file path */
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    char *data;
    char *gz;            /* gzip variant or NULL */
    size_t gz_len;
    char etag[48];
    char last_modified[40];
    const char *type;    /* static MIME string                         */
    /* The header lines of a plain 200, made once: Content-Type, ETag,
     * Last-Modified, Accept-Ranges, Vary when there is a gzip variant,
     * and Cache-Control, short [0] or immutable for ?v= URLs [1]. */
    char *head[2];
    size_t head_len[2];
    bool not_document;
} cached;

static mount *mounts;
static cached *cache[CACHE_SLOTS];

/* URL -> resolved file, trusted for a second: a hot asset costs no path
 * walk and no stat() per request; a changed file shows within 1 s. */
typedef struct resolved {
    char *url;
    char *full;
    struct stat st;
    uint64_t at_ms;
} resolved;
static resolved rcache[CACHE_SLOTS];

int pt_static_mount(const char *prefix, const char *dir, const char *owner)
{
    size_t pl = strlen(prefix);
    if (pl < 2 || prefix[0] != '/' || prefix[pl - 1] != '/') return PT_EINVAL;
    mount *m = pt_xcalloc(1, sizeof *m);
    m->prefix = pt_xstrdup(prefix);
    m->prefix_len = pl;
    m->dir = pt_xstrdup(dir);
    m->owner = pt_xstrdup(owner ? owner : "core");
    mount **pp = &mounts;
    while (*pp) pp = &(*pp)->next;
    *pp = m;
    return 0;
}

void pt_static_unmount_owner(const char *owner)
{
    mount **pp = &mounts;
    while (*pp) {
        if (strcmp((*pp)->owner, owner) == 0) {
            mount *d = *pp;
            *pp = d->next;
            free(d->prefix);
            free(d->dir);
            free(d->owner);
            free(d);
        } else {
            pp = &(*pp)->next;
        }
    }
    pt_static_cache_clear();
}

static void cached_free(cached *c)
{
    if (!c) return;
    free(c->path);
    free(c->data);
    free(c->gz);
    free(c->head[0]);
    free(c->head[1]);
    free(c);
}

static void rcache_clear(void);

void pt_static_cache_clear(void)
{
    rcache_clear();
    for (int i = 0; i < CACHE_SLOTS; i++) {
        cached_free(cache[i]);
        cache[i] = NULL;
    }
}

static void rcache_clear(void)
{
    for (int i = 0; i < CACHE_SLOTS; i++) {
        free(rcache[i].url);
        free(rcache[i].full);
        memset(&rcache[i], 0, sizeof rcache[i]);
    }
}

bool pt_static_path_ok(const char *rel)
{
    if (!rel || !*rel || rel[0] == '/') return false;
    const char *seg = rel;
    for (const char *p = rel;; p++) {
        if (*p == '\\' || (*p > 0 && *p < 0x20)) return false;
        if (*p == '/' || *p == 0) {
            size_t n = (size_t)(p - seg);
            if (n == 0 || seg[0] == '.') return false; /* empty, ".", "..", hidden */
            if (*p == 0) break;
            seg = p + 1;
        }
    }
    return true;
}

static const struct { const char *ext, *type; } mime_types[] = {
    {"css", "text/css; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"html", "text/html; charset=utf-8"},
    {"txt", "text/plain; charset=utf-8"},
    {"json", "application/json"},
    {"map", "application/json"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"ico", "image/x-icon"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"pdf", "application/pdf"},
    {"xml", "application/xml"},
    {"webmanifest", "application/manifest+json"},
};

const char *pt_static_mime(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (dot) {
        for (size_t i = 0; i < sizeof mime_types / sizeof mime_types[0]; i++)
            if (strcasecmp(dot + 1, mime_types[i].ext) == 0) return mime_types[i].type;
    }
    return "application/octet-stream";
}

static bool compressible(const char *type)
{
    return strncmp(type, "text/", 5) == 0 || strstr(type, "json") || strstr(type, "svg") ||
           strstr(type, "xml");
}

static void make_gzip(cached *c, const char *type)
{
    if (!compressible(type) || c->size < 256) return;
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, 9, Z_DEFLATED, 31, 9, Z_DEFAULT_STRATEGY) != Z_OK) return;
    uLong bound = deflateBound(&zs, (uLong)c->size) + 32;
    char *out = pt_xmalloc(bound);
    zs.next_in = (Bytef *)c->data;
    zs.avail_in = (uInt)c->size;
    zs.next_out = (Bytef *)out;
    zs.avail_out = (uInt)bound;
    int rc = deflate(&zs, Z_FINISH);
    size_t n = zs.total_out;
    deflateEnd(&zs);
    if (rc != Z_STREAM_END || n >= (size_t)c->size) {
        free(out);
        return;
    }
    c->gz = out;
    c->gz_len = n;
}

static unsigned slot_of(const char *path)
{
    unsigned h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) h = (h ^ *p) * 16777619u;
    return h % CACHE_SLOTS;
}

static void fill_validators(cached *c)
{
    snprintf(c->etag, sizeof c->etag, "\"%llx-%llx\"", (unsigned long long)c->mtime.tv_sec,
             (unsigned long long)c->size);
    struct tm tm;
    gmtime_r(&c->mtime.tv_sec, &tm);
    strftime(c->last_modified, sizeof c->last_modified, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static bool same_file(const cached *c, const struct stat *st)
{
    return c->dev == st->st_dev && c->ino == st->st_ino && c->size == st->st_size &&
           c->mtime.tv_sec == st->st_mtim.tv_sec && c->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

/* Return the cached entry for a small file, loading it when needed. */
#define CC_SHORT "public, max-age=300"
#define CC_IMMUTABLE "public, max-age=31536000, immutable"

static void make_heads(cached *c)
{
    for (int i = 0; i < 2; i++) {
        c->head[i] = pt_xasprintf("Content-Type: %s\r\nETag: %s\r\nLast-Modified: %s\r\n"
                                  "Cache-Control: %s\r\nAccept-Ranges: bytes\r\n%s",
                                  c->type, c->etag, c->last_modified,
                                  i ? CC_IMMUTABLE : CC_SHORT,
                                  c->gz ? "Vary: Accept-Encoding\r\n" : "");
        c->head_len[i] = strlen(c->head[i]);
    }
    c->not_document = !pt_http_is_document_type(c->type);
}

static cached *cache_get(const char *path, const struct stat *st)
{
    unsigned s = slot_of(path);
    cached *c = cache[s];
    if (c && strcmp(c->path, path) == 0 && same_file(c, st)) return c;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    char *data = pt_xmalloc((size_t)st->st_size + 1);
    size_t got = 0;
    while (got < (size_t)st->st_size) {
        ssize_t n = read(fd, data + got, (size_t)st->st_size - got);
        if (n <= 0) break;
        got += (size_t)n;
    }
    close(fd);
    if (got != (size_t)st->st_size) {
        free(data);
        return NULL;
    }
    cached_free(cache[s]);
    c = pt_xcalloc(1, sizeof *c);
    c->path = pt_xstrdup(path);
    c->dev = st->st_dev;
    c->ino = st->st_ino;
    c->size = st->st_size;
    c->mtime = st->st_mtim;
    c->data = data;
    c->type = pt_static_mime(path);
    fill_validators(c);
    make_gzip(c, c->type);
    make_heads(c);
    cache[s] = c;
    return c;
}

static bool etag_matches(const char *inm, const char *etag)
{
    if (!inm) return false;
    if (strcmp(inm, "*") == 0) return true;
    return strstr(inm, etag) != NULL; /* a list, possibly W/-prefixed */
}

static bool accepts_gzip(const char *ae)
{
    if (!ae) return false;
    const char *g = strstr(ae, "gzip");
    if (!g) return false;
    const char *q = strchr(g, ';');
    const char *comma = strchr(g, ',');
    if (q && (!comma || q < comma)) {
        while (*++q == ' ') {}
        if (strncmp(q, "q=0", 3) == 0 && (q[3] == 0 || q[3] == ',' ||
                                          (q[3] == '.' && strspn(q + 4, "0") > 0 &&
                                           (q[4 + strspn(q + 4, "0")] == 0 ||
                                            q[4 + strspn(q + 4, "0")] == ','))))
            return false;
    }
    return true;
}

/* Parse a single "bytes=" range against size. 1 = range set, 0 = ignore
 * (serve whole), -1 = unsatisfiable. */
static int parse_range(const char *h, off_t size, off_t *start, off_t *end)
{
    if (!h || strncmp(h, "bytes=", 6) != 0) return 0;
    const char *p = h + 6;
    if (strchr(p, ',')) return 0; /* multiple ranges: serve the whole file */
    char *e;
    if (*p == '-') {
        long long n = strtoll(p + 1, &e, 10);
        if (e == p + 1 || *e || n <= 0) return n == 0 && e != p + 1 && !*e ? -1 : 0;
        if (size == 0) return -1;
        *start = n >= size ? 0 : size - n;
        *end = size - 1;
        return 1;
    }
    long long a = strtoll(p, &e, 10);
    if (e == p || *e != '-' || a < 0) return 0;
    const char *q = e + 1;
    long long b;
    if (*q == 0) b = size - 1;
    else {
        b = strtoll(q, &e, 10);
        if (e == q || *e || b < a) return 0;
        if (b >= size) b = size - 1;
    }
    if (a >= size) return -1;
    *start = a;
    *end = b;
    return 1;
}

static void set_cache_headers(pt_req *req, const char *etag, const char *lm)
{
    pt_resp_set_header(req, "ETag", etag);
    pt_resp_set_header(req, "Last-Modified", lm);
    const char *v = pt_req_query(req, "v");
    pt_resp_set_header(req, "Cache-Control", v && *v ? CC_IMMUTABLE : CC_SHORT);
    pt_resp_set_header(req, "Accept-Ranges", "bytes");
}

/* The request headers static serving reads, found in one pass. */
typedef struct conditions {
    const char *inm, *ims, *range, *if_range, *ae;
} conditions;

static bool not_modified(const conditions *h, const char *etag, time_t mtime)
{
    if (h->inm) return etag_matches(h->inm, etag);
    if (h->ims) {
        struct tm tm;
        memset(&tm, 0, sizeof tm);
        if (strptime(h->ims, "%a, %d %b %Y %H:%M:%S GMT", &tm)) return timegm(&tm) >= mtime;
    }
    return false;
}

static void read_conditions(pt_req *req, conditions *h)
{
    memset(h, 0, sizeof *h);
    for (size_t i = 0; i < req->nhdr; i++) {
        const char *n = req->hdr[i].name, *v = req->hdr[i].value;
        switch (strlen(n)) {
        case 5: if (strcasecmp(n, "Range") == 0) h->range = v; break;
        case 8: if (strcasecmp(n, "If-Range") == 0) h->if_range = v; break;
        case 13: if (strcasecmp(n, "If-None-Match") == 0) h->inm = v; break;
        case 15: if (strcasecmp(n, "Accept-Encoding") == 0) h->ae = v; break;
        case 17: if (strcasecmp(n, "If-Modified-Since") == 0) h->ims = v; break;
        default: break;
        }
    }
}

static int serve_file(pt_req *req, const char *path, const struct stat *st)
{
    cached *c = NULL;
    char etag[48], lm[40];
    if (st->st_size <= CACHE_MAX_FILE) c = cache_get(path, st);
    conditions cond;
    read_conditions(req, &cond);
    if (c && !cond.inm && !cond.ims && !cond.range && req->nrh == 0) {
        /* a plain 200 of a hot file: prepared headers, one copy of the body */
        const char *v = req->query[0] ? pt_req_query(req, "v") : NULL;
        int k = v && *v ? 1 : 0;
        pt_resp_status(req, 200);
        pt_resp_header_block(req, c->head[k], c->head_len[k], c->not_document);
        if (c->gz && accepts_gzip(cond.ae)) {
            pt_resp_header_block(req, "Content-Encoding: gzip\r\n", 24, c->not_document);
            pt_resp_write(req, c->gz, c->gz_len);
        } else {
            pt_resp_write(req, c->data, (size_t)c->size);
        }
        return 0;
    }
    const char *type = c ? c->type : pt_static_mime(path);
    if (c) {
        memcpy(etag, c->etag, sizeof etag);
        memcpy(lm, c->last_modified, sizeof lm);
    } else {
        cached tmp;
        memset(&tmp, 0, sizeof tmp);
        tmp.mtime = st->st_mtim;
        tmp.size = st->st_size;
        fill_validators(&tmp);
        memcpy(etag, tmp.etag, sizeof etag);
        memcpy(lm, tmp.last_modified, sizeof lm);
    }
    pt_resp_set_header(req, "Content-Type", type);
    set_cache_headers(req, etag, lm);
    if (c && c->gz) pt_resp_set_header(req, "Vary", "Accept-Encoding");
    if (not_modified(&cond, etag, st->st_mtim.tv_sec)) {
        pt_resp_status(req, 304);
        return 0;
    }
    off_t start = 0, end = st->st_size - 1;
    const char *range = cond.range;
    const char *if_range = cond.if_range;
    int r = (if_range && strcmp(if_range, etag) != 0) ? 0 : parse_range(range, st->st_size, &start, &end);
    if (r < 0) {
        char cr[64];
        snprintf(cr, sizeof cr, "bytes */%lld", (long long)st->st_size);
        pt_resp_set_header(req, "Content-Range", cr);
        pt_http_error(req, 416, "The requested range is outside the file.");
        return 0;
    }
    if (r > 0) {
        char cr[96];
        snprintf(cr, sizeof cr, "bytes %lld-%lld/%lld", (long long)start, (long long)end,
                 (long long)st->st_size);
        pt_resp_set_header(req, "Content-Range", cr);
        pt_resp_status(req, 206);
    } else {
        pt_resp_status(req, 200);
    }
    size_t len = st->st_size ? (size_t)(end - start + 1) : 0;
    if (c) {
        if (r == 0 && c->gz && accepts_gzip(cond.ae)) {
            pt_resp_set_header(req, "Content-Encoding", "gzip");
            pt_resp_write(req, c->gz, c->gz_len);
        } else {
            pt_resp_write(req, c->data + start, len);
        }
        return 0;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        pt_http_error(req, 404, "This file does not exist.");
        return 0;
    }
    pt_resp_file(req, fd, start, len);
    return 0;
}



static void remember(const char *url, const char *full, const struct stat *st)
{
    resolved *r = &rcache[slot_of(url)];
    free(r->url);
    free(r->full);
    r->url = pt_xstrdup(url);
    r->full = pt_xstrdup(full);
    r->st = *st;
    r->at_ms = pt_now_ms();
}

int pt_static_serve(pt_req *req)
{
    const char *path = pt_req_path(req);
    const char *m0 = pt_req_method(req);
    if (strcmp(m0, "GET") == 0 || strcmp(m0, "HEAD") == 0) {
        resolved *r = &rcache[slot_of(path)];
        if (r->url && strcmp(r->url, path) == 0 && pt_now_ms() - r->at_ms < 1000)
            return serve_file(req, r->full, &r->st);
    }
    bool prefix_hit = false;
    for (mount *m = mounts; m; m = m->next) {
        if (strncmp(path, m->prefix, m->prefix_len) != 0) continue;
        prefix_hit = true;
        const char *rel = path + m->prefix_len;
        const char *method = pt_req_method(req);
        if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
            pt_resp_set_header(req, "Allow", "GET, HEAD");
            pt_http_error(req, 405, "Static files can only be read.");
            return 0;
        }
        if (!pt_static_path_ok(rel)) break;
        char full[4096];
        int n = snprintf(full, sizeof full, "%s/%s", m->dir, rel);
        if (n < 0 || (size_t)n >= sizeof full) break;
        struct stat st;
        if (stat(full, &st) != 0 || !S_ISREG(st.st_mode)) continue;
        remember(path, full, &st);
        return serve_file(req, full, &st);
    }
    if (!prefix_hit) return PT_ENOTFOUND;
    pt_http_error(req, 404, "This file does not exist.");
    return 0;
}
