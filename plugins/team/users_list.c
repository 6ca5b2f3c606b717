/*
 * plugins/team/users_list.c - one page of an account's members for the
 * Team Users page and GET /api/v1/users: checking the query (search,
 * group, status, page, per_page), ordering by name then email, slicing a
 * page, and the links to other pages.
 *
 * Cost. The order is by the user's name, and names live on the user
 * records (team.users), which several files change (profile, invitation
 * accept, sign-up, the member edit page) and which are shared by every account a
 * user belongs to. The store has no index of an account's members by name
 * (team.members is keyed account + user id), so the account's membership
 * listing is read in full: one prefix scan of team.members plus one
 * team.users read per member, keeping only a small row per member (id,
 * name, email; no JSON views). Status and group filters are applied before
 * the user read. The expensive part of a member's view (its groups'
 * names, the localised last-active time) is built only for the members of
 * the page, so that part follows the page size; the scan follows the
 * account size (roughly 4 ms per 1,000 members, measured over HTTPS with
 * 5,000 members: 24 ms for a page of the API). An index
 * team.members.by_name (account, folded name, email -> user) would make
 * the whole listing follow the page size, but every writer of a user's
 * name would have to keep it current; that is a later change.
 *
 * Bounds: the rows kept are at most MG_LIST_MAX (about 100 bytes each);
 * past that the list answers 422 asking to search or filter (a filter
 * narrows what is kept, not what is read). Everything runs in the
 * request's one read transaction.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "users_list.h"

/* ---- the query -------------------------------------------------------------- */

/* A whole number in 1..max written with digits only (no sign, no blanks,
 * no leading "+"). */
static bool whole(const char *s, size_t max, size_t *out)
{
    if (!s || !*s || strlen(s) > 9) return false;
    size_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9') return false;
        v = v * 10 + (size_t)(*p - '0');
    }
    if (v < 1 || v > max) return false;
    *out = v;
    return true;
}

static const struct {
    const char *word, *status;
} status_words[] = {
    {"active", "Active"},           {"pending", "Pending"},
    {"invited", "Pending"},         {"deactivated", "Deactivated"},
    {"disabled", "Deactivated"},
};

static const char *status_of(const char *word)
{
    for (size_t i = 0; i < sizeof status_words / sizeof status_words[0]; i++)
        if (strcasecmp(word, status_words[i].word) == 0) return status_words[i].status;
    return NULL;
}

static int bad(mg_err *e, const char *field, const char *key)
{
    mg_set(e, 400, field, key);
    return PT_EINVAL;
}

int mg_user_query_parse(pt_req *req, pt_txn *txn, uint64_t account, mg_user_query *uq,
                        mg_err *e)
{
    memset(uq, 0, sizeof *uq);
    uq->q = "";
    uq->page = 1;
    const char *q = pt_req_query(req, "q"), *group = pt_req_query(req, "group"),
               *status = pt_req_query(req, "status"), *page = pt_req_query(req, "page"),
               *per = pt_req_query(req, "per_page");
    if (page && !whole(page, MG_PAGE_MAX, &uq->page)) return bad(e, "page", "err.page");
    if (per && !whole(per, MG_PER_PAGE_MAX, &uq->per_page)) return bad(e, "per_page", "err.per_page");
    if (!per) uq->per_page = MG_PER_PAGE_DEFAULT;
    if (q) {
        if (!team_text_ok(q, MG_SEARCH_MAX, true)) return bad(e, "q", "err.search");
        uq->q = q;
    }
    if (status && *status && !(uq->status = status_of(status)))
        return bad(e, "status", "err.status_filter");
    if (group && *group) {
        uint64_t *ids = NULL;
        size_t n = 0;
        /* Malformed, unknown and another account's ids answer alike. */
        if (mg_groups_by_id(txn, account, &group, 1, &ids, &n) != 0 || n != 1) {
            free(ids);
            return bad(e, "group", "err.group_filter");
        }
        uq->group = ids[0];
        free(ids);
        pt_id_to_str(uq->group, uq->group_s);
    }
    return 0;
}

const char *mg_user_query_href(pt_req *req, const char *path, const mg_user_query *uq,
                               size_t page, bool with_per_page)
{
    pt_buf b = PT_BUF_INIT;
    pt_buf_puts(&b, path);
    char sep = '?';
    if (uq->q && *uq->q) {
        pt_buf_printf(&b, "%cq=", sep);
        pt_url_encode(&b, uq->q);
        sep = '&';
    }
    if (uq->group) {
        pt_buf_printf(&b, "%cgroup=%s", sep, uq->group_s);
        sep = '&';
    }
    if (uq->status) {
        pt_buf_printf(&b, "%cstatus=", sep);
        for (const char *p = uq->status; *p; p++) pt_buf_putc(&b, (char)(*p | 0x20));
        sep = '&';
    }
    if (uq->per_page && (with_per_page || uq->per_page != MG_PER_PAGE_DEFAULT)) {
        pt_buf_printf(&b, "%cper_page=%zu", sep, uq->per_page);
        sep = '&';
    }
    if (page > 1 || with_per_page) pt_buf_printf(&b, "%cpage=%zu", sep, page);
    const char *out = pt_arena_strdup(pt_req_arena(req), b.data);
    pt_buf_free(&b);
    return out;
}

