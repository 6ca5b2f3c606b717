/*
 * core/lua/api_outbox.c - portico.notify{...} and portico.mail{...}: hand
 * a message to the outbox back end (pt_lua_outbox_ops, portico/lua.h).
 * The default back end logs each message and keeps the last 100 in
 * memory (pt_lua_outbox_recorded); the lead wires the real outbox.
 *
 *   portico.notify{user=..., kind=..., title=..., ...}  any object fields
 *   portico.mail{to="a@b" or {"a@b", ...}, template="name", data={...}}
 * Both return true, or raise on a malformed message or back-end failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua/internal.h"
#include "portico/log.h"

#define RECORD_MAX 100

static json_t *recorded;

static void record(const char *type, const char *script, const json_t *msg)
{
    if (!recorded) recorded = json_array();
    if (json_array_size(recorded) >= RECORD_MAX) json_array_remove(recorded, 0);
    json_array_append_new(recorded, json_pack("{s:s, s:s, s:O}", "type", type, "script",
                                              script, "msg", (json_t *)msg));
    char *s = json_dumps(msg, JSON_COMPACT | JSON_SORT_KEYS);
    pt_info("lua[%s]: %s queued (default outbox): %.300s", script, type, s ? s : "?");
    free(s);
}

static int rec_notify(void *ud, const char *script, const json_t *msg)
{
    record("notify", script, msg);
    return 0;
}

static int rec_mail(void *ud, const char *script, const json_t *msg)
{
    record("mail", script, msg);
    return 0;
}

static const pt_lua_outbox_ops rec_ops = {rec_notify, rec_mail, NULL};
static pt_lua_outbox_ops ops = {rec_notify, rec_mail, NULL};

void pt_lua_set_outbox_backend(const pt_lua_outbox_ops *o)
{
    ops = o ? *o : rec_ops;
}

const json_t *pt_lua_outbox_recorded(void)
{
    if (!recorded) recorded = json_array();
    return recorded;
}

void pt_lua__outbox_shutdown(void)
{
    json_decref(recorded);
    recorded = NULL;
    ops = rec_ops;
}

/* The table argument as a JSON object; NULL and why filled otherwise. */
static json_t *arg_object(lua_State *L, char *why, size_t n)
{
    if (!lua_istable(L, 1)) {
        snprintf(why, n, "expects a table");
        return NULL;
    }
    json_t *j = pt_lua__to_json(L, 1, why, n);
    if (j && !json_is_object(j)) {
        json_decref(j);
        snprintf(why, n, "expects a table with named fields");
        return NULL;
    }
    pt_lua_script *s = pt_lua__script(L);
    if (j && json_dumpb(j, NULL, 0, JSON_COMPACT) > s->opts.arg_max) {
        json_decref(j);
        snprintf(why, n, "message too big");
        return NULL;
    }
    return j;
}

static int l_notify(lua_State *L)
{
    char why[160];
    json_t *m = arg_object(L, why, sizeof why);
    if (!m) return luaL_error(L, "portico.notify: %s", why);
    pt_lua_script *s = pt_lua__script(L);
    json_object_set_new(m, "script", json_string(s->name));
    int rc = ops.notify(ops.ud, s->name, m);
    json_decref(m);
    if (rc != 0) return luaL_error(L, "portico.notify: %s", pt_strerror(rc));
    lua_pushboolean(L, 1);
    return 1;
}

static bool valid_to(const json_t *to)
{
    if (json_is_string(to)) return json_string_length(to) > 0 && strchr(json_string_value(to), '@');
    if (!json_is_array(to) || json_array_size(to) == 0) return false;
    size_t i;
    json_t *v;
    json_array_foreach(to, i, v) if (!valid_to(v) || json_is_array(v)) return false;
    return true;
}

static int l_mail(lua_State *L)
{
    char why[160];
    json_t *m = arg_object(L, why, sizeof why);
    if (!m) return luaL_error(L, "portico.mail: %s", why);
    const char *err = NULL;
    json_t *to = json_object_get(m, "to");
    json_t *tpl = json_object_get(m, "template");
    json_t *data = json_object_get(m, "data");
    if (!valid_to(to))
        err = "'to' must be an address or a list of addresses";
    else if (!json_is_string(tpl) || json_string_length(tpl) == 0)
        err = "'template' must be a template name";
    else if (data && !json_is_object(data))
        err = "'data' must be a table";
    if (err) {
        json_decref(m);
        return luaL_error(L, "portico.mail: %s", err);
    }
    pt_lua_script *s = pt_lua__script(L);
    json_t *msg = json_pack("{s:O, s:O, s:o, s:s}", "to", to, "template", tpl, "data",
                            data ? json_incref(data) : json_object(), "script", s->name);
    json_decref(m);
    int rc = ops.mail(ops.ud, s->name, msg);
    json_decref(msg);
    if (rc != 0) return luaL_error(L, "portico.mail: %s", pt_strerror(rc));
    lua_pushboolean(L, 1);
    return 1;
}

void pt_lua__open_outbox(lua_State *L)
{
    lua_pushcfunction(L, l_notify);
    lua_setfield(L, -2, "notify");
    lua_pushcfunction(L, l_mail);
    lua_setfield(L, -2, "mail");
}
