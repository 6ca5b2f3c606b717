/*
 * plugins/hello/handlers.c - the hello plugin's pages, JSON API and
 * homepage widget. Handlers only use the public request/response API.
 */
#include <string.h>

#include "hello.h"

static pt_host *host;

void hello_set_host(pt_host *h) { host = h; }

static const char *greeting(void)
{
    const char *g = json_string_value(pt_host_config_get(host, "greeting"));
    return g ? g : "Hello";
}

static void render(pt_req *req, int status, const char *error, const char *name)
{
    json_t *ctx = json_pack("{s:s, s:o}", "greeting", greeting(), "greetings", hello_list(20));
    if (error) json_object_set_new(ctx, "error", json_string(error));
    if (name) json_object_set_new(ctx, "name", json_string(name));
    pt_render_page(req, status, "hello/index", ctx);
}

int hello_page(pt_req *req)
{
    const char *saved = pt_req_query(req, "saved");
    render(req, 200, NULL, NULL);
    (void)saved;
    return 0;
}

int hello_post(pt_req *req)
{
    const char *name = pt_req_form(req, "name");
    json_t *rec = NULL;
    const char *why = NULL;
    if (hello_store(req, name, &rec, &why) != 0) {
        render(req, 422, why, name);
        return 0;
    }
    json_decref(rec);
    pt_resp_redirect(req, "/hello?saved=1");
    return 0;
}

int hello_api_list(pt_req *req)
{
    pt_resp_json(req, 200, json_pack("{s:o}", "greetings", hello_list(100)));
    return 0;
}

int hello_api_get(pt_req *req)
{
    uint64_t id;
    if (pt_id_parse(pt_req_param(req, "id"), &id) != 0) {
        pt_http_error(req, 404, "There is no greeting with this id.");
        return 0;
    }
    int rc = 0;
    pt_txn *txn = pt_txn_begin(false, &rc);
    if (!txn) {
        pt_http_error(req, 503, "The store is busy. Please try again.");
        return 0;
    }
    uint8_t key[8];
    pt_key_u64(key, id);
    json_t *rec = NULL;
    rc = pt_record_get(txn, pt_store_db("hello.greetings"), key, sizeof key, &rec);
    pt_txn_abort(txn);
    if (rc != 0) {
        pt_http_error(req, 404, "There is no greeting with this id.");
        return 0;
    }
    pt_resp_json(req, 200, rec);
    return 0;
}

int hello_api_create(pt_req *req)
{
    const char *why = NULL;
    json_t *body = pt_req_json(req, &why);
    if (!body) {
        pt_http_error(req, 400, why);
        return 0;
    }
    json_t *name = json_object_get(body, "name");
    if (!json_is_string(name)) {
        pt_http_error_field(req, 422, "name", "\"name\" must be a string.");
        return 0;
    }
    json_t *rec = NULL;
    if (hello_store(req, json_string_value(name), &rec, &why) != 0) {
        pt_http_error_field(req, 422, "name", why);
        return 0;
    }
    pt_resp_json(req, 201, rec);
    return 0;
}

int hello_widget(pt_req *req, pt_buf *out)
{
    (void)req;
    json_t *list = hello_list(3);
    pt_buf_puts(out, "<ul>");
    size_t i;
    json_t *g;
    json_array_foreach(list, i, g) {
        pt_buf_puts(out, "<li>");
        const char *n = pt_rec_str(g, "name", "");
        pt_buf_html_escape(out, greeting(), strlen(greeting()));
        pt_buf_puts(out, ", ");
        pt_buf_html_escape(out, n, strlen(n));
        pt_buf_puts(out, "</li>");
    }
    pt_buf_puts(out, "</ul>");
    json_decref(list);
    return 0;
}
