/*
 * core/http/router.c - the route table (pt_router, see server.h): a trie
 * of path segments. Each node has literal children, one ":param" child,
 * the routes that end exactly there and the PT_ROUTE_PREFIX routes rooted
 * there. Matching walks literal children before the param child (so
 * literals beat params) and backtracks; prefix routes are the fallback,
 * deepest first. Routes are copied (strings duplicated) and owned here.
 */
#include <stdlib.h>
#include <string.h>

#include "http/http_internal.h"

#define MAX_SEGS 64

typedef struct rentry {
    pt_route route;              /* strings owned                      */
    char *owner;
    char *pnames[8];
    int np;
    struct rentry *next;
} rentry;

typedef struct rnode {
    char *seg;                   /* literal segment (NULL for param)  */
    struct rnode *kids, *sib, *param;
    rentry *exact, *prefix;
} rnode;

struct pt_router {
    rnode root;
};

pt_router *pt_router_new(void)
{
    return pt_xcalloc(1, sizeof(pt_router));
}

static void entry_free(rentry *e)
{
    free((char *)e->route.method);
    free((char *)e->route.pattern);
    free((char *)e->route.permission);
    free(e->owner);
    for (int i = 0; i < e->np; i++) free(e->pnames[i]);
    free(e);
}

static void node_free(rnode *n, bool self)
{
    rnode *k = n->kids;
    while (k) {
        rnode *nx = k->sib;
        node_free(k, true);
        k = nx;
    }
    if (n->param) node_free(n->param, true);
    for (rentry *e = n->exact, *nx; e; e = nx) nx = e->next, entry_free(e);
    for (rentry *e = n->prefix, *nx; e; e = nx) nx = e->next, entry_free(e);
    free(n->seg);
    if (self) free(n);
}

void pt_router_free(pt_router *r)
{
    if (!r) return;
    node_free(&r->root, false);
    free(r);
}

static bool method_ok(const char *m)
{
    if (!m || !*m) return false;
    for (const char *p = m; *p; p++)
        if (*p < 'A' || *p > 'Z') return false;
    return true;
}

int pt_router_add(pt_router *r, const pt_route *route, const char *owner)
{
    if (!route || !route->pattern || route->pattern[0] != '/' || !method_ok(route->method) ||
        !route->handler)
        return PT_EINVAL;
    bool prefix = (route->flags & PT_ROUTE_PREFIX) != 0;
    char *pat = pt_xstrdup(route->pattern);
    size_t pl = strlen(pat);
    if (prefix && pl > 1 && pat[pl - 1] == '/') pat[--pl] = 0;
    /* split and validate */
    char *segs[MAX_SEGS];
    int nseg = 0;
    if (strcmp(pat, "/") != 0) {
        char *s = pat + 1;
        for (;;) {
            if (nseg == MAX_SEGS) goto bad;
            char *slash = strchr(s, '/');
            segs[nseg++] = s;
            if (!slash) break;
            *slash = 0;
            s = slash + 1;
        }
    }
    char *pn[8];
    int np = 0;
    for (int i = 0; i < nseg; i++) {
        if (segs[i][0] == ':') {
            if (!segs[i][1] || np == 8) goto bad;
            pn[np++] = segs[i] + 1;
        }
    }
    rnode *n = &r->root;
    for (int i = 0; i < nseg; i++) {
        if (segs[i][0] == ':') {
            if (!n->param) n->param = pt_xcalloc(1, sizeof(rnode));
            n = n->param;
            continue;
        }
        rnode *k = n->kids;
        while (k && strcmp(k->seg, segs[i]) != 0) k = k->sib;
        if (!k) {
            k = pt_xcalloc(1, sizeof(rnode));
            k->seg = pt_xstrdup(segs[i]);
            k->sib = n->kids;
            n->kids = k;
        }
        n = k;
    }
    rentry **list = prefix ? &n->prefix : &n->exact;
    for (rentry *e = *list; e; e = e->next)
        if (strcmp(e->route.method, route->method) == 0) {
            free(pat);
            return PT_EEXIST;
        }
    rentry *e = pt_xcalloc(1, sizeof *e);
    e->route = *route;
    e->route.method = pt_xstrdup(route->method);
    e->route.pattern = pt_xstrdup(route->pattern);
    e->route.permission = route->permission ? pt_xstrdup(route->permission) : NULL;
    e->owner = pt_xstrdup(owner ? owner : "core");
    for (int i = 0; i < np; i++) e->pnames[i] = pt_xstrdup(pn[i]);
    e->np = np;
    /* append to keep registration order */
    while (*list) list = &(*list)->next;
    *list = e;
    free(pat);
    return 0;
bad:
    free(pat);
    return PT_EINVAL;
}

