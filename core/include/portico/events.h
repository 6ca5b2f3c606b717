/*
 * portico/events.h - the one event dispatcher for C hooks and Lua hooks.
 *
 * Names are "noun.verb" ("case.created"). Two kinds:
 *  - filters ("case.creating", "page.render") run before a commit or a
 *    render: each hook works on a deep copy of the data, and the copy
 *    replaces the data only when the hook succeeds (returns 0, or the Lua
 *    handler raised no error). A failing hook is skipped and logged: the
 *    data is as if it had not run (the default behaviour goes on).
 *  - actions ("case.created") run after the commit; a hook may only
 *    enqueue work (mail, notifications, webhooks). Errors are contained.
 * The caller picks the kind by calling pt_event_filter or pt_event_emit;
 * pt_event_declare records the intended kind (a mismatch logs a debug
 * line, as does using an undeclared event).
 *
 * Hooks run in priority order, lower first; equal priorities run in
 * registration order. Lua's portico.on registers here with the script
 * state's owner tag, so a reload removes exactly the old state's hooks.
 *
 * Re-entrancy: a hook may emit other events, add hooks (they take effect
 * from the next dispatch) or remove owners (a removed hook that has not
 * run yet in the current dispatch is skipped).
 *
 * Threading: the worker thread only; nothing here is thread-safe.
 */
#ifndef PORTICO_EVENTS_H
#define PORTICO_EVENTS_H

#include <jansson.h>

#include "common.h"
#include "http.h"

typedef enum { PT_EVENT_ACTION = 1, PT_EVENT_FILTER = 2 } pt_event_kind;

/* What a hook receives. All borrowed for the duration of the call. For a
 * filter, data is the hook's private copy: modify it in place (it must
 * stay the same JSON type). For an action, data is the emitter's: treat it
 * as read-only. req is NULL outside a request. */
typedef struct pt_event {
    const char *name;
    pt_event_kind kind;
    json_t *data;
    pt_req *req;
} pt_event;

/* Return 0 on success, a negative PT_E* code on failure. */
typedef int (*pt_hook_fn)(const pt_event *ev, void *ud);

/* Declare an event (name copied, owner copied: plugin name or "core").
 * PT_EEXIST if it is already declared with another kind or owner (the
 * first declaration stays); 0 if new or identical. PT_EINVAL for a bad
 * name (empty, longer than 127 bytes). */
int pt_event_declare(const char *name, pt_event_kind kind, const char *owner);

/* The declared kind of name, or 0 when undeclared. */
int pt_event_kind_of(const char *name);

/* Add a hook. event and owner are copied; ud is borrowed and passed to fn
 * until the hook is removed (the dispatcher never frees it). Returns 0,
 * or PT_EINVAL (NULL fn/owner or a bad event name). */
int pt_event_hook(const char *event, pt_hook_fn fn, int priority, void *ud, const char *owner);

/* Run the filter hooks of event over data (borrowed, must be a JSON object
 * or array). On return data holds the result of every successful hook,
 * in order. Returns the number of hooks that failed and were skipped
 * (0 = all succeeded), or PT_EINVAL when data is not an object/array. */
int pt_event_filter(const char *event, json_t *data, pt_req *req);

/* Run the action hooks of event. data is borrowed and may be NULL (hooks
 * then see an empty object). Failures are logged, never returned. */
void pt_event_emit(const char *event, json_t *data, pt_req *req);

/* Remove every hook and declaration registered with this owner (plugin
 * rollback, script reload). Returns how many hooks were removed. */
int pt_event_remove_owner(const char *owner);

/* Number of live hooks on event (tests, admin page). */
size_t pt_event_hook_count(const char *event);

/* Every event with its kind and hooks, as a new JSON array of {"name",
 * "kind": "filter"|"action"|null, "owner", "hooks": [{"owner",
 * "priority"}]} (admin page). */
void pt_event_list(json_t **out);

/* Drop every hook and declaration (tests, clean exit). Not from inside a
 * dispatch. */
void pt_event_reset(void);

#endif
