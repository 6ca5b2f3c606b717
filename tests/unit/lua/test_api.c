/*
 * tests/unit/lua/test_api.c - portico.* API v1 and the event dispatcher as
 * scripts and C hooks use them: priority order, filter merge only on
 * success, actions contained, route results, kv default and custom back
 * ends, json encode/decode, config, notify/mail through the outbox.
 * Links without the HTTP layer (api_route.c left out).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cmocka.h>

#include "portico/events.h"
#include "portico/log.h"
#include "portico/lua.h"

static char tmpdir[64];

static int setup_all(void **state)
{
    if (!getenv("PT_TEST_VERBOSE")) pt_log_set_level((pt_log_level)(PT_LOG_ERROR + 1));
    snprintf(tmpdir, sizeof tmpdir, "/tmp/pt_api_test_XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    return 0;
}

static int teardown_all(void **state)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd) != 0) return -1;
    pt_lua_shutdown();
    pt_event_reset();
    return 0;
}

/* Scripts loaded by a test, freed by its teardown. */
static pt_lua_script *loaded[32];
static size_t nloaded;

static void drop(pt_lua_script *s)
{
    for (size_t i = 0; i < nloaded; i++)
        if (loaded[i] == s) loaded[i] = loaded[--nloaded];
    pt_lua_script_free(s);
}

static int teardown_one(void **state)
{
    while (nloaded) drop(loaded[0]);
    pt_lua_unload_all();
    pt_lua_errors_clear();
    pt_event_reset();
    pt_lua_set_kv_backend(NULL);
    pt_lua_set_outbox_backend(NULL);
    return 0;
}

static pt_lua_script *script(const char *name, const char *code, const json_t *config)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(code, f);
    fclose(f);
    pt_lua_limits lim = {.config = config};
    char *err = NULL;
    pt_lua_script *s = pt_lua_script_load(path, &lim, &err);
    if (!s) fail_msg("load %s: %s", name, err);
    assert_true(nloaded < 32);
    loaded[nloaded++] = s;
    return s;
}

static json_t *run(pt_lua_script *s, const char *code)
{
    json_t *r = NULL;
    char *err = NULL;
    if (pt_lua_script_run(s, code, &r, &err) != 0) fail_msg("run: %s", err);
    return r;
}

static void assert_run_str(pt_lua_script *s, const char *code, const char *want)
{
    json_t *r = run(s, code);
    if (!json_is_string(r) || strcmp(json_string_value(r), want) != 0) {
        char *d = json_dumps(r, JSON_ENCODE_ANY);
        fail_msg("%s: got %s, want %s", code, d, want);
    }
    json_decref(r);
}

/* ---- events ------------------------------------------------------------------ */

static int c_append(const pt_event *ev, void *ud)
{
    json_t *order = json_object_get(ev->data, "order");
    if (!order) {
        order = json_array();
        json_object_set_new(ev->data, "order", order);
    }
    json_array_append_new(order, json_string(ud));
    return 0;
}

static int c_fail(const pt_event *ev, void *ud)
{
    json_object_set_new(ev->data, "broken", json_true());
    return PT_ERR;
}

static void test_hooks_run_in_priority_order(void **state)
{
    pt_event_declare("case.creating", PT_EVENT_FILTER, "core");
    script("order.lua",
           "local function add(tag) return function(d)\n"
           "  d.order = d.order or portico.array()\n"
           "  d.order[#d.order + 1] = tag end end\n"
           "portico.on('case.creating', add('lua20'), 20)\n"
           "portico.on('case.creating', add('lua10'), 10)\n"
           "portico.on('case.creating', add('lua10b'), 10)\n",
           NULL);
    pt_event_hook("case.creating", c_append, 15, "c15", "test");
    pt_event_hook("case.creating", c_append, 10, "c10", "test");
    pt_event_hook("case.creating", c_append, -5, "c-5", "test");
    json_t *d = json_object();
    assert_int_equal(pt_event_filter("case.creating", d, NULL), 0);
    char *got = json_dumps(json_object_get(d, "order"), JSON_COMPACT);
    assert_string_equal(got, "[\"c-5\",\"lua10\",\"lua10b\",\"c10\",\"c15\",\"lua20\"]");
    free(got);
    json_decref(d);

    assert_int_equal(pt_event_remove_owner("test"), 3);
    assert_int_equal(pt_event_hook_count("case.creating"), 3);
}

