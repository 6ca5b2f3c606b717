/*
 * plugins/support/case_list.c - the case list engine: one page of a list
 * read through the indexes of case_index.c, so the work follows the page
 * size rather than how many cases an account has.
 *
 * Scopes: the accounts the list covers (the agent queue: every account the
 * agent covers; otherwise the request's account), each either whole or
 * only the cases one requester raised (a user without support.view).
 *
 * Streams: index ranges merged in list order from any position
 * (index_merge.c); a cursor is a position (sup_pos) in the list's order.
 *
 * Which streams: the last-update order reads by_updated (all statuses) or
 * by_status_updated / by_requester / by_assignee (per status), bounded
 * below by the 6-month cut-off. Other orders first count the candidates in
 * those streams (keys only); up to SUP_SORT_MAX they are loaded and sorted
 * in memory (exact, cheap); above it the order's own index is merged
 * (by_created, by_rank, by_due) and the remaining filters checked per
 * record. Every candidate passes sup_query_match, which alone decides
 * what is listed: the streams only narrow what is read. Reading stops at
 * SUP_SCAN_MAX records; the page then says so (scan_limited) and its next
 * cursor continues where the scan stopped.
 *
 * Totals: from index counts (by_status) when no filter needs the records;
 * by walking index keys (no record reads, SUP_COUNT_MAX at most) when the
 * 6-month cut-off or a requester/assignee filter applies; else by checking
 * records (SUP_SCAN_MAX at most); -1 when a bound was reached.
 *
 * SUP_SCAN_MAX and SUP_SORT_MAX are defaults of the config keys
 * support.list_scan_max and support.list_sort_max (support.c).
 */
#include <stdlib.h>
#include <string.h>

#include "case_list.h"

typedef struct scope {
    uint64_t acc;
    uint64_t requester; /* 0 = every case of the account */
} scope;

typedef struct run {
    pt_txn *txn;
    pt_req *req;
    const sup_query *q;
    int64_t now;
    uint64_t lo;      /* key bound for last-update streams */
    scope *sc;
    size_t nsc;
    size_t budget;    /* records left to examine */
    size_t scanned;
    bool limited;
    bool seen;
    sup_pos last;     /* position of the last record examined */
} run;

/* The bounds, from the config (support.list_scan_max, list_sort_max). */
static size_t knob(const char *key, size_t dflt, size_t min)
{
    const json_t *v = pt_host_config_get(sup_host(), key);
    if (!json_is_integer(v) || json_integer_value(v) < 0) return dflt;
    size_t n = (size_t)json_integer_value(v);
    return n < min ? min : n;
}

size_t sup_list_scan_max(void) { return knob("list_scan_max", SUP_SCAN_MAX, 10); }

/* ---- scopes ---------------------------------------------------------------- */

static size_t scopes(pt_req *req, const sup_query *q, scope **out)
{
    const pt_principal *p = pt_req_principal(req);
    size_t n = 0;
    if (q->agent_view && sup_agent_user(req)) {
        *out = pt_arena_alloc(pt_req_arena(req), (json_array_size(p->accounts) + 1) * sizeof **out);
        size_t i;
        json_t *a;
        json_array_foreach(p->accounts, i, a) {
            uint64_t id = 0;
            if (pt_id_parse(json_string_value(json_object_get(a, "id")), &id) == 0 && sup_covers(req, id))
                (*out)[n++] = (scope){id, 0};
        }
        return n;
    }
    uint64_t acc = pt_req_account(req);
    if (!acc) return 0;
    *out = pt_arena_alloc(pt_req_arena(req), sizeof **out);
    if (sup_covers(req, acc) || pt_req_can(req, "support.view")) (*out)[n++] = (scope){acc, 0};
    else if (pt_req_user(req)) (*out)[n++] = (scope){acc, pt_req_user(req)};
    return n;
}

/* ---- which index ranges ------------------------------------------------------ */

static void add(sup_streams *ss, const char *db, const pt_key *k, uint64_t acc, int seg, int64_t offset,
                bool invert, uint64_t lo)
{
    sup_streams_add(ss, sup_db(db), k, acc, seg, offset, invert, lo);
}

