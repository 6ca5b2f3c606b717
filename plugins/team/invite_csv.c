/*
 * plugins/team/invite_csv.c - bulk invitations from a CSV file (libcsv,
 * RFC 4180: quoted fields with commas, doubled quotes, CRLF or LF).
 *
 * The first row names the columns; `email` is required and `group
 * membership` optional (both matched case-insensitively, surrounding
 * blanks ignored; other columns are ignored). A UTF-8 byte order mark is
 * skipped. Several groups go comma-separated in one (quoted) field; group
 * names match the account's groups case-insensitively. Blank lines are
 * skipped. More than MG_CSV_ROWS_MAX data rows refuses the whole file.
 *
 * Each data row gets one outcome in the report: invited, already_member,
 * already_invited, unknown_group (with the names), invalid_email or
 * duplicate (the address appeared on an earlier row). Rows with a problem
 * are skipped; the others are invited. The whole import (memberships,
 * links, audit entries and every outbox mail) is one write transaction:
 * if anything fails, nothing is invited.
 */
#include <csv.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "team_manage.h"

typedef struct parse {
    json_t *rows;   /* array of arrays of strings */
    json_t *cur;    /* the row being read         */
    bool too_many;
    bool bad_utf8;
} parse;

static void on_field(void *s, size_t len, void *ud)
{
    parse *p = ud;
    if (p->too_many) return;
    if (!p->cur) p->cur = json_array();
    json_t *v = json_stringn(s ? s : "", s ? len : 0);
    if (!v) {
        p->bad_utf8 = true;
        v = json_string("");
    }
    json_array_append_new(p->cur, v);
}

static void on_row(int c, void *ud)
{
    (void)c;
    parse *p = ud;
    if (p->too_many || !p->cur) {
        json_decref(p->cur);
        p->cur = NULL;
        return;
    }
    /* A blank line is one empty field. */
    bool blank = true;
    size_t i;
    json_t *v;
    json_array_foreach(p->cur, i, v) blank = blank && json_string_length(v) == 0;
    if (blank) json_decref(p->cur);
    else if (json_array_size(p->rows) > MG_CSV_ROWS_MAX) {
        p->too_many = true;
        json_decref(p->cur);
    } else json_array_append_new(p->rows, p->cur);
    p->cur = NULL;
}

static char *trim_dup(const char *s, size_t n)
{
    while (n && isspace((unsigned char)*s)) s++, n--;
    while (n && isspace((unsigned char)s[n - 1])) n--;
    return pt_xstrndup(s, n);
}

static int col_of(json_t *header, const char *name)
{
    size_t i;
    json_t *v;
    json_array_foreach(header, i, v) {
        char *t = trim_dup(json_string_value(v), json_string_length(v));
        bool eq = strcasecmp(t, name) == 0;
        free(t);
        if (eq) return (int)i;
    }
    return -1;
}

static const char *cell(json_t *row, int col)
{
    if (col < 0) return "";
    const char *s = json_string_value(json_array_get(row, (size_t)col));
    return s ? s : "";
}

