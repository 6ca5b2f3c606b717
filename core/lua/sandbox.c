/*
 * core/lua/sandbox.c - one sandboxed lua_State per script: the allow-list
 * environment, read-only proxies, protected entry calls with a traceback
 * handler, the error ring, and loading / running scripts.
 *
 * How the environment is built (setup(), under pcall and the limits):
 *  - base, string, table, math, utf8 are opened into the state's original
 *    globals; string.dump is deleted from the real string table (method
 *    calls on strings reach it through the string metatable);
 *  - the string metatable gets __metatable = "locked";
 *  - a new table `env` receives the allowed base functions, copies of the
 *    four libraries, _G = env and portico; load / setmetatable / rawset
 *    are wrapped (text only and env forced; no __gc; no rawset on
 *    proxies);
 *  - env replaces the registry's globals (LUA_RIDX_GLOBALS), so chunks
 *    compiled later (the script, load()) see env as _ENV and the original
 *    globals become unreachable.
 *
 * Why __gc is refused: finalizers run whenever the collector decides,
 * possibly outside an entry call, where no limit or handler applies.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua/internal.h"
#include "portico/log.h"

#define DEFAULT_MEM (16u << 20)
#define DEFAULT_INSTR 10000000ULL
#define DEFAULT_TIME_MS 200
#define DEFAULT_FAILS 5
#define DEFAULT_ARG_MAX (1u << 20)
#define SCRIPT_MAX (1u << 20)
#define RING_MSG_MAX 1024
#define RING_TB_MAX 2048

/* ---- error ring ---------------------------------------------------------- */

typedef struct {
    uint64_t time;
    char *script;
    char *message;
    char *traceback;
} ring_entry;

static ring_entry ring[PT_LUA_ERROR_RING];
static size_t ring_next, ring_count;

static char *clip(const char *s, size_t max)
{
    size_t n = strlen(s);
    return pt_xstrndup(s, n > max ? max : n);
}

void pt_lua__record_error(const char *script, const char *msg, const char *traceback)
{
    pt_log(PT_LOG_ERROR, "lua[%s]: %s", script ? script : "-", msg);
    ring_entry *e = &ring[ring_next];
    free(e->script);
    free(e->message);
    free(e->traceback);
    e->time = pt_wall_ms();
    e->script = pt_xstrdup(script ? script : "-");
    e->message = clip(msg, RING_MSG_MAX);
    e->traceback = clip(traceback ? traceback : "", RING_TB_MAX);
    ring_next = (ring_next + 1) % PT_LUA_ERROR_RING;
    if (ring_count < PT_LUA_ERROR_RING) ring_count++;
}

void pt_lua_errors(json_t **out)
{
    json_t *a = json_array();
    for (size_t i = 0; i < ring_count; i++) {
        ring_entry *e = &ring[(ring_next + PT_LUA_ERROR_RING - 1 - i) % PT_LUA_ERROR_RING];
        json_t *o = json_object();
        json_object_set_new(o, "time", json_integer((json_int_t)e->time));
        /* Messages may hold bytes that are not UTF-8: keep them readable. */
        json_object_set_new(o, "script", json_stringn_nocheck(e->script, strlen(e->script)));
        json_t *m = json_string(e->message);
        json_object_set_new(o, "message", m ? m : json_string("(message is not UTF-8)"));
        json_t *t = json_string(e->traceback);
        json_object_set_new(o, "traceback", t ? t : json_string(""));
        json_array_append_new(a, o);
    }
    *out = a;
}

void pt_lua_errors_clear(void)
{
    for (size_t i = 0; i < PT_LUA_ERROR_RING; i++) {
        free(ring[i].script);
        free(ring[i].message);
        free(ring[i].traceback);
        memset(&ring[i], 0, sizeof ring[i]);
    }
    ring_next = ring_count = 0;
}

void pt_lua__ring_shutdown(void)
{
    pt_lua_errors_clear();
}

/* ---- helpers -------------------------------------------------------------- */

pt_lua_script *pt_lua__script(lua_State *L)
{
    return *(pt_lua_script **)lua_getextraspace(L);
}

const char *pt_lua__checkstr(lua_State *L, int arg, size_t *len)
{
    size_t n;
    const char *s = luaL_checklstring(L, arg, &n);
    pt_lua_script *sc = pt_lua__script(L);
    if (sc && n > sc->opts.arg_max)
        luaL_error(L, "bad argument #%d (string of %I bytes, at most %I allowed)", arg,
                   (lua_Integer)n, (lua_Integer)sc->opts.arg_max);
    if (len) *len = n;
    return s;
}