/* The requester or assignee a stream set narrows to (0 = none). */
static uint64_t who(const run *r, const scope *s)
{
    if (s->requester) return s->requester;
    return r->q->requester_me ? pt_req_user(r->req) : 0;
}

/* Streams in last-update order holding every case that can match. */
static void updated_streams(const run *r, sup_streams *ss)
{
    const sup_query *q = r->q;
    pt_key k;
    uint64_t me = pt_req_user(r->req);
    for (size_t i = 0; i < r->nsc; i++) {
        uint64_t acc = r->sc[i].acc, w = who(r, &r->sc[i]);
        if (!w && q->assignee == SUP_ANY && q->statuses == SUP_STATUS_ALL) {
            sup_ix_updated(&k, acc);
            add(ss, "cases.by_updated", &k, acc, 0, 0, false, r->lo);
            continue;
        }
        for (unsigned s = 0; sup_statuses[s]; s++) {
            if (!((q->statuses >> s) & 1u)) continue;
            const char *db = "cases.by_status_updated";
            if (w) db = "cases.by_requester", sup_ix_requester(&k, acc, w, sup_statuses[s]);
            else if (q->assignee != SUP_ANY)
                db = "cases.by_assignee", sup_ix_assignee(&k, acc, q->assignee ? me : 0, sup_statuses[s]);
            else sup_ix_status(&k, acc, sup_statuses[s]);
            add(ss, db, &k, acc, 0, 0, false, r->lo);
        }
    }
}

/* Streams of the order's own index (orders other than last update). */
static void order_streams(const run *r, sup_streams *ss)
{
    const sup_query *q = r->q;
    pt_key k;
    for (size_t i = 0; i < r->nsc; i++) {
        uint64_t acc = r->sc[i].acc;
        if (q->sort == SUP_SORT_CREATED) {
            for (unsigned s = 0; sup_statuses[s]; s++)
                if ((q->statuses >> s) & 1u) {
                    sup_ix_status(&k, acc, sup_statuses[s]);
                    add(ss, "cases.by_created", &k, acc, 0, 0, false, 0);
                }
        } else if (q->sort == SUP_SORT_DUE) {
            static const char *const open[] = {"f1", "f2", "f3", "f4", "r1", "r2", "r3", "r4", NULL};
            if (q->statuses & SUP_STATUS_OPEN)
                for (size_t b = 0; open[b]; b++) {
                    if (q->priority && q->priority[1] != open[b][1]) continue;
                    sup_ix_due(&k, acc, open[b]);
                    add(ss, "cases.by_due", &k, acc, 0, sup_due_offset(open[b]), false, 0);
                }
            if (q->statuses & ~SUP_STATUS_OPEN) {
                sup_ix_due(&k, acc, "d");
                add(ss, "cases.by_due", &k, acc, 1, 0, true, r->lo);
            }
        } else { /* number, priority, status: by_rank */
            for (int p = 0; sup_priorities[p]; p++) {
                if (q->priority && strcmp(q->priority, sup_priorities[p]) != 0) continue;
                for (unsigned s = 0; sup_statuses[s]; s++) {
                    if (!((q->statuses >> s) & 1u)) continue;
                    sup_ix_rank(&k, acc, sup_priorities[p], sup_statuses[s]);
                    int seg = q->sort == SUP_SORT_PRIORITY ? p : q->sort == SUP_SORT_STATUS ? (int)s : 0;
                    add(ss, "cases.by_rank", &k, acc, seg, 0, false, 0);
                }
            }
        }
    }
}

/* The record of a merge entry if it passes the filters: an owned case, or
 * NULL. Counts against the scan budget. */
static json_t *load(run *r, const sup_stream *s)
{
    uint8_t k[8];
    pt_key_u64(k, s->id);
    json_t *c = NULL;
    if (r->budget) r->budget--; /* the in-memory sort reads all its candidates */
    r->scanned++;
    r->last = s->pos, r->seen = true;
    if (pt_record_get_scoped(r->txn, sup_db("cases"), k, 8, s->acc, &c) != 0) return NULL;
    if (sup_query_match(r->req, r->q, c, r->now)) return c;
    json_decref(c);
    return NULL;
}

/* ---- one page ------------------------------------------------------------------ */

/* Merge streams into the page: skip `skip` matches, take q->per, then look
 * for one more to know whether the list goes on. */
