/*
 * tests/unit/plugin/test_loader.c - the plugin loader: a good plugin, a
 * wrong ABI (refused before its code runs), a failing init (rolled back),
 * a missing dependency, a required plugin failing, and the registry's
 * views (permissions, exports). Uses the .so fixtures built under
 * $PT_BUILD/test-plugins and $PT_BUILD/plugins.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "http/server.h"
#include "plugin/registry.h"
#include "portico/log.h"

static char dir[256];

static const char *build(void)
{
    const char *b = getenv("PT_BUILD");
    return b && *b ? b : "build";
}

/* A folder of links to the named plugins, like an operator's plugin_dir. */
static void link_plugins(const char *const *names)
{
    snprintf(dir, sizeof dir, "/tmp/pt-loader-%d", (int)getpid());
    mkdir(dir, 0700);
    char cwd[1024];
    assert_non_null(getcwd(cwd, sizeof cwd));
    for (; *names; names++) {
        char src[1400], dst[600];
        snprintf(dst, sizeof dst, "%s/%s.so", dir, *names);
        unlink(dst);
        snprintf(src, sizeof src, "%s/%s/test-plugins/%s.so", cwd, build(), *names);
        if (access(src, R_OK) != 0)
            snprintf(src, sizeof src, "%s/%s/plugins/%s.so", cwd, build(), *names);
        assert_int_equal(symlink(src, dst), 0);
    }
}

static int setup(void **state)
{
    (void)state;
    pt_log_set_level(PT_LOG_ERROR);
    pt_registry_set_router(pt_router_new());
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    pt_plugins_unload_all();
    pt_router_free(pt_registry_router());
    pt_registry_set_router(NULL);
    return 0;
}

static json_t *find(json_t *info, const char *name)
{
    size_t i;
    json_t *v;
    json_array_foreach(info, i, v) {
        if (strcmp(json_string_value(json_object_get(v, "name")), name) == 0) return v;
    }
    return NULL;
}

static void test_good_and_bad_plugins(void **state)
{
    (void)state;
    static const char *const names[] = {"hello", "bad_abi", "failing_init", "missing_dep", NULL};
    link_plugins(names);
    json_t *list = json_pack("[s, s, s, s]", "hello", "bad_abi", "failing_init", "missing_dep");
    char *err = NULL;
    assert_int_equal(pt_plugins_load(list, dir, "plugins", &err), 0);
    assert_null(err);
    json_t *info = pt_plugins_info();
    assert_true(json_is_true(json_object_get(find(info, "hello"), "loaded")));
    json_t *bad = find(info, "bad_abi");
    assert_false(json_is_true(json_object_get(bad, "loaded")));
    assert_non_null(strstr(json_string_value(json_object_get(bad, "error")),
                           "bad_abi.so was built for plugin ABI 3.x, this portico provides 1.x"));
    json_t *failing = find(info, "failing_init");
    assert_string_equal(json_string_value(json_object_get(failing, "error")),
                        "the database it needs is not configured");
    json_t *missing = find(info, "missing_dep");
    assert_non_null(strstr(json_string_value(json_object_get(missing, "error")),
                           "requires plugin 'does_not_exist'"));
    json_decref(info);
    json_decref(list);

    /* failing_init's route, permission and nav entry were rolled back */
    pt_route_params params;
    bool other = false;
    char path[] = "/failing";
    assert_null(pt_router_match(pt_registry_router(), "GET", path, &params, &other));
    json_t *perms = pt_registry_permissions();
    size_t i;
    json_t *p;
    bool hello_view = false;
    json_array_foreach(perms, i, p) {
        const char *n = json_string_value(json_object_get(p, "name"));
        assert_string_not_equal(n, "failing_init.view");
        if (strcmp(n, "hello.view") == 0) hello_view = true;
    }
    assert_true(hello_view);
    json_decref(perms);
    /* hello's route is there */
    char hp[] = "/hello";
    assert_non_null(pt_router_match(pt_registry_router(), "GET", hp, &params, &other));
}

static void test_required_failure_is_an_error(void **state)
{
    (void)state;
    static const char *const names[] = {"failing_init", NULL};
    link_plugins(names);
    json_t *list = json_pack("[{s:s, s:b}]", "name", "failing_init", "required", 1);
    char *err = NULL;
    assert_int_not_equal(pt_plugins_load(list, dir, "plugins", &err), 0);
    assert_non_null(err);
    assert_non_null(strstr(err, "required plugin failing_init"));
    free(err);
    json_decref(list);
}

static void test_missing_file_and_bad_name(void **state)
{
    (void)state;
    static const char *const names[] = {NULL};
    link_plugins(names);
    json_t *list = json_pack("[s, s]", "nope", "../evil");
    char *err = NULL;
    assert_int_equal(pt_plugins_load(list, dir, "plugins", &err), 0);
    json_t *info = pt_plugins_info();
    assert_non_null(strstr(json_string_value(json_object_get(find(info, "nope"), "error")),
                           "not found"));
    assert_non_null(strstr(json_string_value(json_object_get(find(info, "../evil"), "error")),
                           "not a valid plugin name"));
    json_decref(info);
    json_decref(list);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_good_and_bad_plugins, setup, teardown),
        cmocka_unit_test_setup_teardown(test_required_failure_is_an_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_file_and_bad_name, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
