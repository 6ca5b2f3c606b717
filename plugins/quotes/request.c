/*
 * plugins/quotes/request.c - a quote request from input to outbox: the
 * targets an account may quote for ("new" or one of its orchestrators,
 * read through the licenses plugin's "licenses.servers" API), validation
 * (every SKU known, active and compatible with the target's type,
 * quantities 1..100000, no duplicate SKU, a non-empty cart, activation
 * today or later, 1-5 years, a short note), the stored record, the mail to
 * the account's account manager (found through "contacts.directory") in
 * the same write transaction, and the quote.requested event after commit.
 * Bad input stores and sends nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "quotes.h"

static pt_db *reqs(void) { return pt_store_db("quotes.requests"); }
static pt_db *by_account(void) { return pt_store_db("quotes.requests.by_account"); }

static void fail(quo_err *e, int status, const char *field, const char *key, const char *detail)
{
    e->status = status;
    e->field = field;
    e->key = key;
    snprintf(e->detail, sizeof e->detail, "%s", detail ? detail : "");
}

const char *quo_err_msg(pt_req *req, const quo_err *e)
{
    const char *m = quo_t(req, e->key);
    if (!e->detail[0]) return m;
    /* "{sku}" in the message takes the detail */
    const char *at = strstr(m, "{sku}");
    if (!at) return pt_arena_printf(pt_req_arena(req), "%s (%s)", m, e->detail);
    return pt_arena_printf(pt_req_arena(req), "%.*s%s%s", (int)(at - m), m, e->detail, at + 5);
}

json_t *quo_targets(pt_txn *txn, uint64_t account, pt_req *req)
{
    json_t *out = json_array();
    json_array_append_new(out, json_pack("{s:s, s:s, s:s}", "id", "new", "name",
                                         req ? quo_t(req, "target_new") : "New orchestrator", "type", "new"));
    const pt_licenses_servers_api *api = pt_api_find("licenses.servers");
    if (!api) return out;
    json_t *list = api->orchestrators(txn, account);
    size_t i;
    json_t *o;
    json_array_foreach(list, i, o) {
        if (!strcmp(pt_rec_str(o, "status", ""), "expired")) continue;
        json_array_append_new(out, json_pack("{s:s, s:s, s:s}", "id", pt_rec_str(o, "id", ""), "name",
                                             pt_rec_str(o, "name", ""), "type", pt_rec_str(o, "type", "")));
    }
    json_decref(list);
    return out;
}

int quo_get_scoped(pt_txn *txn, uint64_t id, uint64_t account, json_t **out)
{
    if (!id || !account) return PT_ENOTFOUND;
    uint8_t k[8];
    pt_key_u64(k, id);
    return pt_record_get_scoped(txn, reqs(), k, 8, account, out);
}

json_t *quo_list(pt_txn *txn, uint64_t account, uint64_t user)
{
    json_t *out = json_array();
    uint8_t ak[8];
    pt_key_u64(ak, account);
    int rc = 0;
    pt_cursor *c = pt_cursor_open(txn, by_account(), &rc);
    if (!c) return out;
    uint64_t id;
    for (rc = pt_index_seek(c, ak, 8, true, &id); rc == 0; rc = pt_index_next(c, &id)) {
        json_t *r = NULL;
        if (quo_get_scoped(txn, id, account, &r) != 0) continue;
        if (!user || pt_rec_u64(r, "user", 0) == user) json_array_append_new(out, r);
        else json_decref(r);
    }
    pt_cursor_close(c);
    return out;
}

