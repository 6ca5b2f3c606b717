/*
 * core/events.c - the event dispatcher (see portico/events.h).
 *
 * Events live in a small chained hash table; each keeps its hooks in an
 * array sorted by (priority, registration sequence). A dispatch works on a
 * snapshot of that array and re-checks, before each call, that the hook
 * still exists (by its unique id), so hooks may add or remove hooks
 * (script reload, plugin rollback) while an event is running.
 *
 * Filters: "cur" starts as the caller's data; each hook gets a deep copy
 * of cur; on success the copy becomes cur. At the end cur's contents are
 * moved into the caller's data (same JSON object/array, so the caller's
 * pointer stays valid).
 */
#include <stdlib.h>
#include <string.h>

#include "portico/events.h"
#include "portico/log.h"

#define NBUCKETS 128
#define NAME_MAX_LEN 127

typedef struct hook {
    pt_hook_fn fn;
    void *ud;
    int priority;
    uint64_t id;
    char *owner;
} hook;

typedef struct event {
    struct event *next;
    char *name;
    int kind;           /* 0 = undeclared */
    char *decl_owner;
    hook *hooks;
    size_t n, cap;
} event;

static event *buckets[NBUCKETS];
static uint64_t next_id = 1;

static unsigned hash(const char *s)
{
    unsigned h = 2166136261u;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
    return h % NBUCKETS;
}

static bool valid_name(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    return n > 0 && n <= NAME_MAX_LEN;
}

static event *find(const char *name, bool create)
{
    unsigned h = hash(name);
    for (event *e = buckets[h]; e; e = e->next)
        if (strcmp(e->name, name) == 0) return e;
    if (!create) return NULL;
    event *e = pt_xcalloc(1, sizeof *e);
    e->name = pt_xstrdup(name);
    e->next = buckets[h];
    buckets[h] = e;
    return e;
}

static const char *kind_name(int k)
{
    return k == PT_EVENT_FILTER ? "filter" : k == PT_EVENT_ACTION ? "action" : "undeclared";
}

int pt_event_declare(const char *name, pt_event_kind kind, const char *owner)
{
    if (!valid_name(name) || (kind != PT_EVENT_FILTER && kind != PT_EVENT_ACTION))
        return PT_EINVAL;
    if (!owner) owner = "core";
    event *e = find(name, true);
    if (e->kind) {
        if (e->kind == (int)kind && strcmp(e->decl_owner, owner) == 0) return 0;
        pt_warn("events: '%s' already declared as %s by %s (%s by %s refused)", name,
                kind_name(e->kind), e->decl_owner, kind_name((int)kind), owner);
        return PT_EEXIST;
    }
    e->kind = (int)kind;
    e->decl_owner = pt_xstrdup(owner);
    return 0;
}

int pt_event_kind_of(const char *name)
{
    event *e = name ? find(name, false) : NULL;
    return e ? e->kind : 0;
}

int pt_event_hook(const char *event_name, pt_hook_fn fn, int priority, void *ud,
                  const char *owner)
{
    if (!valid_name(event_name) || !fn || !owner) return PT_EINVAL;
    event *e = find(event_name, true);
    if (e->n == e->cap) {
        e->cap = e->cap ? e->cap * 2 : 4;
        e->hooks = pt_xrealloc(e->hooks, e->cap * sizeof *e->hooks);
    }
    /* Insert after every hook with priority <= this one: stable order. */
    size_t pos = e->n;
    while (pos > 0 && e->hooks[pos - 1].priority > priority) pos--;
    memmove(&e->hooks[pos + 1], &e->hooks[pos], (e->n - pos) * sizeof *e->hooks);
    e->hooks[pos] = (hook){fn, ud, priority, next_id++, pt_xstrdup(owner)};
    e->n++;
    return 0;
}

static bool alive(const event *e, uint64_t id)
{
    for (size_t i = 0; i < e->n; i++)
        if (e->hooks[i].id == id) return true;
    return false;
}

/* Copy of the hook list (fn, ud, id, owner pointer not used after removal). */
typedef struct {
    pt_hook_fn fn;
    void *ud;
    uint64_t id;
} snap;

static snap *snapshot(const event *e, snap *local, size_t nlocal)
{
    snap *s = e->n <= nlocal ? local : pt_xmalloc(e->n * sizeof *s);
    for (size_t i = 0; i < e->n; i++) s[i] = (snap){e->hooks[i].fn, e->hooks[i].ud, e->hooks[i].id};
    return s;
}

static const char *owner_of(const event *e, uint64_t id)
{
    for (size_t i = 0; i < e->n; i++)
        if (e->hooks[i].id == id) return e->hooks[i].owner;
    return "?";
}

