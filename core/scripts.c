/*
 * core/scripts.c - the Lua scripts of config `scripts`: load/reload with
 * the `lua.*` limits, routes mounted under owner "lua", portico.kv stored
 * in LMDB (core.lua_kv, key "<script>\0<key>", value a msgpack record
 * {"v": value}), and the signed-in user handed to Lua routes.
 */
#include <string.h>

#include "portico/auth.h"
#include "portico/log.h"
#include "portico/lua.h"
#include "portico/store.h"
#include "scripts.h"
#include "settings.h"

#define KV_DB "core.lua_kv"

void pt_scripts_declare(void)
{
    pt_store_declare(KV_DB, PT_DB_PLAIN, "core");
}

static int kv_key(pt_key *k, const char *script, const char *key)
{
    pt_key_init(k);
    if (pt_key_add_str(k, script) != 0) return PT_ETOOBIG;
    return pt_key_add_bytes(k, key, strlen(key));
}

static int kv_get(void *ud, const char *script, const char *key, json_t **out)
{
    (void)ud;
    pt_key k;
    int rc = kv_key(&k, script, key);
    if (rc) return rc;
    pt_txn *txn = pt_txn_begin(false, &rc);
    if (!txn) return rc;
    json_t *rec = NULL;
    rc = pt_record_get(txn, pt_store_db(KV_DB), k.b, k.len, &rec);
    pt_txn_abort(txn);
    if (rc == 0) {
        *out = json_incref(json_object_get(rec, "v"));
        json_decref(rec);
        if (!*out) return PT_ENOTFOUND;
    }
    return rc;
}

static int kv_set(void *ud, const char *script, const char *key, const json_t *value)
{
    (void)ud;
    pt_key k;
    int rc = kv_key(&k, script, key);
    if (rc) return rc;
    json_t *rec = json_pack("{s:i, s:O}", "_v", 1, "v", value);
    if (!rec) return PT_EINVAL;
    pt_txn *txn = pt_txn_begin(true, &rc);
    if (!txn) {
        json_decref(rec);
        return rc;
    }
    rc = pt_record_put(txn, pt_store_db(KV_DB), k.b, k.len, rec);
    json_decref(rec);
    if (rc == 0) return pt_txn_commit(txn);
    pt_txn_abort(txn);
    return rc;
}

static int kv_del(void *ud, const char *script, const char *key)
{
    (void)ud;
    pt_key k;
    int rc = kv_key(&k, script, key);
    if (rc) return rc;
    pt_txn *txn = pt_txn_begin(true, &rc);
    if (!txn) return rc;
    rc = pt_kv_del(txn, pt_store_db(KV_DB), k.b, k.len, NULL, 0);
    if (rc == 0 || rc == PT_ENOTFOUND) return pt_txn_commit(txn);
    pt_txn_abort(txn);
    return rc;
}

static const pt_lua_kv_ops kv_ops = {kv_get, kv_set, kv_del, NULL};

static json_t *lua_user(pt_req *req)
{
    uint64_t u = pt_req_user(req);
    if (!u) return NULL;
    char id[PT_ID_STRLEN];
    return json_string(pt_id_to_str(u, id));
}

int pt_scripts_load(pt_router *r, char **err)
{
    *err = NULL;
    pt_config *cfg = pt_settings();
    pt_lua_set_kv_backend(&kv_ops);
    pt_lua_set_user_fn(lua_user);
    pt_lua_limits lim;
    memset(&lim, 0, sizeof lim);
    lim.mem_bytes = (size_t)pt_config_int(cfg, "lua.memory_mb", 16) << 20;
    lim.instructions = (unsigned long long)pt_config_int(cfg, "lua.instructions", 10000000);
    lim.time_ms = (unsigned)pt_config_int(cfg, "lua.time_ms", 200);
    const json_t *list = pt_config_json(cfg, "scripts");
    size_t n = json_is_array(list) ? json_array_size(list) : 0;
    const char **paths = pt_xcalloc(n ? n : 1, sizeof *paths);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const char *p = json_string_value(json_array_get(list, i));
        if (p) paths[k++] = p;
    }
    int rc = pt_lua_reload_all(paths, k, &lim, pt_config_json(cfg, NULL), err);
    free(paths);
    /* Mount the routes of whatever is loaded now. */
    pt_router_remove_owner(r, "lua");
    json_t *routes = NULL;
    pt_lua_routes(&routes);
    size_t i;
    json_t *v;
    json_array_foreach(routes, i, v) {
        pt_route route = {
            .method = json_string_value(json_object_get(v, "method")),
            .pattern = json_string_value(json_object_get(v, "path")),
            .handler = pt_lua_http_handler,
            .body_max = 65536,
        };
        if (!route.method || !route.pattern) continue;
        int arc = pt_router_add(r, &route, "lua");
        if (arc != 0)
            pt_warn("script route %s %s not mounted: %s", route.method, route.pattern,
                    arc == PT_EEXIST ? "the path is taken" : pt_strerror(arc));
    }
    json_decref(routes);
    return rc;
}

json_t *pt_scripts_info(void)
{
    json_t *a = json_array();
    const json_t *list = pt_config_json(pt_settings(), "scripts");
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v) {
        const char *path = json_string_value(v);
        if (!path) continue;
        const char *slash = strrchr(path, '/');
        char name[128];
        snprintf(name, sizeof name, "%s", slash ? slash + 1 : path);
        char *dot = strrchr(name, '.');
        if (dot) *dot = 0;
        pt_lua_script *s = pt_lua_find(name);
        json_t *o = json_pack("{s:s, s:s, s:b}", "name", name, "path", path, "loaded", s != NULL);
        if (s) json_object_set_new(o, "memory", json_integer((json_int_t)pt_lua_script_mem(s)));
        json_array_append_new(a, o);
    }
    return a;
}