json_t *quo_view(const json_t *rec, pt_req *req)
{
    json_t *v = json_deep_copy(rec);
    json_object_del(v, "_v");
    char s[PT_ID_STRLEN];
    pt_id_to_str(pt_rec_u64(rec, "id", 0), s);
    json_object_set_new(v, "id", json_string(s));
    pt_id_to_str(pt_rec_u64(rec, "account", 0), s);
    json_object_set_new(v, "account", json_string(s));
    json_object_del(v, "user");
    if (req) {
        char k[40];
        snprintf(k, sizeof k, "status.%s", pt_rec_str(rec, "status", "submitted"));
        json_object_set_new(v, "status_label", json_string(quo_t(req, k)));
        json_object_set_new(v, "activation_display", quo_date_display(req, pt_rec_str(rec, "activation", "")));
        pt_buf b = PT_BUF_INIT;
        pt_i18n_format_date(req, pt_rec_int(rec, "created", 0), NULL, &b);
        json_object_set_new(v, "created_display", json_string(b.data ? b.data : ""));
        pt_buf_reset(&b);
        if (quo_cfg_bool("show_prices", true) && pt_rec_int(rec, "total", 0) > 0) {
            pt_i18n_format_number(req, json_number_value(json_object_get(rec, "total")), 2, &b);
            pt_buf_printf(&b, " %s", pt_rec_str(rec, "currency", "USD"));
            json_object_set_new(v, "total_display", json_string(b.data));
        }
        pt_buf_free(&b);
        const char *t = pt_rec_str(rec, "target_type", "new");
        snprintf(k, sizeof k, "type.%s", t);
        json_object_set_new(v, "target_type_label", json_string(quo_t(req, k)));
        for (const char *const *st = (const char *const[]){"submitted", "in_review", "quoted", "closed", NULL}; *st; st++) {
            char sk[40];
            snprintf(sk, sizeof sk, "is_%s", *st);
            json_object_set_new(v, sk, json_boolean(!strcmp(*st, pt_rec_str(rec, "status", ""))));
        }
    }
    return v;
}

/* Build the record from in (validated against the catalog and targets). */
static json_t *build(pt_req *req, pt_txn *txn, const json_t *in, quo_err *e)
{
    uint64_t account = pt_req_account(req);
    const char *target = json_string_value(json_object_get(in, "target"));
    json_t *targets = quo_targets(txn, account, NULL), *tg = NULL;
    size_t i;
    json_t *t;
    json_array_foreach(targets, i, t) if (target && !strcmp(pt_rec_str(t, "id", ""), target)) tg = t;
    if (!tg) {
        json_decref(targets);
        fail(e, 422, "target", "err.target", NULL);
        return NULL;
    }
    char type[16];
    snprintf(type, sizeof type, "%s", pt_rec_str(tg, "type", "new"));
    json_t *rec = json_pack("{s:i, s:s, s:O, s:s}", "_v", 1, "target", target, "target_name",
                            json_object_get(tg, "name"), "target_type", type);
    json_decref(targets);
    json_t *lines = json_object_get(in, "lines");
    if (!json_is_array(lines) || json_array_size(lines) == 0) {
        fail(e, 422, "lines", "err.empty_cart", NULL);
        goto bad;
    }
    if (json_array_size(lines) > QUO_LINES_MAX) {
        fail(e, 422, "lines", "err.too_many_lines", NULL);
        goto bad;
    }
    json_t *out = json_array();
    json_object_set_new(rec, "lines", out);
    double total = 0;
    json_t *l;
    json_array_foreach(lines, i, l) {
        const char *sku = json_string_value(json_object_get(l, "sku"));
        json_t *q = json_object_get(l, "quantity");
        json_t *cat = NULL;
        if (!sku || quo_sku_get(txn, sku, &cat) != 0 || !pt_rec_bool(cat, "active", true)) {
            json_decref(cat);
            fail(e, 422, "lines", "err.unknown_sku", sku ? sku : "?");
            goto bad;
        }
        if (!quo_sku_fits(cat, type)) {
            json_decref(cat);
            fail(e, 422, "lines", "err.incompatible", sku);
            goto bad;
        }
        size_t j;
        json_t *prev;
        bool dup = false;
        json_array_foreach(out, j, prev) dup = dup || !strcmp(pt_rec_str(prev, "sku", ""), sku);
        if (dup) {
            json_decref(cat);
            fail(e, 422, "lines", "err.duplicate", sku);
            goto bad;
        }
        if (!json_is_integer(q) || json_integer_value(q) < 1 || json_integer_value(q) > QUO_QTY_MAX) {
            json_decref(cat);
            fail(e, 422, "quantity", "err.quantity", sku);
            goto bad;
        }
        json_int_t qty = json_integer_value(q);
        json_t *price = json_object_get(cat, "price");
        double p = json_is_number(price) ? json_number_value(price) : 0;
        json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:I, s:O, s:f}", "sku", sku, "name",
                                             pt_rec_str(cat, "name", ""), "unit", pt_rec_str(cat, "unit", ""),
                                             "quantity", qty, "price", price ? price : json_null(),
                                             "amount", p * (double)qty));
        total += p * (double)qty;
        json_decref(cat);
    }
    const char *act = json_string_value(json_object_get(in, "activation"));
    int64_t day = quo_day_parse(act);
    if (day < 0) {
        fail(e, 422, "activation", "err.date", NULL);
        goto bad;
    }
    if (day < quo_today()) {
        fail(e, 422, "activation", "err.date_past", NULL);
        goto bad;
    }
    json_t *years = json_object_get(in, "years");
    if (!json_is_integer(years) || json_integer_value(years) < 1 || json_integer_value(years) > QUO_YEARS_MAX) {
        fail(e, 422, "years", "err.years", NULL);
        goto bad;
    }
    json_t *note = json_object_get(in, "note");
    const char *ns = note && !json_is_null(note) ? json_string_value(note) : "";
    if (!ns || !quo_text_ok(ns, QUO_NOTE_MAX, true)) {
        fail(e, 422, "note", "err.note", NULL);
        goto bad;
    }
    total *= (double)json_integer_value(years);
    json_object_set_new(rec, "activation", json_string(act));
    json_object_set(rec, "years", years);
    json_object_set_new(rec, "note", json_string(ns));
    json_object_set_new(rec, "total", json_real(total));
    json_object_set_new(rec, "currency", json_string(quo_cfg_str("currency", "USD")));
    return rec;
