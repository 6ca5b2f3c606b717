/*
 * plugins/licenses/pages.c - what customers see: the license list grouped
 * by orchestrator (/licenses), nickname and notes (licenses.edit), the CSV
 * download, the JSON API (/api/v1/licenses) and the homepage widget
 * "Licenses expiring soon". Every read is scoped to the request's
 * account: another account's id answers 404 like a missing one.
 */
#include <string.h>

#include "licenses.h"

typedef struct {
    int (*append)(pt_txn *txn, uint64_t account, uint64_t actor, const char *action,
                  const json_t *details);
} team_audit_api; /* team's exported "team.audit" (plugins/team/team.h) */

static json_t *premium_view(pt_txn *txn, uint64_t account, pt_req *req)
{
    int64_t s = 0, e = 0;
    if (lic_premium_api.premium(txn, account, &s, &e) != 0) return json_null();
    char a[11], b[11];
    lic_day_fmt(s / 86400000, a);
    lic_day_fmt(e / 86400000, b);
    json_t *v = json_pack("{s:b, s:s, s:s}", "active", 1, "starts", a, "ends", b);
    if (req) {
        pt_buf x = PT_BUF_INIT, y = PT_BUF_INIT;
        pt_i18n_format_date(req, s, "UTC", &x);
        pt_i18n_format_date(req, e, "UTC", &y);
        json_object_set_new(v, "starts_display", json_string(x.data ? x.data : a));
        json_object_set_new(v, "ends_display", json_string(y.data ? y.data : b));
        pt_buf_free(&x);
        pt_buf_free(&y);
    }
    return v;
}

int lic_page(pt_req *req)
{
    pt_txn *txn = lic_begin(req, false);
    if (!txn) return 0;
    uint64_t account = pt_req_account(req);
    json_t *ctx = json_object();
    json_t *list = lic_view(txn, account, req);
    json_object_set_new(ctx, "has_licenses", json_boolean(json_array_size(list) > 0));
    json_object_set_new(ctx, "licenses", list);
    json_object_set_new(ctx, "premium", premium_view(txn, account, req));
    pt_txn_abort(txn);
    json_object_set_new(ctx, "can_edit", json_boolean(pt_req_can(req, "licenses.edit")));
    json_object_set_new(ctx, "staff_manager", json_boolean(lic_staff_manages(req, 0)));
    const char *saved = pt_req_query(req, "saved");
    if (saved) json_object_set_new(ctx, "saved", json_true());
    pt_render_page(req, 200, "licenses/index", ctx);
    return 0;
}

/* Apply nickname/notes to the account's license id (own write txn).
 * Answers errors itself; returns 0 when saved, *out the new view. */
static int save_note(pt_req *req, uint64_t id, const char *nick, const char *notes, json_t **out)
{
    if (!nick) nick = "";
    if (!notes) notes = "";
    if (!lic_text_ok(nick, LIC_NICK_MAX, true)) {
        pt_http_error_field(req, 422, "nickname", lic_t(req, "err.nickname"));
        return -1;
    }
    if (!lic_text_ok(notes, LIC_NOTES_MAX, true)) {
        pt_http_error_field(req, 422, "notes", lic_t(req, "err.notes"));
        return -1;
    }
    uint64_t account = pt_req_account(req);
    pt_txn *txn = lic_begin(req, true);
    if (!txn) return -1;
    json_t *rec = NULL;
    if (lic_get_scoped(txn, id, account, &rec) != 0) {
        pt_txn_abort(txn);
        pt_http_error(req, 404, lic_t(req, "err.not_found"));
        return -1;
    }
    const pt_principal *p = pt_req_principal(req);
    json_object_set_new(rec, "nickname", json_string(nick));
    json_object_set_new(rec, "notes", json_string(notes));
    json_object_set_new(rec, "noted_by", json_string(pt_rec_str(p->info, "name", "")));
    json_object_set_new(rec, "noted_at", json_integer((json_int_t)pt_wall_ms()));
    pt_rec_set_u64(rec, "noted_by_id", p->user);
    int rc = lic_put(txn, rec);
    const team_audit_api *audit = pt_api_find("team.audit");
    if (rc == 0 && audit) {
        char ids[PT_ID_STRLEN];
        pt_id_to_str(id, ids);
        json_t *d = json_pack("{s:s, s:s}", "license", ids, "nickname", nick);
        rc = audit->append(txn, account, p->user, "licenses.note_changed", d);
        json_decref(d);
    }
    if (rc != 0) {
        json_decref(rec);
        pt_txn_abort(txn);
        pt_http_error(req, 503, lic_t(req, "err.busy"));
        return -1;
    }
    if (out) *out = lic_item_view(txn, rec, NULL);
    json_decref(rec);
    if (lic_commit(req, txn) != 0) {
        if (out) json_decref(*out), *out = NULL;
        return -1;
    }
    return 0;
}