static int merged_page(run *r, sup_streams *ss, sup_page *pg)
{
    const sup_query *q = r->q;
    bool back = q->cursor == SUP_CURSOR_BEFORE;
    int dir = back ? -q->dir : q->dir;
    int rc = sup_merge_start(r->txn, ss, dir, q->cursor ? &q->at : NULL);
    size_t skip = q->cursor ? 0 : (size_t)(q->page - 1) * q->per;
    bool more = false;
    while (rc == 0 && sup_merge_top(ss)) {
        if (r->budget == 0) {
            r->limited = true;
            break;
        }
        json_t *c = load(r, sup_merge_top(ss));
        if (c && skip) {
            skip--;
            json_decref(c);
        } else if (c && json_array_size(pg->cases) < q->per) {
            json_array_append_new(pg->cases, c);
        } else if (c) {
            json_decref(c);
            more = true;
            break;
        }
        rc = sup_merge_next(ss);
    }
    if (rc) return rc;
    size_t n = json_array_size(pg->cases);
    if (back) { /* read backwards: put the page in list order */
        for (size_t i = 0; i < n / 2; i++) {
            json_t *a = json_incref(json_array_get(pg->cases, i));
            json_array_set(pg->cases, i, json_array_get(pg->cases, n - 1 - i));
            json_array_set_new(pg->cases, n - 1 - i, a);
        }
    }
    pg->scan_limited = r->limited && n < q->per;
    /* Where the scan stopped early, continue after what it examined. */
    bool onward = more || r->limited;
    sup_pos edge = r->limited && r->seen ? r->last : (sup_pos){0, 0, 0};
    if (n) {
        sup_case_pos(json_array_get(pg->cases, 0), q->sort, &pg->prev);
        sup_case_pos(json_array_get(pg->cases, n - 1), q->sort, &pg->next);
    }
    if (!back) {
        pg->has_next = onward && (n || r->seen);
        if (r->limited && r->seen) pg->next = edge;
        pg->has_prev = n && (q->cursor == SUP_CURSOR_AFTER || q->page > 1);
    } else {
        pg->has_prev = onward && (n || r->seen);
        if (r->limited && r->seen) pg->prev = edge;
        pg->has_next = n > 0;
    }
    return 0;
}

/* Items of a sorted candidate array in list order, for one page. */
typedef struct item {
    sup_pos pos;
    json_t *c;
} item;

static int sort_dir;
static int cmp_items(const void *a, const void *b)
{
    return sort_dir * sup_pos_cmp(&((const item *)a)->pos, &((const item *)b)->pos);
}

/* Load every candidate of ss (at most SUP_SORT_MAX were counted), sort in
 * memory and cut the page out: exact totals and positions. */
static int sorted_page(run *r, sup_streams *ss, sup_page *pg, bool want_total)
{
    const sup_query *q = r->q;
    int rc = sup_merge_start(r->txn, ss, -1, NULL);
    size_t n = 0, cap = 64;
    item *v = pt_xmalloc(cap * sizeof *v);
    while (rc == 0 && sup_merge_top(ss)) {
        json_t *c = load(r, sup_merge_top(ss));
        if (c) {
            if (n == cap) v = pt_xrealloc(v, (cap *= 2) * sizeof *v);
            v[n].c = c;
            sup_case_pos(c, q->sort, &v[n++].pos);
        }
        rc = sup_merge_next(ss);
    }
    sort_dir = q->dir; /* handlers run on the worker's one event-loop thread */
    if (rc == 0 && n > 1) qsort(v, n, sizeof *v, cmp_items);
    size_t from = 0, to = n;
    if (q->cursor == SUP_CURSOR_AFTER) {
        while (from < n && q->dir * sup_pos_cmp(&v[from].pos, &q->at) <= 0) from++;
    } else if (q->cursor == SUP_CURSOR_BEFORE) {
        while (to > 0 && q->dir * sup_pos_cmp(&v[to - 1].pos, &q->at) >= 0) to--;
        from = to > q->per ? to - q->per : 0;
    } else {
        from = (size_t)(q->page - 1) * q->per;
        if (from > n) from = n;
    }
    if (q->cursor != SUP_CURSOR_BEFORE && to - from > q->per) to = from + q->per;
    for (size_t i = from; i < to; i++) json_array_append(pg->cases, v[i].c);
    if (to > from) pg->prev = v[from].pos, pg->next = v[to - 1].pos;
    pg->has_prev = from > 0 && to > from;
    pg->has_next = to < n && to > from;
    if (want_total) pg->total = (long long)n;
    for (size_t i = 0; i < n; i++) json_decref(v[i].c);
    free(v);
    return rc;
}

