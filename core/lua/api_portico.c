/*
 * core/lua/api_portico.c - the portico.* table (API v1) and Lua routes.
 *
 *   portico.on(event, fn [, priority=100])   register a hook (top level only)
 *   portico.route(method, path, fn)          register a route (top level only)
 *   portico.log(level, msg)                  "debug"|"info"|"warn"|"error"
 *   portico.config                           read-only copy of the script's
 *                                            config section
 *   portico.kv.get/set/delete                api_kv.c
 *   portico.notify{...}, portico.mail{...}   api_outbox.c
 *   portico.now()                            wall clock, integer milliseconds
 *   portico.json.encode(v) / decode(s)       decode returns nil, msg on bad input
 *   portico.null, portico.array([t])         JSON null sentinel; array marker
 *
 * Hooks: fn(data, event_name). In a filter the handler may change `data`
 * in place or return a replacement table; the result replaces the event
 * data only when the handler raised no error. In an action the return
 * value and changes are ignored.
 *
 * Routes: fn(req) where req = {method, path, params, query, headers, form,
 * json, user} is read-only; query/headers/form look values up on access
 * (names: headers case-insensitive, given lower-case) and refuse to work
 * once the request is over. The handler returns a string (text/plain),
 * nil (204), or {status=, body= | json=, headers=}.
 *
 * The route table is per process: pt_lua_route_call matches literal
 * patterns first, then ":param" ones, in registration order. A script may
 * not register a method+pattern another script already has.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lua/internal.h"
#include "portico/log.h"

#define DEFAULT_PRIORITY 100
#define NAME_MAX_LEN 127
#define PATH_MAX_LEN 256

/* ---- hooks ---------------------------------------------------------------- */

typedef struct {
    const pt_event *ev;
    pt_lua_handler *h;
    json_t *out;
} hook_ctx;

static int hook_body(lua_State *L)
{
    hook_ctx *c = lua_touserdata(L, 1);
    pt_lua__push_json(L, c->ev->data);
    lua_pushvalue(L, -1);
    lua_rawgeti(L, LUA_REGISTRYINDEX, c->h->ref);
    lua_insert(L, -2);
    lua_pushstring(L, c->ev->name);
    lua_call(L, 2, 1);
    if (c->ev->kind != PT_EVENT_FILTER) return 0;
    int src = lua_istable(L, -1) ? -1 : -2;
    char why[160];
    json_t *out = pt_lua__to_json(L, src, why, sizeof why);
    if (!out) return luaL_error(L, "event '%s': result: %s", c->ev->name, why);
    if (json_typeof(out) != json_typeof(c->ev->data)) {
        json_decref(out);
        return luaL_error(L, "event '%s': a filter must leave an %s", c->ev->name,
                          json_is_array(c->ev->data) ? "array" : "object");
    }
    c->out = out;
    return 0;
}

static int hook_tramp(const pt_event *ev, void *ud)
{
    pt_lua_handler *h = ud;
    if (h->disabled) return 0;
    hook_ctx c = {ev, h, NULL};
    int rc = pt_lua__enter(h->s, h, hook_body, &c, NULL);
    if (rc != 0) {
        json_decref(c.out);
        return rc;
    }
    if (c.out) {
        if (json_is_object(ev->data)) {
            json_object_clear(ev->data);
            json_object_update(ev->data, c.out);
        } else if (json_is_array(ev->data)) {
            json_array_clear(ev->data);
            json_array_extend(ev->data, c.out);
        }
        json_decref(c.out);
    }
    return 0;
}

static pt_lua_handler *new_handler(lua_State *L, pt_lua_script *s, int fn_idx)
{
    lua_pushvalue(L, fn_idx);
    int ref = luaL_ref(L, LUA_REGISTRYINDEX); /* may raise: before any malloc */
    pt_lua_handler *h = pt_xcalloc(1, sizeof *h);
    h->s = s;
    h->ref = ref;
    h->next = s->handlers;
    s->handlers = h;
    return h;
}

static pt_lua_script *loading_script(lua_State *L, const char *fn)
{
    pt_lua_script *s = pt_lua__script(L);
    if (!s->loading) luaL_error(L, "%s may only be called while the script loads", fn);
    return s;
}

