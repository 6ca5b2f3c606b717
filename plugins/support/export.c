/*
 * plugins/support/export.c - exports for customers: the filtered case
 * list as CSV (RFC 4180, UTF-8, CRLF; cells starting with = + - @ are
 * prefixed with ' so spreadsheets do not run them) and one case with its
 * whole conversation as a printable HTML page (print to PDF from the
 * browser; internal notes are never included for customers).
 */
#include <string.h>

#include "support.h"

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

int sup_export_csv(pt_req *req)
{
    int rc = 0;
    pt_txn *txn = pt_txn_begin(false, &rc);
    if (!txn) {
        pt_http_error(req, 503, sup_t(req, "support.err.busy"));
        return 0;
    }
    json_t *all = sup_case_list_visible(txn, req, false);
    pt_txn_abort(txn);
    const char *field = NULL, *why = NULL;
    json_t *list = sup_filter(req, all, &field, &why);
    json_decref(all);
    if (!list) {
        pt_http_error(req, 400, sup_t(req, why));
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
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c) {
        sup_case_decorate(req, c);
        cell(&b, pt_rec_str(c, "number_text", ""));
        pt_buf_putc(&b, ',');
        cell(&b, pt_rec_str(c, "subject", ""));
        pt_buf_putc(&b, ',');
        cell(&b, pt_rec_str(c, "status_label", ""));
        pt_buf_putc(&b, ',');
        cell(&b, pt_rec_str(c, "priority", ""));
        pt_buf_putc(&b, ',');
        cell(&b, pt_rec_str(c, "product", ""));
        pt_buf_putc(&b, ',');
        cell(&b, pt_rec_str(c, "requester_name", ""));
        pt_buf_putc(&b, ',');
        cell(&b, pt_rec_str(c, "created_display", ""));
        pt_buf_putc(&b, ',');
        cell(&b, pt_rec_str(c, "updated_display", ""));
        pt_buf_puts(&b, "\r\n");
    }
    json_decref(list);
    pt_resp_status(req, 200);
    pt_resp_header(req, "Content-Type", "text/csv; charset=utf-8");
    pt_resp_header(req, "Content-Disposition", "attachment; filename=\"cases.csv\"");
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
