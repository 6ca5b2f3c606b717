/*
 * portico/plugin.h - the section plugin contract.
 *
 * A plugin is a shared object (plugins/NAME/ -> build/plugins/NAME.so)
 * that exports one constant descriptor named `portico_plugin`. The loader
 * checks its ABI before running any of its code, loads the plugins it
 * requires first, then calls init(), which only *registers* things
 * through the pt_host_* functions below (no store I/O: the store is not
 * open yet). After the server forks, worker_start() runs in each worker.
 *
 * Everything registered through a pt_host is tagged with the plugin's
 * name: when init() fails, exactly that plugin's registrations are rolled
 * back before dlclose(), and the server goes on without it unless the
 * config marks it required.
 *
 * Memory: strings and structs passed to pt_host_* are copied unless a
 * comment says otherwise; function pointers must stay valid while the
 * plugin is loaded (they live in the .so).
 *
 * ABI: PT_PLUGIN_ABI_MAJOR must match exactly; a newer minor on the host
 * side is compatible (the descriptor's `size` lets the struct grow).
 * Minor versions: 1.1 added pt_notify_msg, pt_notify_list_lang,
 * pt_t_fill and pt_arena_trim.
 */
#ifndef PORTICO_PLUGIN_H
#define PORTICO_PLUGIN_H

#include <jansson.h>

#include "common.h"
#include "config.h"
#include "events.h"
#include "http.h"
#include "store.h"

#define PT_PLUGIN_ABI_MAJOR 1
#define PT_PLUGIN_ABI_MINOR 1

typedef struct pt_host pt_host;

typedef struct pt_plugin {
    uint16_t abi_major;              /* PT_PLUGIN_ABI_MAJOR at build time   */
    uint16_t abi_minor;              /* PT_PLUGIN_ABI_MINOR at build time   */
    uint32_t size;                   /* sizeof(pt_plugin) at build time     */
    const char *name;                /* [a-z][a-z0-9_]*, = the .so name      */
    const char *version;             /* "1.2.0"                              */
    const char *description;         /* one line, shown on /healthz & admin  */
    const char *const *requires;     /* NULL-terminated plugin names or NULL */
    /* Registration only. Return 0, or a negative code after pt_host_fail(). */
    int (*init)(pt_host *host);
    /* Optional: runs in each worker after fork, store open. */
    int (*worker_start)(pt_host *host);
    /* Optional: runs before dlclose. */
    void (*fini)(pt_host *host);
} pt_plugin;

/* Fill the ABI fields of a descriptor:
 *   const pt_plugin portico_plugin = { PT_PLUGIN_HEADER, .name = "hello", ... }; */
#define PT_PLUGIN_HEADER \
    .abi_major = PT_PLUGIN_ABI_MAJOR, .abi_minor = PT_PLUGIN_ABI_MINOR, .size = sizeof(pt_plugin)

/* ---- identity ------------------------------------------------------------ */
/* The plugin's name (borrowed, lives as long as the plugin). */
const char *pt_host_name(pt_host *h);
/* The plugin's source folder, e.g. "plugins/support" (borrowed). Template,
 * locale and static folders are resolved relative to it. */
