/*
 * plugins/support/case_list.h - case lists (dashboard, JSON API, CSV, agent
 * queue): the parsed list query (list_query.c), the index layouts and sort
 * positions (case_index.c) and the index-driven list engine (case_list.c).
 * Included by the files that show lists; everything else uses support.h.
 *
 * A list is read from the indexes, not from the account's whole case set:
 * the streams of index entries that can match (per account, status,
 * requester or assignee) are merged in the list's order, each candidate's
 * record is checked against every filter (sup_query_match decides; the
 * indexes only choose what to look at), and reading stops when the page
 * is full. So the cost follows the page size and, for filters no index
 * covers (priority, product, search, ...), how selective they are, capped
 * by SUP_SCAN_MAX records per request.
 */
#ifndef SUPPORT_CASE_LIST_H
#define SUPPORT_CASE_LIST_H

#include "index_merge.h"
#include "support.h"

#define SUP_IX_COUNT 11       /* indexes of support.cases (case_index.c)          */
#define SUP_SCAN_MAX 5000     /* case records one list request may examine (default
                                 of support.list_scan_max)                        */
#define SUP_SORT_MAX 2000     /* candidates sorted in memory, above: the order's own
                                 index (default of support.list_sort_max)          */
#define SUP_COUNT_MAX 100000  /* index entries one total may walk (keys only)      */
#define SUP_OFFSET_MAX 10000  /* cases before a page reachable by ?page=N          */
#define SUP_CURSOR_LEN 64
#define SUP_SIX_MONTHS_MS (183LL * 86400000LL)

/* List orders. Each has a position per case (sup_case_pos): lists are in
 * ascending position order, or descending with "-". */
typedef enum {
    SUP_SORT_UPDATED,  /* (0, updated, id)                                      */
    SUP_SORT_CREATED,  /* (0, created, id)                                      */
    SUP_SORT_NUMBER,   /* (0, number, id)                                       */
    SUP_SORT_PRIORITY, /* (priority 0..3, number, id)                           */
    SUP_SORT_STATUS,   /* (status 0..4, number, id)                             */
    SUP_SORT_DUE,      /* open: (0, SLA due ms, id); done: (1, -updated, -id)   */
} sup_sort;

enum { SUP_ANY = -1 };
enum { SUP_CURSOR_NONE = 0, SUP_CURSOR_AFTER = 1, SUP_CURSOR_BEFORE = -1 };

/* A list request, parsed from the query string. Strings are borrowed from
 * the request. */
typedef struct sup_query {
    bool agent_view;        /* every account the agent covers                 */
    unsigned statuses;      /* bit i = sup_statuses[i] selected               */
    const char *priority;   /* NULL = any                                     */
    const char *product;    /* NULL = any (case-insensitive exact)            */
    const char *requester;  /* an email, NULL = any                           */
    bool requester_me;      /* requester=me|mine                              */
    const char *text;       /* q: subject words or a case number              */
    uint64_t text_number;
    bool older;             /* include cases not updated for 6 months         */
    int assignee;           /* SUP_ANY, 0 unassigned, 1 me                    */
    int premium, overdue;   /* SUP_ANY, 0, 1                                  */
    sup_sort sort;
    int dir;                /* 1 ascending, -1 descending                     */
    size_t per;             /* page size                                      */
    long page;              /* >= 1 (offset paging when no cursor)            */
    int cursor;             /* SUP_CURSOR_*                                   */
    sup_pos at;             /* the cursor's position                          */
} sup_query;

#define SUP_STATUS_ALL 0x1fu
#define SUP_STATUS_OPEN 0x07u /* new, in_progress, waiting */

/* ---- list_query.c -------------------------------------------------------- */
/* Parse the list parameters (status, priority, product, requester, q, sort,
 * older, assignee, premium, overdue, page, after, before; per_page when
 * per_max > 0, else per_default). On a bad value PT_EINVAL with *field and
 * *why (a catalog key). */
int sup_query_parse(pt_req *req, bool agent_view, size_t per_default, size_t per_max,
                    sup_query *q, const char **field, const char **why);
/* Does the case pass every filter of q, and may the request see it? */
bool sup_query_match(pt_req *req, const sup_query *q, const json_t *c, int64_t now);
/* Cursor text ("u0.1732400000000.123..."): the sort's letter, then the
 * position. parse: PT_OK or PT_EINVAL (malformed, or another sort's). */
void sup_cursor_fmt(sup_sort sort, const sup_pos *p, char out[SUP_CURSOR_LEN]);
int sup_cursor_parse(const char *s, sup_sort sort, sup_pos *p);

/* ---- case_index.c -------------------------------------------------------- */
/* Add (add=true) or remove every index entry of case c (write txn). */
int sup_case_index(pt_txn *txn, const json_t *c, bool add);
/* Key prefixes (the list value follows as the last u64 part). k is reset;
 * the return is k->rc. */
int sup_ix_updated(pt_key *k, uint64_t acc);
int sup_ix_status(pt_key *k, uint64_t acc, const char *status);
int sup_ix_assignee(pt_key *k, uint64_t acc, uint64_t assignee, const char *status);
int sup_ix_requester(pt_key *k, uint64_t acc, uint64_t requester, const char *status);
int sup_ix_rank(pt_key *k, uint64_t acc, const char *priority, const char *status);
int sup_ix_due(pt_key *k, uint64_t acc, const char *bucket);
int sup_ix_product(pt_key *k, uint64_t acc, const char *product);
bool sup_status_done(const char *status);
/* by_due bucket of c into out ("f1".."r4", "d") and a bucket's due offset
 * in ms from the SLA config (0 for "d"). */
void sup_due_bucket(const json_t *c, char out[4]);
int64_t sup_due_offset(const char *bucket);
/* The position of c in the order sort. */
void sup_case_pos(const json_t *c, sup_sort sort, sup_pos *out);
int sup_migrate_v2(pt_txn *txn, void *ud);

/* ---- case_list.c --------------------------------------------------------- */
typedef struct sup_page {
    json_t *cases;       /* owned: the page's case records, in list order    */
    bool has_next, has_prev;
    sup_pos next, prev;  /* positions for after= / before= links             */
    bool scan_limited;   /* SUP_SCAN_MAX ended the page before it was full   */
    size_t scanned;      /* case records examined                            */
    long long total;     /* cases matching, -1 when not known within bounds  */
} sup_page;

/* One page of the list q for the request (read txn). want_total: also
 * count the matching cases. PT_OK or a store code; *out filled (free with
 * sup_page_free). */
int sup_list_run(pt_txn *txn, pt_req *req, const sup_query *q, bool want_total, sup_page *out);
/* Records one list request may examine (config support.list_scan_max). */
size_t sup_list_scan_max(void);
void sup_page_free(sup_page *p);
/* Counts by status of the cases the request sees in its account (the
 * dashboard's tabs): [{status, label, count}], from index counts. */
json_t *sup_list_counts(pt_txn *txn, pt_req *req, const sup_query *q);
/* Distinct product names of those cases (at most 100), for the filter. */
json_t *sup_list_products(pt_txn *txn, pt_req *req, const sup_query *q, const char *selected);

#endif
