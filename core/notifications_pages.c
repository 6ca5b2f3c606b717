/*
 * core/notifications_pages.c - the bell: the unread count every page shows,
 * the /notifications page, and /api/v1/notifications (list, mark read).
 * Notifications themselves are stored by core/notify.c; plugins post them.
 */
#include <string.h>

#include "notifications_pages.h"
#include "portico/auth.h"
#include "portico/i18n.h"
#include "portico/notify.h"
#include "portico/store.h"
#include "portico/template.h"

size_t pt_notifications_unread(pt_req *req)
{
    uint64_t user = pt_req_user(req);
    if (!user) return 0;
    int rc = 0;
    pt_txn *txn = pt_txn_begin(false, &rc);
    if (!txn) return 0;
    size_t n = 0;
    if (pt_notify_unread(txn, user, &n) != 0) n = 0;
    pt_txn_abort(txn);
    return n;
}

static json_t *list_for(pt_req *req, size_t limit)
{
    json_t *out = NULL;
    int rc = 0;
    pt_txn *txn = pt_txn_begin(false, &rc);
    if (txn) {
        if (pt_notify_list_lang(txn, pt_req_user(req), pt_i18n_lang(req), limit, &out) != 0) out = NULL;
        pt_txn_abort(txn);
    }
    return out ? out : json_array();
}

/* Mark one (id given) or all read; 0, PT_ENOTFOUND or a store error. */
static int mark(pt_req *req, const char *id_text)
{
    uint64_t id = 0;
    if (id_text && *id_text && pt_id_parse(id_text, &id) != 0) return PT_ENOTFOUND;
    int rc = 0;
    pt_txn *txn = pt_txn_begin(true, &rc);
    if (!txn) return rc;
    rc = pt_notify_mark_read(txn, pt_req_user(req), id);
    if (rc == 0) return pt_txn_commit(txn);
    pt_txn_abort(txn);
    return rc;
}

static int page(pt_req *req)
{
    json_t *items = list_for(req, 100);
    json_t *ctx = json_pack("{s:b, s:o}", "has_items", json_array_size(items) > 0, "items", items);
    pt_render_page(req, 200, "core/notifications", ctx);
    return 0;
}

static int page_read(pt_req *req)
{
    int rc = mark(req, pt_req_form(req, "id"));
    if (rc == PT_ENOTFOUND) {
        pt_http_error(req, 404, pt_t(req, "notifications.not_found"));
        return 0;
    }
    if (rc != 0) {
        pt_http_error(req, 503, pt_t(req, "errors.busy"));
        return 0;
    }
    pt_resp_redirect(req, "/notifications");
    return 0;
}

static int api_list(pt_req *req)
{
    const char *l = pt_req_query(req, "limit");
    long limit = l ? strtol(l, NULL, 10) : 50;
    if (limit < 1 || limit > 200) {
        pt_http_error_field(req, 400, "limit", pt_t(req, "notifications.bad_limit"));
        return 0;
    }
    pt_resp_json(req, 200,
                 json_pack("{s:o, s:I}", "notifications", list_for(req, (size_t)limit), "unread",
                           (json_int_t)pt_notifications_unread(req)));
    return 0;
}

static int api_read(pt_req *req)
{
    const char *why = NULL;
    json_t *body = pt_req_json(req, &why);
    const char *id = NULL;
    if (body) {
        json_t *v = json_object_get(body, "id");
        if (v && !json_is_string(v)) {
            pt_http_error_field(req, 422, "id", pt_t(req, "notifications.bad_id"));
            return 0;
        }
        id = json_string_value(v);
    }
    int rc = mark(req, id);
    if (rc == PT_ENOTFOUND) {
        pt_http_error(req, 404, pt_t(req, "notifications.not_found"));
        return 0;
    }
    if (rc != 0) {
        pt_http_error(req, 503, pt_t(req, "errors.busy"));
        return 0;
    }
    pt_resp_json(req, 200, json_pack("{s:I}", "unread", (json_int_t)pt_notifications_unread(req)));
    return 0;
}

static const pt_route routes[] = {
    {.method = "GET", .pattern = "/notifications", .handler = page, .flags = PT_ROUTE_AUTH},
    {.method = "POST", .pattern = "/notifications/read", .handler = page_read,
     .flags = PT_ROUTE_AUTH, .body_max = 4096},
    {.method = "GET", .pattern = "/api/v1/notifications", .handler = api_list,
     .flags = PT_ROUTE_AUTH | PT_ROUTE_JSON},
    {.method = "POST", .pattern = "/api/v1/notifications/read", .handler = api_read,
     .flags = PT_ROUTE_AUTH | PT_ROUTE_JSON, .body_max = 4096},
};

int pt_notifications_register(pt_router *r)
{
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        int rc = pt_router_add(r, &routes[i], "core");
        if (rc) return rc;
    }
    return 0;
}
