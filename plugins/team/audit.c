/*
 * plugins/team/audit.c - the append-only audit log: team.audit keyed by a
 * time-sortable id (so a reverse scan is newest first), indexed by account
 * in team.audit.by_account (account 0 = not tied to an account). Nothing
 * in the portal edits or deletes entries.
 *
 * Other plugins record events through the exported API
 *   const team_audit_api *a = pt_api_find("team.audit");
 *   a->append(txn, account, actor, "support.case_deleted", details);
 * Details must never hold secrets (passwords, tokens, codes, links).
 *
 * GET /api/v1/audit: Customer Admins (team.view in the acting account)
 * see their account's entries; staff see all (optionally ?account=ID).
 * Filters: from / to (YYYY-MM-DD or epoch milliseconds, UTC, `to`
 * inclusive), action (exact, or a prefix ending in '.'), limit (1..5000,
 * default 500). ?format=csv answers RFC 4180 CSV (CRLF, quoted fields;
 * cells starting with = + - @ get a leading ' against formula injection).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "team.h"

int team_audit_append(pt_txn *txn, uint64_t account, uint64_t actor, const char *action,
                      const json_t *details)
{
    if (!action || !*action) return PT_EINVAL;
    uint64_t id = pt_id_new();
    json_t *e = json_pack("{s:i, s:I, s:I, s:I, s:I, s:s}", "_v", 1, "id", (json_int_t)id, "at",
                          (json_int_t)pt_wall_ms(), "account", (json_int_t)account, "actor",
                          (json_int_t)actor, "action", action);
    if (json_is_object(details)) json_object_set_new(e, "details", json_deep_copy(details));
    uint8_t k[8];
    pt_key_u64(k, id);
    int rc = pt_record_add(txn, team_db("audit"), k, 8, e);
    json_decref(e);
    uint8_t ak[8];
    pt_key_u64(ak, account);
    if (rc == 0) rc = pt_index_put(txn, team_db("audit.by_account"), ak, 8, id);
    return rc;
}

const team_audit_api team_audit = {.append = team_audit_append};

void team_audit_now(uint64_t account, uint64_t actor, const char *action, json_t *details)
{
    int rc = 0;
    pt_txn *w = pt_txn_begin(true, &rc);
    if (!w) return;
    if (team_audit_append(w, account, actor, action, details) == 0) rc = pt_txn_commit(w);
    else pt_txn_abort(w);
}

/* ---- listing ----------------------------------------------------------------- */

static bool parse_time(const char *s, bool end, uint64_t *out)
{
    if (!s || !*s) return true;
    int y, m, d;
    char tail;
    if (sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 && m >= 1 && m <= 12 && d >= 1 &&
        d <= 31 && y >= 1970 && y < 3000) {
        struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d};
        time_t t = timegm(&tm);
        *out = (uint64_t)t * 1000 + (end ? 86400000ull - 1 : 0);
        return true;
    }
    char *e = NULL;
    unsigned long long v = strtoull(s, &e, 10);
    if (e && *e == 0 && e != s) {
        *out = v;
        return true;
    }
    return false;
}

static bool match(const json_t *e, const char *action, uint64_t from, uint64_t to)
{
    uint64_t at = pt_rec_u64(e, "at", 0);
    if (at < from || at > to) return false;
    if (action && *action) {
        const char *a = pt_rec_str(e, "action", "");
        size_t n = strlen(action);
        if (action[n - 1] == '.') return strncmp(a, action, n) == 0;
        return strcmp(a, action) == 0;
    }
    return true;
}

