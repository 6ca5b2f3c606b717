/*
 * tests/unit/config/test_config.c - config/portico.lua as an operator
 * meets it: a valid file, errors naming file:line and the dotted key,
 * plugin sections, defaults, command-line overrides, reload, and files
 * that try to escape or never end.
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

#include "portico/config.h"
#include "portico/log.h"

static char tmpdir[64];
static char cfgpath[128];

static int setup_all(void **state)
{
    if (!getenv("PT_TEST_VERBOSE")) pt_log_set_level((pt_log_level)(PT_LOG_ERROR + 1));
    snprintf(tmpdir, sizeof tmpdir, "/tmp/pt_cfg_test_XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    snprintf(cfgpath, sizeof cfgpath, "%s/portico.lua", tmpdir);
    return 0;
}

static int teardown_all(void **state)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    pt_config_schema_reset();
    return system(cmd) == 0 ? 0 : -1;
}

/* The keys a few core modules would declare. */
static int setup_one(void **state)
{
    pt_config_schema_reset();
    assert_int_equal(pt_config_declare("workers", PT_CONFIG_INT, json_integer(0),
                                       "Worker processes (0 = one per CPU).", "core"),
                     0);
    pt_config_declare("listen", PT_CONFIG_STRING, json_string("0.0.0.0:8443"), "Address.",
                      "core");
    pt_config_declare("tls.cert", PT_CONFIG_STRING, NULL, "Certificate file.", "core");
    pt_config_declare("tls.key", PT_CONFIG_STRING, NULL, "Key file.", "core");
    pt_config_declare("limits.body_max", PT_CONFIG_INT, json_integer(1 << 20), "Body.", "core");
    pt_config_declare("limits.timeout", PT_CONFIG_NUMBER, json_real(30), "Seconds.", "core");
    pt_config_declare("log.level", PT_CONFIG_STRING, json_string("info"), "Level.", "core");
    pt_config_declare("log.access", PT_CONFIG_BOOL, json_true(), "Access log.", "core");
    pt_config_declare("demo", PT_CONFIG_BOOL, json_false(), "Demo data.", "core");
    pt_config_declare("theme", PT_CONFIG_TABLE, NULL, "Theme settings.", "core");
    return 0;
}

static void write_cfg(const char *text)
{
    FILE *f = fopen(cfgpath, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static pt_config *load_ok(const char *text)
{
    write_cfg(text);
    pt_config *cfg = NULL;
    char *err = NULL;
    if (pt_config_load(cfgpath, &cfg, &err) != 0) fail_msg("load: %s", err);
    return cfg;
}

/* Load and check; expect a check error containing ":<line>: <msg>". */
static void expect_check_error(const char *text, int line, const char *msg)
{
    pt_config *cfg = load_ok(text);
    char *err = NULL;
    assert_int_equal(pt_config_check(cfg, &err), PT_EINVAL);
    char want[512];
    snprintf(want, sizeof want, "%s:%d: %s", cfgpath, line, msg);
    if (!strstr(err, want)) fail_msg("want \"%s\"\n got \"%s\"", want, err);
    free(err);
    pt_config_free(cfg);
}

static void expect_load_error(const char *text, const char *needle)
{
    write_cfg(text);
    pt_config *cfg = NULL;
    char *err = NULL;
    uint64_t t0 = pt_now_ms();
    assert_int_equal(pt_config_load(cfgpath, &cfg, &err), PT_EINVAL);
    assert_true(pt_now_ms() - t0 < 3000);
    assert_null(cfg);
    if (!strstr(err, needle)) fail_msg("want \"%s\"\n got \"%s\"", needle, err);
    free(err);
}

static const char *VALID =
    "-- a valid config\n"
    "workers = 4\n"
    "listen = \"127.0.0.1:\" .. 8000 + 443\n"
    "tls = {\n"
    "  cert = \"/etc/portico/cert.pem\",\n"
    "  key = \"/etc/portico/key.pem\",\n"
    "}\n"
    "local MiB = 1024 * 1024\n"
    "limits = { body_max = 4 * MiB, timeout = 2.5 }\n"
    "log = { level = \"debug\" }\n"
    "plugins = { \"hello\", { name = \"support\", required = true } }\n"
    "scripts = { \"lua/status.lua\" }\n"
    "support = { sla_hours = 8, queues = { \"first\", \"second\" } }\n"
    "status = { anything = { goes = true } }\n"
    "theme = { name = \"dark\", colors = { accent = \"#f60\" } }\n";

static void test_valid_file(void **state)
{
    pt_config_declare("support.sla_hours", PT_CONFIG_INT, json_integer(24), "SLA.", "support");
    pt_config_declare("support.queues", PT_CONFIG_LIST, NULL, "Queues.", "support");
    pt_config *cfg = load_ok(VALID);
    char *err = NULL;
    if (pt_config_check(cfg, &err) != 0) fail_msg("check: %s", err);
    assert_int_equal(pt_config_int(cfg, "workers", 1), 4);
    assert_string_equal(pt_config_str(cfg, "listen", NULL), "127.0.0.1:8443");
    assert_string_equal(pt_config_str(cfg, "tls.cert", NULL), "/etc/portico/cert.pem");
    assert_int_equal(pt_config_int(cfg, "limits.body_max", 0), 4 << 20);
    assert_true(pt_config_num(cfg, "limits.timeout", 0) == 2.5);
    assert_int_equal(pt_config_int(cfg, "support.sla_hours", 0), 8);
    assert_int_equal(json_array_size(pt_config_json(cfg, "support.queues")), 2);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(pt_config_json(cfg, "plugins"), 1),
                                          "name")),
        "support");
    assert_true(json_is_true(json_object_get(
        json_object_get(pt_config_json(cfg, "status"), "anything"), "goes")));
    char want[160];
    snprintf(want, sizeof want, "%s:5", cfgpath);
    assert_string_equal(pt_config_origin(cfg, "tls.cert"), want);
    snprintf(want, sizeof want, "%s:4", cfgpath);
    assert_string_equal(pt_config_origin(cfg, "tls"), want);
    snprintf(want, sizeof want, "%s:13", cfgpath);
    assert_string_equal(pt_config_origin(cfg, "support.queues"), want);
    snprintf(want, sizeof want, "%s:2", cfgpath);
    assert_string_equal(pt_config_origin(cfg, "workers"), want);
    assert_string_equal(pt_config_file(cfg), cfgpath);
    pt_config_free(cfg);
}

