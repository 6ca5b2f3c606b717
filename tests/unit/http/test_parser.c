/*
 * tests/unit/http/test_parser.c - the connection-level parse/dispatch code
 * driven with in-memory byte strings (pt_conn_mem_*): pipelining, chunked
 * bodies, smuggling refusals (CL+TE, duplicate CL, obs-fold, bad names),
 * limits (414, 431, 413), 501/505, HEAD, keep-alive rules, Expect:
 * 100-continue only after the gate, streamed bodies, byte-at-a-time input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "http/http_internal.h"

static pt_router *router;
static pt_server *srv;
static pt_buf out;
static pt_conn *conn;
static size_t streamed;
static int gate_calls;

static int h_hello(pt_req *r)
{
    pt_resp_header(r, "Content-Type", "text/plain");
    pt_resp_puts(r, "hello");
    return 0;
}

static int h_echo(pt_req *r)
{
    size_t n;
    const char *b = pt_req_body(r, &n);
    pt_resp_printf(r, "[%.*s]", (int)n, b);
    return 0;
}

static int h_sink(pt_req *r, const char *d, size_t n)
{
    if (d) streamed += n;
    return 0;
}

static int h_stream(pt_req *r)
{
    pt_resp_printf(r, "streamed=%zu", streamed);
    return 0;
}

static int h_chunk(pt_req *r)
{
    pt_resp_chunk(r, "ab", 2);
    pt_resp_chunk(r, "cde", 3);
    return 0;
}

static int gate(pt_req *r, const pt_route *rt)
{
    gate_calls++;
    if (strcmp(pt_req_path(r), "/private") == 0) {
        pt_http_error(r, 403, "no");
        return 403;
    }
    return 0;
}

static int setup(void **state)
{
    router = pt_router_new();
    pt_route rs[] = {
        {.method = "GET", .pattern = "/", .handler = h_hello},
        {.method = "POST", .pattern = "/echo", .handler = h_echo},
        {.method = "POST", .pattern = "/small", .handler = h_echo, .body_max = 8},
        {.method = "POST", .pattern = "/stream", .handler = h_stream, .body = h_sink,
         .body_max = 1 << 20},
        {.method = "GET", .pattern = "/chunk", .handler = h_chunk},
        {.method = "POST", .pattern = "/private", .handler = h_echo},
    };
    for (size_t i = 0; i < sizeof rs / sizeof rs[0]; i++)
        assert_int_equal(pt_router_add(router, &rs[i], "test"), 0);
    pt_server_config cfg;
    pt_server_config_defaults(&cfg);
    cfg.max_request_line = 256;
    cfg.max_header_size = 1024;
    cfg.max_headers = 8;
    srv = pt_server_new_mem(&cfg, router);
    pt_http_set_gate(gate);
    return 0;
}

static int teardown(void **state)
{
    if (conn) pt_conn_mem_free(conn);
    conn = NULL;
    pt_server_free(srv);
    pt_router_free(router);
    pt_http_set_gate(NULL);
    pt_buf_free(&out);
    return 0;
}

static void fresh(void)
{
    if (conn) pt_conn_mem_free(conn);
    pt_buf_reset(&out);
    conn = pt_conn_mem_new(srv, &out);
    streamed = 0;
    gate_calls = 0;
}

static const char *send_req(const char *s)
{
    fresh();
    pt_conn_mem_feed(conn, s, strlen(s));
    return out.data ? out.data : "";
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p++) n++;
    return n;
}

static void assert_status(const char *resp, int status)
{
    char want[32];
    snprintf(want, sizeof want, "HTTP/1.1 %d ", status);
    if (strncmp(resp, want, strlen(want)) != 0) fail_msg("want %d, got: %.80s", status, resp);
}

static void assert_error_closed(const char *req, int status)
{
    const char *r = send_req(req);
    assert_status(r, status);
    assert_non_null(strstr(r, "Connection: close\r\n"));
    assert_non_null(strstr(r, "X-Content-Type-Options: nosniff\r\n"));
    assert_non_null(strstr(r, "Content-Security-Policy: "));
    assert_true(pt_conn_mem_closed(conn));
}

static void t_simple(void **s)
{
    const char *r = send_req("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_status(r, 200);
    assert_non_null(strstr(r, "Content-Length: 5\r\n"));
    assert_non_null(strstr(r, "Server: portico\r\n"));
    assert_non_null(strstr(r, "Date: "));
    assert_non_null(strstr(r, "\r\n\r\nhello"));
    assert_null(strstr(r, "Connection:"));
    assert_false(pt_conn_mem_closed(conn));
}

static void t_pipelining(void **s)
{
    const char *r = send_req("GET / HTTP/1.1\r\nHost: x\r\n\r\n"
                             "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
                             "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
                             "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                             "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(count(r, "HTTP/1.1 200 OK"), 3);
    assert_int_equal(count(r, "HTTP/1.1 404 "), 1);
    assert_non_null(strstr(r, "[abc]"));
    assert_int_equal(count(r, "Connection: close"), 1);
    assert_true(pt_conn_mem_closed(conn));
    /* in order */
    assert_true(strstr(r, "[abc]") < strstr(r, "404"));
}