/* ---- read-only proxies ---------------------------------------------------- */

static int ro_newindex(lua_State *L)
{
    if (lua_type(L, 2) == LUA_TSTRING)
        return luaL_error(L, "attempt to modify read-only table (field '%s')",
                          lua_tostring(L, 2));
    return luaL_error(L, "attempt to modify a read-only table");
}

static int ro_len(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)lua_rawlen(L, lua_upvalueindex(1)));
    return 1;
}

static int ro_next(lua_State *L)
{
    lua_settop(L, 2);
    if (lua_next(L, lua_upvalueindex(1))) return 2;
    lua_pushnil(L);
    return 1;
}

static int ro_pairs(lua_State *L)
{
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushcclosure(L, ro_next, 1);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

static int ro_empty_pairs(lua_State *L)
{
    lua_newtable(L);
    lua_pushcclosure(L, ro_next, 1);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

/* proxy at -1, what it stands for at -2 (table or true): register. */
static void mark_proxy(lua_State *L)
{
    lua_rawgetp(L, LUA_REGISTRYINDEX, &pt_lua__proxy_key);
    lua_pushvalue(L, -2);
    lua_pushvalue(L, -4);
    lua_rawset(L, -3);
    lua_pop(L, 1);
}

void pt_lua__readonly(lua_State *L, int idx, bool deep)
{
    idx = lua_absindex(L, idx);
    luaL_checkstack(L, 8, "read-only table");
    if (deep) {
        lua_pushnil(L);
        while (lua_next(L, idx)) {
            if (lua_type(L, -1) == LUA_TTABLE) {
                pt_lua__readonly(L, -1, true);
                lua_pushvalue(L, -2);
                lua_insert(L, -2);
                lua_rawset(L, idx); /* existing key: allowed during next */
            } else {
                lua_pop(L, 1);
            }
        }
    }
    lua_newtable(L); /* proxy */
    lua_createtable(L, 0, 5);
    lua_pushvalue(L, idx);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, ro_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushvalue(L, idx);
    lua_pushcclosure(L, ro_len, 1);
    lua_setfield(L, -2, "__len");
    lua_pushvalue(L, idx);
    lua_pushcclosure(L, ro_pairs, 1);
    lua_setfield(L, -2, "__pairs");
    lua_pushliteral(L, "protected");
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    lua_pushvalue(L, idx);
    lua_pushvalue(L, -2);
    mark_proxy(L);
    lua_pop(L, 2);
    lua_replace(L, idx);
}

void pt_lua__readonly_fn(lua_State *L)
{
    luaL_checkstack(L, 6, "read-only table");
    lua_newtable(L);          /* fn proxy */
    lua_createtable(L, 0, 4); /* fn proxy mt */
    lua_pushvalue(L, -3);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, ro_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushcfunction(L, ro_empty_pairs);
    lua_setfield(L, -2, "__pairs");
    lua_pushliteral(L, "protected");
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2); /* fn proxy */
    lua_pushboolean(L, 1);
    lua_pushvalue(L, -2);
    mark_proxy(L);
    lua_pop(L, 2);
    lua_remove(L, -2); /* proxy */
}

/* ---- wrapped base functions ------------------------------------------------ */

static int w_load(lua_State *L)
{
    if (!lua_isnoneornil(L, 3)) {
        const char *mode = luaL_checkstring(L, 3);
        if (strcmp(mode, "t") != 0) return luaL_error(L, "load: only text chunks are allowed");
    }
    if (!lua_isnoneornil(L, 4))
        return luaL_error(L, "load: a custom environment is not allowed");
    lua_settop(L, 2);
    lua_pushvalue(L, lua_upvalueindex(1)); /* original load */
    lua_insert(L, 1);
    lua_pushliteral(L, "t");
    lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    lua_call(L, 4, LUA_MULTRET);
    return lua_gettop(L);
}

static int w_setmetatable(lua_State *L)
{
    if (lua_type(L, 2) == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        if (lua_rawget(L, 2) != LUA_TNIL)
            return luaL_error(L, "setmetatable: __gc metamethods are not allowed");
        lua_pop(L, 1);
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

static int w_rawset(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &pt_lua__proxy_key);
    lua_pushvalue(L, 1);
    if (lua_rawget(L, -2) != LUA_TNIL) return luaL_error(L, "rawset: table is read-only");
    lua_pop(L, 2);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

static const char *const base_allowed[] = {
    "assert", "error",  "getmetatable", "ipairs", "next",     "pairs",  "pcall",
    "rawequal", "rawget", "rawlen",     "select", "tonumber", "tostring", "type",
    "xpcall", "_VERSION", NULL,
};

/* env at -1, lib table at -1 before: copy lib (at top) into env[name]. */
static void copy_lib(lua_State *L, int env, const char *name)
{
    lua_newtable(L);
    lua_pushnil(L);
    while (lua_next(L, -3)) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, -4);
    }
    lua_setfield(L, env, name);
    lua_pop(L, 1);
}

typedef struct {
    const json_t *config;
} setup_ctx;

static int setup(lua_State *L)
{
    setup_ctx *c = lua_touserdata(L, 1);
    pt_lua_script *s = pt_lua__script(L);
    luaL_requiref(L, LUA_GNAME, luaopen_base, 0);
    lua_pop(L, 1);
    pt_lua__convert_init(L);

    /* registry[proxy_key] = setmetatable({}, {__mode = "k"}) */
    lua_newtable(L);
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &pt_lua__proxy_key);

    lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    int g = lua_gettop(L);
    lua_newtable(L);
    int env = lua_gettop(L);
    for (const char *const *n = base_allowed; *n; n++) {
        lua_getfield(L, g, *n);
        lua_setfield(L, env, *n);
    }
    lua_getfield(L, g, "load");
    lua_pushcclosure(L, w_load, 1);
    lua_setfield(L, env, "load");
    lua_getfield(L, g, "setmetatable");
    lua_pushcclosure(L, w_setmetatable, 1);
    lua_setfield(L, env, "setmetatable");
    lua_getfield(L, g, "rawset");
    lua_pushcclosure(L, w_rawset, 1);
    lua_setfield(L, env, "rawset");
    lua_pushvalue(L, env);
    lua_setfield(L, env, "_G");

    luaL_requiref(L, LUA_STRLIBNAME, luaopen_string, 0);
    lua_pushnil(L);
    lua_setfield(L, -2, "dump"); /* from the real table too */
    copy_lib(L, env, "string");
    luaL_requiref(L, LUA_TABLIBNAME, luaopen_table, 0);
    copy_lib(L, env, "table");
    luaL_requiref(L, LUA_MATHLIBNAME, luaopen_math, 0);
    copy_lib(L, env, "math");
    luaL_requiref(L, LUA_UTF8LIBNAME, luaopen_utf8, 0);
    copy_lib(L, env, "utf8");

    /* Lock the string metatable. */
    lua_pushliteral(L, "");
    if (lua_getmetatable(L, -1)) {
        lua_pushliteral(L, "locked");
        lua_setfield(L, -2, "__metatable");
        lua_pop(L, 1);
    }
    lua_pop(L, 1);

    /* Drop the loaded-modules table's references to the real libraries. */
    lua_pushnil(L);
    lua_setfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);

    lua_pushvalue(L, env);
    lua_rawseti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    pt_lua__open_api(L, s, c->config);
    return 0;
}