int mg_csv_import(pt_req *req, uint64_t account, const char *data, size_t len, json_t **report,
                  mg_err *e)
{
    *report = NULL;
    if (len > MG_CSV_BYTES_MAX) {
        mg_set(e, 413, "file", "err.csv_big");
        return PT_ETOOBIG;
    }
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) data += 3, len -= 3;
    struct csv_parser cp;
    if (csv_init(&cp, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
        mg_set(e, 503, NULL, "err.busy");
        return PT_ERR;
    }
    parse p = {.rows = json_array()};
    bool bad = csv_parse(&cp, data, len, on_field, on_row, &p) != len;
    if (!bad && csv_fini(&cp, on_field, on_row, &p) != 0) bad = true;
    csv_free(&cp);
    json_decref(p.cur);
    if (bad || p.bad_utf8) {
        json_decref(p.rows);
        mg_set(e, 422, "file", bad ? "err.csv_syntax" : "err.csv_utf8");
        return PT_EINVAL;
    }
    if (p.too_many) {
        json_decref(p.rows);
        mg_set(e, 422, "file", "err.csv_rows");
        return PT_ETOOBIG;
    }
    json_t *header = json_array_get(p.rows, 0);
    int ce = header ? col_of(header, "email") : -1;
    int cg = header ? col_of(header, "group membership") : -1;
    if (ce < 0) {
        json_decref(p.rows);
        mg_set(e, 422, "file", "err.csv_header");
        return PT_EINVAL;
    }
    size_t nrows = json_array_size(p.rows);
    if (nrows < 2) {
        json_decref(p.rows);
        mg_set(e, 422, "file", "err.csv_empty");
        return PT_EINVAL;
    }
    pt_txn *txn = pt_txn_begin(true, NULL);
    if (!txn) {
        json_decref(p.rows);
        mg_set(e, 503, NULL, "err.busy");
        return PT_EAGAIN;
    }
    json_t *out = json_array(), *seen = json_object();
    size_t invited = 0;
    int rc = 0;
    for (size_t r = 1; r < nrows && rc == 0; r++) {
        json_t *row = json_array_get(p.rows, r);
        const char *raw = cell(row, ce);
        char *email = trim_dup(raw, strlen(raw));
        json_t *rep = json_pack("{s:i, s:s}", "row", (int)r + 1, "email", email);
        char *norm = team_email_norm(email);
        free(email);
        if (!norm) {
            json_object_set_new(rep, "status", json_string("invalid_email"));
            json_array_append_new(out, rep);
            continue;
        }
        json_object_set_new(rep, "email", json_string(norm));
        if (json_object_get(seen, norm)) {
            json_object_set_new(rep, "status", json_string("duplicate"));
            json_object_set(rep, "first_row", json_object_get(seen, norm));
            json_array_append_new(out, rep);
            free(norm);
            continue;
        }
        json_object_set_new(seen, norm, json_integer((json_int_t)r + 1));
        /* Group names: comma-separated inside the field. */
        const char *gf = cell(row, cg);
        const char **names = NULL;
        char **owned = NULL;
        size_t nn = 0;
        for (const char *s = gf; *s;) {
            const char *c = strchr(s, ',');
            size_t l = c ? (size_t)(c - s) : strlen(s);
            char *t = trim_dup(s, l);
            if (*t) {
                owned = pt_xrealloc(owned, (nn + 1) * sizeof *owned);
                owned[nn++] = t;
            } else free(t);
            s += l;
            if (*s == ',') s++;
        }
        names = (const char **)owned;
        uint64_t *ids = NULL;
        size_t nids = 0;
        json_t *unknown = NULL;
        mg_groups_by_name(txn, account, names, nn, &ids, &nids, &unknown);
        for (size_t i = 0; i < nn; i++) free(owned[i]);
        free(owned);
        if (unknown) {
            json_object_set_new(rep, "status", json_string("unknown_group"));
            json_object_set_new(rep, "groups", unknown);
        } else {
            mg_inv_result res = MG_INV_BAD_EMAIL;
            rc = mg_invite_one(req, txn, account, norm, ids, nids, false, &res);
            json_object_set_new(rep, "status", json_string(mg_inv_result_name(res)));
            if (res == MG_INV_INVITED) invited++;
        }
        free(ids);
        free(norm);
        json_array_append_new(out, rep);
    }
    json_decref(seen);
    json_decref(p.rows);
    if (rc == 0) {
        json_t *d = json_pack("{s:I, s:I}", "rows", (json_int_t)(nrows - 1), "invited",
                              (json_int_t)invited);
        rc = mg_audit(txn, account, pt_req_user(req), "invitation.bulk", d);
        json_decref(d);
    }
    if (rc == 0) rc = pt_txn_commit(txn);
    else pt_txn_abort(txn);
    if (rc) {
        pt_warn("team: bulk invitation failed: %s (%s)", pt_strerror(rc), pt_store_last_error());
        json_decref(out);
        mg_set(e, 503, NULL, "err.busy");
        return rc;
    }
    *report = json_pack("{s:o, s:I, s:I}", "rows", out, "invited", (json_int_t)invited, "skipped",
                        (json_int_t)(nrows - 1 - invited));
    return 0;
}
