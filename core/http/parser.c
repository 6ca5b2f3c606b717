/*
 * core/http/parser.c - the only file that knows http-parser (2.9.4). It
 * turns http-parser's callbacks into pt_parser_cb calls, always pauses
 * after a complete message (so the connection dispatches one request at a
 * time: pipelining), detects obs-fold continuation lines (http-parser
 * passes them on as a second value piece) and maps http-parser errors to
 * HTTP statuses. Swap http-parser by rewriting this file only.
 */
#include <http_parser.h>
#include <limits.h>
#include <stdlib.h>

#include "http/http_internal.h"

struct pt_parser {
    http_parser hp;
    const pt_parser_cb *cb;
    void *ud;
    const char *buf;          /* the buffer of the current feed call */
    const char *last_end;     /* end of the last value piece          */
    bool last_value;
    bool last_field;
};

static pt_parser *P(http_parser *hp)
{
    return (pt_parser *)hp;
}

static int ret(pt_parser *p, int r)
{
    if (r == PT_PARSE_PAUSE) {
        http_parser_pause(&p->hp, 1);
        return 0;
    }
    return r < 0 ? -1 : 0;
}

static int on_begin(http_parser *hp)
{
    pt_parser *p = P(hp);
    p->last_value = p->last_field = false;
    return p->cb->begin ? ret(p, p->cb->begin(p->ud)) : 0;
}

static int on_url(http_parser *hp, const char *at, size_t len)
{
    pt_parser *p = P(hp);
    return ret(p, p->cb->url(p->ud, at, len));
}

static int on_field(http_parser *hp, const char *at, size_t len)
{
    pt_parser *p = P(hp);
    bool cont = p->last_field && at == p->buf;
    p->last_value = false;
    p->last_field = true;
    return ret(p, p->cb->field(p->ud, at, len, cont));
}

static int on_value(http_parser *hp, const char *at, size_t len)
{
    pt_parser *p = P(hp);
    /* A second value piece that does not simply continue the previous one
     * across a buffer boundary is an obs-fold line. */
    bool fold = p->last_value && at != p->buf;
    p->last_value = true;
    p->last_field = false;
    p->last_end = at + len;
    if (fold) return ret(p, p->cb->value_fold(p->ud));
    return ret(p, p->cb->value(p->ud, at, len));
}

static int on_headers_complete(http_parser *hp)
{
    pt_parser *p = P(hp);
    p->last_value = p->last_field = false;
    pt_parser_info info;
    info.method = http_method_str((enum http_method)hp->method);
    info.major = hp->http_major;
    info.minor = hp->http_minor;
    info.has_cl = hp->content_length != ULLONG_MAX && (hp->flags & F_CONTENTLENGTH);
    info.content_length = info.has_cl ? hp->content_length : 0;
    info.chunked = (hp->flags & F_CHUNKED) != 0;
    info.keepalive = http_should_keep_alive(hp) != 0;
    /* We never upgrade or tunnel: treat such requests as ordinary ones. */
    hp->upgrade = 0;
    int r = p->cb->headers_done(p->ud, &info);
    if (r == PT_PARSE_PAUSE) {
        http_parser_pause(hp, 1);
        return 0;
    }
    return r < 0 ? -1 : 0;
}

static int on_body(http_parser *hp, const char *at, size_t len)
{
    pt_parser *p = P(hp);
    return ret(p, p->cb->body(p->ud, at, len));
}

static int on_complete(http_parser *hp)
{
    pt_parser *p = P(hp);
    int r = p->cb->complete(p->ud);
    if (r < 0) return -1;
    http_parser_pause(hp, 1);
    return 0;
}

static const http_parser_settings settings = {
    .on_message_begin = on_begin,
    .on_url = on_url,
    .on_header_field = on_field,
    .on_header_value = on_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_complete,
};

pt_parser *pt_parser_new(const pt_parser_cb *cb, void *ud)
{
    pt_parser *p = pt_xcalloc(1, sizeof *p);
    p->cb = cb;
    p->ud = ud;
    pt_parser_reset(p);
    return p;
}

void pt_parser_free(pt_parser *p)
{
    free(p);
}

void pt_parser_reset(pt_parser *p)
{
    http_parser_init(&p->hp, HTTP_REQUEST);
    p->hp.data = p;
    p->last_value = false;
}

void pt_parser_set_max_header(size_t n)
{
    http_parser_set_max_header_size(n > UINT32_MAX ? UINT32_MAX : (uint32_t)n);
}

static int map_errno(enum http_errno e)
{
    switch (e) {
    case HPE_HEADER_OVERFLOW: return 431;
    case HPE_INVALID_METHOD: return 501;
    case HPE_INVALID_TRANSFER_ENCODING: return 501;
    default: return 400;
    }
}

int pt_parser_feed(pt_parser *p, const char *data, size_t len, size_t *consumed)
{
    p->buf = data;
    size_t n = http_parser_execute(&p->hp, &settings, data, len);
    *consumed = n;
    enum http_errno e = HTTP_PARSER_ERRNO(&p->hp);
    if (e == HPE_OK) return PT_PARSE_OK;
    if (e == HPE_PAUSED) {
        http_parser_pause(&p->hp, 0);
        return PT_PARSE_PAUSED;
    }
    if (e >= HPE_CB_message_begin && e <= HPE_CB_chunk_complete) return PT_PARSE_CBERR;
    return map_errno(e);
}