const char *pt_host_dir(pt_host *h);
/* Record why init failed (shown in the log and on /healthz). printf-style. */
void pt_host_fail(pt_host *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- routes and permissions ------------------------------------------- */
/* Register a route (see portico/http.h). Pages live under the plugin's own
 * prefix (/support/...), JSON endpoints under /api/v1/. A permission
 * beginning with ':' is prefixed with the plugin name (":view" ->
 * "support.view"). PT_EEXIST when another plugin owns the same route. */
int pt_host_route(pt_host *h, const pt_route *route);

/* Declare a permission this plugin defines. name ":view" expands to
 * "<plugin>.view". label/description are message-catalog keys or text. */
int pt_host_permission(pt_host *h, const char *name, const char *label, const char *description);

/* Every permission declared by any loaded plugin, as a new JSON array of
 * {"name", "label", "description", "plugin"} in declaration order (the
 * group editor lists these). Caller owns the array. */
json_t *pt_permissions_all(void);
/* Every declared notification kind: new array of {"kind","label","plugin"}. */
json_t *pt_notification_kinds_all(void);

/* ---- navigation and homepage ---------------------------------------------- */
typedef struct pt_nav {
    const char *label;       /* catalog key ("nav.support") or text        */
    const char *href;        /* "/support"                                 */
    const char *permission;  /* shown only to holders; NULL = everyone     */
    int order;               /* lower first                                */
    const char *icon;        /* optional icon name from the theme          */
    bool signed_in;          /* shown only to signed-in users              */
} pt_nav;
int pt_host_nav(pt_host *h, const pt_nav *nav);

/* A homepage widget: render() appends trusted HTML (escape what you put in
 * it!) for this request to out; return 0, or non-zero to hide the widget. */
typedef struct pt_widget {
    const char *name;        /* unique within the plugin                   */
    const char *title;       /* catalog key or text                        */
    const char *href;        /* "more" link, optional                      */
    const char *permission;  /* NULL = everyone who sees the homepage      */
    int order;
    int (*render)(pt_req *req, pt_buf *out);
} pt_widget;
int pt_host_widget(pt_host *h, const pt_widget *w);

/* ---- templates, messages, static files ---------------------------------- */
/* Folders relative to pt_host_dir(). Templates are looked up as
 * "<plugin>/<name>" after the active theme's pages/<plugin>/<name>. */
int pt_host_templates(pt_host *h, const char *dir);
int pt_host_locales(pt_host *h, const char *dir);
/* Served at /static/plugins/<plugin>/... */
int pt_host_static(pt_host *h, const char *dir);

/* ---- events -------------------------------------------------------------- */
/* Declare an event this plugin emits ("case.created"), kind from
 * portico/events.h. */
int pt_host_event(pt_host *h, const char *event, pt_event_kind kind);
/* Hook an event (see portico/events.h for the hook contract). */
int pt_host_hook(pt_host *h, const char *event, pt_hook_fn fn, int priority, void *ud);

/* ---- store ------------------------------------------------------------------ */
/* Declare a database "<plugin>.<thing>"; pass "cases" or "cases.by_status".
 * flags: PT_DB_* from portico/store.h. */
int pt_host_db(pt_host *h, const char *thing, unsigned flags);
/* A migration to schema version `version` (1, 2, ...), run at start in one
 * write transaction per plugin. */
int pt_host_migration(pt_host *h, int version, int (*fn)(pt_txn *txn, void *ud), void *ud);
/* Demo data, loaded once into an empty portal when `--demo` is given.
 * Runs in a write transaction after migrations; plugins run in load order. */
int pt_host_demo(pt_host *h, int (*fn)(pt_txn *txn, void *ud), void *ud);

/* A line printed in the start banner when the portal runs with demo data
 * (`portico serve --demo`), e.g. the demo sign-ins. Copied. */
int pt_host_demo_note(pt_host *h, const char *line);

/* ---- configuration ------------------------------------------------------ */
/* Declare a setting "<plugin>.<key>" with a type (PT_CONFIG_* from
 * portico/config.h), a default (stolen reference, may be NULL) and a
 * one-line doc. Only declared keys are accepted in the config file. */
int pt_host_config(pt_host *h, const char *key, pt_config_type type, json_t *dflt,
                   const char *doc);
/* The current value of "<plugin>.<key>" (borrowed until the next reload:
 * copy what you keep), or NULL. */
const json_t *pt_host_config_get(pt_host *h, const char *key);

/* The current value of any configuration key, the core's included
 * ("portal.anonymous_read", "public_url"): the file's value, else the
 * declared default, else NULL. Borrowed until the next reload (SIGHUP):
 * read it when needed, do not keep it. */
const json_t *pt_setting(const char *path);

/* ---- notifications ---------------------------------------------------- */
/* Declare a notification kind users can switch on and off
 * ("knowledge.article_published"). */
int pt_host_notification_kind(pt_host *h, const char *kind, const char *label);

/* ---- periodic work ------------------------------------------------------ */
/* Run fn(ud) every interval_ms on each worker's event loop (the first run
 * one interval after the worker starts). fn runs between requests: keep
 * it short (one write transaction), and make it safe to run in several
 * workers at once — claim work in a write transaction (LMDB serialises
 * writers across processes) so only one worker does each piece.
 * interval_ms >= 1000. */
int pt_host_timer(pt_host *h, unsigned interval_ms, void (*fn)(void *ud), void *ud);

/* ---- cross-plugin APIs ------------------------------------------------- */
/* Publish an API (a struct of function pointers, owned by the plugin, must
 * outlive it) under "<plugin>.<name>"; other plugins find it with
 * pt_host_import(). This is the only way plugins call each other. */
int pt_host_export(pt_host *h, const char *name, const void *api);
/* Borrowed pointer, or NULL when the providing plugin is not loaded.
 * Call it from worker_start or request time, not from init (load order). */
const void *pt_host_import(pt_host *h, const char *full_name);
/* The same lookup without a host, for request handlers. */
const void *pt_api_find(const char *full_name);

#endif
