/*
 * plugins/support/dashboard.c - the customer's support dashboard
 * (/support) and the filtering, search and sorting shared by the page,
 * the agent queue, the CSV export and GET /api/v1/cases.
 *
 * Query parameters (unknown values answer 400 with a message):
 *   status    new|in_progress|waiting|resolved|closed|open|all (default all)
 *   priority  P1..P4            product   exact product name
 *   requester me | an email     q         words in the subject, or a number
 *   sort      updated|created|number|priority|status|due (next SLA deadline),
 *             "-" prefix = descending (default -updated; the queue: due)
 *   older     1 = include cases not updated in the past 6 months
 *   assignee  me|unassigned (agents)   premium 1 (agents)   overdue 1 (agents)
 * The pages show 50 cases a page (?page=N); the API pages itself (api.c).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "support.h"

#define SIX_MONTHS_MS (183LL * 86400000LL)

/* qsort has no context argument: the sort key and direction of the list
 * being sorted. Handlers run on the worker's one event-loop thread. */
static const char *sort_key;
static int sort_dir;

/* The next SLA deadline: the first-response target until an agent has
 * answered, then the resolution target; done cases sort last. */
static int64_t due(const json_t *c)
{
    const char *st = pt_rec_str(c, "status", "new");
    if (strcmp(st, "resolved") == 0 || strcmp(st, "closed") == 0) return INT64_MAX;
    int64_t fh, rh, cr = pt_rec_int(c, "created", 0);
    sup_sla_targets(pt_rec_str(c, "priority", "P3"), &fh, &rh);
    return pt_rec_int(c, "first_response", 0) ? cr + rh * 3600000 : cr + fh * 3600000;
}

static int cmp(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int r = 0;
    if (strcmp(sort_key, "priority") == 0 || strcmp(sort_key, "status") == 0) {
        const char *const *order = sort_key[0] == 'p' ? sup_priorities : sup_statuses;
        int ix = 0, iy = 0;
        for (int i = 0; order[i]; i++) {
            if (strcmp(order[i], pt_rec_str(x, sort_key, "")) == 0) ix = i;
            if (strcmp(order[i], pt_rec_str(y, sort_key, "")) == 0) iy = i;
        }
        r = ix - iy;
    } else if (strcmp(sort_key, "due") == 0) {
        int64_t vx = due(x), vy = due(y);
        r = vx < vy ? -1 : vx > vy;
    } else {
        int64_t vx = pt_rec_int(x, sort_key, 0), vy = pt_rec_int(y, sort_key, 0);
        r = vx < vy ? -1 : vx > vy;
    }
    if (r == 0) {
        int64_t nx = pt_rec_int(x, "number", 0), ny = pt_rec_int(y, "number", 0);
        r = nx < ny ? -1 : nx > ny;
    }
    return r * sort_dir;
}

static bool contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = hay; *p; p++)
        if (strncasecmp(p, needle, n) == 0) return true;
    return n == 0;
}

static const char *q(pt_req *req, const char *k)
{
    const char *v = pt_req_query(req, k);
    return v && *v ? v : NULL;
}

