/*
 * core/lua/internal.h - what the files of core/lua (and core/config.c)
 * share. Not a public header: plugins never see it.
 */
#ifndef PT_LUA_INTERNAL_H
#define PT_LUA_INTERNAL_H

#include <jansson.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "portico/events.h"
#include "portico/lua.h"

/* ---- limits.c ---------------------------------------------------------- */

/* Allocator budget and run budget of one state; the allocator's ud, so the
 * hook finds it with lua_getallocf. */
typedef struct pt_lua_lim {
    size_t used;               /* bytes currently allocated               */
    size_t max;                /* budget                                  */
    unsigned long long max_count;
    unsigned long long count;  /* instructions this entry (approx.)       */
    unsigned time_ms;
    uint64_t deadline_us;      /* pt_now_us() deadline this entry         */
    int tripped;               /* 0, 1 = instructions, 2 = time           */
    const char *what;          /* "script" / "config", for messages      */
} pt_lua_lim;

/* A new state using lim as allocator budget (lim borrowed, must outlive
 * the state), with a panic handler that logs and aborts. NULL when even
 * the state does not fit. */
lua_State *pt_lua__newstate(pt_lua_lim *lim);
/* Reset the per-entry counters and install the count hook. */
void pt_lua__arm(lua_State *L);
/* Remove the hook. */
void pt_lua__disarm(lua_State *L);

/* ---- convert.c ---------------------------------------------------------- */

/* Push j as a Lua value (NULL pushes portico.null). Raises a Lua error when
 * too deep or too big (so call it under pcall). Arrays get the array
 * metatable (pt_lua__array_mt must have been created first, see
 * pt_lua__convert_init). */
void pt_lua__push_json(lua_State *L, const json_t *j);
/* Convert the value at idx to a new JSON reference. Never raises. On
 * failure returns NULL and writes a message to why (size n). */
json_t *pt_lua__to_json(lua_State *L, int idx, char *why, size_t n);
/* Create the array metatable and the null sentinel in the registry. Call
 * once per state, under pcall. */
void pt_lua__convert_init(lua_State *L);
/* Push the array metatable. */
void pt_lua__push_array_mt(lua_State *L);
/* The null sentinel (a light userdata). */
extern const char pt_lua__null_tag;
/* Registry key of the weak-keyed table proxy -> real table (or true) that
 * marks read-only proxies (sandbox.c fills it, convert.c sees through). */
extern const char pt_lua__proxy_key;
#define PT_LUA_NULL ((void *)&pt_lua__null_tag)

/* ---- sandbox.c ---------------------------------------------------------- */

typedef struct pt_lua_handler pt_lua_handler;

struct pt_lua_handler {
    pt_lua_handler *next;       /* in the script's list                    */
    pt_lua_script *s;
    int ref;                    /* registry ref of the function            */
    int is_route;
    char *event;                /* hook: event name; route: pattern        */
    char *method;               /* route only                              */
    unsigned fails;             /* consecutive failures                    */
    bool disabled;
};

struct pt_lua_script {
    lua_State *L;
    pt_lua_lim lim;
    pt_lua_limits opts;         /* resolved, config not kept               */
    char *path;
    char *name;
    char *owner;
    bool loading;               /* top level running                       */
    int depth;                  /* entry calls running (re-entrancy guard) */
    pt_lua_handler *handlers;
    /* current route request (api_portico.c) */
    const pt_lua_req *cur_req;
    unsigned long long req_gen;
    /* A JSON value being pushed into Lua: freed by pt_lua__enter after the
     * call, so a Lua error during the push cannot leak it. */
    json_t *pending;
};

/* Push j (a new reference, stolen) as a Lua value; j is freed even if the
 * push raises. */
void pt_lua__push_owned(lua_State *L, json_t *j);

/* The script a state belongs to (stored in the state's extra space). */
pt_lua_script *pt_lua__script(lua_State *L);

/* One protected entry into s: resets limits, runs body(L) with ctx as a
 * light userdata at index 1 under lua_pcall with a traceback handler.
 * h (may be NULL) counts consecutive failures and is disabled at
 * max_fails. On error: log, ring, *err (owned) when err != NULL; returns
 * PT_ERR. PT_EAGAIN when s is already running (re-entrant call). */
int pt_lua__enter(pt_lua_script *s, pt_lua_handler *h, lua_CFunction body, void *ctx,
                  char **err);

/* Record an error (log + ring). script may be NULL. */
void pt_lua__record_error(const char *script, const char *msg, const char *traceback);

/* Make the table at idx read-only: replaces it on the stack with a proxy
 * (__index = the table, __newindex refuses, __len/__pairs work,
 * __metatable locked, rawset refused). When deep, nested tables are
 * proxied too (they must not contain cycles: only for converted data). */
void pt_lua__readonly(lua_State *L, int idx, bool deep);
/* Push a new read-only proxy whose __index is the C closure at the top of
 * the stack (popped). */
void pt_lua__readonly_fn(lua_State *L);

/* Check a string argument and its size against the script's arg_max. */
const char *pt_lua__checkstr(lua_State *L, int arg, size_t *len);

/* ---- api_*.c --------------------------------------------------------------- */

/* Build the portico table (api_portico.c) and set env.portico. Under pcall. */
void pt_lua__open_api(lua_State *L, pt_lua_script *s, const json_t *config);
void pt_lua__open_kv(lua_State *L);      /* pushes the kv table           */
void pt_lua__open_outbox(lua_State *L);  /* sets notify/mail on table at -1 */
/* Forget the routes of script s (api_portico.c). */
void pt_lua__routes_remove(pt_lua_script *s);
void pt_lua__routes_shutdown(void);
void pt_lua__kv_shutdown(void);
void pt_lua__outbox_shutdown(void);
void pt_lua__ring_shutdown(void);

#endif
