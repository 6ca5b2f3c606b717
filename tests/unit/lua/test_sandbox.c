/*
 * tests/unit/lua/test_sandbox.c - the Lua sandbox and its limits, as a
 * script author (or attacker) would meet them: escape attempts from
 * tests/lua/escape_attempts.lua, bombs from tests/lua/bombs.lua, the error
 * ring, disabling a failing handler, reload keeping the old state.
 * Run from the repository root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "portico/events.h"
#include "portico/log.h"
#include "portico/lua.h"

#define ESCAPES "tests/lua/escape_attempts.lua"
#define BOMBS "tests/lua/bombs.lua"

static char tmpdir[64];

static int setup_all(void **state)
{
    /* Expected errors are logged by the dozen: quiet unless asked. */
    if (!getenv("PT_TEST_VERBOSE")) pt_log_set_level((pt_log_level)(PT_LOG_ERROR + 1));
    snprintf(tmpdir, sizeof tmpdir, "/tmp/pt_lua_test_XXXXXX");
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

static int teardown_one(void **state)
{
    pt_lua_unload_all();
    pt_lua_errors_clear();
    pt_event_reset();
    return 0;
}

/* Write code to tmpdir/name; returns a static path. */
static const char *write_script(const char *name, const char *code)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(code, f);
    fclose(f);
    return path;
}

static pt_lua_script *load_ok(const char *path, const pt_lua_limits *lim)
{
    char *err = NULL;
    pt_lua_script *s = pt_lua_script_load(path, lim, &err);
    if (!s) fail_msg("load %s: %s", path, err ? err : "?");
    return s;
}

/* Call fname and return its result as a string (owned), or the error. */
static char *call_str(pt_lua_script *s, const char *fname, int *rc)
{
    json_t *r = NULL;
    char *err = NULL;
    *rc = pt_lua_script_call(s, fname, NULL, &r, &err);
    if (*rc != 0) return err;
    char *out = json_is_string(r) ? strdup(json_string_value(r))
                                  : json_dumps(r, JSON_ENCODE_ANY);
    json_decref(r);
    return out;
}

/* ---- escapes -------------------------------------------------------------- */

static void expect_blocked(const char *fname)
{
    pt_lua_script *s = load_ok(ESCAPES, NULL);
    int rc;
    char *r = call_str(s, fname, &rc);
    if (rc != 0 || strcmp(r, "blocked") != 0) fail_msg("%s: %s (rc %d)", fname, r, rc);
    free(r);
    pt_lua_script_free(s);
}

static void test_no_io_os_debug(void **state)
{
    expect_blocked("try_io");
    expect_blocked("try_os");
    expect_blocked("try_debug");
}

static void test_no_require_dofile_loadfile(void **state)
{
    expect_blocked("try_package");
    expect_blocked("try_files");
    expect_blocked("try_misc");
}

static void test_no_string_dump(void **state)
{
    expect_blocked("try_dump");
}

static void test_no_bytecode(void **state)
{
    expect_blocked("try_bytecode");
}

static void test_load_custom_env_refused(void **state)
{
    expect_blocked("try_load_env");
}

static void test_string_metatable_locked(void **state)
{
    expect_blocked("try_string_metatable");
    expect_blocked("try_string_copy");
}

static void test_portico_read_only(void **state)
{
    expect_blocked("try_portico_write");
    expect_blocked("try_unlock_array");
}

static void test_G_and_ENV(void **state)
{
    expect_blocked("try_G");
}

static void test_no_gc_metamethod(void **state)
{
    expect_blocked("try_gc");
}

static void test_load_text_works(void **state)
{
    pt_lua_script *s = load_ok(ESCAPES, NULL);
    json_t *r = NULL;
    char *err = NULL;
    assert_int_equal(pt_lua_script_run(s, "return load('return 1 + 1')()", &r, &err), 0);
    assert_int_equal(json_integer_value(r), 2);
    json_decref(r);
    pt_lua_script_free(s);
}

/* ---- limits ---------------------------------------------------------------- */

static pt_lua_limits small = {.instructions = 2000000, .mem_bytes = 4u << 20, .time_ms = 2000};

static void expect_error(pt_lua_script *s, const char *fname, const char *needle)
{
    int rc;
    uint64_t t0 = pt_now_ms();
    char *r = call_str(s, fname, &rc);
    uint64_t dt = pt_now_ms() - t0;
    if (rc != PT_ERR || !r || !strstr(r, needle))
        fail_msg("%s: expected error with '%s', got rc %d: %s", fname, needle, rc, r);
    if (dt > 3000) fail_msg("%s took %llu ms", fname, (unsigned long long)dt);
    free(r);
}

