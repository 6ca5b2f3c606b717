/*
 * core/plugin/registry.c - the registrations the core keeps for plugins:
 * permissions, navigation entries, homepage widgets, notification kinds,
 * demo-data loaders and exported APIs. Every entry carries its owner so a
 * plugin's entries can be removed as one (rollback of a failed init).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "plugin/registry.h"
#include "portico/auth.h"
#include "portico/i18n.h"
#include "portico/log.h"

typedef struct entry {
    char *owner;
    char *name;       /* permission / kind / export name / widget name    */
    char *label;
    char *desc;
    char *href;
    char *icon;
    char *permission;
    int order;
    bool signed_in;
    const void *ptr;  /* export api, widget render fn, demo fn            */
    void *ud;
    struct entry *next;
} entry;

enum { L_PERM, L_NAV, L_WIDGET, L_KIND, L_DEMO, L_EXPORT, L_NOTE, L_TIMER, L_COUNT };
static entry *lists[L_COUNT];
static pt_router *router;

void pt_registry_set_router(pt_router *r) { router = r; }
pt_router *pt_registry_router(void) { return router; }

static char *dup_or_null(const char *s) { return s ? pt_xstrdup(s) : NULL; }

/* ":view" -> "<owner>.view"; anything else copied. */
static char *expand(const char *owner, const char *name)
{
    if (!name) return NULL;
    if (name[0] == ':') return pt_xasprintf("%s.%s", owner, name + 1);
    return pt_xstrdup(name);
}

/* Append keeping the list sorted by order (stable). */
static entry *add(int list, const char *owner)
{
    entry *e = pt_xcalloc(1, sizeof *e);
    e->owner = pt_xstrdup(owner);
    entry **pp = &lists[list];
    while (*pp) pp = &(*pp)->next;
    *pp = e;
    return e;
}

static void sort_by_order(int list)
{
    /* insertion sort on a short linked list, stable */
    entry *sorted = NULL, *e = lists[list];
    while (e) {
        entry *next = e->next;
        entry **pp = &sorted;
        while (*pp && (*pp)->order <= e->order) pp = &(*pp)->next;
        e->next = *pp;
        *pp = e;
        e = next;
    }
    lists[list] = sorted;
}

static void entry_free(entry *e)
{
    free(e->owner);
    free(e->name);
    free(e->label);
    free(e->desc);
    free(e->href);
    free(e->icon);
    free(e->permission);
    free(e);
}

void pt_registry_remove_owner_lists(const char *owner)
{
    for (int l = 0; l < L_COUNT; l++) {
        entry **pp = &lists[l];
        while (*pp) {
            if (strcmp((*pp)->owner, owner) == 0) {
                entry *dead = *pp;
                *pp = dead->next;
                entry_free(dead);
            } else {
                pp = &(*pp)->next;
            }
        }
    }
}

static entry *find(int list, const char *name)
{
    for (entry *e = lists[list]; e; e = e->next)
        if (e->name && strcmp(e->name, name) == 0) return e;
    return NULL;
}

int pt_host_permission(pt_host *h, const char *name, const char *label, const char *description)
{
    if (!name || !*name) return PT_EINVAL;
    char *full = expand(h->name, name);
    if (find(L_PERM, full)) {
        free(full);
        return PT_EEXIST;
    }
    entry *e = add(L_PERM, h->name);
    e->name = full;
    e->label = dup_or_null(label ? label : full);
    e->desc = dup_or_null(description);
    return 0;
}

int pt_host_nav(pt_host *h, const pt_nav *nav)
{
    if (!nav || !nav->label || !nav->href) return PT_EINVAL;
    entry *e = add(L_NAV, h->name);
    e->label = pt_xstrdup(nav->label);
    e->href = pt_xstrdup(nav->href);
    e->icon = dup_or_null(nav->icon);
    e->permission = expand(h->name, nav->permission);
    e->order = nav->order;
    e->signed_in = nav->signed_in;
    sort_by_order(L_NAV);
    return 0;
}

int pt_host_widget(pt_host *h, const pt_widget *w)
{
    if (!w || !w->name || !w->render) return PT_EINVAL;
    char *full = pt_xasprintf("%s.%s", h->name, w->name);
    if (find(L_WIDGET, full)) {
        free(full);
        return PT_EEXIST;
    }
    entry *e = add(L_WIDGET, h->name);
    e->name = full;
    e->label = dup_or_null(w->title);
    e->href = dup_or_null(w->href);
    e->permission = expand(h->name, w->permission);
    e->order = w->order;
    e->ptr = (const void *)w->render;
    sort_by_order(L_WIDGET);
    return 0;
}

int pt_host_notification_kind(pt_host *h, const char *kind, const char *label)
{
    if (!kind) return PT_EINVAL;
    char *full = expand(h->name, kind);
    if (find(L_KIND, full)) {
        free(full);
        return PT_EEXIST;
    }
    entry *e = add(L_KIND, h->name);
    e->name = full;
    e->label = dup_or_null(label ? label : full);
    return 0;
}

int pt_host_demo(pt_host *h, int (*fn)(pt_txn *txn, void *ud), void *ud)
{
    if (!fn) return PT_EINVAL;
    entry *e = add(L_DEMO, h->name);
    e->ptr = (const void *)fn;
    e->ud = ud;
    return 0;
}

int pt_host_export(pt_host *h, const char *name, const void *api)
{
    if (!name || !api) return PT_EINVAL;
    char *full = pt_xasprintf("%s.%s", h->name, name);
    if (find(L_EXPORT, full)) {
        free(full);
        return PT_EEXIST;
    }
    entry *e = add(L_EXPORT, h->name);
    e->name = full;
    e->ptr = api;
    return 0;
}

