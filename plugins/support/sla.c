/*
 * plugins/support/sla.c - service-level targets: first-response and
 * resolution hours per priority, set by the vendor's admins in the config
 * (support.sla, see docs/support.md), and the due times and overdue flag
 * derived from them. A first response is the first agent reply; the
 * resolution clock stops when the case is resolved or closed.
 */
#include <string.h>

#include "support.h"

void sup_sla_targets(const char *priority, int64_t *first_h, int64_t *resolve_h)
{
    static const int64_t dflt[4][2] = {{1, 8}, {4, 24}, {8, 72}, {24, 240}};
    int i = (priority && priority[0] == 'P' && priority[1] >= '1' && priority[1] <= '4')
                ? priority[1] - '1' : 2;
    *first_h = dflt[i][0];
    *resolve_h = dflt[i][1];
    const json_t *sla = pt_host_config_get(sup_host(), "sla");
    const json_t *p = json_object_get(sla, sup_priorities[i]);
    const json_t *f = json_object_get(p, "first_response_h");
    const json_t *r = json_object_get(p, "resolution_h");
    if (json_is_number(f) && json_number_value(f) > 0) *first_h = (int64_t)json_number_value(f);
    if (json_is_number(r) && json_number_value(r) > 0) *resolve_h = (int64_t)json_number_value(r);
}

static bool done(const json_t *c)
{
    const char *st = pt_rec_str(c, "status", "new");
    return strcmp(st, "resolved") == 0 || strcmp(st, "closed") == 0;
}

bool sup_sla_overdue(const json_t *c, int64_t now)
{
    if (done(c)) return false;
    int64_t fh, rh;
    sup_sla_targets(pt_rec_str(c, "priority", "P3"), &fh, &rh);
    int64_t created = pt_rec_int(c, "created", 0);
    if (!pt_rec_int(c, "first_response", 0) && now > created + fh * 3600000) return true;
    return now > created + rh * 3600000;
}

void sup_sla_decorate(pt_req *req, json_t *c)
{
    int64_t fh, rh;
    sup_sla_targets(pt_rec_str(c, "priority", "P3"), &fh, &rh);
    int64_t created = pt_rec_int(c, "created", 0);
    json_object_set_new(c, "sla",
                        json_pack("{s:I, s:I, s:o, s:o, s:b}", "first_response_h", (json_int_t)fh,
                                  "resolution_h", (json_int_t)rh, "first_due_display",
                                  sup_date_json(req, created + fh * 3600000), "resolve_due_display",
                                  sup_date_json(req, created + rh * 3600000), "overdue",
                                  sup_sla_overdue(c, (int64_t)pt_wall_ms())));
}
