/*
 * plugins/support/dashboard.c - the customer's support dashboard
 * (/support) and the list page context it shares with the agent queue
 * (agent.c): one page of cases from the list engine (case_list.c; the
 * parameters are in list_query.c), the counts by status and the product
 * names from the indexes, the filter form's state, and the previous /
 * next links, which carry a cursor (after= / before=) so every page costs
 * the same however deep it is. ?page=N still works for the first
 * SUP_OFFSET_MAX cases.
 */
#include <string.h>

#include "case_list.h"

#define SUP_LIST_PAGE 50

static json_t *options(pt_req *req, const char *const *list, const char *prefix, const char *cur)
{
    json_t *a = json_array();
    for (size_t i = 0; list[i]; i++)
        json_array_append_new(a, json_pack("{s:s, s:s, s:b}", "value", list[i], "label",
                                           sup_label(req, prefix, list[i]), "selected",
                                           cur && strcmp(cur, list[i]) == 0));
    return a;
}

/* The page's own URL without its paging parameters, ready for one more. */
static char *base_href(pt_req *req)
{
    pt_buf b = PT_BUF_INIT;
    pt_buf_printf(&b, "%s?", pt_req_path(req));
    char *qs = pt_arena_strdup(pt_req_arena(req), pt_req_query_string(req));
    for (char *save = NULL, *tok = strtok_r(qs, "&", &save); tok; tok = strtok_r(NULL, "&", &save))
        if (strncmp(tok, "page=", 5) != 0 && strncmp(tok, "after=", 6) != 0 &&
            strncmp(tok, "before=", 7) != 0 && *tok)
            pt_buf_printf(&b, "%s&", tok);
    char *out = pt_arena_strdup(pt_req_arena(req), b.data);
    pt_buf_free(&b);
    return out;
}

static json_t *pager(pt_req *req, const sup_query *q, const sup_page *pg)
{
    json_t *o = json_object();
    char cur[SUP_CURSOR_LEN];
    const char *base = base_href(req);
    pt_arena *a = pt_req_arena(req);
    if (pg->has_prev) {
        sup_cursor_fmt(q->sort, &pg->prev, cur);
        json_object_set_new(o, "prev_href", json_string(pt_arena_printf(a, "%sbefore=%s", base, cur)));
    }
    if (pg->has_next) {
        sup_cursor_fmt(q->sort, &pg->next, cur);
        json_object_set_new(o, "next_href", json_string(pt_arena_printf(a, "%safter=%s", base, cur)));
    }
    if (pg->total >= 0) json_object_set_new(o, "total", json_integer(pg->total));
    if (pg->scan_limited) json_object_set_new(o, "scanned", json_integer((json_int_t)pg->scanned));
    json_object_set_new(o, "show", json_boolean(pg->has_prev || pg->has_next || pg->scan_limited));
    return o;
}

json_t *sup_list_ctx(pt_req *req, bool agent_view, int *status)
{
    sup_query q;
    const char *field = NULL, *why = NULL;
    bool bad = sup_query_parse(req, agent_view, SUP_LIST_PAGE, 0, &q, &field, &why) != 0;
    int rc = 0;
    pt_txn *txn = pt_txn_begin(false, &rc);
    if (!txn) {
        *status = 503;
        return NULL;
    }
    json_t *ctx = json_object();
    sup_page pg = {.cases = NULL};
    *status = 200;
    if (bad) {
        *status = 400;
        json_object_set_new(ctx, "error", json_string(sup_t(req, why)));
        pg.cases = json_array();
    } else if ((rc = sup_list_run(txn, req, &q, true, &pg)) != 0) {
        pt_txn_abort(txn);
        sup_page_free(&pg);
        json_decref(ctx);
        *status = 503;
        return NULL;
    }
    if (!agent_view) {
        json_object_set_new(ctx, "counts", sup_list_counts(txn, req, &q));
        json_object_set_new(ctx, "products", sup_list_products(txn, req, &q, pt_req_query(req, "product")));
    }
    pt_txn_abort(txn);
    size_t i;
    json_t *c;
    json_array_foreach(pg.cases, i, c) sup_case_decorate(req, c);
    if (!bad) json_object_set_new(ctx, "pager", pager(req, &q, &pg));
    json_object_set_new(ctx, "has_cases", json_boolean(json_array_size(pg.cases) > 0));
    json_object_set_new(ctx, "cases", json_incref(pg.cases));
    sup_page_free(&pg);
    json_object_set_new(ctx, "statuses", options(req, sup_statuses, "status", pt_req_query(req, "status")));
    json_object_set_new(ctx, "priorities", options(req, sup_priorities, "priority", pt_req_query(req, "priority")));
    const char *keys[] = {"q", "requester", "sort", "older", "assignee", "premium", "overdue", NULL};
    json_t *f = json_object();
    for (size_t k = 0; keys[k]; k++) {
        const char *v = pt_req_query(req, keys[k]);
        json_t *sv = v ? json_string(v) : NULL;
        if (v) json_object_set_new(f, keys[k], sv ? sv : json_string(""));
    }
    json_object_set_new(ctx, "f", f);
    json_object_set_new(ctx, "can_create", json_boolean(pt_req_can(req, "support.edit")));
    json_object_set_new(ctx, "can_view_all", json_boolean(pt_req_can(req, "support.view")));
    return ctx;
}

int sup_dashboard(pt_req *req)
{
    int status = 0;
    json_t *ctx = sup_list_ctx(req, false, &status);
    if (!ctx) {
        pt_http_error(req, status, sup_t(req, "support.err.busy"));
        return 0;
    }
    pt_render_page(req, status, "support/index", ctx);
    return 0;
}