/* ---- the listing ------------------------------------------------------------ */

typedef struct row {
    uint64_t user;
    char *name;  /* malloc'd */
    char *email; /* malloc'd */
} row;

/* Named members first, by name (ASCII letters case-folded, other bytes as
 * they are), then exact name, then email (unique), then id; members
 * without a name yet (pending invitations) after them, by email. A total
 * order, so pages never overlap or skip anyone between requests that see
 * the same data. */
static int by_name(const void *a, const void *b)
{
    const row *x = a, *y = b;
    bool xe = !*x->name, ye = !*y->name;
    if (xe != ye) return xe ? 1 : -1;
    int c = strcasecmp(x->name, y->name);
    if (!c) c = strcmp(x->name, y->name);
    if (!c) c = strcmp(x->email, y->email);
    if (!c) c = (x->user > y->user) - (x->user < y->user);
    return c;
}

static bool in_group(const json_t *m, uint64_t group)
{
    size_t i;
    json_t *g;
    json_array_foreach(json_object_get(m, "groups"), i, g) if ((uint64_t)json_integer_value(g) == group) return true;
    return false;
}

static bool found(const char *hay, const char *q) { return strcasestr(hay, q) != NULL; }

/* Every member of account matching uq as small rows, sorted; PT_ETOOBIG
 * past MG_LIST_MAX matches. */
static int scan(pt_txn *txn, uint64_t account, const mg_user_query *uq, row **rows, size_t *n)
{
    *rows = NULL;
    *n = 0;
    size_t cap = 0;
    int rc = 0;
    pt_cursor *c = pt_cursor_open(txn, team_db("members"), &rc);
    if (!c) return rc;
    uint8_t pk[8];
    pt_key_u64(pk, account);
    pt_kv kv;
    for (rc = pt_cursor_prefix(c, pk, 8, false, &kv); rc == 0; rc = pt_cursor_next(c, &kv)) {
        json_t *m = NULL;
        if (pt_record_decode(kv.val, kv.vlen, &m, NULL) != 0) continue;
        uint64_t user = pt_rec_u64(m, "user", 0);
        bool keep = pt_rec_u64(m, "account", 0) == account && user &&
                    (!uq->status || strcmp(pt_rec_str(m, "status", "Active"), uq->status) == 0) &&
                    (!uq->group || in_group(m, uq->group));
        json_decref(m);
        if (!keep) continue;
        json_t *u = NULL;
        team_user_get(txn, user, &u);
        const char *name = pt_rec_str(u, "name", ""), *email = pt_rec_str(u, "email", "");
        if (*uq->q && !found(name, uq->q) && !found(email, uq->q)) {
            json_decref(u);
            continue;
        }
        if (*n == MG_LIST_MAX) {
            json_decref(u);
            rc = PT_ETOOBIG;
            break;
        }
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            *rows = pt_xrealloc(*rows, cap * sizeof **rows);
        }
        (*rows)[(*n)++] = (row){user, pt_xstrdup(name), pt_xstrdup(email)};
        json_decref(u);
    }
    pt_cursor_close(c);
    if (rc == PT_ENOTFOUND) rc = 0;
    if (rc == 0 && *n > 1) qsort(*rows, *n, sizeof **rows, by_name);
    return rc;
}

static void rows_free(row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(rows[i].name);
        free(rows[i].email);
    }
    free(rows);
}

int mg_user_list(pt_req *req, pt_txn *txn, uint64_t account, const mg_user_query *uq,
                 bool clamp_to_last, mg_user_page *out, mg_err *e)
{
    memset(out, 0, sizeof *out);
    row *rows = NULL;
    size_t n = 0;
    int rc = scan(txn, account, uq, &rows, &n);
    if (rc) {
        rows_free(rows, n);
        if (rc == PT_ETOOBIG) mg_set(e, 422, "q", "err.list_too_big");
        else mg_set(e, 503, NULL, "err.busy");
        return rc;
    }
    size_t per = uq->per_page;
    out->total = n;
    out->pages = n ? (n + per - 1) / per : 1;
    out->page = uq->page;
    if (out->page > out->pages && clamp_to_last) out->page = out->pages;
    out->users = json_array();
    size_t from = (out->page - 1) * per; /* page <= MG_PAGE_MAX, per <= 100 */
    for (size_t i = from; i < n && i < from + per; i++) {
        json_t *m = NULL;
        if (team_member_get(txn, account, rows[i].user, &m) != 0) continue;
        json_array_append_new(out->users, mg_member_view(req, txn, account, m));
        json_decref(m);
    }
    if (json_array_size(out->users)) {
        out->first = from + 1;
        out->last = from + json_array_size(out->users);
    }
    rows_free(rows, n);
    return 0;
}
