/*
 * tests/unit/core/test_static_paths.c - the static file server's path
 * checks and MIME types (the HTTPS tests cover serving itself).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "http/static.h"

static void test_safe_paths(void **state)
{
    (void)state;
    assert_true(pt_static_path_ok("portico.css"));
    assert_true(pt_static_path_ok("img/logo.svg"));
    assert_true(pt_static_path_ok("a/b/c.d.e"));
    const char *bad[] = {"", "/etc/passwd", "..", "../x", "a/../b", "a/./b", "./a", "a//b", "a/",
                         ".hidden", "a/.git/config", "a\\b", "a\x01" "b", NULL};
    for (int i = 0; bad[i]; i++) assert_false(pt_static_path_ok(bad[i]));
    assert_false(pt_static_path_ok(NULL));
}

static void test_mime(void **state)
{
    (void)state;
    assert_string_equal(pt_static_mime("x.css"), "text/css; charset=utf-8");
    assert_string_equal(pt_static_mime("x.JS"), "text/javascript; charset=utf-8");
    assert_string_equal(pt_static_mime("x.svg"), "image/svg+xml");
    assert_string_equal(pt_static_mime("noext"), "application/octet-stream");
    assert_string_equal(pt_static_mime("x.exe"), "application/octet-stream");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_safe_paths),
        cmocka_unit_test(test_mime),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