/* Can the last-update streams alone decide which cases match? */
static bool index_exact(const run *r)
{
    const sup_query *q = r->q;
    if (q->priority || q->product || q->requester || q->text || q->premium != SUP_ANY ||
        q->overdue != SUP_ANY)
        return false;
    for (size_t i = 0; i < r->nsc; i++)
        if (who(r, &r->sc[i]) && q->assignee != SUP_ANY) return false;
    return true;
}

static int total(run *r, sup_page *pg)
{
    sup_streams ss = {0};
    updated_streams(r, &ss);
    int rc = 0;
    size_t n = 0;
    if (index_exact(r) && !r->lo && r->q->assignee == SUP_ANY) {
        bool counts = true;
        for (size_t i = 0; i < r->nsc; i++) counts = counts && !who(r, &r->sc[i]);
        if (counts) { /* by_status holds the counts */
            pt_key k;
            for (size_t i = 0; i < r->nsc && rc == 0; i++)
                for (unsigned s = 0; sup_statuses[s] && rc == 0; s++) {
                    if (!((r->q->statuses >> s) & 1u)) continue;
                    size_t c = 0;
                    sup_ix_status(&k, r->sc[i].acc, sup_statuses[s]);
                    rc = pt_index_count(r->txn, sup_db("cases.by_status"), k.b, k.len, &c);
                    n += c;
                }
            pg->total = rc ? -1 : (long long)n;
            sup_streams_free(&ss);
            return rc;
        }
    }
    if (index_exact(r)) {
        rc = sup_streams_count(r->txn, &ss, SUP_COUNT_MAX, &n);
        pg->total = n > SUP_COUNT_MAX ? -1 : (long long)n;
    } else {
        run c = *r;
        c.budget = sup_list_scan_max();
        rc = sup_merge_start(r->txn, &ss, 1, NULL);
        while (rc == 0 && sup_merge_top(&ss) && c.budget) {
            json_t *x = load(&c, sup_merge_top(&ss));
            n += x != NULL;
            json_decref(x);
            rc = sup_merge_next(&ss);
        }
        pg->total = sup_merge_top(&ss) ? -1 : (long long)n;
    }
    sup_streams_free(&ss);
    return rc;
}

int sup_list_run(pt_txn *txn, pt_req *req, const sup_query *q, bool want_total, sup_page *out)
{
    memset(out, 0, sizeof *out);
    out->cases = json_array();
    out->total = -1;
    run r = {.txn = txn, .req = req, .q = q, .now = (int64_t)pt_wall_ms(), .budget = sup_list_scan_max()};
    if (!q->older && !q->text) r.lo = (uint64_t)(r.now - SUP_SIX_MONTHS_MS);
    r.nsc = scopes(req, q, &r.sc);
    if (r.nsc == 0) {
        out->total = 0;
        return 0;
    }
    sup_streams ss = {0};
    updated_streams(&r, &ss);
    int rc = 0;
    bool sorted = false;
    if (q->sort != SUP_SORT_UPDATED) {
        size_t n = 0, max = knob("list_sort_max", SUP_SORT_MAX, 0);
        rc = sup_streams_count(txn, &ss, max, &n);
        sorted = rc == 0 && n <= max;
        if (rc == 0 && !sorted) {
            sup_streams_free(&ss);
            order_streams(&r, &ss);
        }
    }
    if (rc == 0) rc = sorted ? sorted_page(&r, &ss, out, want_total) : merged_page(&r, &ss, out);
    sup_streams_free(&ss);
    out->scanned = r.scanned;
    if (rc == 0 && want_total && !sorted) rc = total(&r, out);
    return rc;
}

void sup_page_free(sup_page *p)
{
    json_decref(p->cases);
    p->cases = NULL;
}

/* ---- the dashboard's counts and products ------------------------------------------ */