int lic_note_post(pt_req *req)
{
    uint64_t id = lic_param_id(req, "id");
    if (!id) {
        pt_http_error(req, 404, lic_t(req, "err.not_found"));
        return 0;
    }
    if (save_note(req, id, pt_req_form(req, "nickname"), pt_req_form(req, "notes"), NULL) == 0) {
        char ids[PT_ID_STRLEN];
        pt_id_to_str(id, ids);
        char *loc = pt_arena_printf(pt_req_arena(req), "/licenses?saved=1#lic-%s", ids);
        pt_resp_redirect(req, loc);
    }
    return 0;
}

static void csv_row(pt_buf *b, const json_t *server, const json_t *v)
{
    const char *kind = pt_rec_str(v, "kind", "");
    lic_csv_cell(b, pt_rec_str(server, "server", ""), true);
    pt_buf_putc(b, ',');
    lic_csv_cell(b, pt_rec_str(server, "nickname", ""), true);
    pt_buf_putc(b, ',');
    lic_csv_cell(b, pt_rec_str(server, "type", ""), false);
    pt_buf_putc(b, ',');
    lic_csv_cell(b, kind, false);
    pt_buf_putc(b, ',');
    lic_csv_cell(b, pt_rec_str(v, "product", ""), true);
    pt_buf_putc(b, ',');
    lic_csv_cell(b, pt_rec_str(v, "sku", ""), false);
    pt_buf_printf(b, ",%lld,", (long long)pt_rec_int(v, "quantity", 0));
    lic_csv_cell(b, pt_rec_str(v, "start", ""), false);
    pt_buf_putc(b, ',');
    lic_csv_cell(b, pt_rec_str(v, "end", ""), false);
    pt_buf_putc(b, ',');
    lic_csv_cell(b, pt_rec_str(v, "status", ""), false);
    pt_buf_putc(b, ',');
    lic_csv_cell(b, pt_rec_str(v, "key", ""), false);
    pt_buf_putc(b, ',');
    lic_csv_cell(b, pt_rec_str(v, "nickname", ""), true);
    pt_buf_putc(b, ',');
    lic_csv_cell(b, pt_rec_str(v, "notes", ""), true);
    pt_buf_putc(b, ',');
    lic_csv_cell(b, pt_rec_str(v, "noted_by", ""), true);
    pt_buf_puts(b, "\r\n");
}

int lic_csv(pt_req *req)
{
    pt_txn *txn = lic_begin(req, false);
    if (!txn) return 0;
    json_t *list = lic_view(txn, pt_req_account(req), NULL);
    pt_txn_abort(txn);
    pt_buf b = PT_BUF_INIT;
    pt_buf_puts(&b, "server,server_nickname,server_type,kind,product,sku,quantity,start,end,"
                    "status,license_key,nickname,notes,changed_by\r\n");
    size_t i, j;
    json_t *v, *p;
    json_array_foreach(list, i, v) {
        csv_row(&b, v, v);
        json_array_foreach(json_object_get(v, "products"), j, p) csv_row(&b, v, p);
    }
    json_decref(list);
    pt_resp_status(req, 200);
    pt_resp_header(req, "Content-Type", "text/csv; charset=utf-8; header=present");
    pt_resp_header(req, "Content-Disposition", "attachment; filename=\"licenses.csv\"");
    pt_resp_header(req, "Cache-Control", "no-store");
    pt_resp_write(req, b.data ? b.data : "", b.len);
    pt_buf_free(&b);
    return 0;
}

int lic_api_list(pt_req *req)
{
    pt_txn *txn = lic_begin(req, false);
    if (!txn) return 0;
    uint64_t account = pt_req_account(req);
    char acc[PT_ID_STRLEN];
    pt_id_to_str(account, acc);
    json_t *out = json_object();
    json_object_set_new(out, "account", json_string(acc));
    json_object_set_new(out, "licenses", lic_view(txn, account, NULL));
    json_object_set_new(out, "premium", premium_view(txn, account, NULL));
    pt_txn_abort(txn);
    pt_resp_json(req, 200, out);
    return 0;
}

int lic_api_get(pt_req *req)
{
    uint64_t id = lic_param_id(req, "id");
    pt_txn *txn = lic_begin(req, false);
    if (!txn) return 0;
    json_t *rec = NULL;
    if (!id || lic_get_scoped(txn, id, pt_req_account(req), &rec) != 0) {
        pt_txn_abort(txn);
        pt_http_error(req, 404, lic_t(req, "err.not_found"));
        return 0;
    }
    json_t *v = lic_item_view(txn, rec, NULL);
    if (strcmp(pt_rec_str(rec, "kind", ""), "orchestrator") == 0) {
        json_t *all = lic_list(txn, pt_req_account(req)), *products = json_array();
        size_t i;
        json_t *r;
        json_array_foreach(all, i, r) {
            if (pt_rec_u64(r, "parent", 0) == id) json_array_append_new(products, lic_item_view(txn, r, NULL));
        }
        json_decref(all);
        json_object_set_new(v, "products", products);
    }
    json_decref(rec);
    pt_txn_abort(txn);
    pt_resp_json(req, 200, v);
    return 0;
}

