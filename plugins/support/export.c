/*
 * plugins/support/export.c - exports for customers: the filtered case
 * list as CSV (RFC 4180, UTF-8, CRLF; cells starting with = + - @ are
 * prefixed with ' so spreadsheets do not run them; read through the list
 * engine in batches, at most SUP_EXPORT_MAX rows a file, a Link rel=next
 * header points at the rest) and one case with its
 * whole conversation as a printable HTML page (print to PDF from the
 * browser; internal notes are never included for customers).
 */
#include <string.h>

#include "case_list.h"

#define SUP_EXPORT_BATCH 500
#define SUP_EXPORT_MAX 10000                 /* rows in one file */
#define SUP_EXPORT_SCAN (4 * sup_list_scan_max()) /* records one export may examine */

static void cell(pt_buf *b, const char *s)
{
    pt_buf_putc(b, '"');
    if (s && (*s == '=' || *s == '+' || *s == '-' || *s == '@')) pt_buf_putc(b, '\'');
    for (const char *p = s ? s : ""; *p; p++) {
        if (*p == '"') pt_buf_putc(b, '"');
        pt_buf_putc(b, *p);
    }
    pt_buf_putc(b, '"');
}

static void row(pt_req *req, pt_buf *b, json_t *c)
{
    sup_case_decorate(req, c);
    static const char *const keys[] = {"number_text", "subject", "status_label", "priority", "product",
                                       "requester_name", "created_display", "updated_display", NULL};
    for (size_t i = 0; keys[i]; i++) {
        if (i) pt_buf_putc(b, ',');
        cell(b, pt_rec_str(c, keys[i], ""));
    }
    pt_buf_puts(b, "\r\n");
}

int sup_export_csv(pt_req *req)
{
    sup_query q;
    const char *field = NULL, *why = NULL;
    if (sup_query_parse(req, false, SUP_EXPORT_BATCH, 0, &q, &field, &why) != 0) {
        pt_http_error_field(req, 400, field, sup_t(req, why));
        return 0;
    }
    int rc = 0;
    pt_txn *txn = pt_txn_begin(false, &rc);
    if (!txn) {
        pt_http_error(req, 503, sup_t(req, "support.err.busy"));
        return 0;
    }
    pt_buf b = PT_BUF_INIT;
    static const char *const head[] = {"number", "subject", "status", "priority", "product",
                                       "requester", "created", "updated", NULL};
    for (size_t i = 0; head[i]; i++) {
        if (i) pt_buf_putc(&b, ',');
        char key[64];
        snprintf(key, sizeof key, "support.col.%s", head[i]);
        cell(&b, sup_t(req, key));
    }
    pt_buf_puts(&b, "\r\n");
    /* Page after page through the engine, within one read txn. */
    size_t rows = 0, scanned = 0;
    bool more = false;
    sup_pos next = {0, 0, 0};
    for (;;) {
        sup_page pg;
        rc = sup_list_run(txn, req, &q, false, &pg);
        size_t i;
        json_t *c;
        json_array_foreach(pg.cases, i, c) row(req, &b, c);
        rows += json_array_size(pg.cases), scanned += pg.scanned;
        more = pg.has_next, next = pg.next;
        sup_page_free(&pg);
        if (rc || !more || rows >= SUP_EXPORT_MAX || scanned >= SUP_EXPORT_SCAN) break;
        q.cursor = SUP_CURSOR_AFTER, q.at = next, q.page = 1;
        if (q.per > SUP_EXPORT_MAX - rows) q.per = SUP_EXPORT_MAX - rows;
    }
    pt_txn_abort(txn);
    if (rc) {
        pt_buf_free(&b);
        pt_http_error(req, 503, sup_t(req, "support.err.busy"));
        return 0;
    }
    pt_resp_status(req, 200);
    pt_resp_header(req, "Content-Type", "text/csv; charset=utf-8");
    pt_resp_header(req, "Content-Disposition", "attachment; filename=\"cases.csv\"");
    if (more) { /* the rest: the same export from where this one stopped */
        pt_buf link = PT_BUF_INIT;
        char cur[SUP_CURSOR_LEN];
        sup_cursor_fmt(q.sort, &next, cur);
        pt_buf_printf(&link, "<%s?", pt_req_path(req));
        char *qs = pt_arena_strdup(pt_req_arena(req), pt_req_query_string(req));
        for (char *save = NULL, *tok = strtok_r(qs, "&", &save); tok; tok = strtok_r(NULL, "&", &save))
            if (strncmp(tok, "page=", 5) != 0 && strncmp(tok, "after=", 6) != 0 &&
                strncmp(tok, "before=", 7) != 0 && *tok)
                pt_buf_printf(&link, "%s&", tok);
        pt_buf_printf(&link, "after=%s>; rel=\"next\"", cur);
        pt_resp_header(req, "Link", link.data);
        pt_buf_free(&link);
    }
    pt_resp_write(req, b.data ? b.data : "", b.len);
    pt_buf_free(&b);
    return 0;
}

int sup_export_case(pt_req *req)
{
    int rc = 0;
    pt_txn *txn = pt_txn_begin(false, &rc);
    if (!txn) {
        pt_http_error(req, 503, sup_t(req, "support.err.busy"));
        return 0;
    }
    json_t *c = NULL;
    if (sup_case_get(txn, req, sup_number_parse(pt_req_param(req, "number")), &c) != 0) {
        pt_txn_abort(txn);
        pt_http_error(req, 404, sup_t(req, "support.err.not_found"));
        return 0;
    }
    json_t *msgs = sup_msg_list(txn, c, false);
    pt_txn_abort(txn);
    size_t i;
    json_t *m;
    json_array_foreach(msgs, i, m) {
        json_object_set_new(m, "at_display", sup_date_json(req, pt_rec_int(m, "at", 0)));
        json_object_set_new(m, "is_message", json_boolean(strcmp(pt_rec_str(m, "kind", ""), "message") == 0));
        if (strcmp(pt_rec_str(m, "event", ""), "status") == 0)
            json_object_set_new(m, "to_label", json_string(sup_label(req, "status", pt_rec_str(m, "to", ""))));
        else json_object_set_new(m, "to_label", json_string(pt_rec_str(m, "to", "")));
    }
    sup_case_decorate(req, c);
    pt_render_page(req, 200, "support/print", json_pack("{s:o, s:o}", "case", c, "messages", msgs));
    return 0;
}
