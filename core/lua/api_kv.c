/*
 * core/lua/api_kv.c - portico.kv: a per-script key-value store behind an
 * abstract back end (pt_lua_kv_ops, see portico/lua.h). The default back
 * end keeps everything in memory (one JSON object per script name), so
 * unit tests run without LMDB; the store module installs the real one.
 *
 *   portico.kv.get(key)          -> value or nil
 *   portico.kv.set(key, value)   -> true   (value nil = delete)
 *   portico.kv.delete(key)       -> true
 * Keys are 1..256 bytes; values are anything JSON can hold, at most
 * arg_max bytes encoded. Back-end failures raise a Lua error.
 */
#include <string.h>

#include "lua/internal.h"
#include "portico/log.h"

#define KEY_MAX 256

/* ---- default back end ------------------------------------------------------ */

static json_t *mem; /* {script: {key: value}} */

static int mem_get(void *ud, const char *script, const char *key, json_t **out)
{
    json_t *v = json_object_get(json_object_get(mem, script), key);
    if (!v) return PT_ENOTFOUND;
    *out = json_deep_copy(v);
    return 0;
}

static int mem_set(void *ud, const char *script, const char *key, const json_t *value)
{
    if (!mem) mem = json_object();
    json_t *o = json_object_get(mem, script);
    if (!o) {
        o = json_object();
        json_object_set_new(mem, script, o);
    }
    return json_object_set_new(o, key, json_deep_copy(value)) == 0 ? 0 : PT_EINVAL;
}

static int mem_del(void *ud, const char *script, const char *key)
{
    json_object_del(json_object_get(mem, script), key);
    return 0;
}

static const pt_lua_kv_ops mem_ops = {mem_get, mem_set, mem_del, NULL};
static pt_lua_kv_ops ops = {mem_get, mem_set, mem_del, NULL};

void pt_lua_set_kv_backend(const pt_lua_kv_ops *o)
{
    ops = o ? *o : mem_ops;
}

void pt_lua__kv_shutdown(void)
{
    json_decref(mem);
    mem = NULL;
    ops = mem_ops;
}

/* ---- Lua side ---------------------------------------------------------------- */

static const char *check_key(lua_State *L)
{
    size_t n;
    const char *k = luaL_checklstring(L, 1, &n);
    if (n == 0 || n > KEY_MAX || strlen(k) != n)
        luaL_argerror(L, 1, "key must be 1-256 bytes without NUL");
    return k;
}

static int l_get(lua_State *L)
{
    const char *k = check_key(L);
    json_t *v = NULL;
    int rc = ops.get(ops.ud, pt_lua__script(L)->name, k, &v);
    if (rc == PT_ENOTFOUND) {
        lua_pushnil(L);
        return 1;
    }
    if (rc != 0) {
        json_decref(v);
        return luaL_error(L, "kv.get: %s", pt_strerror(rc));
    }
    pt_lua__push_owned(L, v);
    return 1;
}

static int l_del(lua_State *L)
{
    const char *k = check_key(L);
    int rc = ops.del(ops.ud, pt_lua__script(L)->name, k);
    if (rc != 0 && rc != PT_ENOTFOUND) return luaL_error(L, "kv.delete: %s", pt_strerror(rc));
    lua_pushboolean(L, 1);
    return 1;
}

static int l_set(lua_State *L)
{
    const char *k = check_key(L);
    if (lua_isnoneornil(L, 2)) {
        lua_settop(L, 1);
        return l_del(L);
    }
    pt_lua_script *s = pt_lua__script(L);
    char why[160];
    json_t *v = pt_lua__to_json(L, 2, why, sizeof why);
    if (!v) return luaL_error(L, "kv.set: %s", why);
    size_t size = json_dumpb(v, NULL, 0, JSON_COMPACT | JSON_ENCODE_ANY);
    int rc = size > s->opts.arg_max ? PT_ETOOBIG : ops.set(ops.ud, s->name, k, v);
    json_decref(v);
    if (rc == PT_ETOOBIG)
        return luaL_error(L, "kv.set: value too big (%I bytes encoded, at most %I)",
                          (lua_Integer)size, (lua_Integer)s->opts.arg_max);
    if (rc != 0) return luaL_error(L, "kv.set: %s", pt_strerror(rc));
    lua_pushboolean(L, 1);
    return 1;
}

void pt_lua__open_kv(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"get", l_get}, {"set", l_set}, {"delete", l_del}, {NULL, NULL}};
    luaL_newlib(L, fns);
}
