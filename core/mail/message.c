/*
 * core/mail/message.c - builds the RFC 5322 message the sender hands to
 * SMTP: Date, Message-ID, From, To, Reply-To, Subject (RFC 2047 encoded
 * words when not plain ASCII), MIME-Version, Auto-Submitted, and the body
 * as text/plain or multipart/alternative (text/plain + text/html), both
 * UTF-8 and quoted-printable.
 *
 * Why quoted-printable for everything: the result is pure 7-bit ASCII with
 * short lines, so it survives any relay (no 8BITMIME needed), a "." at the
 * start of a line never meets SMTP's end-of-data marker (we encode it as
 * =2E on top of libcurl's dot-stuffing), and the MIME boundary contains
 * "=_", which quoted-printable output can never contain.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mail/mail_internal.h"

/* ---- small encoders --------------------------------------------------------- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void base64(pt_buf *out, const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)s[i] << 16;
        if (i + 1 < n) v |= (unsigned)s[i + 1] << 8;
        if (i + 2 < n) v |= s[i + 2];
        pt_buf_putc(out, b64[(v >> 18) & 63]);
        pt_buf_putc(out, b64[(v >> 12) & 63]);
        pt_buf_putc(out, i + 1 < n ? b64[(v >> 6) & 63] : '=');
        pt_buf_putc(out, i + 2 < n ? b64[v & 63] : '=');
    }
}

static bool plain_ascii(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p > 0x7e) return false;
    return strstr(s, "=?") == NULL;
}

/* Length of the UTF-8 sequence starting with byte c (1 for stray bytes). */
static size_t u8len(unsigned char c)
{
    if (c >= 0xf0 && c < 0xf8) return 4;
    if (c >= 0xe0) return c < 0xf0 ? 3 : 1;
    if (c >= 0xc0) return 2;
    return 1;
}

void pt_mail_header_encode(pt_buf *out, const char *s, size_t used)
{
    /* Work on a copy without CR/LF: a header value is one line. */
    pt_buf clean = PT_BUF_INIT;
    for (const char *p = s ? s : ""; *p; p++)
        if (*p != '\r' && *p != '\n') pt_buf_putc(&clean, *p);
    const char *v = clean.data ? clean.data : "";
    size_t n = clean.len;

    if (plain_ascii(v)) {
        /* Fold long values: a blank before a word that would pass column
         * 76 becomes CRLF + blank (unfolding gives the value back). */
        size_t col = used;
        const char *p = v, *end = v + n;
        bool first = true;
        while (p < end) {
            const char *sp = memchr(p, ' ', (size_t)(end - p));
            const char *we = sp ? sp : end;
            size_t wl = (size_t)(we - p);
            if (!first) {
                if (wl > 0 && col + 1 + wl > 76) {
                    pt_buf_puts(out, "\r\n ");
                    col = 1;
                } else {
                    pt_buf_putc(out, ' ');
                    col++;
                }
            }
            pt_buf_append(out, p, wl);
            col += wl;
            first = false;
            if (!sp) break;
            p = sp + 1;
            if (p == end) pt_buf_putc(out, ' '); /* a trailing blank */
        }
        pt_buf_free(&clean);
        return;
    }

    /* Encoded words "=?UTF-8?B?...?=" (12 bytes of frame + base64), each
     * on its own line after the first; whitespace between encoded words
     * is dropped by decoders. */
    size_t col = used, i = 0;
    while (i < n) {
        size_t room = col + 12 + 4 <= 76 ? 76 - col - 12 : 0;
        size_t max_bytes = (room / 4) * 3;
        if (max_bytes < 4) { /* not even one character fits: fold first */
            pt_buf_puts(out, "\r\n ");
            col = 1;
            continue;
        }
        size_t take = 0;
        while (i + take < n) {
            size_t l = u8len((unsigned char)v[i + take]);
            if (i + take + l > n) l = n - i - take;
            if (take + l > max_bytes) break;
            take += l;
        }
        pt_buf_puts(out, "=?UTF-8?B?");
        base64(out, (const unsigned char *)v + i, take);
        pt_buf_puts(out, "?=");
        i += take;
        if (i < n) {
            pt_buf_puts(out, "\r\n ");
            col = 1;
        }
    }
    pt_buf_free(&clean);
}

void pt_mail_qp(pt_buf *out, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t col = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\r' && i + 1 < len && s[i + 1] == '\n') continue; /* CRLF -> LF */
        if (c == '\n') {
            pt_buf_puts(out, "\r\n");
            col = 0;
            continue;
        }
        bool eol = i + 1 == len || s[i + 1] == '\n' ||
                   (s[i + 1] == '\r' && i + 2 < len && s[i + 2] == '\n');
        char tok[4];
        size_t tlen;
        bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !eol);
        if (c == '.' && col == 0) literal = false;
        if (literal) {
            tok[0] = (char)c;
            tlen = 1;
        } else {
            tok[0] = '=';
            tok[1] = hex[c >> 4];
            tok[2] = hex[c & 15];
            tlen = 3;
        }
        /* Soft break so no line exceeds 76 characters (the "=" counts). */
        if (col + tlen > 75) {
            pt_buf_puts(out, "=\r\n");
            col = 0;
            if (c == '.') { /* a "." now opening the line: encode it */
                tok[0] = '=';
                tok[1] = hex[c >> 4];
                tok[2] = hex[c & 15];
                tlen = 3;
            }
        }
        pt_buf_append(out, tok, tlen);
        col += tlen;
    }
}