static int l_on(lua_State *L)
{
    pt_lua_script *s = loading_script(L, "portico.on");
    size_t n;
    const char *ev = luaL_checklstring(L, 1, &n);
    if (n == 0 || n > NAME_MAX_LEN || strlen(ev) != n)
        return luaL_argerror(L, 1, "event name must be 1-127 bytes");
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_Integer prio = luaL_optinteger(L, 3, DEFAULT_PRIORITY);
    luaL_argcheck(L, prio >= -1000000 && prio <= 1000000, 3, "priority out of range");
    pt_lua_handler *h = new_handler(L, s, 2);
    h->event = pt_xstrdup(ev);
    if (pt_event_hook(ev, hook_tramp, (int)prio, h, s->owner) != 0)
        return luaL_error(L, "portico.on: cannot hook '%s'", ev);
    return 0;
}

/* ---- routes ----------------------------------------------------------------- */

typedef struct {
    pt_lua_script *s;
    pt_lua_handler *h;
} lroute;

static lroute *routes;
static size_t nroutes, caproutes;

void pt_lua__routes_remove(pt_lua_script *s)
{
    size_t j = 0;
    for (size_t i = 0; i < nroutes; i++)
        if (routes[i].s != s) routes[j++] = routes[i];
    nroutes = j;
}

void pt_lua__routes_shutdown(void)
{
    free(routes);
    routes = NULL;
    nroutes = caproutes = 0;
}

static bool valid_method(const char *m)
{
    static const char *const ok[] = {"GET", "POST", "PUT", "PATCH", "DELETE", NULL};
    for (const char *const *p = ok; *p; p++)
        if (strcmp(m, *p) == 0) return true;
    return false;
}

static bool valid_pattern(const char *p, size_t n)
{
    if (n == 0 || n > PATH_MAX_LEN || p[0] != '/' || strlen(p) != n) return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c <= ' ' || c >= 0x7f || c == '?' || c == '#') return false;
        if (c == '/' && i + 1 < n && p[i + 1] == '/') return false;
        if (c == ':' && (i == 0 || p[i - 1] != '/' || i + 1 >= n || p[i + 1] == '/'))
            return false;
    }
    return true;
}

static int l_route(lua_State *L)
{
    pt_lua_script *s = loading_script(L, "portico.route");
    const char *method = luaL_checkstring(L, 1);
    size_t n;
    const char *path = luaL_checklstring(L, 2, &n);
    luaL_checktype(L, 3, LUA_TFUNCTION);
    if (!valid_method(method))
        return luaL_argerror(L, 1, "method must be GET, POST, PUT, PATCH or DELETE");
    if (!valid_pattern(path, n))
        return luaL_argerror(L, 2, "path must be an absolute path (segments or :name)");
    for (size_t i = 0; i < nroutes; i++) {
        lroute *r = &routes[i];
        if (strcmp(r->h->method, method) || strcmp(r->h->event, path)) continue;
        if (r->s == s || strcmp(r->s->name, s->name) != 0)
            return luaL_error(L, "portico.route: %s %s is already registered by script '%s'",
                              method, path, r->s->name);
    }
    pt_lua_handler *h = new_handler(L, s, 3);
    h->is_route = 1;
    h->method = pt_xstrdup(method);
    h->event = pt_xstrdup(path);
    if (nroutes == caproutes) {
        caproutes = caproutes ? caproutes * 2 : 16;
        routes = pt_xrealloc(routes, caproutes * sizeof *routes);
    }
    routes[nroutes++] = (lroute){s, h};
    return 0;
}

/* Match pattern against path; on success fill params (object) if given. */
static bool match(const char *pat, const char *path, json_t *params)
{
    while (*pat && *path) {
        if (*pat != '/' || *path != '/') return false;
        pat++, path++;
        const char *pe = strchr(pat, '/');
        const char *xe = strchr(path, '/');
        size_t pl = pe ? (size_t)(pe - pat) : strlen(pat);
        size_t xl = xe ? (size_t)(xe - path) : strlen(path);
        if (pat[0] == ':') {
            if (xl == 0) return false;
            if (params) {
                char *name = pt_xstrndup(pat + 1, pl - 1);
                json_t *v = json_stringn(path, xl);
                json_object_set_new(params, name, v ? v : json_string(""));
                free(name);
            }
        } else if (pl != xl || memcmp(pat, path, pl) != 0) {
            return false;
        }
        pat += pl;
        path += xl;
    }
    return *pat == 0 && *path == 0;
}

