/*
 * tests/unit/http/test_router.c - the route table: literals beat params,
 * params captured, HEAD falls back to GET, 405 detection, prefix routes,
 * duplicate and malformed patterns, removal by owner.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "http/server.h"

static int h1(pt_req *r) { return 0; }
static int h2(pt_req *r) { return 0; }

static const pt_route *match(pt_router *r, const char *m, const char *path,
                             pt_route_params *p, bool *pm)
{
    static char buf[256];
    strcpy(buf, path);
    return pt_router_match(r, m, buf, p, pm);
}

static void add(pt_router *r, const char *m, const char *pat, pt_handler_fn h, unsigned flags,
                const char *owner)
{
    pt_route rt = {.method = m, .pattern = pat, .handler = h, .flags = flags};
    assert_int_equal(pt_router_add(r, &rt, owner), 0);
}

static void t_literal_and_params(void **s)
{
    pt_router *r = pt_router_new();
    add(r, "GET", "/", h1, 0, "core");
    add(r, "GET", "/cases/:id", h1, 0, "a");
    add(r, "GET", "/cases/new", h2, 0, "a");
    add(r, "GET", "/cases/:id/notes/:note", h2, 0, "a");
    pt_route_params p;
    bool pm;
    const pt_route *rt = match(r, "GET", "/", &p, &pm);
    assert_non_null(rt);
    assert_string_equal(rt->pattern, "/");
    rt = match(r, "GET", "/cases/new", &p, &pm);
    assert_ptr_equal(rt->handler, h2);
    assert_int_equal(p.n, 0);
    rt = match(r, "GET", "/cases/42", &p, &pm);
    assert_string_equal(rt->pattern, "/cases/:id");
    assert_int_equal(p.n, 1);
    assert_string_equal(p.name[0], "id");
    assert_string_equal(p.value[0], "42");
    rt = match(r, "GET", "/cases/42/notes/7", &p, &pm);
    assert_int_equal(p.n, 2);
    assert_string_equal(p.value[0], "42");
    assert_string_equal(p.name[1], "note");
    assert_string_equal(p.value[1], "7");
    assert_null(match(r, "GET", "/cases", &p, &pm));
    assert_false(pm);
    assert_null(match(r, "GET", "/cases/", &p, &pm));   /* empty param never matches */
    assert_null(match(r, "GET", "/cases/1/x", &p, &pm));
    assert_null(match(r, "GET", "nope", &p, &pm));
    pt_router_free(r);
}

static void t_backtracking(void **s)
{
    pt_router *r = pt_router_new();
    add(r, "GET", "/a/b/c", h1, 0, "x");
    add(r, "GET", "/a/:p/d", h2, 0, "x");
    pt_route_params p;
    bool pm;
    const pt_route *rt = match(r, "GET", "/a/b/d", &p, &pm);
    assert_non_null(rt);
    assert_ptr_equal(rt->handler, h2);
    assert_string_equal(p.value[0], "b");
    pt_router_free(r);
}

static void t_methods(void **s)
{
    pt_router *r = pt_router_new();
    add(r, "GET", "/x", h1, 0, "core");
    add(r, "POST", "/x", h2, 0, "core");
    pt_route_params p;
    bool pm = false;
    assert_ptr_equal(match(r, "HEAD", "/x", &p, &pm)->handler, h1);
    assert_ptr_equal(match(r, "POST", "/x", &p, &pm)->handler, h2);
    assert_null(match(r, "DELETE", "/x", &p, &pm));
    assert_true(pm);
    assert_null(match(r, "DELETE", "/y", &p, &pm));
    assert_false(pm);
    pt_router_free(r);
}

static void t_prefix(void **s)
{
    pt_router *r = pt_router_new();
    add(r, "GET", "/static/", h1, PT_ROUTE_PREFIX, "core");
    add(r, "GET", "/static/special", h2, 0, "core");
    pt_route_params p;
    bool pm;
    assert_ptr_equal(match(r, "GET", "/static/a/b.css", &p, &pm)->handler, h1);
    assert_ptr_equal(match(r, "GET", "/static", &p, &pm)->handler, h1);
    assert_ptr_equal(match(r, "GET", "/static/special", &p, &pm)->handler, h2);
    assert_null(match(r, "GET", "/staticx", &p, &pm));
    assert_null(match(r, "POST", "/static/a", &p, &pm));
    assert_true(pm);
    pt_router_free(r);
}

static void t_errors_and_owners(void **s)
{
    pt_router *r = pt_router_new();
    add(r, "GET", "/a/:id", h1, 0, "one");
    pt_route dup = {.method = "GET", .pattern = "/a/:other", .handler = h2};
    assert_int_equal(pt_router_add(r, &dup, "two"), PT_EEXIST);
    pt_route bad = {.method = "GET", .pattern = "no-slash", .handler = h2};
    assert_int_equal(pt_router_add(r, &bad, "two"), PT_EINVAL);
    bad.pattern = "/a/:";
    assert_int_equal(pt_router_add(r, &bad, "two"), PT_EINVAL);
    bad.pattern = "/x";
    bad.method = "get";
    assert_int_equal(pt_router_add(r, &bad, "two"), PT_EINVAL);
    add(r, "GET", "/b", h2, 0, "two");
    add(r, "POST", "/b", h2, 0, "two");
    assert_int_equal(pt_router_remove_owner(r, "two"), 2);
    pt_route_params p;
    bool pm;
    assert_null(match(r, "GET", "/b", &p, &pm));
    assert_non_null(match(r, "GET", "/a/1", &p, &pm));
    pt_router_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_literal_and_params), cmocka_unit_test(t_backtracking),
        cmocka_unit_test(t_methods),            cmocka_unit_test(t_prefix),
        cmocka_unit_test(t_errors_and_owners),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