/* ---- entry calls ----------------------------------------------------------- */

static int msgh(lua_State *L)
{
    const char *msg;
    if (lua_type(L, 1) == LUA_TSTRING)
        msg = lua_tostring(L, 1);
    else if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
        msg = lua_tostring(L, -1);
    else
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    /* Add the position of the innermost Lua frame when the message has
     * none (error("x", 0), error objects, errors raised by C code). */
    lua_Debug ar;
    for (int lvl = 1; lua_getstack(L, lvl, &ar); lvl++) {
        if (!lua_getinfo(L, "Sl", &ar) || ar.currentline <= 0) continue;
        size_t n = strlen(ar.short_src);
        if (strncmp(msg, ar.short_src, n) != 0 || msg[n] != ':')
            msg = lua_pushfstring(L, "%s:%d: %s", ar.short_src, ar.currentline, msg);
        break;
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

int pt_lua__enter(pt_lua_script *s, pt_lua_handler *h, lua_CFunction body, void *ctx,
                  char **err)
{
    lua_State *L = s->L;
    if (s->depth > 0) {
        if (err) *err = pt_xasprintf("%s: re-entrant call refused", s->path);
        return PT_EAGAIN;
    }
    int base = lua_gettop(L);
    if (!lua_checkstack(L, 4)) {
        if (err) *err = pt_xasprintf("%s: Lua stack exhausted", s->path);
        return PT_ERR;
    }
    lua_pushcfunction(L, msgh);
    lua_pushcfunction(L, body);
    lua_pushlightuserdata(L, ctx);
    s->depth++;
    pt_lua__arm(L);
    int rc = lua_pcall(L, 1, 0, base + 1);
    pt_lua__disarm(L);
    s->depth--;
    if (s->pending) {
        json_decref(s->pending);
        s->pending = NULL;
    }
    if (rc == LUA_OK) {
        lua_settop(L, base);
        if (h) h->fails = 0;
        return 0;
    }
    const char *m = lua_tostring(L, -1);
    if (!m) m = "(no message)";
    char *msg;
    char *tb = NULL;
    if (rc == LUA_ERRRUN) {
        const char *cut = strstr(m, "\nstack traceback:");
        msg = cut ? pt_xstrndup(m, (size_t)(cut - m)) : pt_xstrdup(m);
        if (cut) tb = pt_xstrdup(cut + 1);
    } else {
        msg = pt_xasprintf("%s: %s", s->path, m);
    }
    lua_settop(L, base);
    pt_lua__record_error(s->name, msg, tb);
    if (h && !h->disabled && ++h->fails >= s->opts.max_fails) {
        h->disabled = true;
        char *d = h->is_route
                      ? pt_xasprintf("route %s %s disabled after %u consecutive errors",
                                     h->method, h->event, h->fails)
                      : pt_xasprintf("handler for event '%s' disabled after %u consecutive "
                                     "errors",
                                     h->event, h->fails);
        pt_lua__record_error(s->name, d, NULL);
        free(d);
    }
    if (err)
        *err = msg;
    else
        free(msg);
    free(tb);
    lua_gc(L, LUA_GCCOLLECT);
    return PT_ERR;
}

/* ---- scripts ----------------------------------------------------------------- */

static unsigned state_seq;

static char *read_file(const char *path, size_t *len, char **err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (err) *err = pt_xasprintf("cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    pt_buf b = PT_BUF_INIT;
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        pt_buf_append(&b, chunk, n);
        if (b.len > SCRIPT_MAX) {
            fclose(f);
            pt_buf_free(&b);
            if (err) *err = pt_xasprintf("%s: file too big (over %u bytes)", path, SCRIPT_MAX);
            return NULL;
        }
    }
    bool bad = ferror(f);
    fclose(f);
    if (bad) {
        pt_buf_free(&b);
        if (err) *err = pt_xasprintf("cannot read %s: I/O error", path);
        return NULL;
    }
    *len = b.len;
    if (!b.data) return pt_xstrdup("");
    return pt_buf_steal(&b);
}

static char *script_name(const char *path)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t n = strlen(b);
    if (n > 4 && strcmp(b + n - 4, ".lua") == 0) n -= 4;
    return pt_xstrndup(b, n);
}

typedef struct {
    const char *code;
    size_t len;
    const char *chunkname;
    json_t *result;
    bool want_result;
    bool notfound;
    const char *fname;
    const json_t *args;
} run_ctx;

static int load_body(lua_State *L)
{
    run_ctx *c = lua_touserdata(L, 1);
    pt_lua_script *s = pt_lua__script(L);
    if (luaL_loadbufferx(L, c->code, c->len, c->chunkname, "t") != LUA_OK) return lua_error(L);
    s->loading = true;
    lua_call(L, 0, 0);
    s->loading = false;
    return 0;
}

void pt_lua_script_free(pt_lua_script *s)
{
    if (!s) return;
    pt_event_remove_owner(s->owner);
    pt_lua__routes_remove(s);
    if (s->L) lua_close(s->L);
    pt_lua_handler *h = s->handlers;
    while (h) {
        pt_lua_handler *n = h->next;
        free(h->event);
        free(h->method);
        free(h);
        h = n;
    }
    free(s->path);
    free(s->name);
    free(s->owner);
    free(s);
}

pt_lua_script *pt_lua_script_load(const char *path, const pt_lua_limits *lim, char **err)
{
    if (err) *err = NULL;
    size_t len;
    char *ferr = NULL;
    char *code = read_file(path, &len, &ferr);
    if (!code) {
        char *n = script_name(path);
        pt_lua__record_error(n, ferr, NULL);
        free(n);
        if (err)
            *err = ferr;
        else
            free(ferr);
        return NULL;
    }
    pt_lua_script *s = pt_xcalloc(1, sizeof *s);
    if (lim) s->opts = *lim;
    s->opts.config = NULL;
    if (!s->opts.mem_bytes) s->opts.mem_bytes = DEFAULT_MEM;
    if (!s->opts.instructions) s->opts.instructions = DEFAULT_INSTR;
    if (!s->opts.time_ms) s->opts.time_ms = DEFAULT_TIME_MS;
    if (!s->opts.max_fails) s->opts.max_fails = DEFAULT_FAILS;
    if (!s->opts.arg_max) s->opts.arg_max = DEFAULT_ARG_MAX;
    s->lim.max = s->opts.mem_bytes;
    s->lim.max_count = s->opts.instructions;
    s->lim.time_ms = s->opts.time_ms;
    s->lim.what = "script";
    s->path = pt_xstrdup(path);
    s->name = script_name(path);
    s->owner = pt_xasprintf("lua:%s#%u", s->name, ++state_seq);
    s->L = pt_lua__newstate(&s->lim);
    if (!s->L) {
        char *m = pt_xasprintf("%s: cannot create a Lua state within %zu bytes", path,
                               s->opts.mem_bytes);
        pt_lua__record_error(s->name, m, NULL);
        if (err)
            *err = m;
        else
            free(m);
        free(code);
        pt_lua_script_free(s);
        return NULL;
    }
    *(pt_lua_script **)lua_getextraspace(s->L) = s;

    setup_ctx sc = {lim ? lim->config : NULL};
    int rc = pt_lua__enter(s, NULL, setup, &sc, err);
    if (rc == 0) {
        char *chunk = pt_xasprintf("@%s", path);
        run_ctx rcx = {.code = code, .len = len, .chunkname = chunk};
        rc = pt_lua__enter(s, NULL, load_body, &rcx, err);
        s->loading = false;
        free(chunk);
    }
    free(code);
    if (rc != 0) {
        pt_lua_script_free(s);
        return NULL;
    }
    pt_info("lua: loaded %s (%zu bytes in use)", path, s->lim.used);
    return s;
}

const char *pt_lua_script_name(const pt_lua_script *s)
{
    return s->name;
}

const char *pt_lua_script_path(const pt_lua_script *s)
{
    return s->path;
}

const char *pt_lua_script_owner(const pt_lua_script *s)
{
    return s->owner;
}

size_t pt_lua_script_mem(const pt_lua_script *s)
{
    return s->lim.used;
}

static void take_result(lua_State *L, run_ctx *c)
{
    if (!c->want_result) return;
    char why[160];
    json_t *r = pt_lua__to_json(L, -1, why, sizeof why);
    if (!r) luaL_error(L, "result: %s", why);
    c->result = r;
}

static int run_body(lua_State *L)
{
    run_ctx *c = lua_touserdata(L, 1);
    if (luaL_loadbufferx(L, c->code, c->len, c->chunkname, "t") != LUA_OK) return lua_error(L);
    lua_call(L, 0, 1);
    take_result(L, c);
    return 0;
}

static int call_body(lua_State *L)
{
    run_ctx *c = lua_touserdata(L, 1);
    if (lua_getglobal(L, c->fname) != LUA_TFUNCTION) {
        c->notfound = true;
        return 0;
    }
    int n = 0;
    if (c->args && json_is_array(c->args)) {
        n = (int)json_array_size(c->args);
        luaL_checkstack(L, n + 2, "too many arguments");
        for (int i = 0; i < n; i++) pt_lua__push_json(L, json_array_get(c->args, (size_t)i));
    }
    lua_call(L, n, 1);
    take_result(L, c);
    return 0;
}

int pt_lua_script_run(pt_lua_script *s, const char *code, json_t **result, char **err)
{
    if (err) *err = NULL;
    if (result) *result = NULL;
    run_ctx c = {.code = code, .len = strlen(code), .chunkname = "=(run)",
                 .want_result = result != NULL};
    int rc = pt_lua__enter(s, NULL, run_body, &c, err);
    if (rc == 0 && result) *result = c.result ? c.result : json_null();
    else if (c.result) json_decref(c.result);
    return rc;
}

int pt_lua_script_call(pt_lua_script *s, const char *fname, const json_t *args,
                       json_t **result, char **err)
{
    if (err) *err = NULL;
    if (result) *result = NULL;
    run_ctx c = {.fname = fname, .args = args, .want_result = result != NULL};
    int rc = pt_lua__enter(s, NULL, call_body, &c, err);
    if (rc == 0 && c.notfound) {
        if (err) *err = pt_xasprintf("%s: no function '%s'", s->path, fname);
        return PT_ENOTFOUND;
    }
    if (rc == 0 && result) *result = c.result ? c.result : json_null();
    else if (c.result) json_decref(c.result);
    return rc;
}

void pt_lua__push_owned(lua_State *L, json_t *j)
{
    pt_lua_script *s = pt_lua__script(L);
    if (s->pending) json_decref(s->pending);
    s->pending = j;
    pt_lua__push_json(L, j);
    s->pending = NULL;
    json_decref(j);
}