static void test_defaults(void **state)
{
    pt_config *cfg = load_ok("workers = 2\n");
    assert_int_equal(pt_config_check(cfg, NULL), 0);
    assert_string_equal(pt_config_str(cfg, "listen", "x"), "0.0.0.0:8443");
    assert_int_equal(pt_config_int(cfg, "limits.body_max", 0), 1 << 20);
    assert_true(pt_config_bool(cfg, "log.access", false));
    assert_false(pt_config_bool(cfg, "demo", true));
    assert_true(pt_config_num(cfg, "limits.timeout", 0) == 30);
    /* no value, no declared default: the caller's */
    assert_string_equal(pt_config_str(cfg, "tls.cert", "fallback"), "fallback");
    assert_int_equal(pt_config_int(cfg, "nothing.here", 7), 7);
    assert_null(pt_config_json(cfg, "tls.cert"));
    assert_int_equal(json_array_size(pt_config_json(cfg, "plugins")), 0);
    assert_null(pt_config_origin(cfg, "listen"));
    pt_config_free(cfg);
}

static void test_unknown_key_names_file_line(void **state)
{
    expect_check_error("workers = 2\n"
                       "\n"
                       "tls = {\n"
                       "  certt = \"/x\",\n"
                       "}\n",
                       4, "unknown key 'tls.certt' (did you mean 'tls.cert'?)");
    expect_check_error("workers = 2\nwrokers = 3\n", 2,
                       "unknown key 'wrokers' (did you mean 'workers'?)");
    expect_check_error("zebra = 1\n", 1, "unknown key 'zebra'");
    expect_check_error("limits = { body_max = 1, deep = { x = 1 } }\n", 1,
                       "unknown key 'limits.deep'");
}

static void test_wrong_type_names_file_line(void **state)
{
    expect_check_error("-- comment\n\nworkers = \"four\"\n", 3,
                       "'workers' must be an integer, got string");
    expect_check_error("workers = 2.5\n", 1, "'workers' must be an integer, got number");
    expect_check_error("log = { access = \"yes\" }\n", 1,
                       "'log.access' must be true or false, got string");
    expect_check_error("tls = \"/etc/cert.pem\"\n", 1, "'tls' must be a table, got string");
    expect_check_error("limits = { timeout = \"1s\" }\n", 1,
                       "'limits.timeout' must be a number, got string");
    expect_check_error("plugins = \"hello\"\n", 1, "'plugins' must be a list, got string");
    expect_check_error("plugins = { { nom = \"x\" } }\n", 1, "'plugins' entry 1 must be a name");
    expect_check_error("scripts = { 5 }\n", 1, "'scripts' entry 1 must be a path, got integer");
    expect_check_error("theme = 3\n", 1, "'theme' must be a table, got integer");
}