static void test_filter_merges_only_on_success(void **state)
{
    script("merge.lua",
           "portico.on('case.creating', function(d) d.subject = d.subject:upper() end, 1)\n"
           "portico.on('case.creating', function(d) d.subject = 'ruined'; error('half way') end, 2)\n"
           "portico.on('case.creating', function(d) return {subject = d.subject, tag = 'x'} end, 3)\n"
           "portico.on('case.creating', function(d) d.f = function() end end, 4)\n",
           NULL);
    pt_event_hook("case.creating", c_fail, 5, NULL, "test");
    json_t *d = json_pack("{s:s, s:i}", "subject", "printer on fire", "account", 7);
    assert_int_equal(pt_event_filter("case.creating", d, NULL), 3);
    assert_string_equal(json_string_value(json_object_get(d, "subject")), "PRINTER ON FIRE");
    assert_string_equal(json_string_value(json_object_get(d, "tag")), "x");
    /* the returned table replaced the data: account dropped by that hook */
    assert_null(json_object_get(d, "account"));
    assert_null(json_object_get(d, "broken"));
    assert_null(json_object_get(d, "f"));
    json_decref(d);

    /* data must be an object or array */
    json_t *str = json_string("x");
    assert_int_equal(pt_event_filter("case.creating", str, NULL), PT_EINVAL);
    json_decref(str);
}

static void test_filter_keeps_arrays_and_nulls(void **state)
{
    script("shape.lua",
           "portico.on('page.render', function(d) d.n = d.n + 1 end)\n", NULL);
    json_t *d = json_pack("{s:i, s:[], s:[i,n,i], s:n, s:{}}", "n", 1, "empty", "holes", 1, 3,
                          "nothing", "obj");
    assert_int_equal(pt_event_filter("page.render", d, NULL), 0);
    char *got = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(got, "{\"empty\":[],\"holes\":[1,null,3],\"n\":2,\"nothing\":null,\"obj\":{}}");
    free(got);
    json_decref(d);
}

static void test_actions_contained(void **state)
{
    pt_event_declare("case.created", PT_EVENT_ACTION, "core");
    pt_lua_script *s = script("act.lua",
                              "seen = {}\n"
                              "portico.on('case.created', function(d, name)\n"
                              "  d.id = 999; seen[#seen + 1] = name .. ':' .. d.id end)\n"
                              "portico.on('case.created', function() error('oops') end)\n"
                              "portico.on('case.created', function(d) seen[#seen + 1] = 'last' end)\n",
                              NULL);
    json_t *d = json_pack("{s:i}", "id", 5);
    pt_event_emit("case.created", d, NULL);
    assert_int_equal(json_integer_value(json_object_get(d, "id")), 5);
    json_decref(d);
    pt_event_emit("case.created", NULL, NULL); /* NULL data: empty object */
    json_t *r = run(s, "return seen");
    char *got = json_dumps(r, JSON_COMPACT);
    assert_string_equal(got, "[\"case.created:999\",\"last\",\"case.created:999\",\"last\"]");
    free(got);
    json_decref(r);
}

static void test_declare_and_owner_removal(void **state)
{
    assert_int_equal(pt_event_declare("team.joined", PT_EVENT_ACTION, "team"), 0);
    assert_int_equal(pt_event_declare("team.joined", PT_EVENT_ACTION, "team"), 0);
    assert_int_equal(pt_event_declare("team.joined", PT_EVENT_FILTER, "team"), PT_EEXIST);
    assert_int_equal(pt_event_declare("", PT_EVENT_FILTER, "team"), PT_EINVAL);
    assert_int_equal(pt_event_kind_of("team.joined"), PT_EVENT_ACTION);
    assert_int_equal(pt_event_hook("team.joined", c_append, 0, "a", "team"), 0);
    assert_int_equal(pt_event_hook("team.joined", NULL, 0, "a", "team"), PT_EINVAL);
    json_t *list;
    pt_event_list(&list);
    assert_int_equal(json_array_size(list), 1);
    json_decref(list);
    assert_int_equal(pt_event_remove_owner("team"), 1);
    assert_int_equal(pt_event_kind_of("team.joined"), 0);
    /* undeclared events can still be emitted */
    pt_event_emit("nobody.listens", NULL, NULL);
}

static int c_remove_lua(const pt_event *ev, void *ud)
{
    pt_event_remove_owner(pt_lua_script_owner(ud));
    return 0;
}