json_t *sup_filter(pt_req *req, json_t *all, const char **field, const char **why)
{
    const char *status = q(req, "status"), *prio = q(req, "priority"), *product = q(req, "product");
    const char *requester = q(req, "requester"), *text = q(req, "q"), *sort = q(req, "sort");
    if (!sort && strcmp(pt_req_path(req), "/support/queue") == 0) sort = "due";
    const char *older = q(req, "older"), *assignee = q(req, "assignee"), *premium = q(req, "premium");
    const char *overdue = q(req, "overdue");
    *why = NULL;
    if (status && strcmp(status, "open") != 0 && strcmp(status, "all") != 0 && !sup_in(status, sup_statuses))
        *field = "status", *why = "support.err.filter_status";
    else if (prio && !sup_in(prio, sup_priorities)) *field = "priority", *why = "support.err.filter_priority";
    else if (assignee && strcmp(assignee, "me") != 0 && strcmp(assignee, "unassigned") != 0)
        *field = "assignee", *why = "support.err.filter_assignee";
    else if (premium && strcmp(premium, "1") != 0 && strcmp(premium, "0") != 0)
        *field = "premium", *why = "support.err.filter_flag";
    else if (overdue && strcmp(overdue, "1") != 0 && strcmp(overdue, "0") != 0)
        *field = "overdue", *why = "support.err.filter_flag";
    else if (older && strcmp(older, "1") != 0 && strcmp(older, "0") != 0)
        *field = "older", *why = "support.err.filter_flag";
    else if (text && strlen(text) > 200) *field = "q", *why = "support.err.filter_q";
    else if (product && strlen(product) > SUP_FIELD_MAX) *field = "product", *why = "support.err.filter_product";
    sort_key = "updated", sort_dir = -1;
    if (!*why && sort) {
        const char *s = sort[0] == '-' ? sort + 1 : sort;
        static const char *const keys[] = {"updated", "created", "number", "priority", "status",
                                           "due", NULL};
        if (!sup_in(s, keys)) *field = "sort", *why = "support.err.filter_sort";
        else sort_key = s, sort_dir = sort[0] == '-' ? -1 : 1;
    }
    if (*why) return NULL;
    uint64_t me = pt_req_user(req);
    uint64_t num = text ? sup_number_parse(text) : 0;
    int64_t now = (int64_t)pt_wall_ms();
    json_t *out = json_array();
    size_t i;
    json_t *c;
    json_array_foreach(all, i, c) {
        const char *st = pt_rec_str(c, "status", "new");
        bool closed = strcmp(st, "closed") == 0 || strcmp(st, "resolved") == 0;
        if (status && strcmp(status, "all") != 0) {
            if (strcmp(status, "open") == 0 ? closed : strcmp(status, st) != 0) continue;
        }
        if (prio && strcmp(prio, pt_rec_str(c, "priority", "")) != 0) continue;
        if (product && strcasecmp(product, pt_rec_str(c, "product", "")) != 0) continue;
        if (requester) {
            if (strcmp(requester, "me") == 0 || strcmp(requester, "mine") == 0) {
                if (pt_rec_u64(c, "requester", 0) != me) continue;
            } else if (strcasecmp(requester, pt_rec_str(c, "requester_email", "")) != 0) continue;
        }
        if (text && !(num && pt_rec_u64(c, "number", 0) == num) &&
            !contains_ci(pt_rec_str(c, "subject", ""), text))
            continue;
        if (!(older && older[0] == '1') && !text && pt_rec_int(c, "updated", 0) < now - SIX_MONTHS_MS)
            continue;
        if (assignee) {
            uint64_t a = pt_rec_u64(c, "assignee", 0);
            if (strcmp(assignee, "me") == 0 ? a != me : a != 0) continue;
        }
        if (premium && pt_rec_bool(c, "premium", false) != (premium[0] == '1')) continue;
        if (overdue && sup_sla_overdue(c, now) != (overdue[0] == '1')) continue;
        json_array_append(out, c);
    }
    size_t n = json_array_size(out);
    if (n > 1) {
        json_t **v = pt_xmalloc(n * sizeof *v);
        for (size_t k = 0; k < n; k++) v[k] = json_incref(json_array_get(out, k));
        qsort(v, n, sizeof *v, cmp);
        json_array_clear(out);
        for (size_t k = 0; k < n; k++) json_array_append_new(out, v[k]);
        free(v);
    }
    return out;
}

static json_t *counts(pt_req *req, const json_t *all)
{
    json_t *a = json_array();
    for (size_t s = 0; sup_statuses[s]; s++) {
        size_t n = 0, i;
        json_t *c;
        json_array_foreach(all, i, c) n += strcmp(pt_rec_str(c, "status", ""), sup_statuses[s]) == 0;
        json_array_append_new(a, json_pack("{s:s, s:s, s:I}", "status", sup_statuses[s], "label",
                                           sup_label(req, "status", sup_statuses[s]), "count",
                                           (json_int_t)n));
    }
    return a;
}