static void test_all_problems_reported(void **state)
{
    pt_config *cfg = load_ok("workers = 'x'\nfoo = 1\nbar = 2\n");
    char *err = NULL;
    assert_int_equal(pt_config_check(cfg, &err), PT_EINVAL);
    assert_non_null(strstr(err, ":1: 'workers'"));
    assert_non_null(strstr(err, ":2: unknown key 'foo'"));
    assert_non_null(strstr(err, ":3: unknown key 'bar'"));
    free(err);
    pt_config_free(cfg);
}

static void test_nested_and_integral_numbers(void **state)
{
    pt_config *cfg = load_ok("workers = 1e1\nlimits = {}\nlimits.body_max = 2 ^ 10\n"
                             "theme = { anything = { at = { all = 1 } } }\n");
    char *err = NULL;
    if (pt_config_check(cfg, &err) != 0) fail_msg("%s", err);
    assert_int_equal(pt_config_int(cfg, "workers", 0), 10);
    assert_int_equal(pt_config_int(cfg, "limits.body_max", 0), 1024);
    assert_int_equal(json_integer_value(pt_config_json(cfg, "theme.anything.at.all")), 1);
    pt_config_free(cfg);
}

static void test_plugin_keys(void **state)
{
    /* the plugin is listed but declared nothing (not loaded): ignored */
    pt_config *cfg = load_ok("plugins = { 'team' }\nteam = { size = 3 }\n");
    assert_int_equal(pt_config_check(cfg, NULL), 0);
    pt_config_free(cfg);

    /* loaded: its keys are checked */
    assert_int_equal(pt_config_declare("team.size", PT_CONFIG_INT, json_integer(5), "Size.",
                                       "team"),
                     0);
    expect_check_error("plugins = { 'team' }\nteam = { size = 3, colour = 'red' }\n", 2,
                       "unknown key 'team.colour'");
    expect_check_error("plugins = { 'team' }\nteam = { size = 'big' }\n", 2,
                       "'team.size' must be an integer, got string");
    cfg = load_ok("plugins = { 'team' }\nteam = { size = 3 }\n");
    assert_int_equal(pt_config_check(cfg, NULL), 0);
    assert_int_equal(pt_config_int(cfg, "team.size", 0), 3);
    pt_config_free(cfg);

    /* a section for a plugin nobody listed is an error */
    expect_check_error("billing = { x = 1 }\n", 1, "unknown key 'billing'");

    /* rollback removes the plugin's keys */
    assert_int_equal(pt_config_undeclare_owner("team"), 1);
    cfg = load_ok("team = { size = 3 }\n");
    assert_int_equal(pt_config_check(cfg, NULL), PT_EINVAL);
    pt_config_free(cfg);
}

static void test_declare_rules(void **state)
{
    assert_int_equal(pt_config_declare("workers", PT_CONFIG_STRING, NULL, "", "other"),
                     PT_EEXIST);
    assert_int_equal(pt_config_declare("workers", PT_CONFIG_INT, json_integer(3), "", "core"),
                     0);
    assert_int_equal(pt_config_declare("tls", PT_CONFIG_STRING, NULL, "", "core"), PT_EEXIST);
    assert_int_equal(pt_config_declare("workers.x", PT_CONFIG_INT, NULL, "", "core"),
                     PT_EEXIST);
    assert_int_equal(pt_config_declare("bad..path", PT_CONFIG_INT, NULL, "", "core"),
                     PT_EINVAL);
    assert_int_equal(pt_config_declare("x", PT_CONFIG_INT, json_string("no"), "", "core"),
                     PT_EINVAL);
    json_t *schema;
    pt_config_schema(&schema);
    assert_true(json_array_size(schema) >= 12);
    assert_string_equal(json_string_value(json_object_get(json_array_get(schema, 0), "path")),
                        "demo");
    json_decref(schema);
}

