/*
 * tests/unit/core/test_util.c - pt_buf, pt_arena and the log escaping.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "portico/common.h"
#include "portico/log.h"

static void test_buf(void **state)
{
    (void)state;
    pt_buf b = PT_BUF_INIT;
    pt_buf_puts(&b, "a");
    pt_buf_printf(&b, "%d-%s", 42, "x");
    assert_string_equal(b.data, "a42-x");
    pt_buf_reset(&b);
    pt_buf_html_escape(&b, "<a href='x'>&\"", 14);
    assert_string_equal(b.data, "&lt;a href=&#39;x&#39;&gt;&amp;&quot;");
    for (int i = 0; i < 10000; i++) pt_buf_putc(&b, 'z');
    assert_int_equal(b.data[b.len], 0);
    char *s = pt_buf_steal(&b);
    assert_null(b.data);
    free(s);
}

static int destroyed;
static void on_free(void *p) { destroyed += *(int *)p; }

static void test_arena(void **state)
{
    (void)state;
    pt_arena *a = pt_arena_new(64);
    char *s = pt_arena_strdup(a, "hello");
    assert_string_equal(s, "hello");
    void *big = pt_arena_alloc(a, 100000);
    memset(big, 1, 100000);
    assert_int_equal(((uintptr_t)pt_arena_alloc(a, 3)) % 16, 0);
    char *p = pt_arena_printf(a, "%s %d", "n", 7);
    assert_string_equal(p, "n 7");
    int *v = pt_arena_alloc(a, sizeof *v);
    *v = 5;
    pt_arena_defer(a, on_free, v);
    pt_arena_reset(a);
    assert_int_equal(destroyed, 5);
    pt_arena_free(a);
}

static void test_log_escapes_user_input(void **state)
{
    (void)state;
    char path[] = "/tmp/pt-log-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    assert_int_equal(pt_log_open(path, path), 0);
    pt_log(PT_LOG_ERROR, "user said %s", "hi\nFAKE [error] line\x1b[31m");
    pt_log_access("127.0.0.1", "GET", "/a\"b\n", 200, 5, NULL, "agent\"x", 10);
    pt_log_open("-", NULL);
    FILE *f = fopen(path, "r");
    char buf[2048];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    unlink(path);
    int lines = 0;
    for (size_t i = 0; i < n; i++) lines += buf[i] == '\n';
    assert_int_equal(lines, 2);
    assert_non_null(strstr(buf, "hi\\x0aFAKE"));
    assert_null(strchr(buf, 0x1b));
    assert_non_null(strstr(buf, "/a\\x22b\\x0a"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf),
        cmocka_unit_test(test_arena),
        cmocka_unit_test(test_log_escapes_user_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
