/*
 * core/template/mustache.c - compiling Mustache templates (pt_mustache, see
 * portico/mustache.h): tokens from mustache_lex.c become the flat node array
 * the renderer (mustache_render.c) walks.
 *
 * Why our own engine: no maintained C Mustache library in Debian supports
 * template inheritance (parents and blocks), jansson contexts and
 * compile-once / render-many with a shareable immutable compiled form.
 *
 * Compiling is three passes over the tokens:
 *  1. build: nest sections/parents/blocks, check close tags, intern names;
 *  2. dedent: a block whose open tag stands alone on its line has its
 *     content's common indentation removed here ("at the site of
 *     definition") and records the indentation to add back when it is
 *     expanded (the spec's block reindentation rules). Outer blocks are
 *     handled before inner ones, so an inner block's indentation is relative
 *     to the outer block's;
 *  3. compact: merge adjacent text nodes, drop empty ones.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mustache_int.h"

typedef struct open_ent {
    size_t node;   /* index of the container node   */
    size_t ta, tn; /* its name span in src          */
    unsigned line;
} open_ent;

typedef struct span {
    size_t a, n;
} span;

typedef struct comp {
    const char *name;
    const char *src;
    mu_node *nodes;
    span *region;  /* per node: a block's raw common indentation */
    size_t n, cap;
    pt_buf pool;
} comp;

static mu_node *add(comp *c)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 32;
        c->nodes = pt_xrealloc(c->nodes, c->cap * sizeof *c->nodes);
        c->region = pt_xrealloc(c->region, c->cap * sizeof *c->region);
    }
    memset(&c->nodes[c->n], 0, sizeof c->nodes[c->n]);
    memset(&c->region[c->n], 0, sizeof c->region[c->n]);
    return &c->nodes[c->n++];
}

/* Intern a name: dotted names as NUL-separated segments ("." has none). */
static int intern(comp *c, mu_node *nd, const char *s, size_t n, int dotted)
{
    nd->a = c->pool.len;
    if (!dotted) {
        pt_buf_append(&c->pool, s, n);
        pt_buf_putc(&c->pool, 0);
        nd->nseg = 1;
        return 0;
    }
    if (n == 1 && s[0] == '.') {
        pt_buf_append(&c->pool, ".", 2);
        nd->nseg = 0;
        return 0;
    }
    unsigned nseg = 1;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i] == '.' ? 0 : s[i];
        if (!ch) nseg++;
        pt_buf_putc(&c->pool, ch);
    }
    pt_buf_putc(&c->pool, 0);
    if (nseg > 255) return -1;
    nd->nseg = (unsigned short)nseg;
    return 0;
}

/* Common leading blank prefix of the non-blank lines of src[a, b). */
static span common_indent(const char *s, size_t a, size_t b)
{
    span p = {a, 0};
    int have = 0;
    size_t i = a;
    while (i < b) {
        size_t ls = i;
        while (i < b && (s[i] == ' ' || s[i] == '\t')) i++;
        size_t lead = i - ls;
        int blank = 1;
        while (i < b && s[i] != '\n') {
            if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r') blank = 0;
            i++;
        }
        if (i < b) i++;
        if (blank) continue;
        if (!have) {
            p.a = ls, p.n = lead, have = 1;
        } else {
            size_t m = 0;
            while (m < p.n && m < lead && s[p.a + m] == s[ls + m]) m++;
            p.n = m;
        }
    }
    return p;
}

static int build(comp *c, const mu_toks *tk, char **err)
{
    open_ent stack[MU_MAX_NEST];
    size_t depth = 0;
    const char *src = c->src;

    for (size_t i = 0; i < tk->n; i++) {
        const mu_tok *t = &tk->v[i];
        mu_node *nd;
        switch (t->type) {
        case MU_COMMENT:
        case MU_DELIM:
            break;
        case MU_TEXT:
            if (t->dropped || t->n == 0) break;
            nd = add(c);
            nd->type = MU_TEXT;
            nd->line = t->line;
            nd->a = t->a;
            nd->n = t->n;
            break;
        case MU_VAR:
        case MU_RAW:
        case MU_PARTIAL:
            nd = add(c);
            nd->type = t->type;
            nd->line = t->line;
            nd->standalone = t->standalone;
            nd->ia = t->ia;
            nd->in = t->in;
            if (intern(c, nd, src + t->a, t->n, t->type != MU_PARTIAL) < 0) goto too_deep_name;
            break;
        case MU_SECTION:
        case MU_INVERTED:
        case MU_PARENT:
        case MU_BLOCK:
            if (depth == MU_MAX_NEST) {
                if (err)
                    *err = pt_xasprintf("%s:%u: sections nested deeper than %d", c->name,
                                        t->line, MU_MAX_NEST);
                return PT_ETOOBIG;
            }
            nd = add(c);
            nd->type = t->type;
            nd->line = t->line;
            nd->standalone = t->standalone;
            nd->ia = t->ia;
            nd->in = t->in;
            if (intern(c, nd, src + t->a, t->n, t->type == MU_SECTION || t->type == MU_INVERTED) <
                0)
                goto too_deep_name;
            /* A standalone block's content starts on the next line. */
            c->region[c->n - 1].a = (t->standalone && t->last_on_line) ? t->line_end : t->end;
            stack[depth].node = c->n - 1;
            stack[depth].ta = t->a;
            stack[depth].tn = t->n;
            stack[depth].line = t->line;
            depth++;
            break;
        case MU_CLOSE: {
            if (depth == 0) {
                if (err)
                    *err = pt_xasprintf("%s:%u: closing tag '%.*s' without an open section",
                                        c->name, t->line, (int)t->n, src + t->a);
                return PT_EINVAL;
            }
            open_ent *o = &stack[depth - 1];
            if (o->tn != t->n || memcmp(src + o->ta, src + t->a, t->n) != 0) {
                if (err)
                    *err = pt_xasprintf("%s:%u: closing tag '%.*s' does not match '%.*s' "
                                        "opened at line %u",
                                        c->name, t->line, (int)t->n, src + t->a, (int)o->tn,
                                        src + o->ta, o->line);
                return PT_EINVAL;
            }
            mu_node *open = &c->nodes[o->node];
            open->skip = c->n - o->node - 1;
            if (open->type == MU_BLOCK && open->standalone) {
                size_t ra = c->region[o->node].a;
                size_t rb = (t->standalone && t->first_on_line) ? t->line_start : t->start;
                c->region[o->node] = common_indent(src, ra, rb > ra ? rb : ra);
            }
            depth--;
            break;
        }
        }
    }
    if (depth) {
        open_ent *o = &stack[depth - 1];
        if (err)
            *err = pt_xasprintf("%s:%u: unclosed section '%.*s'", c->name, o->line, (int)o->tn,
                                src + o->ta);
        return PT_EINVAL;
    }
    return 0;

too_deep_name:
    if (err) *err = pt_xasprintf("%s: dotted name with too many parts", c->name);
    return PT_EINVAL;
}

