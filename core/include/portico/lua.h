/*
 * portico/lua.h - sandboxed Lua scripts: loading, limits, the error ring,
 * the back ends that portico.kv / portico.notify / portico.mail use, and
 * the route entry point.
 *
 * Model: one lua_State per script per worker. A script is a text file run
 * once at load time (its "top level"); there it registers event hooks with
 * portico.on() and routes with portico.route(). Later the core calls those
 * functions: event hooks through the shared dispatcher (portico/events.h),
 * routes through pt_lua_route_call() / pt_lua_http_handler().
 *
 * Script API v1 (details in core/lua/api_portico.c): portico.on(event,
 * fn(data, event_name) [, priority = 100]) - in a filter, changes to data
 * (or a returned table) are merged only if fn raises no error;
 * portico.route(method, path, fn(req)); portico.log(level, msg);
 * portico.config; portico.kv.get/set/delete; portico.notify{...};
 * portico.mail{to=, template=, data=}; portico.now() (integer ms);
 * portico.json.encode/decode; portico.null; portico.array([t]).
 * portico.on and portico.route work only while the top level runs.
 *
 * The sandbox (see DESIGN.md "Events and Lua"):
 *  - environment built from an allow-list: copies of string, table, math,
 *    utf8; base functions except dofile, loadfile, require,
 *    collectgarbage, print; no io, os, debug, package, coroutine;
 *    string.dump removed (also from the real string table);
 *  - load() only compiles text ("t") in the script's own environment: a
 *    mode other than "t" or an explicit env argument is an error;
 *  - the shared string metatable is locked (getmetatable("") == "locked");
 *  - setmetatable refuses metatables with __gc (finalizers would run
 *    outside any entry call and its limits);
 *  - portico and its sub-tables, portico.config and request tables are
 *    read-only proxies: assignment and rawset() are refused.
 *
 * Limits, reset at every entry call (top level, hook, route, run/call):
 *  - a byte budget enforced by the state's allocator (Lua then raises
 *    "not enough memory");
 *  - an instruction budget and a wall-clock budget checked by a count hook;
 *    once tripped the hook fires on every instruction, so a script's own
 *    pcall cannot swallow the error and the call unwinds with
 *    "script exceeded its instruction limit" / "... its time limit";
 *  - single long C calls (string.rep, string.find on a hostile pattern) do
 *    not tick the hook: the memory budget bounds the former, the latter is
 *    a known gap; portico.* functions cap their argument sizes.
 *
 * Errors: every entry is a lua_pcall with a traceback handler. The message
 * ("lua/status.lua:12: boom") is logged (pt_log escapes it), kept in a
 * ring of the last PT_LUA_ERROR_RING errors of this worker (admin page:
 * pt_lua_errors), and returned where the API has an err out parameter. A
 * hook or route whose calls fail max_fails times in a row is disabled
 * (logged and recorded in the ring); it stays disabled until the script is
 * reloaded.
 *
 * Conversion between JSON and Lua (both directions, everywhere):
 *  - objects <-> tables with string keys; arrays <-> sequences. Arrays
 *    coming from JSON carry the metatable portico.array so that an empty
 *    array stays an array; a script marks its own with portico.array(t).
 *    An unmarked table is an array when its keys are exactly 1..n (n > 0),
 *    otherwise an object (integer keys become strings; an empty unmarked
 *    table is an object {}). Other key types are an error.
 *  - integers <-> Lua integers, reals <-> floats (NaN/inf refused),
 *    strings (must be valid UTF-8 to leave Lua), booleans;
 *  - JSON null <-> portico.null (a unique light userdata), so nulls survive
 *    inside arrays; a top-level nil converts to null.
 *  - depth is capped at PT_LUA_JSON_MAX_DEPTH and a value at
 *    PT_LUA_JSON_MAX_NODES nodes (both directions); functions, userdata and
 *    cycles are errors.
 *
 * Threading: a worker is single-threaded; nothing here is thread-safe.
 * Scripts and all global state (ring, routes, back ends) are per process.
 */
#ifndef PORTICO_LUA_H
#define PORTICO_LUA_H

#include <jansson.h>

#include "common.h"

typedef struct pt_req pt_req;

#define PT_LUA_ERROR_RING 50
#define PT_LUA_JSON_MAX_DEPTH 32
#define PT_LUA_JSON_MAX_NODES 100000

