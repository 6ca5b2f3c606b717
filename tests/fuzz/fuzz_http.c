/*
 * tests/fuzz/fuzz_http.c - libFuzzer target: arbitrary bytes through the
 * HTTP layer's in-memory connection (parser, our checks, routing, body
 * handling, response serialisation), fed in pieces whose size the first
 * byte picks so buffer boundaries get fuzzed too. Build and run with
 * tools/fuzz.sh.
 */
#include <stdint.h>
#include <string.h>

#include "http/http_internal.h"

static pt_server *srv;
static pt_buf out;

static int h_echo(pt_req *r)
{
    size_t n;
    const char *b = pt_req_body(r, &n);
    pt_resp_write(r, b, n);
    (void)pt_req_form(r, "a");
    (void)pt_req_file(r, "f", NULL, NULL, NULL, NULL);
    (void)pt_req_cookie(r, "sid");
    (void)pt_req_query(r, "q");
    const char *why;
    (void)pt_req_json(r, &why);
    return 0;
}

static int h_chunk(pt_req *r)
{
    pt_resp_chunk(r, "x", 1);
    pt_resp_chunk(r, pt_req_path(r), strlen(pt_req_path(r)));
    return 0;
}

static int sink(pt_req *r, const char *d, size_t n)
{
    return (d && n && d[0] == '!') ? -1 : 0;
}

static int h_stream(pt_req *r)
{
    pt_resp_puts(r, "ok");
    return 0;
}

static void init(void)
{
    pt_router *router = pt_router_new();
    pt_route rs[] = {
        {.method = "GET", .pattern = "/", .handler = h_echo},
        {.method = "POST", .pattern = "/e/:id", .handler = h_echo, .body_max = 4096},
        {.method = "GET", .pattern = "/c", .handler = h_chunk},
        {.method = "PUT", .pattern = "/s", .handler = h_stream, .body = sink},
        {.method = "GET", .pattern = "/api/", .handler = h_echo,
         .flags = PT_ROUTE_PREFIX | PT_ROUTE_JSON},
    };
    for (size_t i = 0; i < sizeof rs / sizeof rs[0]; i++) pt_router_add(router, &rs[i], "fuzz");
    pt_server_config cfg;
    pt_server_config_defaults(&cfg);
    cfg.max_request_line = 512;
    cfg.max_header_size = 2048;
    cfg.max_headers = 16;
    cfg.body_max_default = 8192;
    srv = pt_server_new_mem(&cfg, router);
    pt_log_set_level(PT_LOG_ERROR);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!srv) init();
    if (size == 0) return 0;
    size_t piece = (size_t)(data[0] % 64) + 1;
    if (data[0] >= 192) piece = size;
    data++;
    size--;
    pt_buf_reset(&out);
    pt_conn *c = pt_conn_mem_new(srv, &out);
    for (size_t off = 0; off < size && !pt_conn_mem_closed(c); off += piece) {
        size_t n = size - off < piece ? size - off : piece;
        pt_conn_mem_feed(c, (const char *)data + off, n);
    }
    /* every answer starts with a status line */
    if (out.len && memcmp(out.data, "HTTP/1.1 ", 9) != 0) __builtin_trap();
    pt_conn_mem_free(c);
    return 0;
}
