/*
 * core/lua/api_route.c - the HTTP adapter for Lua routes: turns a pt_req
 * into a pt_lua_req, runs pt_lua_route_call and writes the answer with the
 * pt_resp_* API. Kept apart from api_portico.c so the Lua code builds and
 * is unit-tested without the HTTP layer.
 */
#include <string.h>
#include <strings.h>

#include "lua/internal.h"
#include "portico/http.h"

static json_t *(*user_fn)(pt_req *req);

void pt_lua_set_user_fn(json_t *(*fn)(pt_req *req))
{
    user_fn = fn;
}

static const char *get_header(void *ctx, const char *name)
{
    return pt_req_header(ctx, name);
}

static const char *get_query(void *ctx, const char *name)
{
    return pt_req_query(ctx, name);
}

static const char *get_form(void *ctx, const char *name)
{
    return pt_req_form(ctx, name);
}

int pt_lua_http_handler(pt_req *req)
{
    const json_t *body = NULL;
    const char *ct = pt_req_header(req, "content-type");
    if (ct && strcasestr(ct, "json")) {
        size_t len = 0;
        pt_req_body(req, &len);
        if (len > 0) {
            const char *why = NULL;
            body = pt_req_json(req, &why);
            if (!body) {
                pt_http_error(req, 400, why ? why : "The request body is not valid JSON.");
                return 0;
            }
        }
    }
    json_t *user = user_fn ? user_fn(req) : NULL;
    pt_lua_req rq = {
        .method = pt_req_method(req),
        .path = pt_req_path(req),
        .json = body,
        .user = user,
        .header = get_header,
        .query = get_query,
        .form = get_form,
        .ctx = req,
    };
    pt_lua_resp out;
    int rc = pt_lua_route_call(&rq, &out);
    json_decref(user);
    if (rc == PT_ENOTFOUND) {
        pt_http_error(req, 404, "Not found.");
        return 0;
    }
    if (rc != 0) {
        int st = out.status == 503 ? 503 : 500;
        pt_lua_resp_free(&out);
        pt_http_error(req, st,
                      st == 503 ? "This page is temporarily unavailable."
                                : "Something went wrong on our side.");
        return 0;
    }
    const char *k;
    json_t *v;
    json_object_foreach(out.headers, k, v) pt_resp_set_header(req, k, json_string_value(v));
    if (out.json) {
        pt_resp_json(req, out.status, out.json);
        out.json = NULL;
    } else {
        pt_resp_status(req, out.status);
        if (out.body) pt_resp_write(req, out.body, out.body_len);
    }
    pt_lua_resp_free(&out);
    return 0;
}