/* Load options. A zero field means its default (shown). */
typedef struct pt_lua_limits {
    size_t mem_bytes;       /* allocator budget per state     (16 MiB)    */
    unsigned long long instructions; /* per entry call        (10 000 000) */
    unsigned time_ms;       /* wall clock per entry call      (200 ms)    */
    unsigned max_fails;     /* consecutive failures before a hook or
                               route is disabled              (5)         */
    size_t arg_max;         /* max bytes of a string argument to portico.*
                               and of an encoded kv/mail/notify value
                                                              (1 MiB)     */
    const json_t *config;   /* borrowed, may be NULL: this script's config
                               section, copied into portico.config        */
} pt_lua_limits;

typedef struct pt_lua_script pt_lua_script;

/* ---- scripts ------------------------------------------------------------ */

/* Read the file at path (max 1 MiB), compile it in text mode in a fresh
 * sandboxed state and run its top level under the limits (lim NULL = all
 * defaults; lim is copied, lim->config deep-copied). The script's name is
 * the file's basename without ".lua". Hooks are registered in the event
 * dispatcher with the owner string pt_lua_script_owner() returns.
 * Returns the script (free with pt_lua_script_free), or NULL and *err set
 * to an owned message ("lua/x.lua:3: ...", free()) when err != NULL. The
 * error is also logged and kept in the error ring. */
pt_lua_script *pt_lua_script_load(const char *path, const pt_lua_limits *lim, char **err);

/* Remove the script's hooks and routes, close its state, free it.
 * NULL is a no-op. Must not be called from inside one of its own calls. */
void pt_lua_script_free(pt_lua_script *s);

/* Name ("status" for lua/status.lua) and path as loaded. Borrowed, valid
 * until pt_lua_script_free. */
const char *pt_lua_script_name(const pt_lua_script *s);
const char *pt_lua_script_path(const pt_lua_script *s);
/* The dispatcher owner tag of this state ("lua:status#3"); unique per
 * loaded state, so a reload never removes the new state's hooks. */
const char *pt_lua_script_owner(const pt_lua_script *s);
/* Bytes the state currently uses (allocator count). */
size_t pt_lua_script_mem(const pt_lua_script *s);

/* Run a text chunk in the script's environment under its limits (admin
 * console, tests). *result (may be NULL) receives the chunk's first
 * return value converted to JSON (new reference; null when none).
 * 0, or PT_ERR with *err an owned message (errors also go to the ring). */
int pt_lua_script_run(pt_lua_script *s, const char *code, json_t **result, char **err);

/* Call the script's global function fname with the elements of args (a
 * JSON array, borrowed, may be NULL) as arguments. Same results as
 * pt_lua_script_run; PT_ENOTFOUND when there is no such global function. */
int pt_lua_script_call(pt_lua_script *s, const char *fname, const json_t *args,
                       json_t **result, char **err);

/* ---- the worker's script set (reload) ---------------------------------- */

/* Make the loaded set equal to paths[0..n): for each path a new state is
 * built; it replaces the previous state of the same path only if it loads
 * cleanly, otherwise the previous state (if any) stays and the error is
 * reported. Scripts no longer listed are freed. Each script's
 * portico.config is the member of config_root (borrowed, may be NULL)
 * named after the script. Two paths with the same script name: the second
 * is refused. Returns 0, or PT_ERR with *err (owned, may be NULL) holding
 * one line per failed script. Used at worker start and on SIGHUP. */
int pt_lua_reload_all(const char *const *paths, size_t n, const pt_lua_limits *lim,
                      const json_t *config_root, char **err);
/* Free every script of the set. */
void pt_lua_unload_all(void);
/* The loaded script of that name, or NULL. Borrowed. */
pt_lua_script *pt_lua_find(const char *name);

/* ---- error ring ---------------------------------------------------------- */

/* The last PT_LUA_ERROR_RING errors of this worker, newest first, as a new
 * JSON array of {"time": wall ms, "script": name, "message": "file:line:
 * ...", "traceback": "..."}. *out is a new reference (json_decref). */
void pt_lua_errors(json_t **out);
/* Empty the ring. */
void pt_lua_errors_clear(void);

/* ---- kv back end ------------------------------------------------------- */

/* portico.kv.get/set/delete call these with the script's name (stable
 * across reloads), a key (1..256 bytes) and a JSON value. All return 0 or
 * a negative PT_E* code. get: PT_ENOTFOUND when absent, else *out a new
 * reference. set: value borrowed (copy it). Called on the worker thread
 * while a script runs; they must not call back into that script. */