static int remove_in(rentry **list, const char *owner)
{
    int n = 0;
    while (*list) {
        if (strcmp((*list)->owner, owner) == 0) {
            rentry *d = *list;
            *list = d->next;
            entry_free(d);
            n++;
        } else {
            list = &(*list)->next;
        }
    }
    return n;
}

static int remove_node(rnode *n, const char *owner)
{
    int c = remove_in(&n->exact, owner) + remove_in(&n->prefix, owner);
    for (rnode *k = n->kids; k; k = k->sib) c += remove_node(k, owner);
    if (n->param) c += remove_node(n->param, owner);
    return c;
}

int pt_router_remove_owner(pt_router *r, const char *owner)
{
    return remove_node(&r->root, owner);
}

static rentry *pick(rentry *list, const char *method, bool *path_matched)
{
    if (!list) return NULL;
    rentry *get = NULL;
    bool head = method[0] == 'H' && strcmp(method, "HEAD") == 0;
    for (rentry *e = list; e; e = e->next) {
        if (strcmp(e->route.method, method) == 0) return e;
        if (head && strcmp(e->route.method, "GET") == 0) get = e;
    }
    if (!get) *path_matched = true;
    return get;
}

typedef struct mstate {
    char **segs;
    int nseg;
    const char *method;
    const char *vals[8];
    int nv;
    bool *pm;
    bool want_prefix;
} mstate;

static rentry *walk(rnode *n, int i, mstate *m)
{
    if (i == m->nseg && !m->want_prefix) {
        rentry *e = pick(n->exact, m->method, m->pm);
        if (e) return e;
    }
    if (i < m->nseg) {
        for (rnode *k = n->kids; k; k = k->sib) {
            if (strcmp(k->seg, m->segs[i]) == 0) {
                rentry *e = walk(k, i + 1, m);
                if (e) return e;
                break;
            }
        }
        if (n->param && m->nv < 8 && m->segs[i][0]) {
            m->vals[m->nv++] = m->segs[i];
            rentry *e = walk(n->param, i + 1, m);
            if (e) return e;
            m->nv--;
        }
    }
    if (m->want_prefix) return pick(n->prefix, m->method, m->pm);
    return NULL;
}

const pt_route *pt_router_match(pt_router *r, const char *method, char *path_buf,
                                pt_route_params *params, bool *path_matched)
{
    bool pm = false;
    params->n = 0;
    if (path_matched) *path_matched = false;
    if (!path_buf || path_buf[0] != '/') return NULL;
    char *segs[MAX_SEGS];
    int nseg = 0;
    if (path_buf[1]) {
        char *s = path_buf + 1;
        for (;;) {
            if (nseg == MAX_SEGS) return NULL;
            char *slash = strchr(s, '/');
            segs[nseg++] = s;
            if (!slash) break;
            *slash = 0;
            s = slash + 1;
        }
    }
    mstate m = {.segs = segs, .nseg = nseg, .method = method, .pm = &pm};
    rentry *e = walk(&r->root, 0, &m);
    if (!e) {
        m.nv = 0;
        m.want_prefix = true;
        e = walk(&r->root, 0, &m);
    }
    if (!e) {
        if (path_matched) *path_matched = pm;
        return NULL;
    }
    int n = e->np < m.nv ? e->np : m.nv;
    for (int i = 0; i < n; i++) {
        params->name[i] = e->pnames[i];
        params->value[i] = m.vals[i];
    }
    params->n = n;
    return &e->route;
}

static void each_node(rnode *n, void (*fn)(const pt_route *, const char *, void *), void *ud)
{
    for (rentry *e = n->exact; e; e = e->next) fn(&e->route, e->owner, ud);
    for (rentry *e = n->prefix; e; e = e->next) fn(&e->route, e->owner, ud);
    for (rnode *k = n->kids; k; k = k->sib) each_node(k, fn, ud);
    if (n->param) each_node(n->param, fn, ud);
}

void pt_router_each(pt_router *r, void (*fn)(const pt_route *, const char *owner, void *),
                    void *ud)
{
    each_node(&r->root, fn, ud);
}
