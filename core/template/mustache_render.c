/*
 * core/template/mustache_render.c - rendering a compiled Mustache template
 * (pt_mustache_render, see portico/mustache.h) against a jansson context.
 *
 * Part of Portico's own Mustache engine: no maintained C Mustache library in
 * Debian supports inheritance, jansson contexts and compile-once rendering.
 *
 * The renderer walks the compiled node array; it never re-parses. All its
 * working memory lives in one state struct: the context stack, the block
 * bindings and the indentation buffer are small arrays that grow by
 * doubling, so a render does a handful of allocations, not one per node.
 *
 * Indentation. A standalone partial/parent (and a standalone block) indents
 * every line it produces. Rather than re-compiling an indented copy, the
 * renderer keeps the active indentation as a span of `ind` and a "pending"
 * flag set after each newline that comes from template text; the indentation
 * is written just before the next output on that line. Newlines inside
 * interpolated values do not set it, as the spec requires. Lines that render
 * nothing get no trailing indentation.
 *
 * Inheritance. Rendering `{{<parent}}` appends the parent tag's blocks to
 * the binding stack and renders the parent template; a `{{$block}}` takes
 * the outermost binding of its name (the most derived template wins), else
 * its own content. Bindings stay in force for everything rendered inside the
 * parent (its partials, nested parents, block defaults) and are popped after.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mustache_int.h"
#include "portico/log.h"

#define MU_MAX_FRAMES 1024 /* nested render calls of any kind */

typedef struct binding {
    const pt_mustache *t; /* template holding the overriding block        */
    size_t node;          /* index of that block node in t->nodes         */
    size_t lo, hi;        /* indentation where the override was written   */
} binding;

typedef struct rstate {
    pt_buf *out;
    pt_mustache_partial_fn partials;
    void *ud;
    const json_t **ctx;
    size_t nctx, capctx;
    binding *binds;
    size_t nbind, capbind;
    pt_buf ind;     /* indentation strings; active one is ind.data[lo, hi) */
    size_t lo, hi;
    int pending;    /* at the start of a template line: indent before output */
    int depth;      /* partial / parent / override expansions */
    int frames;
} rstate;

static int render(rstate *st, const pt_mustache *t, size_t i0, size_t i1);

/* ---- output --------------------------------------------------------------- */

static void flush(rstate *st)
{
    if (st->pending && st->hi > st->lo) pt_buf_append(st->out, st->ind.data + st->lo, st->hi - st->lo);
    st->pending = 0;
}

static void put_text(rstate *st, const char *s, size_t n)
{
    if (st->hi == st->lo) { /* no indentation active: one append */
        pt_buf_append(st->out, s, n);
        if (n) st->pending = s[n - 1] == '\n';
        return;
    }
    size_t i = 0;
    while (i < n) {
        size_t e = i;
        while (e < n && s[e] != '\n') e++;
        if (e < n) e++;
        /* A blank line ("\n" or "\r\n") gets no indentation. */
        int blank = s[i] == '\n' || (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n');
        if (!blank) flush(st);
        pt_buf_append(st->out, s + i, e - i);
        st->pending = s[e - 1] == '\n';
        i = e;
    }
}

static void put_value(rstate *st, const char *s, size_t n, int escape)
{
    if (n == 0) return;
    flush(st);
    if (escape)
        pt_buf_html_escape(st->out, s, n);
    else
        pt_buf_append(st->out, s, n);
}

/* Shortest %g form that reads back as the same double ("1.21", "1.5"). */
static void format_real(double d, char *buf, size_t size)
{
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, d);
        if (strtod(buf, NULL) == d) return;
    }
}

static void interpolate(rstate *st, const json_t *v, int escape)
{
    char num[64];
    if (!v) return;
    switch (json_typeof(v)) {
    case JSON_STRING:
        put_value(st, json_string_value(v), json_string_length(v), escape);
        break;
    case JSON_INTEGER:
        snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        put_value(st, num, strlen(num), 0);
        break;
    case JSON_REAL:
        format_real(json_real_value(v), num, sizeof num);
        put_value(st, num, strlen(num), 0);
        break;
    case JSON_TRUE:
        put_value(st, "true", 4, 0);
        break;
    default: /* false, null, objects, arrays: nothing */
        break;
    }
}