static lroute *find_route(const char *method, const char *path)
{
    if (strcmp(method, "HEAD") == 0) method = "GET";
    for (size_t i = 0; i < nroutes; i++)
        if (!strchr(routes[i].h->event, ':') && strcmp(routes[i].h->method, method) == 0 &&
            strcmp(routes[i].h->event, path) == 0)
            return &routes[i];
    for (size_t i = 0; i < nroutes; i++)
        if (strchr(routes[i].h->event, ':') && strcmp(routes[i].h->method, method) == 0 &&
            match(routes[i].h->event, path, NULL))
            return &routes[i];
    return NULL;
}

void pt_lua_routes(json_t **out)
{
    json_t *a = json_array();
    for (size_t i = 0; i < nroutes; i++)
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:b}", "method", routes[i].h->method,
                                           "path", routes[i].h->event, "script",
                                           routes[i].s->name, "disabled",
                                           routes[i].h->disabled));
    *out = a;
}

void pt_lua_resp_free(pt_lua_resp *r)
{
    if (!r) return;
    json_decref(r->headers);
    json_decref(r->json);
    free(r->body);
    memset(r, 0, sizeof *r);
}

typedef struct {
    const pt_lua_req *req;
    pt_lua_handler *h;
    json_t *params;
    pt_lua_resp *out;
} route_ctx;

enum { LAZY_HEADER = 1, LAZY_QUERY, LAZY_FORM };

static int lazy_index(lua_State *L)
{
    pt_lua_script *s = pt_lua__script(L);
    lua_Integer gen = lua_tointeger(L, lua_upvalueindex(1));
    int kind = (int)lua_tointeger(L, lua_upvalueindex(2));
    if (!s->cur_req || s->req_gen != (unsigned long long)gen)
        return luaL_error(L, "the request is over: its query, headers and form are gone");
    if (lua_type(L, 2) != LUA_TSTRING) return 0;
    size_t n;
    const char *k = lua_tolstring(L, 2, &n);
    if (n == 0 || n > 256 || strlen(k) != n) return 0;
    const pt_lua_req *rq = s->cur_req;
    const char *(*fn)(void *, const char *) =
        kind == LAZY_HEADER ? rq->header : kind == LAZY_QUERY ? rq->query : rq->form;
    if (!fn) return 0;
    char name[257];
    memcpy(name, k, n + 1);
    if (kind == LAZY_HEADER)
        for (char *p = name; *p; p++) *p = (char)tolower((unsigned char)*p);
    const char *v = fn(rq->ctx, name);
    if (!v) return 0;
    lua_pushstring(L, v);
    return 1;
}

static void push_lazy(lua_State *L, pt_lua_script *s, int kind, const char *field)
{
    lua_pushinteger(L, (lua_Integer)s->req_gen);
    lua_pushinteger(L, kind);
    lua_pushcclosure(L, lazy_index, 2);
    pt_lua__readonly_fn(L);
    lua_setfield(L, -2, field);
}

static bool valid_header(const char *name, const char *value)
{
    if (!*name || strlen(name) > 128) return false;
    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("!#$%&'*+-.^_`|~", *p)) return false;
    if (!strcasecmp(name, "content-length") || !strcasecmp(name, "transfer-encoding"))
        return false;
    for (const char *p = value; *p; p++)
        if ((unsigned char)*p < 0x20 && *p != '\t') return false;
    return true;
}

