/*
 * core/template/mustache_lex.c - the Mustache lexer: splits a template into
 * text and tag tokens (following set-delimiter tags) and applies the
 * standalone-line rule.
 *
 * Part of Portico's own Mustache engine (see portico/mustache.h for why we
 * wrote one: no maintained C Mustache library in Debian supports
 * inheritance, jansson contexts and compile-once rendering).
 *
 * Standalone rule. A line whose only text is spaces/tabs and that holds at
 * least one tag and no interpolation tag (so only sections, inverted
 * sections, closes, comments, partials, parents, blocks and set-delimiter
 * tags) is "standalone": its leading whitespace and its line ending vanish
 * from the output. The spec defines this for one tag per line; the
 * inheritance module needs the same for pairs such as `{{<parent}}{{$b}}`,
 * so any number of such tags qualifies. One exception, from the inheritance
 * spec: when a line ends with a block's close tag and its open tag is on the
 * same line (`  {{$b}}{{/b}}`), the line ending is kept, because the block's
 * content is inline there. The leading whitespace is recorded on every tag
 * of the line (partials and parents indent by it, blocks use it).
 */
#include <stdio.h>
#include <string.h>

#include "mustache_int.h"

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* First index >= from where needle starts, or len. */
static size_t find(const char *s, size_t len, size_t from, const char *needle, size_t nl)
{
    if (nl == 0 || len < nl) return len;
    for (size_t i = from; i + nl <= len; i++)
        if (s[i] == needle[0] && memcmp(s + i, needle, nl) == 0) return i;
    return len;
}

/* Like find, but the match must be preceded by `before` at an index >= min. */
static size_t find_after(const char *s, size_t len, size_t from, size_t min, char before,
                         const char *needle, size_t nl)
{
    for (size_t i = from;; i++) {
        i = find(s, len, i, needle, nl);
        if (i >= len) return len;
        if (i > min && s[i - 1] == before) return i;
    }
}

static mu_tok *push(mu_toks *t)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->v = pt_xrealloc(t->v, t->cap * sizeof *t->v);
    }
    mu_tok *k = &t->v[t->n++];
    memset(k, 0, sizeof *k);
    return k;
}

static int fail(char **err, const char *name, unsigned line, const char *msg, const char *s,
                size_t n)
{
    if (err) {
        if (s)
            *err = pt_xasprintf("%s:%u: %s '%.*s'", name, line, msg, (int)(n > 40 ? 40 : n), s);
        else
            *err = pt_xasprintf("%s:%u: %s", name, line, msg);
    }
    return PT_EINVAL;
}

/* Text [from, to), one token per line piece. Returns the updated line. */
static unsigned emit_text(mu_toks *out, const char *src, size_t from, size_t to, unsigned line)
{
    while (from < to) {
        size_t e = from;
        while (e < to && src[e] != '\n') e++;
        if (e < to) e++; /* include the newline */
        mu_tok *k = push(out);
        k->type = MU_TEXT;
        k->line = line;
        k->start = k->a = from;
        k->end = e;
        k->n = e - from;
        if (src[e - 1] == '\n') line++;
        from = e;
    }
    return line;
}

/* Parse "<open> <close>" inside a set-delimiter tag. */
static int parse_delims(const char *s, size_t a, size_t b, size_t *o, size_t *ol, size_t *c,
                        size_t *cl)
{
    while (a < b && is_ws(s[a])) a++;
    while (b > a && is_ws(s[b - 1])) b--;
    size_t i = a;
    while (i < b && !is_ws(s[i])) i++;
    *o = a;
    *ol = i - a;
    while (i < b && is_ws(s[i])) i++;
    *c = i;
    *cl = b - i;
    if (*ol == 0 || *cl == 0) return -1;
    for (size_t k = *c; k < b; k++)
        if (is_ws(s[k])) return -1;
    for (size_t k = a; k < b; k++)
        if (s[k] == '=') return -1;
    return 0;
}