const void *pt_api_find(const char *full_name)
{
    entry *e = full_name ? find(L_EXPORT, full_name) : NULL;
    return e ? e->ptr : NULL;
}

const void *pt_host_import(pt_host *h, const char *full_name)
{
    (void)h;
    return pt_api_find(full_name);
}

static bool visible(pt_req *req, const entry *e)
{
    if (e->signed_in && pt_req_user(req) == 0) return false;
    if (e->permission && !pt_req_can(req, e->permission)) return false;
    return true;
}

json_t *pt_registry_nav(pt_req *req)
{
    json_t *a = json_array();
    const char *path = pt_req_path(req);
    for (entry *e = lists[L_NAV]; e; e = e->next) {
        if (!visible(req, e)) continue;
        size_t hl = strlen(e->href);
        bool active = strncmp(path, e->href, hl) == 0 && (path[hl] == 0 || path[hl] == '/') &&
                      !(hl == 1 && path[1] != 0);
        json_t *o = json_pack("{s:s, s:s, s:b}", "label", pt_t(req, e->label), "href", e->href,
                              "active", active);
        if (e->icon) json_object_set_new(o, "icon", json_string(e->icon));
        json_array_append_new(a, o);
    }
    return a;
}

json_t *pt_registry_widgets(pt_req *req)
{
    json_t *a = json_array();
    pt_buf html = PT_BUF_INIT;
    for (entry *e = lists[L_WIDGET]; e; e = e->next) {
        if (!visible(req, e)) continue;
        pt_buf_reset(&html);
        int (*render)(pt_req *, pt_buf *) = (int (*)(pt_req *, pt_buf *))e->ptr;
        if (render(req, &html) != 0) continue;
        json_t *o = json_pack("{s:s, s:s, s:s%}", "name", e->name, "title",
                              e->label ? pt_t(req, e->label) : "",
                              "html", html.data ? html.data : "", html.len);
        if (e->href) json_object_set_new(o, "href", json_string(e->href));
        json_array_append_new(a, o);
    }
    pt_buf_free(&html);
    return a;
}

json_t *pt_registry_permissions(void)
{
    json_t *a = json_array();
    for (entry *e = lists[L_PERM]; e; e = e->next)
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s}", "name", e->name, "label",
                                           e->label, "description", e->desc ? e->desc : "",
                                           "plugin", e->owner));
    return a;
}

json_t *pt_registry_notification_kinds(void)
{
    json_t *a = json_array();
    for (entry *e = lists[L_KIND]; e; e = e->next)
        json_array_append_new(
            a, json_pack("{s:s, s:s, s:s}", "kind", e->name, "label", e->label, "plugin", e->owner));
    return a;
}

int pt_registry_run_demo(char **err)
{
    *err = NULL;
    for (entry *e = lists[L_DEMO]; e; e = e->next) {
        int rc = 0;
        pt_txn *txn = pt_txn_begin(true, &rc);
        if (!txn) {
            *err = pt_xasprintf("demo data for %s: cannot begin a transaction (%s)", e->owner,
                                pt_strerror(rc));
            return rc;
        }
        int (*fn)(pt_txn *, void *) = (int (*)(pt_txn *, void *))e->ptr;
        rc = fn(txn, e->ud);
        if (rc != 0) {
            pt_txn_abort(txn);
            *err = pt_xasprintf("demo data for %s failed (%s)", e->owner, pt_strerror(rc));
            return rc;
        }
        rc = pt_txn_commit(txn);
        if (rc != 0) {
            *err = pt_xasprintf("demo data for %s: commit failed (%s)", e->owner, pt_strerror(rc));
            return rc;
        }
    }
    return 0;
}

json_t *pt_permissions_all(void) { return pt_registry_permissions(); }
json_t *pt_notification_kinds_all(void) { return pt_registry_notification_kinds(); }

int pt_host_demo_note(pt_host *h, const char *line)
{
    if (!line) return PT_EINVAL;
    entry *e = add(L_NOTE, h->name);
    e->label = pt_xstrdup(line);
    return 0;
}

void pt_registry_print_demo_notes(FILE *out)
{
    for (entry *e = lists[L_NOTE]; e; e = e->next) fprintf(out, "  %s\n", e->label);
}

int pt_host_timer(pt_host *h, unsigned interval_ms, void (*fn)(void *ud), void *ud)
{
    if (!fn || interval_ms < 1000) return PT_EINVAL;
    entry *e = add(L_TIMER, h->name);
    e->ptr = (const void *)fn;
    e->ud = ud;
    e->order = (int)interval_ms;
    return 0;
}

typedef struct timer_run {
    void (*fn)(void *);
    void *ud;
} timer_run;

static void timer_fire(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    timer_run *t = arg;
    t->fn(t->ud);
}

void pt_registry_start_timers(struct event_base *base)
{
    for (entry *e = lists[L_TIMER]; e; e = e->next) {
        timer_run *t = pt_xcalloc(1, sizeof *t); /* lives as long as the worker */
        t->fn = (void (*)(void *))e->ptr;
        t->ud = e->ud;
        struct event *ev = event_new(base, -1, EV_PERSIST, timer_fire, t);
        struct timeval tv = {.tv_sec = e->order / 1000, .tv_usec = (e->order % 1000) * 1000};
        event_add(ev, &tv);
    }
}
