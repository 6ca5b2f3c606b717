/*
 * core/admin_outbox.c - what portal admins see of outgoing mail: the
 * outbox's failed and dead messages with their last error, and a retry,
 * as a section of /admin and as /api/v1/admin/outbox.
 */
#include <string.h>

#include "admin_outbox.h"
#include "mail/mail_worker.h"
#include "portico/auth.h"
#include "portico/i18n.h"
#include "portico/store.h"

json_t *pt_admin_outbox_problems(void)
{
    json_t *all = json_array();
    static const char *const statuses[] = {"failed", "dead"};
    for (size_t i = 0; i < 2; i++) {
        json_t *list = NULL;
        if (pt_mail_outbox_list(statuses[i], 50, &list) == 0) {
            json_array_extend(all, list);
            json_decref(list);
        }
    }
    return all;
}

static bool admin_only(pt_req *req)
{
    if (pt_req_is_admin(req)) return true;
    pt_http_error(req, 403, pt_t(req, "errors.admin_only"));
    return false;
}

static int api_list(pt_req *req)
{
    if (!admin_only(req)) return 0;
    const char *status = pt_req_query(req, "status");
    json_t *list = NULL;
    int rc = pt_mail_outbox_list(status, 200, &list);
    if (rc == PT_EINVAL) {
        pt_http_error_field(req, 400, "status", pt_t(req, "admin.outbox_bad_status"));
        return 0;
    }
    if (rc != 0) {
        pt_http_error(req, 503, pt_t(req, "errors.busy"));
        return 0;
    }
    pt_resp_json(req, 200, json_pack("{s:o}", "messages", list));
    return 0;
}

static int retry(pt_req *req, bool page)
{
    if (!admin_only(req)) return 0;
    uint64_t id = 0;
    int rc = pt_id_parse(pt_req_param(req, "id"), &id) == 0 ? pt_mail_retry(id) : PT_ENOTFOUND;
    if (rc == PT_ENOTFOUND) {
        pt_http_error(req, 404, pt_t(req, "admin.outbox_not_found"));
        return 0;
    }
    if (rc == PT_EINVAL) {
        pt_http_error(req, 409, pt_t(req, "admin.outbox_not_retryable"));
        return 0;
    }
    if (rc != 0) {
        pt_http_error(req, 503, pt_t(req, "errors.busy"));
        return 0;
    }
    if (page) pt_resp_redirect(req, "/admin#outbox");
    else pt_resp_json(req, 200, json_pack("{s:s}", "status", "queued"));
    return 0;
}

static int api_retry(pt_req *req) { return retry(req, false); }
static int page_retry(pt_req *req) { return retry(req, true); }

static const pt_route routes[] = {
    {.method = "GET", .pattern = "/api/v1/admin/outbox", .handler = api_list,
     .flags = PT_ROUTE_STAFF | PT_ROUTE_JSON},
    {.method = "POST", .pattern = "/api/v1/admin/outbox/:id/retry", .handler = api_retry,
     .flags = PT_ROUTE_STAFF | PT_ROUTE_JSON},
    {.method = "POST", .pattern = "/admin/outbox/:id/retry", .handler = page_retry,
     .flags = PT_ROUTE_STAFF, .body_max = 4096},
};

int pt_admin_outbox_register(pt_router *r)
{
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        int rc = pt_router_add(r, &routes[i], "core");
        if (rc) return rc;
    }
    return 0;
}