/* ---- indentation ---------------------------------------------------------- */

typedef struct saved_ind {
    size_t len, lo, hi;
} saved_ind;

static saved_ind ind_save(const rstate *st)
{
    saved_ind s = {st->ind.len, st->lo, st->hi};
    return s;
}

static void ind_restore(rstate *st, saved_ind s)
{
    st->ind.len = s.len;
    st->lo = s.lo;
    st->hi = s.hi;
}

/* New active indentation: the current one followed by extra[0, n). */
static void ind_push(rstate *st, const char *extra, size_t n)
{
    size_t cur = st->hi - st->lo;
    pt_buf_reserve(&st->ind, cur + n);
    size_t at = st->ind.len;
    memmove(st->ind.data + at, st->ind.data + st->lo, cur);
    memcpy(st->ind.data + at + cur, extra, n);
    st->ind.len = at + cur + n;
    st->lo = at;
    st->hi = st->ind.len;
    st->pending = 1; /* a standalone expansion starts a fresh line */
}

/* ---- context -------------------------------------------------------------- */

static void ctx_push(rstate *st, const json_t *v)
{
    if (st->nctx == st->capctx) {
        st->capctx = st->capctx ? st->capctx * 2 : 16;
        st->ctx = pt_xrealloc(st->ctx, st->capctx * sizeof *st->ctx);
    }
    st->ctx[st->nctx++] = v;
}

static const json_t *lookup(const rstate *st, const pt_mustache *t, const mu_node *nd)
{
    if (st->nctx == 0) return NULL;
    if (nd->nseg == 0) return st->ctx[st->nctx - 1];
    const char *seg = t->pool + nd->a;
    const json_t *v = NULL;
    for (size_t k = st->nctx; k-- > 0;) {
        if (json_is_object(st->ctx[k]) && (v = json_object_get(st->ctx[k], seg))) break;
    }
    for (unsigned i = 1; v && i < nd->nseg; i++) {
        seg += strlen(seg) + 1;
        v = json_is_object(v) ? json_object_get(v, seg) : NULL;
    }
    return v;
}

static int falsy(const json_t *v)
{
    return !v || json_is_null(v) || json_is_false(v) ||
           (json_is_array(v) && json_array_size(v) == 0) ||
           (json_is_string(v) && json_string_length(v) == 0);
}

/* ---- partials, parents, blocks ------------------------------------------- */

static int enter(rstate *st, const pt_mustache *t, const mu_node *nd)
{
    if (st->depth >= PT_MUSTACHE_MAX_DEPTH) {
        pt_warn("mustache: %s:%u: '%s' nested more than %d deep (recursive partial?)", t->name,
                nd->line, t->pool + nd->a, PT_MUSTACHE_MAX_DEPTH);
        return PT_ETOOBIG;
    }
    st->depth++;
    return 0;
}

/* Render template p for a partial or parent tag nd of template t. */
static int expand(rstate *st, const pt_mustache *t, const mu_node *nd, const pt_mustache *p)
{
    int rc = enter(st, t, nd);
    if (rc) return rc;
    saved_ind s = ind_save(st);
    if (nd->standalone) {
        ind_push(st, t->src + nd->ia, nd->in);
    } else { /* inline: the included lines are not indented */
        flush(st);
        st->lo = st->hi;
    }
    rc = render(st, p, 0, p->nnodes);
    ind_restore(st, s);
    st->depth--;
    return rc;
}

static int do_parent(rstate *st, const pt_mustache *t, size_t i)
{
    const mu_node *nd = &t->nodes[i];
    size_t mark = st->nbind;
    /* Bind the blocks directly inside the parent tag. */
    for (size_t k = i + 1; k <= i + nd->skip; k++) {
        const mu_node *b = &t->nodes[k];
        if (b->type == MU_BLOCK) {
            if (st->nbind == st->capbind) {
                st->capbind = st->capbind ? st->capbind * 2 : 8;
                st->binds = pt_xrealloc(st->binds, st->capbind * sizeof *st->binds);
            }
            binding *bd = &st->binds[st->nbind++];
            bd->t = t;
            bd->node = k;
            bd->lo = st->lo;
            bd->hi = st->hi;
        }
        if (mu_is_container(b->type)) k += b->skip;
    }
    const pt_mustache *p = st->partials ? st->partials(st->ud, t->pool + nd->a) : NULL;
    int rc = p ? expand(st, t, nd, p) : 0;
    st->nbind = mark;
    return rc;
}