int lic_api_patch(pt_req *req)
{
    const char *why = NULL;
    json_t *body = pt_req_json(req, &why);
    if (!json_is_object(body)) {
        pt_http_error(req, 400, why ? why : lic_t(req, "err.json"));
        return 0;
    }
    uint64_t id = lic_param_id(req, "id");
    if (!id) {
        pt_http_error(req, 404, lic_t(req, "err.not_found"));
        return 0;
    }
    json_t *nick = json_object_get(body, "nickname"), *notes = json_object_get(body, "notes");
    if ((nick && !json_is_string(nick)) || (notes && !json_is_string(notes))) {
        pt_http_error_field(req, 422, nick && !json_is_string(nick) ? "nickname" : "notes",
                            lic_t(req, "err.json"));
        return 0;
    }
    /* Fields left out keep their value. */
    const char *n = nick ? json_string_value(nick) : NULL, *t = notes ? json_string_value(notes) : NULL;
    if (!n || !t) {
        pt_txn *txn = lic_begin(req, false);
        if (!txn) return 0;
        json_t *rec = NULL;
        if (lic_get_scoped(txn, id, pt_req_account(req), &rec) != 0) {
            pt_txn_abort(txn);
            pt_http_error(req, 404, lic_t(req, "err.not_found"));
            return 0;
        }
        if (!n) n = pt_arena_strdup(pt_req_arena(req), pt_rec_str(rec, "nickname", ""));
        if (!t) t = pt_arena_strdup(pt_req_arena(req), pt_rec_str(rec, "notes", ""));
        json_decref(rec);
        pt_txn_abort(txn);
    }
    json_t *v = NULL;
    if (save_note(req, id, n, t, &v) == 0) pt_resp_json(req, 200, v);
    return 0;
}

/* POST /api/v1/license-lookup {"key"}: staff only. Goes through the
 * exported "licenses.lookup" as any other plugin would, so support staff
 * (and the tests) exercise exactly what self sign-up and the case form
 * call. */
int lic_api_lookup(pt_req *req)
{
    const char *why = NULL;
    json_t *body = pt_req_json(req, &why);
    const char *key = json_string_value(json_object_get(body, "key"));
    if (!key) {
        pt_http_error_field(req, 422, "key", lic_t(req, "err.key"));
        return 0;
    }
    const pt_licenses_lookup_api *api = pt_api_find("licenses.lookup");
    pt_txn *txn = api ? lic_begin(req, false) : NULL;
    if (!txn) {
        if (!api) pt_http_error(req, 503, lic_t(req, "err.busy"));
        return 0;
    }
    uint64_t account = 0;
    bool active = false;
    int rc = api->lookup(txn, key, &account, &active);
    pt_txn_abort(txn);
    if (rc != 0) {
        pt_http_error_field(req, 404, "key", lic_t(req, "err.key_unknown"));
        return 0;
    }
    char acc[PT_ID_STRLEN];
    pt_id_to_str(account, acc);
    const char *name = lic_account_name(req, account);
    json_t *out = json_pack("{s:s, s:b}", "account", acc, "active", active);
    if (name) json_object_set_new(out, "account_name", json_string(name));
    pt_resp_json(req, 200, out);
    return 0;
}

int lic_widget(pt_req *req, pt_buf *out)
{
    if (!pt_req_account(req)) return 1;
    int rc = 0;
    pt_txn *txn = pt_txn_begin(false, &rc);
    if (!txn) return 1;
    json_t *all = lic_view(txn, pt_req_account(req), req);
    pt_txn_abort(txn);
    size_t shown = 0, i;
    json_t *v;
    pt_buf_puts(out, "<ul class=\"pt-list lic-widget\">");
    json_array_foreach(all, i, v) {
        const char *st = pt_rec_str(v, "status", "");
        if (strcmp(st, "expiring") != 0 && strcmp(st, "expired") != 0) continue;
        const char *name = pt_rec_str(v, "display_name", ""), *label = pt_rec_str(v, "status_label", "");
        const char *end = pt_rec_str(v, "end_display", ""), *cls = pt_rec_str(v, "status_class", "");
        const char *id = pt_rec_str(v, "id", "");
        pt_buf_puts(out, "<li><a href=\"/licenses#lic-");
        pt_buf_html_escape(out, id, strlen(id));
        pt_buf_puts(out, "\">");
        pt_buf_html_escape(out, name, strlen(name));
        pt_buf_puts(out, "</a> <span class=\"pt-badge pt-badge--");
        pt_buf_html_escape(out, cls, strlen(cls));
        pt_buf_puts(out, "\">");
        pt_buf_html_escape(out, label, strlen(label));
        pt_buf_puts(out, "</span> <span class=\"pt-muted\">");
        pt_buf_html_escape(out, end, strlen(end));
        pt_buf_puts(out, "</span></li>");
        shown++;
    }
    if (!shown) {
        const char *none = lic_t(req, "widget_none");
        pt_buf_puts(out, "<li class=\"pt-muted\">");
        pt_buf_html_escape(out, none, strlen(none));
        pt_buf_puts(out, "</li>");
    }
    pt_buf_puts(out, "</ul>");
    json_decref(all);
    return 0;
}
