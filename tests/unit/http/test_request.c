/*
 * tests/unit/http/test_request.c - what a handler reads: query strings,
 * urlencoded and multipart forms (fields, repeated fields, files),
 * cookies, headers, route params, JSON bodies, wants_json, data slots,
 * and url decode/encode helpers. Requests go through the in-memory
 * connection so the parsing is exercised exactly as in production.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "http/http_internal.h"

static int (*check)(pt_req *r);
static int ran;

static int h_any(pt_req *r)
{
    ran++;
    return check(r);
}

static void run(const char *method, const char *pattern, const char *raw, int (*fn)(pt_req *))
{
    pt_router *router = pt_router_new();
    pt_route rt = {.method = method, .pattern = pattern, .handler = h_any, .flags = 0};
    assert_int_equal(pt_router_add(router, &rt, "t"), 0);
    pt_route api = {.method = "GET", .pattern = "/j", .handler = h_any, .flags = PT_ROUTE_JSON};
    pt_router_add(router, &api, "t");
    pt_server *srv = pt_server_new_mem(NULL, router);
    pt_buf out = PT_BUF_INIT;
    pt_conn *c = pt_conn_mem_new(srv, &out);
    check = fn;
    ran = 0;
    pt_conn_mem_feed(c, raw, strlen(raw));
    assert_int_equal(ran, 1);
    assert_non_null(out.data);
    assert_memory_equal(out.data, "HTTP/1.1 200", 12);
    pt_conn_mem_free(c);
    pt_server_free(srv);
    pt_router_free(router);
    pt_buf_free(&out);
}

static int c_query(pt_req *r)
{
    assert_string_equal(pt_req_path(r), "/s/a b");
    assert_string_equal(pt_req_target(r), "/s/a%20b?q=x+y&e=%26%3D&empty=&flag");
    assert_string_equal(pt_req_query_string(r), "q=x+y&e=%26%3D&empty=&flag");
    assert_string_equal(pt_req_query(r, "q"), "x y");
    assert_string_equal(pt_req_query(r, "e"), "&=");
    assert_string_equal(pt_req_query(r, "empty"), "");
    assert_string_equal(pt_req_query(r, "flag"), "");
    assert_null(pt_req_query(r, "nope"));
    assert_string_equal(pt_req_param(r, "name"), "a b");
    assert_string_equal(pt_req_header(r, "x-thing"), "v  1");
    assert_string_equal(pt_req_method(r), "GET");
    assert_false(pt_req_is_head(r));
    assert_false(pt_req_wants_json(r));
    return 0;
}

static void t_query(void **s)
{
    run("GET", "/s/:name", "GET /s/a%20b?q=x+y&e=%26%3D&empty=&flag HTTP/1.1\r\nHost: h\r\n"
                           "X-Thing:   v  1  \r\n\r\n", c_query);
}

static int c_cookie(pt_req *r)
{
    assert_string_equal(pt_req_cookie(r, "sid"), "abc");
    assert_string_equal(pt_req_cookie(r, "theme"), "dark");
    assert_string_equal(pt_req_cookie(r, "q"), "quoted");
    assert_string_equal(pt_req_cookie(r, "last"), "1");
    assert_null(pt_req_cookie(r, "none"));
    return 0;
}

static void t_cookie(void **s)
{
    run("GET", "/", "GET / HTTP/1.1\r\nHost: h\r\nCookie: sid=abc; theme=dark;q=\"quoted\"\r\n"
                    "Cookie: last=1\r\n\r\n", c_cookie);
}

static int c_form(pt_req *r)
{
    assert_string_equal(pt_req_form(r, "name"), "Ann Lee");
    assert_string_equal(pt_req_form(r, "note"), "a&b=c");
    const char **all;
    assert_int_equal(pt_req_form_all(r, "tag", &all), 2);
    assert_string_equal(all[0], "x");
    assert_string_equal(all[1], "y");
    assert_int_equal(pt_req_form_all(r, "nope", &all), 0);
    assert_int_equal(pt_req_file(r, "tag", NULL, NULL, NULL, NULL), PT_ENOTFOUND);
    return 0;
}

static void t_form(void **s)
{
    const char *body = "name=Ann+Lee&note=a%26b%3Dc&tag=x&tag=y";
    char raw[512];
    snprintf(raw, sizeof raw,
             "POST /f HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded\r\n"
             "Content-Length: %zu\r\n\r\n%s", strlen(body), body);
    run("POST", "/f", raw, c_form);
}

static int c_multipart(pt_req *r)
{
    assert_string_equal(pt_req_form(r, "title"), "Hello");
    assert_string_equal(pt_req_form(r, "multi"), "line1\r\nline2");
    const char *data, *fn, *ct;
    size_t len;
    assert_int_equal(pt_req_file(r, "upload", &data, &len, &fn, &ct), 0);
    assert_int_equal(len, 7);
    assert_memory_equal(data, "bin\0ary", 7);
    assert_string_equal(fn, "a \"b\".txt");
    assert_string_equal(ct, "application/octet-stream");
    assert_null(pt_req_form(r, "upload"));
    return 0;
}

static void t_multipart(void **s)
{
    const char body[] =
        "preamble\r\n"
        "--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nHello\r\n"
        "--XyZ\r\nContent-Disposition: form-data; name=\"multi\"\r\n\r\nline1\r\nline2\r\n"
        "--XyZ\r\nContent-Disposition: form-data; name=\"upload\"; filename=\"a \\\"b\\\".txt\"\r\n"
        "Content-Type: application/octet-stream\r\n\r\nbin\0ary\r\n"
        "--XyZ--\r\n";
    size_t blen = sizeof body - 1;
    char raw[1024];
    int n = snprintf(raw, sizeof raw,
                     "POST /m HTTP/1.1\r\nHost: h\r\n"
                     "Content-Type: multipart/form-data; boundary=XyZ\r\n"
                     "Content-Length: %zu\r\n\r\n", blen);
    memcpy(raw + n, body, blen);
    raw[n + blen] = 0;
    /* the body has a NUL: feed it by hand */
    pt_router *router = pt_router_new();
    pt_route rt = {.method = "POST", .pattern = "/m", .handler = h_any};
    pt_router_add(router, &rt, "t");
    pt_server *srv = pt_server_new_mem(NULL, router);
    pt_buf out = PT_BUF_INIT;
    pt_conn *c = pt_conn_mem_new(srv, &out);
    check = c_multipart;
    ran = 0;
    pt_conn_mem_feed(c, raw, (size_t)n + blen);
    assert_int_equal(ran, 1);
    assert_memory_equal(out.data, "HTTP/1.1 200", 12);
    pt_conn_mem_free(c);
    pt_server_free(srv);
    pt_router_free(router);
    pt_buf_free(&out);
}

