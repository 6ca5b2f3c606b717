/*
 * plugins/support/agent.c - the agent desk (/support/queue, vendor staff
 * only): every case of the accounts the agent covers, filtered by status,
 * priority, premium, unassigned / assigned to me and overdue, sorted by
 * SLA urgency by default (oldest update first among open cases is what
 * the "sort" parameter gives; overdue rows are highlighted). Assigning,
 * status, priority, internal notes and canned replies live on the case
 * page (case_page.c) for agents.
 */
#include "support.h"

json_t *sup_canned(void)
{
    json_t *out = json_array();
    const json_t *cfg = pt_host_config_get(sup_host(), "canned");
    size_t i;
    json_t *e;
    json_array_foreach(cfg, i, e) {
        const char *t = json_string_value(json_object_get(e, "title"));
        const char *b = json_string_value(json_object_get(e, "body"));
        if (t && b) json_array_append_new(out, json_pack("{s:s, s:s, s:I}", "title", t, "body", b,
                                                         "index", (json_int_t)i));
    }
    return out;
}

int sup_queue_page(pt_req *req)
{
    int status = 0;
    json_t *ctx = sup_list_ctx(req, true, &status);
    if (!ctx) {
        pt_http_error(req, status, sup_t(req, "support.err.busy"));
        return 0;
    }
    json_object_set_new(ctx, "deflection", sup_deflection_stats());
    pt_render_page(req, status, "support/queue", ctx);
    return 0;
}
