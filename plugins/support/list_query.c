/*
 * plugins/support/list_query.c - the parameters of a case list, shared by
 * the dashboard, the agent queue, the CSV export and GET /api/v1/cases:
 * parsing them (a bad value is refused naming the parameter, never
 * ignored), the filter every candidate case must pass, and the text form
 * of list cursors.
 *
 *   status    new|in_progress|waiting|resolved|closed|open|all (default all)
 *   priority  P1..P4            product   exact product name (any case)
 *   requester me | an email     q         words in the subject, or a number
 *   sort      updated|created|number|priority|status|due, "-" = descending
 *             (default -updated; the queue: due)
 *   older     1 = include cases not updated in the past 6 months
 *             (a search always includes them)
 *   assignee  me|unassigned    premium 1|0    overdue 1|0
 *   page      N (from 1; at most SUP_OFFSET_MAX cases before the page)
 *   after, before   a cursor from a previous page (not with page)
 *   per_page  1..per_max (the API only)
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "case_list.h"

static const char *qv(pt_req *req, const char *k)
{
    const char *v = pt_req_query(req, k);
    return v && *v ? v : NULL;
}

static bool flag(const char *v, int *out)
{
    if (!v) return true;
    if (strcmp(v, "1") != 0 && strcmp(v, "0") != 0) return false;
    *out = v[0] == '1';
    return true;
}

static bool whole(const char *s, long min, long max, long *out)
{
    if (!s || !*s || strlen(s) > 9) return false;
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (*end || v < min || v > max || s[0] == '+' || s[0] == ' ') return false;
    *out = v;
    return true;
}

static const char *const sort_names[] = {"updated", "created", "number", "priority", "status",
                                         "due", NULL};
static const char sort_letters[] = "ucnpsd";

int sup_query_parse(pt_req *req, bool agent_view, size_t per_default, size_t per_max,
                    sup_query *q, const char **field, const char **why)
{
    memset(q, 0, sizeof *q);
    q->agent_view = agent_view;
    q->statuses = SUP_STATUS_ALL;
    q->assignee = q->premium = q->overdue = SUP_ANY;
    q->sort = SUP_SORT_UPDATED;
    q->dir = -1;
    q->per = per_default;
    q->page = 1;
    *why = NULL;
    const char *status = qv(req, "status"), *assignee = qv(req, "assignee");
    const char *sort = qv(req, "sort"), *older = qv(req, "older");
    q->priority = qv(req, "priority");
    q->product = qv(req, "product");
    q->text = qv(req, "q");
    const char *requester = qv(req, "requester");
    if (!sort && strcmp(pt_req_path(req), "/support/queue") == 0) sort = "due";
    int o = 0;
    if (status && strcmp(status, "all") != 0) {
        if (strcmp(status, "open") == 0) q->statuses = SUP_STATUS_OPEN;
        else {
            q->statuses = 0;
            for (unsigned i = 0; sup_statuses[i]; i++)
                if (strcmp(status, sup_statuses[i]) == 0) q->statuses = 1u << i;
            if (!q->statuses) *field = "status", *why = "support.err.filter_status";
        }
    }
    if (*why) return PT_EINVAL;
    if (q->priority && !sup_in(q->priority, sup_priorities))
        *field = "priority", *why = "support.err.filter_priority";
    else if (assignee && strcmp(assignee, "me") != 0 && strcmp(assignee, "unassigned") != 0)
        *field = "assignee", *why = "support.err.filter_assignee";
    else if (!flag(qv(req, "premium"), &q->premium)) *field = "premium", *why = "support.err.filter_flag";
    else if (!flag(qv(req, "overdue"), &q->overdue)) *field = "overdue", *why = "support.err.filter_flag";
    else if (!flag(older, &o)) *field = "older", *why = "support.err.filter_flag";
    else if (q->text && strlen(q->text) > 200) *field = "q", *why = "support.err.filter_q";
    else if (q->product && strlen(q->product) > SUP_FIELD_MAX)
        *field = "product", *why = "support.err.filter_product";
    else if (requester && strlen(requester) > 254) *field = "requester", *why = "support.err.filter_requester";
    if (*why) return PT_EINVAL;
    q->older = o == 1;
    if (assignee) q->assignee = strcmp(assignee, "me") == 0;
    if (requester && (strcmp(requester, "me") == 0 || strcmp(requester, "mine") == 0)) q->requester_me = true;
    else q->requester = requester;
    if (q->text) q->text_number = sup_number_parse(q->text);
    if (sort) {
        const char *s = sort[0] == '-' ? sort + 1 : sort;
        int k = -1;
        for (int i = 0; sort_names[i]; i++)
            if (strcmp(s, sort_names[i]) == 0) k = i;
        if (k < 0) {
            *field = "sort", *why = "support.err.filter_sort";
            return PT_EINVAL;
        }
        q->sort = (sup_sort)k;
        q->dir = sort[0] == '-' ? -1 : 1;
    }
    /* paging */
    const char *ps = pt_req_query(req, "page"), *pp = pt_req_query(req, "per_page");
    const char *after = pt_req_query(req, "after"), *before = pt_req_query(req, "before");
    long v = 0;
    if (per_max && pp) {
        if (!whole(pp, 1, (long)per_max, &v)) {
            *field = "per_page", *why = "support.err.per_page";
            return PT_EINVAL;
        }
        q->per = (size_t)v;
    }
    if (ps) {
        if (!whole(ps, 1, 1000000, &q->page)) {
            *field = "page", *why = "support.err.page";
            return PT_EINVAL;
        }
        if ((size_t)(q->page - 1) * q->per > SUP_OFFSET_MAX) {
            *field = "page", *why = "support.err.page_deep";
            return PT_EINVAL;
        }
    }
    if (after && before) {
        *field = "before", *why = "support.err.cursor_both";
        return PT_EINVAL;
    }
    const char *cur = after ? after : before;
    if (cur) {
        if (ps) {
            *field = "page", *why = "support.err.page_cursor";
            return PT_EINVAL;
        }
        if (sup_cursor_parse(cur, q->sort, &q->at) != 0) {
            *field = after ? "after" : "before", *why = "support.err.cursor";
            return PT_EINVAL;
        }
        q->cursor = after ? SUP_CURSOR_AFTER : SUP_CURSOR_BEFORE;
    }
    return 0;
}