static void expect_still_usable(pt_lua_script *s)
{
    int rc;
    char *r = call_str(s, "fine", &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(r, "42");
    free(r);
}

static void test_infinite_loop_stopped(void **state)
{
    pt_lua_script *s = load_ok(BOMBS, &small);
    expect_error(s, "spin", "script exceeded its instruction limit");
    expect_error(s, "spin", "bombs.lua:");
    int rc;
    char *r = call_str(s, "spin_nested", &rc);
    assert_int_equal(rc, PT_ERR);
    assert_true(strncmp(r, "tests/lua/bombs.lua:", 20) == 0);
    assert_null(strstr(r + 20, ".lua:")); /* one position, not caller + callee */
    free(r);
    expect_still_usable(s);
    pt_lua_script_free(s);
}

static void test_pcall_cannot_swallow_limit(void **state)
{
    pt_lua_script *s = load_ok(BOMBS, &small);
    expect_error(s, "spin_pcall", "instruction limit");
    expect_still_usable(s);
    expect_error(s, "spin_xpcall", "instruction limit");
    expect_still_usable(s);
    pt_lua_script_free(s);
}

static void test_time_limit(void **state)
{
    pt_lua_limits lim = {.instructions = 1ULL << 50, .time_ms = 50};
    pt_lua_script *s = load_ok(BOMBS, &lim);
    uint64_t t0 = pt_now_ms();
    expect_error(s, "spin_pcall", "script exceeded its time limit");
    assert_true(pt_now_ms() - t0 < 1000);
    expect_still_usable(s);
    pt_lua_script_free(s);
}

static void test_memory_bomb_rep(void **state)
{
    pt_lua_script *s = load_ok(BOMBS, &small);
    expect_error(s, "mem_rep", "not enough memory");
    expect_still_usable(s);
    int rc;
    char *r = call_str(s, "mem_caught", &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(r, "not enough memory");
    free(r);
    pt_lua_script_free(s);
}

static void test_memory_bomb_table(void **state)
{
    pt_lua_limits lim = small;
    lim.instructions = 1ULL << 40; /* memory must trip first */
    pt_lua_script *s = load_ok(BOMBS, &lim);
    expect_error(s, "mem_table", "not enough memory");
    assert_true(pt_lua_script_mem(s) <= lim.mem_bytes);
    expect_still_usable(s);
    pt_lua_script_free(s);
}

static void test_deep_recursion(void **state)
{
    pt_lua_limits lim = small;
    lim.instructions = 1ULL << 40;
    pt_lua_script *s = load_ok(BOMBS, &lim);
    int rc;
    char *r = call_str(s, "recurse", &rc);
    assert_int_equal(rc, PT_ERR);
    assert_true(strstr(r, "stack overflow") || strstr(r, "not enough memory"));
    free(r);
    expect_still_usable(s);
    pt_lua_script_free(s);
}

static void test_budgets_reset_per_call(void **state)
{
    /* Each call uses most of the budget; together they would exceed it. */
    const char *p = write_script("budget.lua",
                                 "function work() local n = 0\n"
                                 "for i = 1, 200000 do n = n + i end return n end\n");
    pt_lua_limits lim = {.instructions = 1500000};
    pt_lua_script *s = load_ok(p, &lim);
    for (int i = 0; i < 20; i++) {
        json_t *r = NULL;
        char *err = NULL;
        assert_int_equal(pt_lua_script_call(s, "work", NULL, &r, &err), 0);
        json_decref(r);
    }
    pt_lua_script_free(s);
}

static void test_toplevel_limit_fails_load(void **state)
{
    const char *p = write_script("toplevel.lua", "x = 1\nwhile true do end\n");
    char *err = NULL;
    pt_lua_script *s = pt_lua_script_load(p, &small, &err);
    assert_null(s);
    assert_non_null(strstr(err, "toplevel.lua:2: script exceeded its instruction limit"));
    free(err);
}

static void test_syntax_error_has_line(void **state)
{
    const char *p = write_script("syntax.lua", "local a = 1\nlocal b = = 2\n");
    char *err = NULL;
    assert_null(pt_lua_script_load(p, NULL, &err));
    assert_non_null(strstr(err, "syntax.lua:2:"));
    free(err);
    assert_null(pt_lua_script_load("tests/lua/does_not_exist.lua", NULL, &err));
    assert_non_null(strstr(err, "does_not_exist.lua"));
    free(err);
}

/* ---- errors -------------------------------------------------------------------- */

static void test_error_ring_has_script_line(void **state)
{
    pt_lua_errors_clear();
    pt_lua_script *s = load_ok(BOMBS, NULL);
    int rc;
    char *r = call_str(s, "boom", &rc);
    assert_int_equal(rc, PT_ERR);
    assert_non_null(strstr(r, "tests/lua/bombs.lua:"));
    assert_non_null(strstr(r, ": boom"));
    free(r);
    json_t *ring;
    pt_lua_errors(&ring);
    assert_int_equal(json_array_size(ring), 1);
    json_t *e = json_array_get(ring, 0);
    assert_string_equal(json_string_value(json_object_get(e, "script")), "bombs");
    const char *m = json_string_value(json_object_get(e, "message"));
    assert_non_null(strstr(m, "tests/lua/bombs.lua:"));
    assert_non_null(strstr(m, "boom"));
    assert_non_null(strstr(json_string_value(json_object_get(e, "traceback")), "stack traceback"));
    assert_true(json_integer_value(json_object_get(e, "time")) > 0);
    json_decref(ring);

    /* error("x", 0) and error objects still get a position. */
    json_t *res = NULL;
    char *err = NULL;
    assert_int_equal(pt_lua_script_run(s, "\n\nerror({}, 0)", &res, &err), PT_ERR);
    assert_non_null(strstr(err, "(run):3:"));
    free(err);
    pt_lua_script_free(s);
}

static void test_error_ring_keeps_last_50(void **state)
{
    pt_lua_errors_clear();
    pt_lua_script *s = load_ok(BOMBS, NULL);
    for (int i = 0; i < 60; i++) {
        char code[64];
        snprintf(code, sizeof code, "error('e%d')", i);
        assert_int_equal(pt_lua_script_run(s, code, NULL, NULL), PT_ERR);
    }
    json_t *ring;
    pt_lua_errors(&ring);
    assert_int_equal(json_array_size(ring), PT_LUA_ERROR_RING);
    assert_non_null(strstr(json_string_value(json_object_get(json_array_get(ring, 0), "message")),
                           "e59"));
    json_decref(ring);
    pt_lua_script_free(s);
}

static void test_handler_disabled_after_failures(void **state)
{
    pt_lua_errors_clear();
    const char *p = write_script("flaky.lua",
                                 "calls = 0\n"
                                 "portico.on('case.created', function(d)\n"
                                 "  calls = calls + 1\n"
                                 "  error('cannot handle case ' .. d.id)\n"
                                 "end)\n"
                                 "function count() return calls end\n");
    pt_lua_limits lim = {.max_fails = 5};
    pt_lua_script *s = load_ok(p, &lim);
    for (int i = 0; i < 8; i++) {
        json_t *d = json_pack("{s:i}", "id", i);
        pt_event_emit("case.created", d, NULL);
        json_decref(d);
    }
    json_t *r = NULL;
    assert_int_equal(pt_lua_script_call(s, "count", NULL, &r, NULL), 0);
    assert_int_equal(json_integer_value(r), 5);
    json_decref(r);
    json_t *ring;
    pt_lua_errors(&ring);
    const char *newest = json_string_value(json_object_get(json_array_get(ring, 0), "message"));
    assert_non_null(strstr(newest, "disabled after 5 consecutive errors"));
    assert_non_null(strstr(json_string_value(json_object_get(json_array_get(ring, 1), "message")),
                           "flaky.lua:4: cannot handle case 4"));
    json_decref(ring);
    pt_lua_script_free(s);
    assert_int_equal(pt_event_hook_count("case.created"), 0);
}

static void test_success_resets_failure_count(void **state)
{
    const char *p = write_script("sometimes.lua",
                                 "calls = 0\n"
                                 "portico.on('x.done', function(d)\n"
                                 "  calls = calls + 1\n"
                                 "  if d.fail then error('no') end\n"
                                 "end)\n"
                                 "function count() return calls end\n");
    pt_lua_limits lim = {.max_fails = 3};
    pt_lua_script *s = load_ok(p, &lim);
    for (int i = 0; i < 9; i++) {
        json_t *d = json_pack("{s:b}", "fail", i % 3 != 2);
        pt_event_emit("x.done", d, NULL);
        json_decref(d);
    }
    json_t *r = NULL;
    assert_int_equal(pt_lua_script_call(s, "count", NULL, &r, NULL), 0);
    assert_int_equal(json_integer_value(r), 9);
    json_decref(r);
    pt_lua_script_free(s);
}

/* ---- reload ------------------------------------------------------------------- */

static void test_reload_keeps_old_on_error(void **state)
{
    const char *p = write_script("greet.lua", "function hello() return 'v1' end\n");
    char path[128];
    snprintf(path, sizeof path, "%s", p);
    const char *paths[] = {path};
    char *err = NULL;
    assert_int_equal(pt_lua_reload_all(paths, 1, NULL, NULL, &err), 0);
    pt_lua_script *s = pt_lua_find("greet");
    assert_non_null(s);

    write_script("greet.lua", "function hello() return 'v2' end\nthis is not lua\n");
    assert_int_equal(pt_lua_reload_all(paths, 1, NULL, NULL, &err), PT_ERR);
    assert_non_null(strstr(err, "greet.lua:2:"));
    assert_non_null(strstr(err, "previous version kept"));
    free(err);
    assert_ptr_equal(pt_lua_find("greet"), s);
    json_t *r = NULL;
    assert_int_equal(pt_lua_script_call(pt_lua_find("greet"), "hello", NULL, &r, NULL), 0);
    assert_string_equal(json_string_value(r), "v1");
    json_decref(r);

    write_script("greet.lua", "function hello() return 'v2' end\n");
    assert_int_equal(pt_lua_reload_all(paths, 1, NULL, NULL, &err), 0);
    assert_int_equal(pt_lua_script_call(pt_lua_find("greet"), "hello", NULL, &r, NULL), 0);
    assert_string_equal(json_string_value(r), "v2");
    json_decref(r);

    assert_int_equal(pt_lua_reload_all(NULL, 0, NULL, NULL, &err), 0);
    assert_null(pt_lua_find("greet"));
}

static void test_reload_swaps_hooks(void **state)
{
    const char *p = write_script("hooks.lua",
                                 "portico.on('page.render', function(d) d.v = 1 end)\n");
    char path[128];
    snprintf(path, sizeof path, "%s", p);
    const char *paths[] = {path};
    assert_int_equal(pt_lua_reload_all(paths, 1, NULL, NULL, NULL), 0);
    write_script("hooks.lua", "portico.on('page.render', function(d) d.v = 2 end)\n");
    assert_int_equal(pt_lua_reload_all(paths, 1, NULL, NULL, NULL), 0);
    assert_int_equal(pt_event_hook_count("page.render"), 1);
    json_t *d = json_object();
    assert_int_equal(pt_event_filter("page.render", d, NULL), 0);
    assert_int_equal(json_integer_value(json_object_get(d, "v")), 2);
    json_decref(d);
    write_script("hooks.lua", "portico.on('page.render', function(d) d.v = 3 end)\nerror('x')\n");
    assert_int_equal(pt_lua_reload_all(paths, 1, NULL, NULL, NULL), PT_ERR);
    assert_int_equal(pt_event_hook_count("page.render"), 1);
    d = json_object();
    pt_event_filter("page.render", d, NULL);
    assert_int_equal(json_integer_value(json_object_get(d, "v")), 2);
    json_decref(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_no_io_os_debug, teardown_one),
        cmocka_unit_test_teardown(test_no_require_dofile_loadfile, teardown_one),
        cmocka_unit_test_teardown(test_no_string_dump, teardown_one),
        cmocka_unit_test_teardown(test_no_bytecode, teardown_one),
        cmocka_unit_test_teardown(test_load_custom_env_refused, teardown_one),
        cmocka_unit_test_teardown(test_string_metatable_locked, teardown_one),
        cmocka_unit_test_teardown(test_portico_read_only, teardown_one),
        cmocka_unit_test_teardown(test_G_and_ENV, teardown_one),
        cmocka_unit_test_teardown(test_no_gc_metamethod, teardown_one),
        cmocka_unit_test_teardown(test_load_text_works, teardown_one),
        cmocka_unit_test_teardown(test_infinite_loop_stopped, teardown_one),
        cmocka_unit_test_teardown(test_pcall_cannot_swallow_limit, teardown_one),
        cmocka_unit_test_teardown(test_time_limit, teardown_one),
        cmocka_unit_test_teardown(test_memory_bomb_rep, teardown_one),
        cmocka_unit_test_teardown(test_memory_bomb_table, teardown_one),
        cmocka_unit_test_teardown(test_deep_recursion, teardown_one),
        cmocka_unit_test_teardown(test_budgets_reset_per_call, teardown_one),
        cmocka_unit_test_teardown(test_toplevel_limit_fails_load, teardown_one),
        cmocka_unit_test_teardown(test_syntax_error_has_line, teardown_one),
        cmocka_unit_test_teardown(test_error_ring_has_script_line, teardown_one),
        cmocka_unit_test_teardown(test_error_ring_keeps_last_50, teardown_one),
        cmocka_unit_test_teardown(test_handler_disabled_after_failures, teardown_one),
        cmocka_unit_test_teardown(test_success_resets_failure_count, teardown_one),
        cmocka_unit_test_teardown(test_reload_keeps_old_on_error, teardown_one),
        cmocka_unit_test_teardown(test_reload_swaps_hooks, teardown_one),
    };
    return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