void pt_mail_html_unescape(char *s)
{
    static const struct {
        const char *ent;
        char c;
    } map[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#39;", '\''}};
    if (!s) return;
    char *w = s;
    for (char *r = s; *r;) {
        bool hit = false;
        if (*r == '&') {
            for (size_t k = 0; k < sizeof map / sizeof map[0]; k++) {
                size_t l = strlen(map[k].ent);
                if (strncmp(r, map[k].ent, l) == 0) {
                    *w++ = map[k].c;
                    r += l;
                    hit = true;
                    break;
                }
            }
        }
        if (!hit) *w++ = *r++;
    }
    *w = 0;
}

/* ---- the message --------------------------------------------------------------- */

static void date_header(pt_buf *out, uint64_t ms)
{
    static const char *days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *mons[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    pt_buf_printf(out, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", days[tm.tm_wday],
                  tm.tm_mday, mons[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                  tm.tm_sec);
}

/* A display name: atoms as they are, other ASCII quoted, else RFC 2047. */
static void display_name(pt_buf *out, const char *name, size_t used)
{
    bool atoms = true, ascii = true;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (*p < 0x20 || *p > 0x7e) ascii = false;
        else if (!((*p >= '0' && *p <= '9') || ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z') ||
                   strchr("!#$%&'*+-/=?^_`{|}~ ", *p))) atoms = false;
    }
    if (ascii && strstr(name, "=?")) ascii = false;
    if (ascii && atoms) {
        pt_buf_puts(out, name);
    } else if (ascii) {
        pt_buf_putc(out, '"');
        for (const char *p = name; *p; p++) {
            if (*p == '"' || *p == '\\') pt_buf_putc(out, '\\');
            pt_buf_putc(out, *p);
        }
        pt_buf_putc(out, '"');
    } else {
        pt_mail_header_encode(out, name, used);
    }
}

int pt_mail_build(const pt_mail_parts *p, uint64_t boundary_seed, pt_buf *out)
{
    char *fname = NULL, *faddr = NULL;
    if (!p || !p->text || !pt_mail_address_ok(p->to) ||
        (p->reply_to && *p->reply_to && !pt_mail_address_ok(p->reply_to)) ||
        pt_mail_parse_from(p->from, &fname, &faddr) != PT_OK)
        return PT_EINVAL;

    pt_buf b = PT_BUF_INIT;
    date_header(&b, p->date_ms);
    pt_buf_puts(&b, "From: ");
    if (*fname) {
        display_name(&b, fname, 6);
        /* fold before the address when the name filled the line */
        const char *nl = b.len >= 2 ? memrchr(b.data, '\n', b.len) : NULL;
        size_t col = nl ? b.len - (size_t)(nl + 1 - b.data) : b.len;
        pt_buf_puts(&b, col + 3 + strlen(faddr) > 78 ? "\r\n " : " ");
    }
    pt_buf_printf(&b, "<%s>\r\n", faddr);
    pt_buf_printf(&b, "To: <%s>\r\n", p->to);
    if (p->reply_to && *p->reply_to) pt_buf_printf(&b, "Reply-To: <%s>\r\n", p->reply_to);
    pt_buf_puts(&b, "Subject: ");
    pt_mail_header_encode(&b, p->subject ? p->subject : "", 9);
    pt_buf_puts(&b, "\r\n");
    if (p->message_id && *p->message_id && !strpbrk(p->message_id, "\r\n"))
        pt_buf_printf(&b, "Message-ID: %s\r\n", p->message_id);
    pt_buf_puts(&b, "MIME-Version: 1.0\r\n");
    pt_buf_puts(&b, "Auto-Submitted: auto-generated\r\n");

    if (p->html && *p->html) {
        char boundary[64];
        snprintf(boundary, sizeof boundary, "=_pt_%016llx_%08x",
                 (unsigned long long)boundary_seed, (unsigned)(p->date_ms & 0xffffffffu));
        pt_buf_printf(&b, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n",
                      boundary);
        pt_buf_puts(&b, "This is a multi-part message in MIME format.\r\n");
        pt_buf_printf(&b, "\r\n--%s\r\n", boundary);
        pt_buf_puts(&b, "Content-Type: text/plain; charset=utf-8\r\n"
                        "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
        pt_mail_qp(&b, p->text, strlen(p->text));
        pt_buf_printf(&b, "\r\n--%s\r\n", boundary);
        pt_buf_puts(&b, "Content-Type: text/html; charset=utf-8\r\n"
                        "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
        pt_mail_qp(&b, p->html, strlen(p->html));
        pt_buf_printf(&b, "\r\n--%s--\r\n", boundary);
    } else {
        pt_buf_puts(&b, "Content-Type: text/plain; charset=utf-8\r\n"
                        "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
        pt_mail_qp(&b, p->text, strlen(p->text));
        pt_buf_puts(&b, "\r\n");
    }
    pt_buf_append(out, b.data, b.len);
    pt_buf_free(&b);
    free(fname);
    free(faddr);
    return PT_OK;
}
