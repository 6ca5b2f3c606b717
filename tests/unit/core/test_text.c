/*
 * tests/unit/core/test_text.c - UTF-8 and plain-text checks, ISO days.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "portico/text.h"

static void test_utf8_and_text(void **state)
{
    (void)state;
    assert_true(pt_utf8_valid("Zoë – 日本", strlen("Zoë – 日本")));
    assert_false(pt_utf8_valid("\xc0\xaf", 2));          /* overlong '/' */
    assert_false(pt_utf8_valid("\xed\xa0\x80", 3));      /* surrogate */
    assert_false(pt_utf8_valid("\xf4\x90\x80\x80", 4));  /* above U+10FFFF */
    assert_false(pt_utf8_valid("\xe2\x82", 2));          /* truncated */
    assert_true(pt_text_ok("plain", 10, false));
    assert_false(pt_text_ok("too long", 3, false));
    assert_false(pt_text_ok("a\nb", 10, false));
    assert_true(pt_text_ok("a\r\nb\tc", 10, true));
    assert_false(pt_text_ok("bell\a", 10, true));
    assert_false(pt_text_ok("del\x7f", 10, true));
    assert_false(pt_text_ok(NULL, 10, true));
}

static void test_days(void **state)
{
    (void)state;
    assert_int_equal(pt_day_parse("1970-01-01"), 0);
    assert_int_equal(pt_day_parse("2026-11-23"), 20780);
    assert_int_equal(pt_day_parse("2024-02-29"), pt_day_parse("2024-02-28") + 1);
    const char *bad[] = {"2023-02-29", "2026-13-01", "2026-00-10", "2026-1-01", "1969-12-31",
                         "2026/11/23", "", "2026-11-23x", NULL};
    for (int i = 0; bad[i]; i++) assert_int_equal(pt_day_parse(bad[i]), -1);
    assert_int_equal(pt_day_parse(NULL), -1);
    char out[11];
    for (int64_t d = 0; d < 30000; d += 37) {
        pt_day_fmt(d, out);
        assert_int_equal(pt_day_parse(out), d);
    }
    pt_day_fmt(20780, out);
    assert_string_equal(out, "2026-11-23");
    assert_true(pt_day_today() > 20000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_and_text),
        cmocka_unit_test(test_days),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
