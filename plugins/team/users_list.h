/*
 * plugins/team/users_list.h - one page of an account's members, as the
 * Team Users page (/team) and GET /api/v1/users show it: the query
 * (search, group and status filters, page, per_page), checked once for
 * both; the stable order (name, then email); the slice of one page with
 * its totals; the links to other pages (users_list.c); and the page's
 * filter options and page navigation as view context (users_page_nav.c);
 * the page's bounded table of pending invitations (users_invites.c).
 */
#ifndef TEAM_USERS_LIST_H
#define TEAM_USERS_LIST_H

#include "team_manage.h"

#define MG_PER_PAGE_DEFAULT 25
#define MG_PER_PAGE_MAX 100
#define MG_PAGE_MAX 1000000 /* pages are numbered 1..this             */
#define MG_SEARCH_MAX 200   /* bytes of search text                   */
#define MG_INVITES_SHOWN 25 /* rows of the page's invitations table   */
#ifndef MG_LIST_MAX
#define MG_LIST_MAX 100000  /* matches one listing sorts at most      */
#endif

/* A checked query. Strings are borrowed from the request. */
typedef struct mg_user_query {
    const char *q;                   /* search in name and email; "" = all */
    uint64_t group;                  /* a group of the account; 0 = any    */
    char group_s[PT_ID_STRLEN];      /* its text form ("" when 0)          */
    const char *status;              /* "Active", "Pending", "Deactivated";
                                        NULL = any                          */
    size_t page;                     /* 1..MG_PAGE_MAX                     */
    size_t per_page;                 /* 1..MG_PER_PAGE_MAX                 */
} mg_user_query;

/* Read q, group, status, page and per_page from req's query string.
 * per_page defaults to MG_PER_PAGE_DEFAULT.
 * Status accepts active, pending (or invited), deactivated (or disabled),
 * any case; "" or absent = any. Returns 0, or PT_EINVAL with e set to a
 * 400 naming the parameter (non-numeric, zero or negative page, per_page
 * above MG_PER_PAGE_MAX, an unknown status or group, search text that is
 * too long or not text). txn: a read txn (the group is looked up). */
int mg_user_query_parse(pt_req *req, pt_txn *txn, uint64_t account, mg_user_query *uq,
                        mg_err *e);

/* One page of members. */
typedef struct mg_user_page {
    json_t *users; /* new array of mg_member_view objects (caller decrefs) */
    size_t total;  /* members matching the filters (all pages)            */
    size_t pages;  /* pages of per_page (at least 1)                       */
    size_t page;   /* the page shown (== uq->page unless clamped)          */
    size_t first;  /* 1-based position of users[0]; 0 when users is empty */
    size_t last;   /* position of the last one; 0 when empty               */
} mg_user_page;

/* The members of account matching uq, page uq->page. A page past the end
 * is empty (totals still right), or with clamp_to_last the last page.
 * Returns 0; PT_ETOOBIG when more than MG_LIST_MAX members match (e set
 * to a 422 asking to narrow the list); or a PT_E* code from the store (e
 * set to 503). out holds nothing on error. */
int mg_user_list(pt_req *req, pt_txn *txn, uint64_t account, const mg_user_query *uq,
                 bool clamp_to_last, mg_user_page *out, mg_err *e);

/* path?q=..&group=..&status=..[&per_page=N][&page=P] for page (arena
 * memory). with_per_page: always name per_page (API links); otherwise
 * only when it is not the default. page 1 is left out unless
 * with_per_page. */
const char *mg_user_query_href(pt_req *req, const char *path, const mg_user_query *uq,
                               size_t page, bool with_per_page);

/* ---- the page's controls (users_page_nav.c) ------------------------------ */
/* Context keys to merge into the page's (names that no outer context
 * uses, as Mustache looks missing keys up the stack): users_summary
 * ("Showing 26–50 of 1,234"; absent when nothing matches), users_pager
 * (absent on a single page): {links: [{n, href, current, gap}],
 * prev_href, next_href (absent at the ends)}. New object. */
json_t *mg_user_pager(pt_req *req, const mg_user_query *uq, const mg_user_page *pg);
/* {q, statuses: [{value, label, selected}], groups: [{id, name,
 * selected}] (without Everyone), per_page: [{value, selected}], filtered}.
 * New object. */
json_t *mg_user_filters(pt_req *req, pt_txn *txn, uint64_t account, const mg_user_query *uq);
/* The catalog text team_manage.<key> with {from}, {to} and {total}
 * replaced by the numbers in the request's locale format (arena memory). */
const char *mg_count_text(pt_req *req, const char *key, size_t from, size_t to, size_t total);

/* ---- the page's invitations table (users_invites.c) ----------------------- */
/* The first MG_INVITES_SHOWN pending members as views with expired,
 * expires and sent (new array); *total gets how many are pending. */
json_t *mg_invites_shown(pt_req *req, pt_txn *txn, uint64_t account, size_t *total);

#endif