static int tokenize(const char *src, size_t len, const char *name, mu_toks *out, char **err)
{
    const char *o = "{{", *c = "}}";
    size_t ol = 2, cl = 2, pos = 0;
    unsigned line = 1;

    while (pos < len) {
        size_t t = find(src, len, pos, o, ol);
        line = emit_text(out, src, pos, t, line);
        if (t >= len) break;

        size_t p = t + ol, a, b, end;
        unsigned char type;
        char sig = p < len ? src[p] : 0;
        if (sig == '{') {
            size_t q = find_after(src, len, p + 1, p + 1, '}', c, cl);
            if (q >= len) return fail(err, name, line, "unclosed tag", src + t, len - t);
            type = MU_RAW, a = p + 1, b = q - 1, end = q + cl;
        } else if (sig == '=') {
            size_t q = find_after(src, len, p + 1, p + 1, '=', c, cl);
            if (q >= len) return fail(err, name, line, "unclosed tag", src + t, len - t);
            type = MU_DELIM, a = p + 1, b = q - 1, end = q + cl;
        } else {
            size_t q = find(src, len, p, c, cl);
            if (q >= len) return fail(err, name, line, "unclosed tag", src + t, len - t);
            end = q + cl, b = q, a = p + 1;
            switch (sig) {
            case '&': type = MU_RAW; break;
            case '#': type = MU_SECTION; break;
            case '^': type = MU_INVERTED; break;
            case '/': type = MU_CLOSE; break;
            case '!': type = MU_COMMENT; break;
            case '>': type = MU_PARTIAL; break;
            case '<': type = MU_PARENT; break;
            case '$': type = MU_BLOCK; break;
            default: type = MU_VAR, a = p; break;
            }
        }

        mu_tok *k = push(out);
        k->type = type;
        k->line = line;
        k->start = t;
        k->end = end;

        if (type == MU_DELIM) {
            size_t no, nol, nc, ncl;
            if (parse_delims(src, a, b, &no, &nol, &nc, &ncl) < 0)
                return fail(err, name, line, "bad set-delimiter tag", src + t, end - t);
            o = src + no, ol = nol, c = src + nc, cl = ncl;
        } else if (type != MU_COMMENT) {
            while (a < b && is_ws(src[a])) a++;
            while (b > a && is_ws(src[b - 1])) b--;
            if (a == b) return fail(err, name, line, "empty tag", src + t, end - t);
            for (size_t i = a; i < b; i++)
                if (is_ws(src[i]))
                    return fail(err, name, line, "whitespace in tag name", src + t, end - t);
            k->a = a;
            k->n = b - a;
        }
        for (size_t i = t; i < end; i++)
            if (src[i] == '\n') line++;
        pos = end;
    }
    return 0;
}

static int is_blank_text(const char *s, size_t n, int last)
{
    if (last && n && s[n - 1] == '\n') {
        n--;
        if (n && s[n - 1] == '\r') n--;
    }
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t') return 0;
    return 1;
}

static int can_stand_alone(unsigned char type)
{
    return type != MU_TEXT && type != MU_VAR && type != MU_RAW;
}

/* Tokens [i, k) form one line; apply the standalone rule to it. */
static void standalone_line(const char *src, mu_tok *v, size_t i, size_t k)
{
    size_t ntags = 0, first = k, last = k;
    for (size_t j = i; j < k; j++) {
        if (v[j].type == MU_TEXT) {
            if (!is_blank_text(src + v[j].a, v[j].n, j == k - 1)) return;
            continue;
        }
        if (!can_stand_alone(v[j].type)) return;
        if (first == k) first = j;
        last = j;
        ntags++;
    }
    if (ntags == 0) return;

    size_t ls = v[i].start, le = v[k - 1].end;
    size_t ia = v[i].type == MU_TEXT ? v[i].a : ls;
    size_t in = v[i].type == MU_TEXT ? v[i].n : 0;
    for (size_t j = i; j < k; j++) {
        if (v[j].type == MU_TEXT) {
            v[j].dropped = 1;
            continue;
        }
        v[j].standalone = 1;
        v[j].first_on_line = j == first;
        v[j].last_on_line = j == last;
        v[j].ia = ia;
        v[j].in = in;
        v[j].line_start = ls;
        v[j].line_end = le;
    }

    /* `{{$b}}{{/b}}` ending the line: keep the line ending. */
    mu_tok *cl = &v[last];
    if (cl->type == MU_CLOSE && last > first) {
        size_t pj = last - 1;
        while (v[pj].type == MU_TEXT) pj--;
        mu_tok *op = &v[pj];
        mu_tok *end = &v[k - 1];
        if (op->type == MU_BLOCK && op->n == cl->n && memcmp(src + op->a, src + cl->a, cl->n) == 0 &&
            end->type == MU_TEXT && end->n && src[end->end - 1] == '\n') {
            size_t nl = (end->n >= 2 && src[end->end - 2] == '\r') ? 2 : 1;
            end->dropped = 0;
            end->a = end->end - nl;
            end->n = nl;
        }
    }
}

int mu_lex(const char *src, size_t len, const char *name, mu_toks *out, char **err)
{
    int rc = tokenize(src, len, name, out, err);
    if (rc) return rc;
    mu_tok *v = out->v;
    size_t i = 0;
    while (i < out->n) {
        size_t k = i;
        while (k < out->n) {
            int eol = v[k].type == MU_TEXT && src[v[k].end - 1] == '\n';
            k++;
            if (eol) break;
        }
        standalone_line(src, v, i, k);
        i = k;
    }
    return 0;
}