static int key;
static int c_json(pt_req *r)
{
    const char *why = NULL;
    json_t *j = pt_req_json(r, &why);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "a")), 1);
    assert_true(pt_req_wants_json(r));
    pt_req_set_data(r, &key, (void *)"v");
    assert_string_equal(pt_req_get_data(r, &key), "v");
    assert_null(pt_req_get_data(r, &why));
    pt_arena *a = pt_req_arena(r);
    assert_non_null(pt_arena_strdup(a, "x"));
    assert_string_equal(pt_req_remote_addr(r), "127.0.0.1");
    return 0;
}

static void t_json(void **s)
{
    run("POST", "/api/x", "POST /api/x HTTP/1.1\r\nHost: h\r\nContent-Length: 7\r\n\r\n{\"a\":1}",
        c_json);
}

static int c_json_bad(pt_req *r)
{
    const char *why = NULL;
    assert_null(pt_req_json(r, &why));
    assert_non_null(why);
    assert_non_null(strstr(why, "invalid JSON"));
    return 0;
}

static void t_json_bad(void **s)
{
    run("POST", "/x", "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\n{bad", c_json_bad);
}

static int c_accept(pt_req *r)
{
    assert_true(pt_req_wants_json(r));
    return 0;
}

static void t_wants_json(void **s)
{
    run("GET", "/x", "GET /x HTTP/1.1\r\nHost: h\r\nAccept: application/json, text/html;q=0.5\r\n\r\n",
        c_accept);
    run("GET", "/x", "GET /j HTTP/1.1\r\nHost: h\r\n\r\n", c_accept);
}

static void t_helpers(void **s)
{
    char a[] = "a%20b+c%zz%4";
    size_t n = pt_url_decode(a, strlen(a), true);
    assert_int_equal(n, strlen("a b c%zz%4"));
    assert_string_equal(a, "a b c%zz%4");
    pt_buf b = PT_BUF_INIT;
    pt_url_encode(&b, "a b/é~");
    assert_string_equal(b.data, "a%20b%2F%C3%A9~");
    pt_buf_free(&b);
    assert_string_equal(pt_http_reason(404), "Not Found");
    assert_string_equal(pt_http_reason(431), "Request Header Fields Too Large");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_query),     cmocka_unit_test(t_cookie),
        cmocka_unit_test(t_form),      cmocka_unit_test(t_multipart),
        cmocka_unit_test(t_json),      cmocka_unit_test(t_json_bad),
        cmocka_unit_test(t_wants_json), cmocka_unit_test(t_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