static void test_overrides(void **state)
{
    pt_config *cfg = load_ok("workers = 4\ntls = { cert = 'a' }\n");
    assert_int_equal(pt_config_set(cfg, "workers", json_integer(1)), 0);
    assert_int_equal(pt_config_set(cfg, "tls.key", json_string("k.pem")), 0);
    assert_int_equal(pt_config_set(cfg, "log.level", json_string("warn")), 0);
    assert_int_equal(pt_config_set(cfg, "a..b", json_true()), PT_EINVAL);
    assert_int_equal(pt_config_check(cfg, NULL), 0);
    assert_int_equal(pt_config_int(cfg, "workers", 0), 1);
    assert_string_equal(pt_config_str(cfg, "tls.cert", NULL), "a");
    assert_string_equal(pt_config_str(cfg, "tls.key", NULL), "k.pem");
    assert_string_equal(pt_config_str(cfg, "log.level", NULL), "warn");
    assert_string_equal(pt_config_origin(cfg, "workers"), "command line");
    /* a bad override is reported like a bad line */
    assert_int_equal(pt_config_set(cfg, "workers", json_string("many")), 0);
    char *err = NULL;
    assert_int_equal(pt_config_check(cfg, &err), PT_EINVAL);
    assert_non_null(strstr(err, "command line: 'workers' must be an integer"));
    free(err);
    pt_config_free(cfg);
}

static void test_reload_swaps_only_when_clean(void **state)
{
    pt_config *cur = load_ok("workers = 4\n");
    assert_int_equal(pt_config_check(cur, NULL), 0);
    pt_config_set(cur, "demo", json_true());
    pt_config *orig = cur;

    write_cfg("workers = 'eight'\n");
    char *err = NULL;
    assert_int_equal(pt_config_reload(cfgpath, &cur, &err), PT_EINVAL);
    assert_ptr_equal(cur, orig);
    assert_non_null(strstr(err, "'workers' must be an integer"));
    free(err);

    write_cfg("workers = (\n");
    assert_int_equal(pt_config_reload(cfgpath, &cur, &err), PT_EINVAL);
    assert_ptr_equal(cur, orig);
    free(err);

    write_cfg("workers = 8\n");
    assert_int_equal(pt_config_reload(cfgpath, &cur, &err), 0);
    assert_int_equal(pt_config_int(cur, "workers", 0), 8);
    assert_true(pt_config_bool(cur, "demo", false)); /* override kept */
    pt_config_free(cur);
}

static void test_hostile_files_fail_cleanly(void **state)
{
    expect_load_error("workers = 2\nos.exit(1)\n", ":2: 'os' is not defined");
    expect_load_error("io.open('/etc/passwd')\n", ":1: 'io' is not defined");
    expect_load_error("x = require('os')\n", ":1: 'require' is not defined");
    expect_load_error("print('hi')\n", "'print' is not defined");
    expect_load_error("x = ('a'):rep(10)\n", ":1:");
    expect_load_error("x = load\n", "'load' is not defined");
    expect_load_error("workers = 1\nwhile true do end\n", ":2: config exceeded its instruction limit");
    expect_load_error("local t = {}\nfor i = 1, 1e9 do t[i] = i end\n", "config");
    expect_load_error("local s = 'x'\nfor i = 1, 40 do s = s .. s end\n",
                      "uses too much memory");
    expect_load_error("f = function() end\n", ":1: 'f' is not plain data");
    expect_load_error("workers = = 2\n", ":1:");
    expect_load_error("x = undefined_thing\n", "'undefined_thing' is not defined");
    expect_load_error("\033Lua", "binary");
    pt_config *cfg = NULL;
    char *err = NULL;
    assert_int_equal(pt_config_load("/nonexistent/portico.lua", &cfg, &err), PT_EIO);
    assert_non_null(strstr(err, "/nonexistent/portico.lua"));
    free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_valid_file, setup_one),
        cmocka_unit_test_setup(test_defaults, setup_one),
        cmocka_unit_test_setup(test_unknown_key_names_file_line, setup_one),
        cmocka_unit_test_setup(test_wrong_type_names_file_line, setup_one),
        cmocka_unit_test_setup(test_all_problems_reported, setup_one),
        cmocka_unit_test_setup(test_nested_and_integral_numbers, setup_one),
        cmocka_unit_test_setup(test_plugin_keys, setup_one),
        cmocka_unit_test_setup(test_declare_rules, setup_one),
        cmocka_unit_test_setup(test_overrides, setup_one),
        cmocka_unit_test_setup(test_reload_swaps_only_when_clean, setup_one),
        cmocka_unit_test_setup(test_hostile_files_fail_cleanly, setup_one),
    };
    return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