static json_t *entry_public(pt_txn *txn, const json_t *e)
{
    char at[32];
    time_t t = (time_t)(pt_rec_u64(e, "at", 0) / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", &tm);
    uint64_t actor = pt_rec_u64(e, "actor", 0), account = pt_rec_u64(e, "account", 0);
    json_t *o = json_pack("{s:o, s:s, s:s}", "id", team_id_json(pt_rec_u64(e, "id", 0)), "at", at,
                          "action", pt_rec_str(e, "action", ""));
    json_object_set_new(o, "account", account ? team_id_json(account) : json_null());
    json_object_set_new(o, "actor", actor ? team_id_json(actor) : json_null());
    json_t *u = NULL;
    if (actor && team_user_get(txn, actor, &u) == 0)
        json_object_set_new(o, "actor_email", json_string(pt_rec_str(u, "email", "")));
    else
        json_object_set_new(o, "actor_email", json_null());
    json_decref(u);
    json_t *d = json_object_get(e, "details");
    json_object_set_new(o, "details", json_is_object(d) ? json_deep_copy(d) : json_object());
    return o;
}

static void csv_cell(pt_buf *b, const char *s)
{
    bool quote = strpbrk(s, ",\"\r\n") != NULL || strchr("=+-@", s[0] ? s[0] : 'x');
    if (!quote) {
        pt_buf_puts(b, s);
        return;
    }
    pt_buf_putc(b, '"');
    if (s[0] && strchr("=+-@", s[0])) pt_buf_putc(b, '\'');
    for (; *s; s++) {
        if (*s == '"') pt_buf_putc(b, '"');
        pt_buf_putc(b, *s);
    }
    pt_buf_putc(b, '"');
}

int team_api_audit(pt_req *req)
{
    bool staff = pt_req_is_staff(req);
    uint64_t account = 0;
    if (!staff) {
        if (!pt_req_can(req, "team.view")) {
            pt_http_error(req, 403, team_t(req, "team.err.forbidden"));
            return 0;
        }
        account = pt_req_account(req);
    } else if (pt_req_query(req, "account")) {
        if (pt_id_parse(pt_req_query(req, "account"), &account) != 0) {
            pt_http_error_field(req, 422, "account", team_t(req, "team.err.bad_id"));
            return 0;
        }
    }
    uint64_t from = 0, to = UINT64_MAX;
    if (!parse_time(pt_req_query(req, "from"), false, &from)) {
        pt_http_error_field(req, 422, "from", team_t(req, "team.err.bad_date"));
        return 0;
    }
    if (!parse_time(pt_req_query(req, "to"), true, &to)) {
        pt_http_error_field(req, 422, "to", team_t(req, "team.err.bad_date"));
        return 0;
    }
    const char *action = pt_req_query(req, "action");
    if (action && strlen(action) > 100) {
        pt_http_error_field(req, 422, "action", team_t(req, "team.err.too_long"));
        return 0;
    }
    long limit = 500;
    const char *ls = pt_req_query(req, "limit");
    if (ls) {
        char *e = NULL;
        limit = strtol(ls, &e, 10);
        if (!e || *e || limit < 1 || limit > 5000) {
            pt_http_error_field(req, 422, "limit", team_t(req, "team.err.bad_limit"));
            return 0;
        }
    }
    const char *format = pt_req_query(req, "format");
    bool csv = format && strcmp(format, "csv") == 0;
    if (format && !csv && strcmp(format, "json") != 0) {
        pt_http_error_field(req, 422, "format", team_t(req, "team.err.bad_format"));
        return 0;
    }
    int rc = 0;
    pt_txn *txn = pt_txn_begin(false, &rc);
    if (!txn) {
        pt_http_error(req, 503, team_t(req, "team.err.busy"));
        return 0;
    }
    json_t *out = json_array();
    pt_cursor *c = NULL;
    if (account) {
        c = pt_cursor_open(txn, team_db("audit.by_account"), &rc);
        uint8_t ak[8];
        pt_key_u64(ak, account);
        uint64_t id;
        for (rc = c ? pt_index_seek(c, ak, 8, true, &id) : PT_ENOTFOUND;
             rc == 0 && json_array_size(out) < (size_t)limit; rc = pt_index_next(c, &id)) {
            uint8_t k[8];
            pt_key_u64(k, id);
            json_t *e = NULL;
            if (pt_record_get(txn, team_db("audit"), k, 8, &e) != 0) continue;
            if (match(e, action, from, to)) json_array_append_new(out, entry_public(txn, e));
            json_decref(e);
        }
    } else {
        c = pt_cursor_open(txn, team_db("audit"), &rc);
        pt_kv kv;
        for (rc = c ? pt_cursor_last(c, &kv) : PT_ENOTFOUND;
             rc == 0 && json_array_size(out) < (size_t)limit; rc = pt_cursor_prev(c, &kv)) {
            json_t *e = NULL;
            if (pt_record_decode(kv.val, kv.vlen, &e, NULL) != 0) continue;
            if (match(e, action, from, to)) json_array_append_new(out, entry_public(txn, e));
            json_decref(e);
        }
    }
    if (c) pt_cursor_close(c);
    pt_txn_abort(txn);
    if (!csv) {
        pt_resp_json(req, 200, json_pack("{s:o}", "entries", out));
        return 0;
    }
    pt_buf b = PT_BUF_INIT;
    pt_buf_puts(&b, "time,account,actor,actor_email,action,details\r\n");
    size_t i;
    json_t *e;
    json_array_foreach(out, i, e) {
        csv_cell(&b, pt_rec_str(e, "at", ""));
        pt_buf_putc(&b, ',');
        csv_cell(&b, pt_rec_str(e, "account", ""));
        pt_buf_putc(&b, ',');
        csv_cell(&b, pt_rec_str(e, "actor", ""));
        pt_buf_putc(&b, ',');
        csv_cell(&b, pt_rec_str(e, "actor_email", ""));
        pt_buf_putc(&b, ',');
        csv_cell(&b, pt_rec_str(e, "action", ""));
        pt_buf_putc(&b, ',');
        char *d = json_dumps(json_object_get(e, "details"), JSON_COMPACT | JSON_SORT_KEYS);
        csv_cell(&b, d ? d : "{}");
        free(d);
        pt_buf_puts(&b, "\r\n");
    }
    json_decref(out);
    pt_resp_status(req, 200);
    pt_resp_set_header(req, "Content-Type", "text/csv; charset=utf-8");
    pt_resp_set_header(req, "Content-Disposition", "attachment; filename=\"audit.csv\"");
    pt_resp_write(req, b.data ? b.data : "", b.len);
    pt_buf_free(&b);
    return 0;
}