static int route_body(lua_State *L)
{
    route_ctx *c = lua_touserdata(L, 1);
    pt_lua_script *s = pt_lua__script(L);
    pt_lua_resp *out = c->out;
    lua_rawgeti(L, LUA_REGISTRYINDEX, c->h->ref);
    lua_createtable(L, 0, 8);
    lua_pushstring(L, c->req->method ? c->req->method : "GET");
    lua_setfield(L, -2, "method");
    lua_pushstring(L, c->req->path ? c->req->path : "/");
    lua_setfield(L, -2, "path");
    pt_lua__push_json(L, c->params);
    pt_lua__readonly(L, -1, false);
    lua_setfield(L, -2, "params");
    push_lazy(L, s, LAZY_QUERY, "query");
    push_lazy(L, s, LAZY_HEADER, "headers");
    push_lazy(L, s, LAZY_FORM, "form");
    if (c->req->json) {
        pt_lua__push_json(L, c->req->json);
        lua_setfield(L, -2, "json");
    }
    if (c->req->user) {
        pt_lua__push_json(L, c->req->user);
        lua_setfield(L, -2, "user");
    }
    pt_lua__readonly(L, -1, false);
    lua_call(L, 1, 1);

    int t = lua_type(L, -1);
    if (t == LUA_TNIL) {
        out->status = 204;
        return 0;
    }
    if (t == LUA_TSTRING) {
        size_t n;
        const char *b = lua_tolstring(L, -1, &n);
        out->status = 200;
        json_object_set_new(out->headers, "content-type",
                            json_string("text/plain; charset=utf-8"));
        out->body = pt_xmalloc(n + 1);
        memcpy(out->body, b, n);
        out->body[n] = 0;
        out->body_len = n;
        return 0;
    }
    if (t != LUA_TTABLE) return luaL_error(L, "route handler must return a table, a string or nil");
    int r = lua_gettop(L);

    out->status = 200;
    if (lua_getfield(L, r, "status") != LUA_TNIL) {
        if (!lua_isinteger(L, -1)) return luaL_error(L, "route result: status must be an integer");
        lua_Integer st = lua_tointeger(L, -1);
        if (st < 100 || st > 599) return luaL_error(L, "route result: status %d out of range",
                                                    (int)st);
        out->status = (int)st;
    }
    lua_pop(L, 1);

    if (lua_getfield(L, r, "headers") != LUA_TNIL) {
        if (!lua_istable(L, -1)) return luaL_error(L, "route result: headers must be a table");
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
                return luaL_error(L, "route result: header names and values must be strings");
            char name[129];
            const char *k = lua_tostring(L, -2);
            const char *v = lua_tostring(L, -1);
            if (!valid_header(k, v)) return luaL_error(L, "route result: bad header '%s'", k);
            snprintf(name, sizeof name, "%s", k);
            for (char *p = name; *p; p++) *p = (char)tolower((unsigned char)*p);
            json_t *jv = json_string(v);
            if (!jv) return luaL_error(L, "route result: header '%s' is not UTF-8", k);
            json_object_set_new(out->headers, name, jv);
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);

    int bt = lua_getfield(L, r, "body");
    int jt = lua_getfield(L, r, "json");
    if (bt != LUA_TNIL && jt != LUA_TNIL)
        return luaL_error(L, "route result: give either body or json, not both");
    if (jt != LUA_TNIL) {
        char why[160];
        out->json = pt_lua__to_json(L, -1, why, sizeof why);
        if (!out->json) return luaL_error(L, "route result: json: %s", why);
    } else if (bt != LUA_TNIL) {
        if (bt != LUA_TSTRING) return luaL_error(L, "route result: body must be a string");
        size_t n;
        const char *b = lua_tolstring(L, -2, &n);
        out->body = pt_xmalloc(n + 1);
        memcpy(out->body, b, n);
        out->body[n] = 0;
        out->body_len = n;
        if (!json_object_get(out->headers, "content-type"))
            json_object_set_new(out->headers, "content-type",
                                json_string("text/plain; charset=utf-8"));
    } else if (out->status == 200) {
        out->status = 204;
    }
    return 0;
}

int pt_lua_route_call(const pt_lua_req *req, pt_lua_resp *out)
{
    memset(out, 0, sizeof *out);
    if (!req || !req->method || !req->path) return PT_EINVAL;
    lroute *r = find_route(req->method, req->path);
    if (!r) return PT_ENOTFOUND;
    out->headers = json_object();
    if (r->h->disabled) {
        out->status = 503;
        return PT_ERR;
    }
    pt_lua_script *s = r->s;
    route_ctx c = {req, r->h, json_object(), out};
    match(r->h->event, req->path, c.params);
    s->cur_req = req;
    s->req_gen++;
    int rc = pt_lua__enter(s, r->h, route_body, &c, NULL);
    s->cur_req = NULL;
    s->req_gen++;
    json_decref(c.params);
    if (rc != 0) {
        pt_lua_resp_free(out);
        out->headers = json_object();
        out->status = 500;
        return PT_ERR;
    }
    return 0;
}

