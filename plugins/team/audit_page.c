/*
 * plugins/team/audit_page.c - the Audit page (/team/audit) and its CSV
 * export (/team/audit.csv), reading part 1's append-only log (team.audit,
 * team.audit.by_account) read-only; nothing here writes or deletes.
 *
 * Who sees what: a Customer Admin (team.view) sees their account's
 * entries; staff see every account's (optionally ?account=ID). Filters
 * (all optional, combined): action (exact, or a prefix ending in '.'),
 * user (an email: the actor or the user the entry is about), from / to
 * (YYYY-MM-DD, UTC, `to` inclusive). The page shows the newest 500
 * matches, the export up to 10000, RFC 4180 (CRLF, quoted cells, cells
 * starting with = + - @ defused with a leading ').
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "team_manage.h"

typedef struct filter {
    const char *action;
    const char *user;
    uint64_t from, to;
    uint64_t account; /* 0 = every account (staff) */
} filter;

static bool parse_day(const char *s, bool end, uint64_t *out)
{
    if (!s || !*s) return true;
    int y, m, d;
    char tail;
    if (sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || m < 1 || m > 12 || d < 1 || d > 31 ||
        y < 1970 || y > 2999)
        return false;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d};
    *out = (uint64_t)timegm(&tm) * 1000 + (end ? 86400000ull - 1 : 0);
    return true;
}

static bool match(pt_txn *txn, const json_t *e, const filter *f, char **actor_email)
{
    uint64_t at = pt_rec_u64(e, "at", 0);
    if (at < f->from || at > f->to) return false;
    if (f->action && *f->action) {
        const char *a = pt_rec_str(e, "action", "");
        size_t n = strlen(f->action);
        if (f->action[n - 1] == '.' ? strncmp(a, f->action, n) != 0 : strcmp(a, f->action) != 0)
            return false;
    }
    json_t *u = NULL;
    uint64_t actor = pt_rec_u64(e, "actor", 0);
    *actor_email = NULL;
    if (actor && team_user_get(txn, actor, &u) == 0) *actor_email = pt_xstrdup(pt_rec_str(u, "email", ""));
    json_decref(u);
    if (f->user && *f->user) {
        const char *about = pt_rec_str(json_object_get(e, "details"), "email", "");
        if (!(*actor_email && strcasecmp(*actor_email, f->user) == 0) && strcasecmp(about, f->user) != 0) {
            free(*actor_email);
            *actor_email = NULL;
            return false;
        }
    }
    return true;
}

static json_t *view(pt_txn *txn, const json_t *e, const char *actor_email)
{
    char at[32];
    time_t t = (time_t)(pt_rec_u64(e, "at", 0) / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", &tm);
    uint64_t account = pt_rec_u64(e, "account", 0);
    json_t *acc = NULL;
    if (account) team_account_get(txn, account, &acc);
    json_t *d = json_object_get(e, "details");
    char *ds = json_is_object(d) ? json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "at", at, "action", pt_rec_str(e, "action", ""),
                          "actor_email", actor_email ? actor_email : "", "account_name",
                          pt_rec_str(acc, "name", ""), "details", ds ? ds : "{}");
    json_object_set_new(o, "account", account ? team_id_json(account) : json_string(""));
    free(ds);
    json_decref(acc);
    return o;
}

/* Matching entries, newest first: new array of views, or NULL after an
 * error answer. */