static void test_hook_removed_during_dispatch(void **state)
{
    pt_lua_script *s = script("victim.lua",
                              "portico.on('x.y', function(d) d.ran = true end, 10)\n", NULL);
    pt_event_hook("x.y", c_remove_lua, 1, s, "test");
    json_t *d = json_object();
    assert_int_equal(pt_event_filter("x.y", d, NULL), 0);
    assert_null(json_object_get(d, "ran"));
    json_decref(d);
}

static void test_on_and_route_only_at_load(void **state)
{
    pt_lua_script *s = script("late.lua", "function later() portico.on('a.b', function() end) end\n", NULL);
    json_t *r = NULL;
    char *err = NULL;
    assert_int_equal(pt_lua_script_call(s, "later", NULL, &r, &err), PT_ERR);
    assert_non_null(strstr(err, "only be called while the script loads"));
    free(err);
    assert_int_equal(pt_lua_script_run(s, "portico.route('GET', '/x', function() end)", NULL, &err), PT_ERR);
    free(err);
}

/* ---- routes ------------------------------------------------------------------- */

static const char *hdr(void *ctx, const char *name)
{
    if (strcmp(name, "x-token") == 0) return "abc";
    if (strcmp(name, "accept-language") == 0) return "de";
    return NULL;
}

static const char *query(void *ctx, const char *name)
{
    return strcmp(name, "page") == 0 ? "3" : NULL;
}

static const char *ROUTES =
    "portico.route('GET', '/status', function(req) return 'all good' end)\n"
    "portico.route('GET', '/cases/:id/notes/:note', function(req)\n"
    "  return {status = 201, json = {id = req.params.id, note = req.params.note,\n"
    "    token = req.headers['X-Token'], lang = req.headers['accept-language'],\n"
    "    page = req.query.page, missing = req.query.nope, user = req.user,\n"
    "    method = req.method, path = req.path}, headers = {['X-Thing'] = 'yes'}}\n"
    "end)\n"
    "portico.route('GET', '/cases/new', function(req) return {body = '<p>new</p>',\n"
    "  headers = {['content-type'] = 'text/html'}} end)\n"
    "portico.route('POST', '/echo', function(req) return {json = req.json} end)\n"
    "portico.route('DELETE', '/nothing', function(req) end)\n"
    "portico.route('GET', '/broken', function(req) return {status = 'ok'} end)\n"
    "portico.route('GET', '/write', function(req) req.method = 'POST' end)\n"
    "portico.route('GET', '/keep', function(req) kept = req; return 'kept' end)\n"
    "function use_kept() return kept.headers['x-token'] end\n";

static int route(const char *method, const char *path, const json_t *body, pt_lua_resp *out)
{
    json_t *user = json_integer(77);
    pt_lua_req rq = {method, path, body, user, hdr, query, NULL, NULL};
    int rc = pt_lua_route_call(&rq, out);
    json_decref(user);
    return rc;
}