static bool contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = hay; *p; p++)
        if (strncasecmp(p, needle, n) == 0) return true;
    return n == 0;
}

bool sup_query_match(pt_req *req, const sup_query *q, const json_t *c, int64_t now)
{
    if (!sup_case_visible(req, c)) return false;
    const char *st = pt_rec_str(c, "status", "new");
    bool sel = false;
    for (unsigned i = 0; sup_statuses[i]; i++)
        if (strcmp(st, sup_statuses[i]) == 0) sel = (q->statuses >> i) & 1u;
    if (!sel) return false;
    uint64_t me = pt_req_user(req);
    if (q->priority && strcmp(q->priority, pt_rec_str(c, "priority", "")) != 0) return false;
    if (q->product && strcasecmp(q->product, pt_rec_str(c, "product", "")) != 0) return false;
    if (q->requester_me && pt_rec_u64(c, "requester", 0) != me) return false;
    if (q->requester && strcasecmp(q->requester, pt_rec_str(c, "requester_email", "")) != 0) return false;
    if (q->text && !(q->text_number && pt_rec_u64(c, "number", 0) == q->text_number) &&
        !contains_ci(pt_rec_str(c, "subject", ""), q->text))
        return false;
    if (!q->older && !q->text && pt_rec_int(c, "updated", 0) < now - SUP_SIX_MONTHS_MS) return false;
    if (q->assignee != SUP_ANY) {
        uint64_t a = pt_rec_u64(c, "assignee", 0);
        if (q->assignee ? a != me : a != 0) return false;
    }
    if (q->premium != SUP_ANY && pt_rec_bool(c, "premium", false) != (q->premium == 1)) return false;
    if (q->overdue != SUP_ANY && sup_sla_overdue(c, now) != (q->overdue == 1)) return false;
    return true;
}

/* ---- cursors --------------------------------------------------------------- */

void sup_cursor_fmt(sup_sort sort, const sup_pos *p, char out[SUP_CURSOR_LEN])
{
    snprintf(out, SUP_CURSOR_LEN, "%c%d.%" PRId64 ".%" PRId64, sort_letters[sort], p->seg, p->v, p->t);
}

static bool num(const char **s, int64_t *out)
{
    const char *p = *s;
    bool neg = *p == '-';
    if (neg) p++;
    if (*p < '0' || *p > '9') return false;
    uint64_t v = 0;
    int digits = 0;
    while (*p >= '0' && *p <= '9') {
        if (++digits > 19) return false;
        v = v * 10 + (uint64_t)(*p++ - '0');
    }
    if (v > (uint64_t)INT64_MAX) return false;
    *out = neg ? -(int64_t)v : (int64_t)v;
    *s = p;
    return true;
}

int sup_cursor_parse(const char *s, sup_sort sort, sup_pos *p)
{
    static const int max_seg[] = {0, 0, 0, 3, 4, 1};
    if (!s || strlen(s) >= SUP_CURSOR_LEN || s[0] != sort_letters[sort]) return PT_EINVAL;
    s++;
    int64_t seg = 0;
    if (*s == '-' || !num(&s, &seg) || seg > max_seg[sort] || *s++ != '.') return PT_EINVAL;
    if (!num(&s, &p->v) || *s++ != '.' || !num(&s, &p->t) || *s) return PT_EINVAL;
    p->seg = (int)seg;
    return 0;
}
