/*
 * plugins/team/users_page_nav.c - the view context of the Team Users
 * page's list controls: the filter form's options (group, status, per
 * page, with the current choice selected), the "Showing 26–50 of 1,234"
 * line in the locale's number format, and the page navigation (previous,
 * numbered pages around the current one with the first and last, next),
 * every link a plain GET that keeps the filters, so it works without
 * JavaScript; counts written into catalog texts. The markup is in
 * templates/manage_users.mustache.
 */
#include <string.h>

#include "users_list.h"

#define NEAR 2 /* numbered links on each side of the current page */

static const char *num(pt_req *req, size_t n)
{
    pt_buf b = PT_BUF_INIT;
    pt_i18n_format_number(req, (double)n, 0, &b);
    const char *s = pt_arena_strdup(pt_req_arena(req), b.data ? b.data : "0");
    pt_buf_free(&b);
    return s;
}

const char *mg_count_text(pt_req *req, const char *key, size_t from, size_t to, size_t total)
{
    const char *tpl = mg_t(req, key);
    pt_buf b = PT_BUF_INIT;
    for (const char *p = tpl; *p;) {
        const char *v = NULL;
        size_t skip = 0;
        if (strncmp(p, "{from}", 6) == 0) v = num(req, from), skip = 6;
        else if (strncmp(p, "{to}", 4) == 0) v = num(req, to), skip = 4;
        else if (strncmp(p, "{total}", 7) == 0) v = num(req, total), skip = 7;
        if (v) {
            pt_buf_puts(&b, v);
            p += skip;
        } else {
            pt_buf_putc(&b, *p++);
        }
    }
    const char *s = pt_arena_strdup(pt_req_arena(req), b.data ? b.data : "");
    pt_buf_free(&b);
    return s;
}

static json_t *page_link(pt_req *req, const mg_user_query *uq, size_t page, size_t current)
{
    return json_pack("{s:s, s:s, s:b, s:b}", "n", num(req, page), "href",
                     mg_user_query_href(req, "/team", uq, page, false), "current", page == current,
                     "gap", 0);
}

/* Every key set, so no lookup falls through to an outer context. */
static json_t *gap(void) { return json_pack("{s:s, s:s, s:b, s:b}", "n", "", "href", "", "current", 0, "gap", 1); }

json_t *mg_user_pager(pt_req *req, const mg_user_query *uq, const mg_user_page *pg)
{
    json_t *o = json_object();
    if (pg->total)
        json_object_set_new(o, "users_summary", json_string(mg_count_text(req, "users.showing", pg->first, pg->last, pg->total)));
    if (pg->pages <= 1) return o;
    json_t *nav = json_object(), *links = json_array();
    size_t cur = pg->page, last = pg->pages;
    size_t lo = cur > NEAR + 1 ? cur - NEAR : 1, hi = cur + NEAR < last ? cur + NEAR : last;
    if (lo > 1) json_array_append_new(links, page_link(req, uq, 1, cur));
    if (lo > 2) json_array_append_new(links, gap());
    for (size_t p = lo; p <= hi; p++) json_array_append_new(links, page_link(req, uq, p, cur));
    if (hi + 1 < last) json_array_append_new(links, gap());
    if (hi < last) json_array_append_new(links, page_link(req, uq, last, cur));
    json_object_set_new(nav, "links", links);
    if (cur > 1)
        json_object_set_new(nav, "prev_href", json_string(mg_user_query_href(req, "/team", uq, cur - 1, false)));
    if (cur < last)
        json_object_set_new(nav, "next_href", json_string(mg_user_query_href(req, "/team", uq, cur + 1, false)));
    json_object_set_new(o, "users_pager", nav);
    return o;
}

json_t *mg_user_filters(pt_req *req, pt_txn *txn, uint64_t account, const mg_user_query *uq)
{
    static const char *const statuses[][2] = {{"active", "Active"},
                                              {"pending", "Pending"},
                                              {"deactivated", "Deactivated"}};
    static const char *const labels[] = {"status_active", "status_pending", "status_deactivated"};
    json_t *st = json_array(), *gr = json_array(), *pp = json_array();
    for (size_t i = 0; i < 3; i++)
        json_array_append_new(st, json_pack("{s:s, s:s, s:b}", "value", statuses[i][0], "label",
                                            mg_t(req, labels[i]), "selected",
                                            uq->status && strcmp(uq->status, statuses[i][1]) == 0));
    json_t *groups = team_group_list(txn, account);
    size_t i;
    json_t *g;
    json_array_foreach(groups, i, g) {
        if (strcmp(pt_rec_str(g, "preset", ""), "everyone") == 0) continue;
        uint64_t id = pt_rec_u64(g, "id", 0);
        json_array_append_new(gr, json_pack("{s:o, s:s, s:b}", "id", team_id_json(id), "name",
                                            pt_rec_str(g, "name", ""), "selected", id == uq->group));
    }
    json_decref(groups);
    static const size_t sizes[] = {MG_PER_PAGE_DEFAULT, 50, MG_PER_PAGE_MAX};
    bool listed = false;
    for (size_t k = 0; k < 3; k++) listed = listed || sizes[k] == uq->per_page;
    for (size_t k = 0; k < 3; k++) {
        /* A per_page typed into the address (say 10) is offered too. */
        if (!listed && uq->per_page < sizes[k]) {
            json_array_append_new(pp, json_pack("{s:I, s:b}", "value", (json_int_t)uq->per_page, "selected", 1));
            listed = true;
        }
        json_array_append_new(pp, json_pack("{s:I, s:b}", "value", (json_int_t)sizes[k], "selected",
                                            sizes[k] == uq->per_page));
    }
    return json_pack("{s:s, s:o, s:o, s:o, s:b}", "q", uq->q, "statuses", st, "groups", gr,
                     "per_page", pp, "filtered", *uq->q || uq->group || uq->status);
}