static void test_route_results(void **state)
{
    pt_lua_script *s = script("web.lua", ROUTES, NULL);
    pt_lua_resp out;

    assert_int_equal(route("GET", "/status", NULL, &out), 0);
    assert_int_equal(out.status, 200);
    assert_int_equal(out.body_len, 8);
    assert_string_equal(out.body, "all good");
    assert_string_equal(json_string_value(json_object_get(out.headers, "content-type")),
                        "text/plain; charset=utf-8");
    pt_lua_resp_free(&out);

    assert_int_equal(route("GET", "/cases/12/notes/3", NULL, &out), 0);
    assert_int_equal(out.status, 201);
    char *j = json_dumps(out.json, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(j, "{\"id\":\"12\",\"lang\":\"de\",\"method\":\"GET\",\"note\":\"3\","
                           "\"page\":\"3\",\"path\":\"/cases/12/notes/3\",\"token\":\"abc\","
                           "\"user\":77}");
    free(j);
    assert_string_equal(json_string_value(json_object_get(out.headers, "x-thing")), "yes");
    pt_lua_resp_free(&out);

    /* literal beats :param; HEAD answers like GET */
    assert_int_equal(route("HEAD", "/cases/new", NULL, &out), 0);
    assert_string_equal(out.body, "<p>new</p>");
    assert_string_equal(json_string_value(json_object_get(out.headers, "content-type")),
                        "text/html");
    pt_lua_resp_free(&out);

    json_t *body = json_pack("{s:[i,i], s:[]}", "a", 1, 2, "b");
    assert_int_equal(route("POST", "/echo", body, &out), 0);
    assert_true(json_equal(out.json, body));
    json_decref(body);
    pt_lua_resp_free(&out);

    assert_int_equal(route("DELETE", "/nothing", NULL, &out), 0);
    assert_int_equal(out.status, 204);
    pt_lua_resp_free(&out);

    assert_int_equal(route("GET", "/nope", NULL, &out), PT_ENOTFOUND);
    assert_int_equal(route("POST", "/status", NULL, &out), PT_ENOTFOUND);
    assert_int_equal(route("GET", "/cases//notes/3", NULL, &out), PT_ENOTFOUND);

    assert_int_equal(route("GET", "/broken", NULL, &out), PT_ERR);
    assert_int_equal(out.status, 500);
    assert_null(out.body);
    pt_lua_resp_free(&out);
    assert_int_equal(route("GET", "/write", NULL, &out), PT_ERR);
    pt_lua_resp_free(&out);

    /* A request table kept past its request cannot read the next one's. */
    assert_int_equal(route("GET", "/keep", NULL, &out), 0);
    pt_lua_resp_free(&out);
    char *err = NULL;
    assert_int_equal(pt_lua_script_call(s, "use_kept", NULL, NULL, &err), PT_ERR);
    assert_non_null(strstr(err, "request is over"));
    free(err);

    json_t *list;
    pt_lua_routes(&list);
    assert_int_equal(json_array_size(list), 8);
    json_decref(list);
}

static void test_route_disabled_after_failures(void **state)
{
    script("bad.lua", "portico.route('GET', '/bad', function() error('nope') end)\n", NULL);
    pt_lua_resp out;
    for (int i = 0; i < 5; i++) {
        assert_int_equal(route("GET", "/bad", NULL, &out), PT_ERR);
        assert_int_equal(out.status, 500);
        pt_lua_resp_free(&out);
    }
    assert_int_equal(route("GET", "/bad", NULL, &out), PT_ERR);
    assert_int_equal(out.status, 503);
    pt_lua_resp_free(&out);
}

static void test_route_conflicts(void **state)
{
    script("one.lua", "portico.route('GET', '/same', function() return '1' end)\n", NULL);
    char path[128];
    snprintf(path, sizeof path, "%s/two.lua", tmpdir);
    FILE *f = fopen(path, "w");
    fputs("portico.route('GET', '/same', function() return '2' end)\n", f);
    fclose(f);
    char *err = NULL;
    assert_null(pt_lua_script_load(path, NULL, &err));
    assert_non_null(strstr(err, "already registered by script 'one'"));
    free(err);
    f = fopen(path, "w");
    fputs("portico.route('GET', 'relative', function() end)\n", f);
    fclose(f);
    assert_null(pt_lua_script_load(path, NULL, &err));
    assert_non_null(strstr(err, "two.lua:1:"));
    free(err);
}

/* ---- kv ------------------------------------------------------------------------- */

static void test_kv_default_backend(void **state)
{
    pt_lua_script *a = script("kva.lua", "", NULL);
    pt_lua_script *b = script("kvb.lua", "", NULL);
    assert_run_str(a, "portico.kv.set('greeting', {text = 'hi', n = {1, 2}}) "
                      "return portico.json.encode(portico.kv.get('greeting'))",
                   "{\"n\":[1,2],\"text\":\"hi\"}");
    json_t *r = run(b, "return portico.kv.get('greeting')");
    assert_true(json_is_null(r)); /* per script */
    json_decref(r);
    assert_run_str(a, "portico.kv.delete('greeting') return tostring(portico.kv.get('greeting'))",
                   "nil");
    assert_run_str(a, "portico.kv.set('x', 5) portico.kv.set('x', nil) "
                      "return tostring(portico.kv.get('x'))",
                   "nil");
    char *err = NULL;
    assert_int_equal(pt_lua_script_run(a, "portico.kv.set('', 1)", NULL, &err), PT_ERR);
    free(err);
    assert_int_equal(pt_lua_script_run(a, "portico.kv.set('f', function() end)", NULL, &err), PT_ERR);
    free(err);
    assert_int_equal(pt_lua_script_run(a, "portico.kv.set('big', string.rep('x', 2 << 20))",
                                       NULL, &err),
                     PT_ERR);
    assert_non_null(strstr(err, "too big"));
    free(err);

    /* survives a reload: keyed by script name */
    assert_run_str(a, "portico.kv.set('keep', 'yes') return 'ok'", "ok");
    drop(a);
    a = script("kva.lua", "", NULL);
    assert_run_str(a, "return portico.kv.get('keep')", "yes");
}

static int fake_calls;
static int fake_get(void *ud, const char *script, const char *key, json_t **out)
{
    fake_calls++;
    if (strcmp(key, "down") == 0) return PT_EIO;
    *out = json_pack("{s:s, s:s}", "script", script, "key", key);
    return 0;
}
static int fake_set(void *ud, const char *script, const char *key, const json_t *v)
{
    fake_calls++;
    return PT_EFULL;
}
static int fake_del(void *ud, const char *script, const char *key)
{
    fake_calls++;
    return 0;
}

static void test_kv_custom_backend(void **state)
{
    pt_lua_kv_ops ops = {fake_get, fake_set, fake_del, NULL};
    pt_lua_set_kv_backend(&ops);
    pt_lua_script *s = script("kvc.lua", "", NULL);
    assert_run_str(s, "local v = portico.kv.get('k') return v.script .. '/' .. v.key", "kvc/k");
    char *err = NULL;
    assert_int_equal(pt_lua_script_run(s, "portico.kv.get('down')", NULL, &err), PT_ERR);
    assert_non_null(strstr(err, "kv.get"));
    free(err);
    assert_int_equal(pt_lua_script_run(s, "portico.kv.set('a', 1)", NULL, &err), PT_ERR);
    free(err);
    assert_int_equal(fake_calls, 3);
}

/* ---- json, config, outbox, misc ------------------------------------------------------ */

static void test_json_encode_decode(void **state)
{
    pt_lua_script *s = script("json.lua", "", NULL);
    assert_run_str(s,
                   "return portico.json.encode({a = 1, b = {1, 2.5, 'x'}, c = portico.array(),"
                   " d = portico.null, e = {}, f = true, g = {[1] = 'a', [3] = 'c'}})",
                   "{\"a\":1,\"b\":[1,2.5,\"x\"],\"c\":[],\"d\":null,\"e\":{},\"f\":true,"
                   "\"g\":{\"1\":\"a\",\"3\":\"c\"}}");
    const char *doc = "[1,null,{\"a\":[],\"b\":{},\"c\":-2,\"d\":1.5,\"e\":\"\xc3\xa9\"}]";
    char code[256];
    snprintf(code, sizeof code, "return portico.json.encode(portico.json.decode('%s'))", doc);
    assert_run_str(s, code, doc);
    assert_run_str(s, "local v = portico.json.decode('[1,2,3]') return tostring(#v) .. v[3]",
                   "33");
    assert_run_str(s, "return tostring(portico.json.decode('null') == portico.null)", "true");
    assert_run_str(s, "local v, e = portico.json.decode('{bad') return e:sub(1, 5)", "json:");
    char *err = NULL;
    assert_int_equal(pt_lua_script_run(s, "portico.json.encode({f = tostring})", NULL, &err),
                     PT_ERR);
    assert_non_null(strstr(err, "cannot convert a function"));
    free(err);
    assert_int_equal(pt_lua_script_run(s, "local t = {} t.t = t portico.json.encode(t)", NULL,
                                       &err),
                     PT_ERR);
    assert_non_null(strstr(err, "cycle"));
    free(err);
    assert_int_equal(pt_lua_script_run(s, "portico.json.encode(0/0)", NULL, &err), PT_ERR);
    free(err);
    /* a decode bomb: deeper than the cap */
    assert_int_equal(pt_lua_script_run(s, "portico.json.decode(string.rep('[', 100) .. "
                                          "string.rep(']', 100))",
                                       NULL, &err),
                     PT_ERR);
    assert_non_null(strstr(err, "nested too deeply"));
    free(err);
}

static void test_config_read_only(void **state)
{
    json_t *cfg = json_pack("{s:i, s:{s:s}, s:[s,s]}", "sla_hours", 8, "mail", "from",
                            "help@example.com", "teams", "a", "b");
    pt_lua_script *s = script("cfg.lua", "", cfg);
    json_decref(cfg);
    assert_run_str(s, "return portico.config.mail.from .. portico.config.sla_hours "
                      ".. #portico.config.teams .. portico.config.teams[2]",
                   "help@example.com82b");
    char *err = NULL;
    assert_int_equal(pt_lua_script_run(s, "portico.config.sla_hours = 1", NULL, &err), PT_ERR);
    free(err);
    assert_int_equal(pt_lua_script_run(s, "portico.config.mail.from = 'x'", NULL, &err), PT_ERR);
    free(err);
    assert_int_equal(pt_lua_script_run(s, "rawset(portico.config.mail, 'from', 'x')", NULL, &err),
                     PT_ERR);
    free(err);
    assert_run_str(s, "return portico.json.encode(portico.config)",
                   "{\"mail\":{\"from\":\"help@example.com\"},\"sla_hours\":8,\"teams\":[\"a\",\"b\"]}");
    assert_run_str(s, "local n = 0 for k, v in pairs(portico.config) do n = n + 1 end "
                      "return tostring(n)",
                   "3");
}

static void test_notify_and_mail_default_outbox(void **state)
{
    pt_lua_script *s =
        script("out.lua",
               "portico.on('case.created', function(d)\n"
               "  portico.mail{to = d.email, template = 'case_created', data = {id = d.id}}\n"
               "  portico.notify{user = d.owner, kind = 'case', title = 'New case'}\n"
               "end)\n",
               NULL);
    size_t before = json_array_size(pt_lua_outbox_recorded());
    json_t *d = json_pack("{s:s, s:i, s:i}", "email", "ann@example.com", "id", 4, "owner", 9);
    pt_event_emit("case.created", d, NULL);
    json_decref(d);
    const json_t *rec = pt_lua_outbox_recorded();
    assert_int_equal(json_array_size(rec), before + 2);
    json_t *m = json_array_get(rec, before);
    assert_string_equal(json_string_value(json_object_get(m, "type")), "mail");
    assert_string_equal(json_string_value(json_object_get(m, "script")), "out");
    json_t *msg = json_object_get(m, "msg");
    assert_string_equal(json_string_value(json_object_get(msg, "to")), "ann@example.com");
    assert_string_equal(json_string_value(json_object_get(msg, "template")), "case_created");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(msg, "data"), "id")), 4);
    json_t *n = json_array_get(rec, before + 1);
    assert_string_equal(json_string_value(json_object_get(n, "type")), "notify");
    char *err = NULL;
    assert_int_equal(pt_lua_script_run(s, "portico.mail{to = 'nobody', template = 'x'}", NULL,
                                       &err),
                     PT_ERR);
    assert_non_null(strstr(err, "'to'"));
    free(err);
    assert_int_equal(pt_lua_script_run(s, "portico.mail{to = 'a@b'}", NULL, &err), PT_ERR);
    free(err);
}