static json_t *options(pt_req *req, const char *const *list, const char *prefix, const char *cur)
{
    json_t *a = json_array();
    for (size_t i = 0; list[i]; i++)
        json_array_append_new(a, json_pack("{s:s, s:s, s:b}", "value", list[i], "label",
                                           sup_label(req, prefix, list[i]), "selected",
                                           cur && strcmp(cur, list[i]) == 0));
    return a;
}

json_t *sup_list_ctx(pt_req *req, bool agent_view, int *status)
{
    int rc = 0;
    pt_txn *txn = pt_txn_begin(false, &rc);
    if (!txn) {
        *status = 503;
        return NULL;
    }
    json_t *all = sup_case_list_visible(txn, req, agent_view);
    pt_txn_abort(txn);
    const char *field = NULL, *why = NULL;
    json_t *list = sup_filter(req, all, &field, &why);
    json_t *ctx = json_object();
    *status = 200;
    if (!list) {
        *status = 400;
        list = json_array();
        json_object_set_new(ctx, "error", json_string(sup_t(req, why)));
    }
    json_t *products = json_array();
    size_t i;
    json_t *c;
    json_array_foreach(all, i, c) {
        const char *p = pt_rec_str(c, "product", "");
        bool have = false;
        size_t j;
        json_t *e;
        json_array_foreach(products, j, e) have = have || strcmp(pt_rec_str(e, "value", ""), p) == 0;
        const char *cur = pt_req_query(req, "product");
        if (!have && *p)
            json_array_append_new(products, json_pack("{s:s, s:s, s:b}", "value", p, "label", p,
                                                      "selected", cur && strcmp(cur, p) == 0));
    }
    json_object_set_new(ctx, "counts", counts(req, all));
    json_decref(all);
    /* 50 per page; ?page=N, a page past the end shows the last one. */
    const char *ps = pt_req_query(req, "page");
    long page = 1;
    char *end = NULL;
    if (ps && *ps) {
        page = strtol(ps, &end, 10);
        if (*end || page < 1 || page > 1000000) {
            page = 1;
            *status = 400;
            json_object_set_new(ctx, "error", json_string(sup_t(req, "support.err.page")));
        }
    }
    size_t total = json_array_size(list), per = 50;
    size_t pages = total ? (total + per - 1) / per : 1;
    if ((size_t)page > pages) page = (long)pages;
    json_t *slice = json_array();
    for (size_t k = (size_t)(page - 1) * per; k < total && k < (size_t)page * per; k++)
        json_array_append(slice, json_array_get(list, k));
    json_decref(list);
    list = slice;
    if (pages > 1) {
        pt_buf base = PT_BUF_INIT;
        pt_buf_printf(&base, "%s?", pt_req_path(req));
        char *qs = pt_arena_strdup(pt_req_arena(req), pt_req_query_string(req));
        for (char *save = NULL, *tok = strtok_r(qs, "&", &save); tok; tok = strtok_r(NULL, "&", &save))
            if (strncmp(tok, "page=", 5) != 0 && *tok) pt_buf_printf(&base, "%s&", tok);
        json_t *pg = json_pack("{s:i, s:I}", "page", (int)page, "pages", (json_int_t)pages);
        if (page > 1) json_object_set_new(pg, "prev_href", json_string(pt_arena_printf(pt_req_arena(req), "%spage=%ld", base.data, page - 1)));
        if ((size_t)page < pages) json_object_set_new(pg, "next_href", json_string(pt_arena_printf(pt_req_arena(req), "%spage=%ld", base.data, page + 1)));
        json_object_set_new(ctx, "pagination", pg);
        pt_buf_free(&base);
    }
    json_array_foreach(list, i, c) sup_case_decorate(req, c);
    json_object_set_new(ctx, "cases", list);
    json_object_set_new(ctx, "has_cases", json_boolean(json_array_size(list) > 0));
    json_object_set_new(ctx, "products", products);
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