typedef struct pt_lua_kv_ops {
    int (*get)(void *ud, const char *script, const char *key, json_t **out);
    int (*set)(void *ud, const char *script, const char *key, const json_t *value);
    int (*del)(void *ud, const char *script, const char *key);
    void *ud;
} pt_lua_kv_ops;

/* Install a back end (ops copied; ud borrowed for as long as it is
 * installed). NULL restores the default in-memory back end (per process,
 * lost on exit; what unit tests use). */
void pt_lua_set_kv_backend(const pt_lua_kv_ops *ops);

/* ---- outbox back end (portico.notify / portico.mail) ------------------- */

/* msg is borrowed. notify gets the script's table as given plus "script";
 * mail gets {"to": string or [strings], "template": string, "data": {...},
 * "script": name}. Return 0 or a negative PT_E* code (the script sees an
 * error). The real outbox writes them in the current write transaction. */
typedef struct pt_lua_outbox_ops {
    int (*notify)(void *ud, const char *script, const json_t *msg);
    int (*mail)(void *ud, const char *script, const json_t *msg);
    void *ud;
} pt_lua_outbox_ops;

/* Install (ops copied) or, with NULL, restore the default: each message is
 * logged and appended to an in-memory list (last 100). */
void pt_lua_set_outbox_backend(const pt_lua_outbox_ops *ops);
/* The default back end's list: a borrowed JSON array of {"type": "notify"
 * or "mail", "script": name, "msg": {...}}, oldest first. */
const json_t *pt_lua_outbox_recorded(void);

/* ---- routes -------------------------------------------------------------- */

/* What a Lua route handler sees of a request, independent of the HTTP
 * layer. Everything borrowed for the duration of pt_lua_route_call. The
 * lookup callbacks (may be NULL) back the lazy req.headers (names are
 * lower-cased before the call), req.query and req.form tables. */
typedef struct pt_lua_req {
    const char *method;       /* "GET"...; HEAD is matched as GET          */
    const char *path;         /* decoded path                              */
    const json_t *json;       /* decoded JSON body or NULL                 */
    const json_t *user;       /* the signed-in user's id, or NULL          */
    const char *(*header)(void *ctx, const char *name);
    const char *(*query)(void *ctx, const char *name);
    const char *(*form)(void *ctx, const char *name);
    void *ctx;
} pt_lua_req;

/* The handler's answer. Owned by the caller after pt_lua_route_call; free
 * with pt_lua_resp_free. Exactly one of body/json is set on success (or
 * neither for 204). */
typedef struct pt_lua_resp {
    int status;
    json_t *headers;          /* object name -> string value; never NULL  */
    char *body;               /* malloc'd, body_len bytes, or NULL        */
    size_t body_len;
    json_t *json;             /* JSON body or NULL                        */
} pt_lua_resp;

void pt_lua_resp_free(pt_lua_resp *r);

/* Find the Lua route for req->method + req->path (literal patterns first,
 * then ":param" patterns, in registration order) and run it. The handler
 * returns a string (200 text/plain), nil (204) or a table {status=,
 * body=, json=, headers=}. *out is zeroed first (pt_lua_resp_free is
 * always safe). Returns 0 with *out filled; PT_ENOTFOUND when no Lua route
 * matches; PT_EINVAL for a req without method/path; PT_ERR when the
 * handler failed (*out has status 500 and no body; the error is in the
 * ring) or is disabled (status 503). */
int pt_lua_route_call(const pt_lua_req *req, pt_lua_resp *out);

/* Every Lua route as a new JSON array of {"method", "path", "script",
 * "disabled"} (for the router and the admin page). */
void pt_lua_routes(json_t **out);

/* A pt_handler_fn (api_route.c) that answers a request with the matching
 * Lua route: builds a pt_lua_req from req, runs pt_lua_route_call and
 * writes the response (404/500/503 through pt_http_error). Mount it for
 * each pattern pt_lua_routes lists, or as a prefix fallback. */
int pt_lua_http_handler(pt_req *req);
/* How pt_lua_http_handler learns the signed-in user: fn returns a new JSON
 * reference (the user id) or NULL. NULL fn (default): req.user is nil. */
void pt_lua_set_user_fn(json_t *(*fn)(pt_req *req));

/* ---- process ------------------------------------------------------------ */

/* Free every global the Lua module holds (script set, ring, routes,
 * default back ends' memory). For tests and clean exit. */
void pt_lua_shutdown(void);

#endif