static void strip_lead(const char *s, size_t *a, size_t *n, size_t strip)
{
    size_t k = 0;
    while (k < strip && k < *n && (s[*a + k] == ' ' || s[*a + k] == '\t')) k++;
    *a += k;
    *n -= k;
}

/* Remove `strip` columns of indentation from every line start in nodes
 * [i0, i1); set each standalone block's re-indentation (ia, in). */
static void dedent(comp *c, size_t i0, size_t i1, size_t strip)
{
    const char *s = c->src;
    for (size_t i = i0; i < i1; i++) {
        mu_node *nd = &c->nodes[i];
        switch (nd->type) {
        case MU_TEXT:
            if (strip && (nd->a == 0 || s[nd->a - 1] == '\n')) strip_lead(s, &nd->a, &nd->n, strip);
            break;
        case MU_PARTIAL:
        case MU_PARENT:
            if (nd->standalone) strip_lead(s, &nd->ia, &nd->in, strip);
            break;
        case MU_BLOCK:
            if (!nd->standalone) {
                nd->in = 0;
                break;
            }
            strip_lead(s, &nd->ia, &nd->in, strip);
            span p = c->region[i];
            if (p.n > strip) { /* intrinsic indentation, else the tag's own */
                nd->ia = p.a + strip;
                nd->in = p.n - strip;
            }
            dedent(c, i + 1, i + 1 + nd->skip, p.n > strip ? p.n : strip);
            i += nd->skip;
            break;
        default:
            break;
        }
    }
}

/* In place: merge contiguous text, drop empty text, fix skips. */
static void compact(mu_node *v, size_t i0, size_t i1, size_t *nn)
{
    size_t last_text = SIZE_MAX;
    for (size_t i = i0; i < i1; i++) {
        mu_node nd = v[i];
        if (nd.type == MU_TEXT) {
            if (nd.n == 0) continue;
            if (last_text != SIZE_MAX && v[last_text].a + v[last_text].n == nd.a) {
                v[last_text].n += nd.n;
                continue;
            }
            last_text = *nn;
            v[(*nn)++] = nd;
            continue;
        }
        last_text = SIZE_MAX;
        size_t j = (*nn)++;
        v[j] = nd;
        if (mu_is_container(nd.type)) {
            compact(v, i + 1, i + 1 + nd.skip, nn);
            v[j].skip = *nn - j - 1;
            i += nd.skip;
        }
    }
}

pt_mustache *pt_mustache_compile(const char *src, size_t len, const char *name, char **err)
{
    if (err) *err = NULL;
    if (!name) name = "<template>";
    if (!src && len) {
        if (err) *err = pt_xasprintf("%s: no source", name);
        return NULL;
    }
    if (len >= UINT_MAX) {
        if (err) *err = pt_xasprintf("%s: template too big", name);
        return NULL;
    }

    pt_mustache *t = pt_xcalloc(1, sizeof *t);
    t->name = pt_xstrdup(name);
    t->src = pt_xstrndup(src ? src : "", len);
    t->srclen = len;

    mu_toks tk = {0};
    comp c = {.name = t->name, .src = t->src};
    int rc = mu_lex(t->src, len, t->name, &tk, err);
    if (rc == 0) rc = build(&c, &tk, err);
    free(tk.v);
    if (rc) {
        free(c.nodes);
        free(c.region);
        pt_buf_free(&c.pool);
        pt_mustache_free(t);
        return NULL;
    }
    dedent(&c, 0, c.n, 0);
    free(c.region);
    size_t nn = 0;
    compact(c.nodes, 0, c.n, &nn);
    if (nn) {
        t->nodes = pt_xrealloc(c.nodes, nn * sizeof *c.nodes);
    } else {
        free(c.nodes);
    }
    t->nnodes = nn;
    t->pool = pt_buf_steal(&c.pool);
    return t;
}

void pt_mustache_free(pt_mustache *t)
{
    if (!t) return;
    free(t->name);
    free(t->src);
    free(t->pool);
    free(t->nodes);
    free(t);
}

const char *pt_mustache_name(const pt_mustache *t)
{
    return t->name;
}
