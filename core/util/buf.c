/*
 * core/util/buf.c - the growable, always NUL-terminated byte buffer
 * (pt_buf, see portico/common.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portico/common.h"

void pt_buf_reserve(pt_buf *b, size_t extra)
{
    size_t need = b->len + extra + 1;
    if (need <= b->cap) return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) cap *= 2;
    b->data = pt_xrealloc(b->data, cap);
    b->cap = cap;
}

void pt_buf_append(pt_buf *b, const void *data, size_t len)
{
    pt_buf_reserve(b, len);
    if (len) memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = 0;
}

void pt_buf_puts(pt_buf *b, const char *s)
{
    pt_buf_append(b, s, strlen(s));
}

void pt_buf_putc(pt_buf *b, char c)
{
    pt_buf_reserve(b, 1);
    b->data[b->len++] = c;
    b->data[b->len] = 0;
}

void pt_buf_vprintf(pt_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    pt_buf_reserve(b, 64);
    int n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
    if (n >= 0 && (size_t)n >= b->cap - b->len) {
        pt_buf_reserve(b, (size_t)n);
        vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap2);
    }
    va_end(ap2);
    if (n > 0) b->len += (size_t)n;
}

void pt_buf_printf(pt_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pt_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void pt_buf_html_escape(pt_buf *b, const char *s, size_t len)
{
    pt_buf_reserve(b, len);
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        const char *rep = NULL;
        switch (s[i]) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: continue;
        }
        pt_buf_append(b, s + start, i - start);
        pt_buf_puts(b, rep);
        start = i + 1;
    }
    pt_buf_append(b, s + start, len - start);
}

void pt_buf_reset(pt_buf *b)
{
    b->len = 0;
    if (b->data) b->data[0] = 0;
}

void pt_buf_free(pt_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

char *pt_buf_steal(pt_buf *b)
{
    if (!b->data) pt_buf_reserve(b, 0);
    char *p = b->data;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}