static json_t *collect(pt_req *req, size_t limit)
{
    filter f = {.action = pt_req_query(req, "action"), .user = pt_req_query(req, "user"), .to = UINT64_MAX};
    if (f.action && strlen(f.action) > 100) {
        pt_http_error_field(req, 422, "action", mg_t(req, "err.too_long"));
        return NULL;
    }
    if (f.user && strlen(f.user) > TEAM_EMAIL_MAX) {
        pt_http_error_field(req, 422, "user", mg_t(req, "err.too_long"));
        return NULL;
    }
    if (!parse_day(pt_req_query(req, "from"), false, &f.from)) {
        pt_http_error_field(req, 422, "from", mg_t(req, "err.date"));
        return NULL;
    }
    if (!parse_day(pt_req_query(req, "to"), true, &f.to)) {
        pt_http_error_field(req, 422, "to", mg_t(req, "err.date"));
        return NULL;
    }
    if (!pt_req_is_staff(req)) f.account = pt_req_account(req);
    else if (pt_req_query(req, "account") && *pt_req_query(req, "account") &&
             pt_id_parse(pt_req_query(req, "account"), &f.account) != 0) {
        pt_http_error_field(req, 422, "account", mg_t(req, "err.bad_id"));
        return NULL;
    }
    if (!pt_req_is_staff(req) && !f.account) {
        pt_http_error(req, 404, mg_t(req, "err.no_account"));
        return NULL;
    }
    pt_txn *txn = mg_begin(req, false);
    if (!txn) return NULL;
    json_t *out = json_array();
    int rc = 0;
    pt_cursor *c = NULL;
    if (f.account) {
        c = pt_cursor_open(txn, team_db("audit.by_account"), &rc);
        uint8_t ak[8];
        pt_key_u64(ak, f.account);
        uint64_t id;
        for (rc = c ? pt_index_seek(c, ak, 8, true, &id) : PT_ENOTFOUND;
             rc == 0 && json_array_size(out) < limit; rc = pt_index_next(c, &id)) {
            uint8_t k[8];
            pt_key_u64(k, id);
            json_t *e = NULL;
            if (pt_record_get(txn, team_db("audit"), k, 8, &e) != 0) continue;
            char *ae = NULL;
            if (match(txn, e, &f, &ae)) json_array_append_new(out, view(txn, e, ae));
            free(ae);
            json_decref(e);
        }
    } else {
        c = pt_cursor_open(txn, team_db("audit"), &rc);
        pt_kv kv;
        for (rc = c ? pt_cursor_last(c, &kv) : PT_ENOTFOUND; rc == 0 && json_array_size(out) < limit;
             rc = pt_cursor_prev(c, &kv)) {
            json_t *e = NULL;
            if (pt_record_decode(kv.val, kv.vlen, &e, NULL) != 0) continue;
            char *ae = NULL;
            if (match(txn, e, &f, &ae)) json_array_append_new(out, view(txn, e, ae));
            free(ae);
            json_decref(e);
        }
    }
    if (c) pt_cursor_close(c);
    pt_txn_abort(txn);
    return out;
}

int mg_audit_page(pt_req *req)
{
    json_t *entries = collect(req, 500);
    if (!entries) return 0;
    const char *qs = pt_req_query_string(req);
    json_t *ctx = json_pack("{s:o, s:b, s:s, s:s, s:s, s:s, s:b, s:s}", "entries", entries, "has_entries",
                            json_array_size(entries) > 0, "action",
                            mg_utf8(pt_req_query(req, "action")) ? pt_req_query(req, "action") : "",
                            "user", mg_utf8(pt_req_query(req, "user")) ? pt_req_query(req, "user") : "",
                            "from", mg_utf8(pt_req_query(req, "from")) ? pt_req_query(req, "from") : "",
                            "to", mg_utf8(pt_req_query(req, "to")) ? pt_req_query(req, "to") : "",
                            "staff", pt_req_is_staff(req), "csv_href",
                            pt_arena_printf(pt_req_arena(req), "/team/audit.csv%s%s",
                                            qs && *qs ? "?" : "", mg_utf8(qs) ? qs : ""));
    json_object_set_new(ctx, "tab_audit", json_true());
    team_render(req, 200, "team/manage_audit", ctx);
    return 0;
}

int mg_audit_export(pt_req *req)
{
    json_t *entries = collect(req, 10000);
    if (!entries) return 0;
    pt_buf b = PT_BUF_INIT;
    pt_buf_puts(&b, "time,account,account_name,actor_email,action,details\r\n");
    size_t i;
    json_t *e;
    json_array_foreach(entries, i, e) {
        const char *cols[] = {"at", "account", "account_name", "actor_email", "action", "details"};
        for (size_t k = 0; k < 6; k++) {
            if (k) pt_buf_putc(&b, ',');
            mg_csv_cell(&b, pt_rec_str(e, cols[k], ""));
        }
        pt_buf_puts(&b, "\r\n");
    }
    json_decref(entries);
    pt_resp_status(req, 200);
    pt_resp_set_header(req, "Content-Type", "text/csv; charset=utf-8");
    pt_resp_set_header(req, "Content-Disposition", "attachment; filename=\"audit.csv\"");
    pt_resp_write(req, b.data ? b.data : "", b.len);
    pt_buf_free(&b);
    return 0;
}