bad:
    json_decref(rec);
    return NULL;
}

int quo_submit(pt_req *req, const json_t *in, json_t **out, quo_err *e)
{
    memset(e, 0, sizeof *e);
    *out = NULL;
    uint64_t account = pt_req_account(req);
    if (!account) {
        fail(e, 403, NULL, "err.no_account", NULL);
        return -1;
    }
    int rc = 0;
    pt_txn *txn = pt_txn_begin(true, &rc);
    if (!txn) {
        fail(e, 503, NULL, "err.busy", NULL);
        return -1;
    }
    json_t *rec = build(req, txn, in, e);
    if (!rec) {
        pt_txn_abort(txn);
        return -1;
    }
    const pt_principal *p = pt_req_principal(req);
    uint64_t id = pt_id_new();
    uint64_t now = pt_wall_ms();
    pt_rec_set_u64(rec, "id", id);
    pt_rec_set_u64(rec, "account", account);
    pt_rec_set_u64(rec, "user", p->user);
    json_object_set_new(rec, "user_name", json_string(pt_rec_str(p->info, "name", "")));
    json_object_set_new(rec, "user_email", json_string(pt_rec_str(p->info, "email", "")));
    const char *acc_name = quo_account_name(req, account);
    json_object_set_new(rec, "account_name", json_string(acc_name ? acc_name : ""));
    json_object_set_new(rec, "status", json_string("submitted"));
    json_object_set_new(rec, "created", json_integer((json_int_t)now));
    json_object_set_new(rec, "updated", json_integer((json_int_t)now));
    uint8_t k[8], ak[8];
    pt_key_u64(k, id);
    pt_key_u64(ak, account);
    rc = pt_record_add(txn, reqs(), k, 8, rec);
    if (rc == 0) rc = pt_index_put(txn, by_account(), ak, 8, id);
    /* mail the account manager in the same transaction */
    const pt_contacts_directory_api *dir = pt_api_find("contacts.directory");
    json_t *am = NULL;
    const char *to = NULL;
    if (dir && dir->get(txn, account, CONTACTS_ROLE_AM, &am) == 0) to = pt_rec_str(am, "email", NULL);
    if (!to || !*to) to = quo_cfg_str("sales_email", "");
    json_t *view = quo_view(rec, NULL);
    if (rc == 0 && to && *to) {
        json_t *data = json_deep_copy(view);
        json_object_set_new(data, "am_name", json_string(am ? pt_rec_str(am, "name", "") : ""));
        json_object_set_new(data, "has_note", json_boolean(*pt_rec_str(rec, "note", "")));
        const char *why = NULL;
        rc = pt_mail_enqueue(txn, &(pt_mail){.to = to, .template = "quotes/mail/requested", .data = data,
                                             .reply_to = pt_mail_address_ok(pt_rec_str(rec, "user_email", ""))
                                                             ? pt_rec_str(rec, "user_email", "")
                                                             : NULL,
                                             .kind = "quotes.requested"},
                             &why);
        if (rc) pt_error("quotes: mail to the account manager failed: %s", why ? why : "?");
        json_decref(data);
    } else if (rc == 0) {
        pt_warn("quotes: account has no account manager contact and quotes.sales_email is empty; "
                "quote request stored without mail");
    }
    json_decref(am);
    if (rc == 0) rc = pt_txn_commit(txn);
    else pt_txn_abort(txn);
    if (rc != 0) {
        json_decref(view);
        json_decref(rec);
        fail(e, 503, NULL, "err.busy", NULL);
        return -1;
    }
    pt_event_emit("quote.requested", view, req);
    json_decref(view);
    *out = rec;
    return 0;
}

