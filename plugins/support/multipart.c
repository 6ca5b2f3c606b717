/*
 * plugins/support/multipart.c - a streaming multipart/form-data parser
 * (RFC 7578 / RFC 2046) for the case forms' file uploads without
 * JavaScript.
 *
 * Why here and not the core's: core/http/request.c parses multipart only
 * for buffered routes, after the whole body is in memory. The create-case
 * and reply forms take files of up to 25 MB each, which must go to disk as
 * they arrive (the route's streaming body callback), so this parser takes
 * the body piece by piece, in any split, and hands each part's headers and
 * data to callbacks; it keeps no part data itself (memory is bounded by
 * one part's header block). It knows nothing of Portico.
 *
 * How: the body is read as if it began with CRLF, so every delimiter is
 * "\r\n--" + boundary. The delimiter holds a CR only at its first byte, so
 * on a mismatch the bytes matched so far are plain data and the search
 * restarts at the current byte: no look-back buffer is needed, and the
 * bytes being matched are always a prefix of the delimiter (re-emitted
 * from it when they turn out to be data).
 */
#include <string.h>
#include <strings.h>

#include "multipart.h"

enum { S_PREAMBLE, S_AFTER, S_AFTER_CR, S_AFTER_DASH, S_HEADERS, S_DATA, S_DONE };

int sup_mp_init(sup_mp *m, const char *content_type)
{
    memset(m, 0, sizeof *m);
    if (!content_type || strncasecmp(content_type, "multipart/form-data", 19) != 0) return -1;
    const char *p = content_type;
    const char *b = NULL;
    while ((p = strchr(p, ';'))) {
        p++;
        while (*p == ' ' || *p == '\t') p++;
        if (strncasecmp(p, "boundary=", 9) == 0) {
            b = p + 9;
            break;
        }
    }
    if (!b) return -1;
    size_t n = 0;
    char bnd[SUP_MP_BOUNDARY_MAX + 1];
    if (*b == '"') {
        for (b++; *b && *b != '"'; b++) {
            if (n == SUP_MP_BOUNDARY_MAX) return -1;
            bnd[n++] = *b;
        }
        if (*b != '"') return -1;
    } else {
        for (; *b && *b != ';' && *b != ' ' && *b != '\t'; b++) {
            if (n == SUP_MP_BOUNDARY_MAX) return -1;
            bnd[n++] = *b;
        }
    }
    if (n == 0) return -1;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)bnd[i] < 0x20 || bnd[i] == 0x7f) return -1;
    memcpy(m->delim, "\r\n--", 4);
    memcpy(m->delim + 4, bnd, n);
    m->dlen = n + 4;
    m->state = S_PREAMBLE;
    m->matched = 2; /* the CRLF the body is read as starting with */
    return 0;
}

/* Search for the delimiter in data[0..len) in the preamble or a part's
 * data. Returns bytes used; sets *found when a whole delimiter ended. */
static size_t scan(sup_mp *m, const char *data, size_t len, bool emit, const sup_mp_cb *cb,
                   void *ud, bool *found, int *rc)
{
    size_t i = 0, from = 0;
    *found = false;
    while (i < len) {
        char c = data[i];
        if (c == m->delim[m->matched]) {
            if (m->matched == 0 && emit && i > from && (*rc = cb->data(ud, data + from, i - from)))
                return i;
            if (m->matched == 0) from = i;
            i++;
            if (++m->matched == m->dlen) {
                m->matched = 0;
                *found = true;
                return i;
            }
        } else if (m->matched > 0) {
            /* The held bytes were data after all (a prefix of the delimiter). */
            if (emit && (*rc = cb->data(ud, m->delim, m->matched))) return i;
            m->matched = 0;
            from = i; /* c is tested again as a possible first byte */
        } else {
            i++;
        }
    }
    if (m->matched == 0 && emit && len > from && (*rc = cb->data(ud, data + from, len - from)))
        return len;
    return len;
}