static void move_into(json_t *dst, json_t *src)
{
    if (json_is_object(dst)) {
        json_object_clear(dst);
        json_object_update(dst, src);
    } else {
        json_array_clear(dst);
        json_array_extend(dst, src);
    }
}

int pt_event_filter(const char *name, json_t *data, pt_req *req)
{
    if (!name || !(json_is_object(data) || json_is_array(data))) return PT_EINVAL;
    event *e = find(name, false);
    if (!e || e->kind != PT_EVENT_FILTER)
        pt_debug("events: filter '%s' is %s", name, e ? kind_name(e->kind) : "undeclared");
    if (!e || e->n == 0) return 0;
    snap local[16];
    size_t n = e->n;
    snap *hs = snapshot(e, local, 16);
    json_t *cur = data;
    int failed = 0;
    for (size_t i = 0; i < n; i++) {
        if (!alive(e, hs[i].id)) continue;
        json_t *copy = json_deep_copy(cur);
        pt_event ev = {name, PT_EVENT_FILTER, copy, req};
        int rc = hs[i].fn(&ev, hs[i].ud);
        if (rc == 0 && json_typeof(copy) == json_typeof(cur)) {
            if (cur != data) json_decref(cur);
            cur = copy;
        } else {
            json_decref(copy);
            failed++;
            pt_warn("events: filter '%s': hook of %s failed (%s), skipped", name,
                    alive(e, hs[i].id) ? owner_of(e, hs[i].id) : "(removed)",
                    rc ? pt_strerror(rc) : "changed the data's type");
        }
    }
    if (cur != data) {
        move_into(data, cur);
        json_decref(cur);
    }
    if (hs != local) free(hs);
    return failed;
}

void pt_event_emit(const char *name, json_t *data, pt_req *req)
{
    if (!name) return;
    event *e = find(name, false);
    if (!e || e->kind != PT_EVENT_ACTION)
        pt_debug("events: action '%s' is %s", name, e ? kind_name(e->kind) : "undeclared");
    if (!e || e->n == 0) return;
    json_t *empty = NULL;
    if (!data) data = empty = json_object();
    snap local[16];
    size_t n = e->n;
    snap *hs = snapshot(e, local, 16);
    for (size_t i = 0; i < n; i++) {
        if (!alive(e, hs[i].id)) continue;
        pt_event ev = {name, PT_EVENT_ACTION, data, req};
        int rc = hs[i].fn(&ev, hs[i].ud);
        if (rc != 0)
            pt_warn("events: action '%s': hook of %s failed (%s)", name,
                    alive(e, hs[i].id) ? owner_of(e, hs[i].id) : "(removed)", pt_strerror(rc));
    }
    if (hs != local) free(hs);
    json_decref(empty);
}

int pt_event_remove_owner(const char *owner)
{
    if (!owner) return 0;
    int removed = 0;
    for (int b = 0; b < NBUCKETS; b++)
        for (event *e = buckets[b]; e; e = e->next) {
            size_t j = 0;
            for (size_t i = 0; i < e->n; i++) {
                if (strcmp(e->hooks[i].owner, owner) == 0) {
                    free(e->hooks[i].owner);
                    removed++;
                } else {
                    e->hooks[j++] = e->hooks[i];
                }
            }
            e->n = j;
            if (e->kind && strcmp(e->decl_owner, owner) == 0) {
                e->kind = 0;
                free(e->decl_owner);
                e->decl_owner = NULL;
            }
        }
    return removed;
}

size_t pt_event_hook_count(const char *name)
{
    event *e = name ? find(name, false) : NULL;
    return e ? e->n : 0;
}

void pt_event_list(json_t **out)
{
    json_t *a = json_array();
    for (int b = 0; b < NBUCKETS; b++)
        for (event *e = buckets[b]; e; e = e->next) {
            if (!e->kind && !e->n) continue;
            json_t *hs = json_array();
            for (size_t i = 0; i < e->n; i++)
                json_array_append_new(hs, json_pack("{s:s, s:i}", "owner", e->hooks[i].owner,
                                                    "priority", e->hooks[i].priority));
            json_array_append_new(
                a, json_pack("{s:s, s:o, s:o, s:o}", "name", e->name, "kind",
                             e->kind ? json_string(kind_name(e->kind)) : json_null(), "owner",
                             e->decl_owner ? json_string(e->decl_owner) : json_null(), "hooks",
                             hs));
        }
    *out = a;
}

void pt_event_reset(void)
{
    for (int b = 0; b < NBUCKETS; b++) {
        event *e = buckets[b];
        while (e) {
            event *n = e->next;
            for (size_t i = 0; i < e->n; i++) free(e->hooks[i].owner);
            free(e->hooks);
            free(e->name);
            free(e->decl_owner);
            free(e);
            e = n;
        }
        buckets[b] = NULL;
    }
}