/* ---- small functions ------------------------------------------------------- */

static int l_log(lua_State *L)
{
    pt_lua_script *s = pt_lua__script(L);
    const char *lv = luaL_checkstring(L, 1);
    size_t n;
    const char *msg = luaL_tolstring(L, 2, &n);
    pt_log_level level;
    if (pt_log_parse_level(lv, &level) != 0)
        return luaL_argerror(L, 1, "level must be debug, info, warn or error");
    if (n > 4096) n = 4096;
    pt_log(level, "lua[%s]: %.*s", s->name, (int)n, msg);
    return 0;
}

static int l_now(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)pt_wall_ms());
    return 1;
}

static int l_encode(lua_State *L)
{
    luaL_checkany(L, 1);
    char why[160];
    json_t *j = pt_lua__to_json(L, 1, why, sizeof why);
    if (!j) return luaL_error(L, "json.encode: %s", why);
    size_t flags = JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS;
    size_t n = json_dumpb(j, NULL, 0, flags);
    /* Lua allocations below may raise: park j where pt_lua__enter frees it. */
    pt_lua_script *s = pt_lua__script(L);
    if (s->pending) json_decref(s->pending);
    s->pending = j;
    luaL_Buffer b;
    char *buf = luaL_buffinitsize(L, &b, n ? n : 1);
    json_dumpb(j, buf, n, flags);
    luaL_pushresultsize(&b, n);
    s->pending = NULL;
    json_decref(j);
    return 1;
}

static int l_decode(lua_State *L)
{
    size_t n;
    const char *s = pt_lua__checkstr(L, 1, &n);
    json_error_t e;
    json_t *j = json_loadb(s, n, JSON_DECODE_ANY, &e);
    if (!j) {
        lua_pushnil(L);
        lua_pushfstring(L, "json: %s at line %d column %d", e.text, e.line, e.column);
        return 2;
    }
    pt_lua__push_owned(L, j);
    return 1;
}

static int l_array(lua_State *L)
{
    if (lua_isnoneornil(L, 1)) {
        lua_settop(L, 0);
        lua_newtable(L);
    }
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    if (lua_getmetatable(L, 1)) {
        pt_lua__push_array_mt(L);
        if (!lua_rawequal(L, -1, -2)) return luaL_argerror(L, 1, "table already has a metatable");
        lua_pop(L, 2);
    }
    pt_lua__push_array_mt(L);
    lua_setmetatable(L, 1);
    return 1;
}

void pt_lua__open_api(lua_State *L, pt_lua_script *s, const json_t *config)
{
    (void)s;
    lua_newtable(L);
    int p = lua_gettop(L);
    static const luaL_Reg fns[] = {
        {"on", l_on},   {"route", l_route}, {"log", l_log},
        {"now", l_now}, {"array", l_array}, {NULL, NULL},
    };
    luaL_setfuncs(L, fns, 0);
    lua_pushlightuserdata(L, PT_LUA_NULL);
    lua_setfield(L, p, "null");

    lua_createtable(L, 0, 2);
    lua_pushcfunction(L, l_encode);
    lua_setfield(L, -2, "encode");
    lua_pushcfunction(L, l_decode);
    lua_setfield(L, -2, "decode");
    pt_lua__readonly(L, -1, false);
    lua_setfield(L, p, "json");

    pt_lua__open_kv(L);
    pt_lua__readonly(L, -1, false);
    lua_setfield(L, p, "kv");

    pt_lua__open_outbox(L);

    if (config && (json_is_object(config) || json_is_array(config)))
        pt_lua__push_json(L, config);
    else
        lua_newtable(L);
    pt_lua__readonly(L, -1, true);
    lua_setfield(L, p, "config");

    pt_lua__readonly(L, p, false);
    lua_setglobal(L, "portico");
}