int sup_mp_feed(sup_mp *m, const char *data, size_t len, const sup_mp_cb *cb, void *ud)
{
    size_t i = 0;
    while (i < len) {
        int rc = 0;
        bool found = false;
        switch (m->state) {
        case S_PREAMBLE:
        case S_DATA:
            i += scan(m, data + i, len - i, m->state == S_DATA, cb, ud, &found, &rc);
            if (rc) return m->state = S_DONE, m->failed = true, rc;
            if (found) {
                if (m->state == S_DATA && (rc = cb->end(ud))) return m->failed = true, rc;
                m->state = S_AFTER;
            }
            break;
        case S_AFTER: /* "--" closes, CRLF starts a part; transport padding allowed */
            if (data[i] == ' ' || data[i] == '\t') i++;
            else if (data[i] == '-') i++, m->state = S_AFTER_DASH;
            else if (data[i] == '\r') i++, m->state = S_AFTER_CR;
            else return m->failed = true, -1;
            break;
        case S_AFTER_DASH:
            if (data[i++] != '-') return m->failed = true, -1;
            m->state = S_DONE;
            break;
        case S_AFTER_CR:
            if (data[i++] != '\n') return m->failed = true, -1;
            m->state = S_HEADERS, m->hlen = 0;
            break;
        case S_HEADERS:
            if (m->hlen == sizeof m->hdr - 1) return m->failed = true, -1;
            m->hdr[m->hlen++] = data[i++];
            if ((m->hlen == 2 && memcmp(m->hdr, "\r\n", 2) == 0) ||
                (m->hlen >= 4 && memcmp(m->hdr + m->hlen - 4, "\r\n\r\n", 4) == 0)) {
                m->hdr[m->hlen] = 0;
                if ((rc = cb->begin(ud, m->hdr, m->hlen))) return m->failed = true, rc;
                m->state = S_DATA, m->matched = 0;
            }
            break;
        case S_DONE: /* the epilogue is ignored */
            return 0;
        }
    }
    return 0;
}

bool sup_mp_complete(const sup_mp *m)
{
    return m->state == S_DONE && !m->failed;
}

/* Value of parameter key in a Content-Disposition value, into out (NUL-
 * terminated, quoted-string unescaped). 1 found, 0 absent, -1 too long. */
static int param(const char *h, const char *key, char *out, size_t cap)
{
    size_t kl = strlen(key);
    const char *p = h;
    while ((p = strchr(p, ';'))) {
        p++;
        while (*p == ' ' || *p == '\t') p++;
        if (strncasecmp(p, key, kl) != 0 || p[kl] != '=') continue;
        p += kl + 1;
        size_t n = 0;
        if (*p == '"') {
            for (p++; *p && *p != '"' && *p != '\r'; p++) {
                if (*p == '\\' && p[1] && p[1] != '\r') p++;
                if (n + 1 >= cap) return -1;
                out[n++] = *p;
            }
        } else {
            for (; *p && *p != ';' && *p != ' ' && *p != '\t' && *p != '\r'; p++) {
                if (n + 1 >= cap) return -1;
                out[n++] = *p;
            }
        }
        out[n] = 0;
        return 1;
    }
    return 0;
}

int sup_mp_disposition(const char *hdr, char *name, size_t name_cap, char *filename,
                       size_t file_cap, bool *has_filename)
{
    *has_filename = false;
    name[0] = filename[0] = 0;
    for (const char *line = hdr; *line;) {
        const char *eol = strstr(line, "\r\n");
        if (!eol) break;
        if (strncasecmp(line, "Content-Disposition:", 20) == 0) {
            char v[SUP_MP_HEADER_MAX];
            size_t vl = (size_t)(eol - line - 20);
            memcpy(v, line + 20, vl);
            v[vl] = 0;
            const char *t = v;
            while (*t == ' ' || *t == '\t') t++;
            if (strncasecmp(t, "form-data", 9) != 0) return -1;
            if (param(v, "name", name, name_cap) != 1 || !*name) return -1;
            int f = param(v, "filename", filename, file_cap);
            if (f < 0) return -1;
            *has_filename = f == 1;
            return 0;
        }
        line = eol + 2;
    }
    return -1;
}
