/*
 * core/lua/convert.c - JSON <-> Lua values (rules in portico/lua.h).
 *
 * JSON -> Lua runs inside an entry call and may raise (too deep, too big,
 * out of memory). Lua -> JSON never raises: it uses no Lua allocation
 * (lua_next, lua_rawgeti, lua_checkstack do not throw), so a half-built
 * JSON tree can always be freed; the caller turns the message into a Lua
 * error if it wants one.
 *
 * Read-only proxies (sandbox.c) are seen through: converting portico.config
 * or req.params converts the table behind the proxy.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lua/internal.h"

const char pt_lua__null_tag = 0;
static const char array_mt_key = 0;
const char pt_lua__proxy_key = 0;

void pt_lua__convert_init(lua_State *L)
{
    lua_createtable(L, 0, 2);
    lua_pushliteral(L, "portico.array");
    lua_setfield(L, -2, "__metatable");
    lua_pushliteral(L, "array");
    lua_setfield(L, -2, "__name");
    lua_rawsetp(L, LUA_REGISTRYINDEX, &array_mt_key);
}

void pt_lua__push_array_mt(lua_State *L)
{
    lua_rawgetp(L, LUA_REGISTRYINDEX, &array_mt_key);
}

/* ---- JSON -> Lua ---------------------------------------------------------- */