static void test_now_log_null(void **state)
{
    pt_lua_script *s = script("misc.lua", "", NULL);
    json_t *r = run(s, "return portico.now()");
    assert_true(json_integer_value(r) > 1600000000000LL);
    json_decref(r);
    r = run(s, "portico.log('info', 'hello\\nforged line') return true");
    assert_true(json_is_true(r));
    json_decref(r);
    char *err = NULL;
    assert_int_equal(pt_lua_script_run(s, "portico.log('loud', 'x')", NULL, &err), PT_ERR);
    free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_hooks_run_in_priority_order, teardown_one),
        cmocka_unit_test_teardown(test_filter_merges_only_on_success, teardown_one),
        cmocka_unit_test_teardown(test_filter_keeps_arrays_and_nulls, teardown_one),
        cmocka_unit_test_teardown(test_actions_contained, teardown_one),
        cmocka_unit_test_teardown(test_declare_and_owner_removal, teardown_one),
        cmocka_unit_test_teardown(test_hook_removed_during_dispatch, teardown_one),
        cmocka_unit_test_teardown(test_on_and_route_only_at_load, teardown_one),
        cmocka_unit_test_teardown(test_route_results, teardown_one),
        cmocka_unit_test_teardown(test_route_disabled_after_failures, teardown_one),
        cmocka_unit_test_teardown(test_route_conflicts, teardown_one),
        cmocka_unit_test_teardown(test_kv_default_backend, teardown_one),
        cmocka_unit_test_teardown(test_kv_custom_backend, teardown_one),
        cmocka_unit_test_teardown(test_json_encode_decode, teardown_one),
        cmocka_unit_test_teardown(test_config_read_only, teardown_one),
        cmocka_unit_test_teardown(test_notify_and_mail_default_outbox, teardown_one),
        cmocka_unit_test_teardown(test_now_log_null, teardown_one),
    };
    return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