static int do_block(rstate *st, const pt_mustache *t, size_t i)
{
    const mu_node *nd = &t->nodes[i];
    const char *name = t->pool + nd->a;
    const binding *bd = NULL;
    for (size_t k = 0; k < st->nbind; k++) { /* outermost binding wins */
        const binding *c = &st->binds[k];
        if (strcmp(c->t->pool + c->t->nodes[c->node].a, name) == 0) {
            bd = c;
            break;
        }
    }

    const pt_mustache *ct = bd ? bd->t : t;
    size_t ci = bd ? bd->node : i;
    size_t cend = ci + 1 + ct->nodes[ci].skip;
    saved_ind s = ind_save(st);
    int rc = 0;
    if (bd) {
        rc = enter(st, t, nd);
        if (rc) return rc;
    }
    if (nd->standalone) {
        ind_push(st, t->src + nd->ia, nd->in);
    } else if (bd) { /* inline override: keep the indentation it was written with */
        flush(st);
        st->lo = bd->lo;
        st->hi = bd->hi;
    }
    rc = render(st, ct, ci + 1, cend);
    ind_restore(st, s);
    if (bd) st->depth--;
    return rc;
}

/* ---- the walk ------------------------------------------------------------- */

static int section(rstate *st, const pt_mustache *t, size_t i)
{
    const mu_node *nd = &t->nodes[i];
    const json_t *v = lookup(st, t, nd);
    size_t b = i + 1, e = i + 1 + nd->skip;
    int rc = 0;
    if (nd->type == MU_INVERTED) return falsy(v) ? render(st, t, b, e) : 0;
    if (falsy(v)) return 0;
    if (json_is_array(v)) {
        for (size_t k = 0; k < json_array_size(v) && rc == 0; k++) {
            ctx_push(st, json_array_get(v, k));
            rc = render(st, t, b, e);
            st->nctx--;
        }
        return rc;
    }
    ctx_push(st, v);
    rc = render(st, t, b, e);
    st->nctx--;
    return rc;
}

static int render(rstate *st, const pt_mustache *t, size_t i0, size_t i1)
{
    if (++st->frames > MU_MAX_FRAMES) {
        pt_warn("mustache: %s: rendering nested more than %d deep", t->name, MU_MAX_FRAMES);
        st->frames--;
        return PT_ETOOBIG;
    }
    int rc = 0;
    for (size_t i = i0; i < i1 && rc == 0; i++) {
        const mu_node *nd = &t->nodes[i];
        switch (nd->type) {
        case MU_TEXT:
            put_text(st, t->src + nd->a, nd->n);
            break;
        case MU_VAR:
        case MU_RAW:
            interpolate(st, lookup(st, t, nd), nd->type == MU_VAR);
            break;
        case MU_SECTION:
        case MU_INVERTED:
            rc = section(st, t, i);
            i += nd->skip;
            break;
        case MU_PARTIAL: {
            const pt_mustache *p = st->partials ? st->partials(st->ud, t->pool + nd->a) : NULL;
            if (p) rc = expand(st, t, nd, p);
            break;
        }
        case MU_PARENT:
            rc = do_parent(st, t, i);
            i += nd->skip;
            break;
        case MU_BLOCK:
            rc = do_block(st, t, i);
            i += nd->skip;
            break;
        default:
            break;
        }
    }
    st->frames--;
    return rc;
}

int pt_mustache_render(const pt_mustache *t, const json_t *ctx, pt_mustache_partial_fn partials,
                       void *ud, pt_buf *out)
{
    if (!t || !out) return PT_EINVAL;
    rstate st = {.out = out, .partials = partials, .ud = ud, .pending = 1};
    size_t start = out->len;
    if (ctx) ctx_push(&st, ctx);
    int rc = render(&st, t, 0, t->nnodes);
    free(st.ctx);
    free(st.binds);
    pt_buf_free(&st.ind);
    if (rc) { /* leave out as it was */
        out->len = start;
        if (out->data) out->data[start] = 0;
    }
    return rc;
}