static void pj(lua_State *L, const json_t *j, int depth, size_t *nodes)
{
    if (++*nodes > PT_LUA_JSON_MAX_NODES) luaL_error(L, "JSON value too big (over %d nodes)",
                                                     PT_LUA_JSON_MAX_NODES);
    if (depth > PT_LUA_JSON_MAX_DEPTH)
        luaL_error(L, "JSON value nested too deeply (over %d levels)", PT_LUA_JSON_MAX_DEPTH);
    luaL_checkstack(L, 4, "JSON value nested too deeply");
    switch (j ? json_typeof(j) : JSON_NULL) {
    case JSON_OBJECT: {
        lua_createtable(L, 0, (int)json_object_size(j));
        const char *k;
        size_t klen;
        json_t *v;
        json_object_keylen_foreach((json_t *)j, k, klen, v) {
            lua_pushlstring(L, k, klen);
            pj(L, v, depth + 1, nodes);
            lua_rawset(L, -3);
        }
        break;
    }
    case JSON_ARRAY: {
        size_t n = json_array_size(j);
        lua_createtable(L, n > 1024 ? 1024 : (int)n, 0);
        for (size_t i = 0; i < n; i++) {
            pj(L, json_array_get(j, i), depth + 1, nodes);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        pt_lua__push_array_mt(L);
        lua_setmetatable(L, -2);
        break;
    }
    case JSON_STRING:
        lua_pushlstring(L, json_string_value(j), json_string_length(j));
        break;
    case JSON_INTEGER:
        lua_pushinteger(L, (lua_Integer)json_integer_value(j));
        break;
    case JSON_REAL:
        lua_pushnumber(L, json_real_value(j));
        break;
    case JSON_TRUE:
        lua_pushboolean(L, 1);
        break;
    case JSON_FALSE:
        lua_pushboolean(L, 0);
        break;
    case JSON_NULL:
        lua_pushlightuserdata(L, PT_LUA_NULL);
        break;
    }
}

void pt_lua__push_json(lua_State *L, const json_t *j)
{
    size_t nodes = 0;
    pj(L, j, 1, &nodes);
}

/* ---- Lua -> JSON ---------------------------------------------------------- */

typedef struct {
    lua_State *L;
    size_t nodes;
    char *why;
    size_t n;
} tj;

static json_t *fail(tj *c, const char *msg)
{
    if (!c->why[0]) snprintf(c->why, c->n, "%s", msg);
    return NULL;
}

static json_t *tj_val(tj *c, int idx, int depth);

/* Is the table at idx marked as an array? */
static bool marked_array(lua_State *L, int idx)
{
    if (!lua_getmetatable(L, idx)) return false;
    pt_lua__push_array_mt(L);
    bool r = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    return r;
}

static json_t *tj_table(tj *c, int idx, int depth)
{
    lua_State *L = c->L;
    if (depth > PT_LUA_JSON_MAX_DEPTH)
        return fail(c, "value nested too deeply for JSON (or contains a cycle)");
    if (!lua_checkstack(L, 6)) return fail(c, "value nested too deeply for JSON");

    /* A read-only proxy: convert what it stands for. */
    lua_rawgetp(L, LUA_REGISTRYINDEX, &pt_lua__proxy_key);
    if (lua_istable(L, -1)) {
        lua_pushvalue(L, idx);
        lua_rawget(L, -2);
        if (lua_istable(L, -1)) {
            int real = lua_absindex(L, -1);
            json_t *r = tj_table(c, real, depth);
            lua_pop(L, 2);
            return r;
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);

    bool arr = marked_array(L, idx);
    lua_Integer count = 0, max = 0;
    bool ints = true;
    if (!arr) {
        lua_pushnil(L);
        while (lua_next(L, idx)) {
            lua_pop(L, 1);
            count++;
            if (ints && lua_isinteger(L, -1)) {
                lua_Integer k = lua_tointeger(L, -1);
                if (k < 1)
                    ints = false;
                else if (k > max)
                    max = k;
            } else {
                ints = false;
            }
        }
        arr = count > 0 && ints && max == count;
    }
    if (arr) {
        json_t *a = json_array();
        lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
        for (lua_Integer i = 1; i <= n; i++) {
            lua_rawgeti(L, idx, i);
            json_t *v = tj_val(c, lua_gettop(L), depth + 1);
            lua_pop(L, 1);
            if (!v) {
                json_decref(a);
                return NULL;
            }
            json_array_append_new(a, v);
        }
        return a;
    }
    json_t *o = json_object();
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        char kbuf[32];
        const char *k;
        size_t klen;
        if (lua_type(L, -2) == LUA_TSTRING) {
            k = lua_tolstring(L, -2, &klen);
        } else if (lua_isinteger(L, -2)) {
            klen = (size_t)snprintf(kbuf, sizeof kbuf, "%lld", (long long)lua_tointeger(L, -2));
            k = kbuf;
        } else {
            lua_pop(L, 2);
            json_decref(o);
            return fail(c, "table keys must be strings or integers to become JSON");
        }
        json_t *v = tj_val(c, lua_gettop(L), depth + 1);
        lua_pop(L, 1);
        if (!v || json_object_setn_new(o, k, klen, v) < 0) {
            if (v) fail(c, "table key is not valid UTF-8");
            lua_pop(L, 1);
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

static json_t *tj_val(tj *c, int idx, int depth)
{
    lua_State *L = c->L;
    if (++c->nodes > PT_LUA_JSON_MAX_NODES) return fail(c, "value too big for JSON");
    switch (lua_type(L, idx)) {
    case LUA_TNIL:
    case LUA_TNONE:
        return json_null();
    case LUA_TBOOLEAN:
        return json_boolean(lua_toboolean(L, idx));
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx)) return json_integer((json_int_t)lua_tointeger(L, idx));
        {
            double d = lua_tonumber(L, idx);
            if (!isfinite(d)) return fail(c, "NaN and infinity cannot become JSON");
            return json_real(d);
        }
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        json_t *r = json_stringn(s, len);
        return r ? r : fail(c, "string is not valid UTF-8");
    }
    case LUA_TLIGHTUSERDATA:
        if (lua_touserdata(L, idx) == PT_LUA_NULL) return json_null();
        return fail(c, "cannot convert a userdata to JSON");
    case LUA_TTABLE:
        return tj_table(c, lua_absindex(L, idx), depth);
    default: {
        char m[64];
        snprintf(m, sizeof m, "cannot convert a %s to JSON", lua_typename(L, lua_type(L, idx)));
        return fail(c, m);
    }
    }
}

json_t *pt_lua__to_json(lua_State *L, int idx, char *why, size_t n)
{
    tj c = {L, 0, why, n};
    why[0] = 0;
    int top = lua_gettop(L);
    json_t *r = tj_val(&c, lua_absindex(L, idx), 1);
    lua_settop(L, top);
    return r;
}