int quo_set_status(pt_req *req, uint64_t id, const char *status, json_t **out, quo_err *e)
{
    memset(e, 0, sizeof *e);
    if (!quo_status_ok(status)) {
        fail(e, 422, "status", "err.status", NULL);
        return -1;
    }
    int rc = 0;
    pt_txn *txn = pt_txn_begin(true, &rc);
    if (!txn) {
        fail(e, 503, NULL, "err.busy", NULL);
        return -1;
    }
    uint8_t k[8];
    pt_key_u64(k, id);
    json_t *rec = NULL;
    if (!id || pt_record_get(txn, reqs(), k, 8, &rec) != 0 ||
        !quo_staff_manages(req, pt_rec_u64(rec, "account", 0))) {
        json_decref(rec);
        pt_txn_abort(txn);
        fail(e, 404, NULL, "err.not_found", NULL);
        return -1;
    }
    json_object_set_new(rec, "status", json_string(status));
    json_object_set_new(rec, "updated", json_integer((json_int_t)pt_wall_ms()));
    rc = pt_record_put(txn, reqs(), k, 8, rec);
    if (rc == 0) {
        char sk[40], ids[PT_ID_STRLEN];
        snprintf(sk, sizeof sk, "quotes.status.%s", status);
        pt_id_to_str(id, ids);
        char *href = pt_xasprintf("/quotes/%s", ids);
        json_t *args = json_pack("{s:s}", "status", sk);   /* translated per reader */
        rc = pt_notify_msg(txn,
                           &(pt_notification){.kind = "quotes.status",
                                              .user = pt_rec_u64(rec, "user", 0), .href = href},
                           "quotes.notify.status_is", args);
        json_decref(args);
        free(href);
    }
    if (rc == 0) rc = pt_txn_commit(txn);
    else pt_txn_abort(txn);
    if (rc != 0) {
        json_decref(rec);
        fail(e, 503, NULL, "err.busy", NULL);
        return -1;
    }
    *out = rec;
    return 0;
}