json_t *sup_list_counts(pt_txn *txn, pt_req *req, const sup_query *q)
{
    run r = {.txn = txn, .req = req, .q = q};
    r.nsc = scopes(req, q, &r.sc);
    json_t *a = json_array();
    for (unsigned s = 0; sup_statuses[s]; s++) {
        size_t n = 0;
        for (size_t i = 0; i < r.nsc; i++) {
            pt_key k;
            size_t c = 0;
            if (r.sc[i].requester) { /* only the cases they raised: walk those keys */
                sup_streams ss = {0};
                sup_ix_requester(&k, r.sc[i].acc, r.sc[i].requester, sup_statuses[s]);
                add(&ss, "cases.by_requester", &k, r.sc[i].acc, 0, 0, false, 0);
                sup_streams_count(txn, &ss, SUP_COUNT_MAX, &c);
                sup_streams_free(&ss);
            } else {
                sup_ix_status(&k, r.sc[i].acc, sup_statuses[s]);
                pt_index_count(txn, sup_db("cases.by_status"), k.b, k.len, &c);
            }
            n += c;
        }
        json_array_append_new(a, json_pack("{s:s, s:s, s:I}", "status", sup_statuses[s], "label",
                                           sup_label(req, "status", sup_statuses[s]), "count",
                                           (json_int_t)n));
    }
    return a;
}

static void add_product(json_t *out, const char *p, const char *selected)
{
    size_t i;
    json_t *e;
    if (!*p || json_array_size(out) >= 100) return;
    json_array_foreach(out, i, e)
        if (strcmp(pt_rec_str(e, "value", ""), p) == 0) return;
    json_array_append_new(out, json_pack("{s:s, s:s, s:b}", "value", p, "label", p, "selected",
                                         selected && strcmp(selected, p) == 0));
}

json_t *sup_list_products(pt_txn *txn, pt_req *req, const sup_query *q, const char *selected)
{
    run r = {.txn = txn, .req = req, .q = q, .budget = 500};
    r.nsc = scopes(req, q, &r.sc);
    json_t *out = json_array();
    for (size_t i = 0; i < r.nsc; i++) {
        if (r.sc[i].requester) {
            /* Only their own cases' products: read those (a few) records. */
            sup_query all = *q;
            all.statuses = SUP_STATUS_ALL, all.assignee = SUP_ANY, all.requester_me = false;
            run o = r;
            o.q = &all;
            o.nsc = 1, o.sc = &r.sc[i];
            sup_streams ss = {0};
            updated_streams(&o, &ss);
            int rc = sup_merge_start(txn, &ss, -1, NULL);
            while (rc == 0 && sup_merge_top(&ss) && o.budget) {
                uint8_t k[8];
                json_t *c = NULL;
                pt_key_u64(k, sup_merge_top(&ss)->id);
                o.budget--;
                if (pt_record_get_scoped(txn, sup_db("cases"), k, 8, r.sc[i].acc, &c) == 0)
                    add_product(out, pt_rec_str(c, "product", ""), selected);
                json_decref(c);
                rc = sup_merge_next(&ss);
            }
            sup_streams_free(&ss);
            continue;
        }
        /* Distinct keys of by_product: one seek per product name. */
        int rc = 0;
        pt_cursor *cur = pt_cursor_open(txn, sup_db("cases.by_product"), &rc);
        uint8_t pre[8];
        pt_key_u64(pre, r.sc[i].acc);
        pt_kv kv;
        rc = cur ? pt_cursor_seek_ge(cur, pre, 8, &kv) : PT_ENOTFOUND;
        while (rc == 0 && kv.klen > 8 && kv.klen <= PT_KEY_MAX - 1 && memcmp(kv.key, pre, 8) == 0 &&
               json_array_size(out) < 100) {
            pt_key_reader kr;
            uint8_t next[PT_KEY_MAX];
            size_t kl = kv.klen;
            memcpy(next, kv.key, kl);
            pt_key_reader_init(&kr, next, kl);
            pt_key_take_u64(&kr);
            const char *name = pt_key_take_str(&kr, NULL);
            if (name) add_product(out, name, selected);
            next[kl] = 0; /* the smallest key after this one */
            rc = pt_cursor_seek_ge(cur, next, kl + 1, &kv);
        }
        pt_cursor_close(cur);
    }
    return out;
}