static void t_byte_at_a_time(void **s)
{
    fresh();
    const char *req = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n";
    for (const char *p = req; *p; p++) pt_conn_mem_feed(conn, p, 1);
    assert_non_null(strstr(out.data, "[abcde]"));
    assert_int_equal(count(out.data, "HTTP/1.1 200 OK"), 2);
}

static void t_chunked_body(void **s)
{
    const char *r = send_req("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                             "5;ext=1\r\nhello\r\n1\r\n!\r\n0\r\nTrailer: x\r\n\r\n");
    assert_status(r, 200);
    assert_non_null(strstr(r, "[hello!]"));
}

static void t_smuggling(void **s)
{
    assert_error_closed("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                        "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400);
    assert_error_closed("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                        "Content-Length: 3\r\n\r\n0\r\n\r\n", 400);
    assert_error_closed("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                        "Content-Length: 4\r\n\r\nabcd", 400);
    assert_error_closed("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                        "Content-Length: 3\r\n\r\nabc", 400);
    assert_error_closed("GET / HTTP/1.1\r\nHost: x\r\nX-A: b\r\n c\r\n\r\n", 400);
    assert_error_closed("GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400);
    fresh();
    const char nul[] = "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n";
    pt_conn_mem_feed(conn, nul, sizeof nul - 1);
    assert_status(out.data, 400);
    assert_true(pt_conn_mem_closed(conn));
    assert_error_closed("GET / HTTP/1.1\r\n\r\n", 400);   /* no Host */
    assert_error_closed("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400);
    assert_error_closed("GET /../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", 400);
    assert_error_closed("GET /a%00b HTTP/1.1\r\nHost: x\r\n\r\n", 400);
}

static void t_not_implemented(void **s)
{
    assert_error_closed("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501);
    assert_error_closed("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n"
                        "\r\n0\r\n\r\n", 501);
    assert_error_closed("BREW / HTTP/1.1\r\nHost: x\r\n\r\n", 501);
    assert_error_closed("CONNECT x:443 HTTP/1.1\r\nHost: x\r\n\r\n", 501);
    assert_error_closed("GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505);
    assert_error_closed("GET / HTTP/0.9\r\n\r\n", 505);
    assert_error_closed("GET /\r\n\r\n", 505);
}

static void t_limits(void **s)
{
    char big[600];
    snprintf(big, sizeof big, "GET /%0400d HTTP/1.1\r\nHost: x\r\n\r\n", 0);
    assert_error_closed(big, 414);
    pt_buf b = PT_BUF_INIT;
    pt_buf_puts(&b, "GET / HTTP/1.1\r\nHost: x\r\n");
    for (int i = 0; i < 10; i++) pt_buf_printf(&b, "X-%d: y\r\n", i);
    pt_buf_puts(&b, "\r\n");
    assert_error_closed(b.data, 431);
    pt_buf_reset(&b);
    pt_buf_printf(&b, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: %01200d\r\n\r\n", 0);
    assert_error_closed(b.data, 431);
    pt_buf_free(&b);
    assert_error_closed("POST /small HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\n123456789",
                        413);
    assert_error_closed("POST /small HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                        "5\r\n12345\r\n5\r\n67890\r\n0\r\n\r\n", 413);
}

static void t_head_and_methods(void **s)
{
    const char *r = send_req("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_status(r, 200);
    assert_non_null(strstr(r, "Content-Length: 5\r\n"));
    assert_null(strstr(r, "hello"));
    r = send_req("DELETE / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_status(r, 405);
    assert_false(pt_conn_mem_closed(conn));   /* no body: keep-alive */
    r = send_req("GET /chunk HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_non_null(strstr(r, "Transfer-Encoding: chunked\r\n"));
    assert_non_null(strstr(r, "\r\n\r\n2\r\nab\r\n3\r\ncde\r\n0\r\n\r\n"));
}

static void t_keepalive_rules(void **s)
{
    const char *r = send_req("GET / HTTP/1.0\r\n\r\n");
    assert_status(r, 200);
    assert_non_null(strstr(r, "Connection: close"));
    assert_true(pt_conn_mem_closed(conn));
    r = send_req("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    assert_non_null(strstr(r, "Connection: keep-alive"));
    assert_false(pt_conn_mem_closed(conn));
    r = send_req("GET /chunk HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    assert_null(strstr(r, "Transfer-Encoding"));
    assert_non_null(strstr(r, "\r\n\r\nabcde"));
    assert_true(pt_conn_mem_closed(conn));
}

static void t_expect(void **s)
{
    fresh();
    const char *h = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
                    "Expect: 100-continue\r\n\r\n";
    pt_conn_mem_feed(conn, h, strlen(h));
    assert_int_equal(gate_calls, 1);
    assert_string_equal(out.data, "HTTP/1.1 100 Continue\r\n\r\n");
    pt_conn_mem_feed(conn, "hi", 2);
    assert_non_null(strstr(out.data, "[hi]"));
    /* refused by the gate: no 100 Continue, final answer, close */
    const char *r = send_req("POST /private HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
                             "Expect: 100-continue\r\n\r\n");
    assert_status(r, 403);
    assert_null(strstr(r, "100 Continue"));
    assert_true(pt_conn_mem_closed(conn));
    /* over the route limit: 413, no 100 */
    r = send_req("POST /small HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n"
                 "Expect: 100-continue\r\n\r\n");
    assert_status(r, 413);
    assert_null(strstr(r, "100 Continue"));
    assert_error_closed("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
                        "Expect: teapot\r\n\r\nhi", 417);
}

static void t_streamed(void **s)
{
    fresh();
    const char *h = "POST /stream HTTP/1.1\r\nHost: x\r\nContent-Length: 40000\r\n\r\n";
    pt_conn_mem_feed(conn, h, strlen(h));
    char piece[1000];
    memset(piece, 'z', sizeof piece);
    for (int i = 0; i < 40; i++) pt_conn_mem_feed(conn, piece, sizeof piece);
    assert_non_null(strstr(out.data, "streamed=40000"));
}

static void t_json_error(void **s)
{
    const char *r = send_req("GET /api/x HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_status(r, 404);
    assert_non_null(strstr(r, "Content-Type: application/json"));
    assert_non_null(strstr(r, "{\"error\":{\"status\":404,\"message\":"));
    r = send_req("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_non_null(strstr(r, "Content-Type: text/html"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_simple),        cmocka_unit_test(t_pipelining),
        cmocka_unit_test(t_byte_at_a_time), cmocka_unit_test(t_chunked_body),
        cmocka_unit_test(t_smuggling),     cmocka_unit_test(t_not_implemented),
        cmocka_unit_test(t_limits),        cmocka_unit_test(t_head_and_methods),
        cmocka_unit_test(t_keepalive_rules), cmocka_unit_test(t_expect),
        cmocka_unit_test(t_streamed),      cmocka_unit_test(t_json_error),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
