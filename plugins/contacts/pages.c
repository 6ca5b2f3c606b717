/*
 * plugins/contacts/pages.c - the account's contacts page (/contacts), the
 * "contact me" form and API (mail to the contact through the outbox, in
 * the same write transaction as the rate-limit bookkeeping: at most
 * contacts.messages_per_hour per user), GET /api/v1/contacts and the
 * homepage widget "Your account manager".
 */
#include <string.h>

#include "contacts.h"

int con_page(pt_req *req)
{
    int rc = 0;
    pt_txn *txn = pt_txn_begin(false, &rc);
    if (!txn) {
        pt_http_error(req, 503, con_t(req, "err.busy"));
        return 0;
    }
    json_t *list = con_list(txn, pt_req_account(req)), *views = json_array();
    pt_txn_abort(txn);
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c) json_array_append_new(views, con_view(c, req));
    json_decref(list);
    json_t *ctx = json_pack("{s:o, s:b, s:b}", "contacts", views, "has_contacts",
                            json_array_size(views) > 0, "staff_manager", con_staff_manages(req, 0));
    if (pt_req_query(req, "sent")) json_object_set_new(ctx, "sent", json_true());
    pt_render_page(req, 200, "contacts/index", ctx);
    return 0;
}

/* Send message to the account's contact in role. 0, or an HTTP status with
 * *why a catalog key (nothing sent, nothing counted). */
static int send_message(pt_req *req, const char *role, const char *message, const char **field,
                        const char **why)
{
    *field = NULL;
    if (!con_role_ok(role)) return *why = "err.no_contact", 404;
    if (!message || !*message || !con_text_ok(message, CON_MESSAGE_MAX, true))
        return *field = "message", *why = "err.message", 422;
    uint64_t account = pt_req_account(req), user = pt_req_user(req);
    int rc = 0;
    pt_txn *txn = pt_txn_begin(true, &rc);
    if (!txn) return *why = "err.busy", 503;
    json_t *contact = NULL, *thr = NULL;
    if (con_get(txn, account, role, &contact) != 0) {
        pt_txn_abort(txn);
        return *why = "err.no_contact", 404;
    }
    uint8_t uk[8];
    pt_key_u64(uk, user);
    pt_db *tdb = pt_store_db("contacts.throttle");
    json_t *times = json_array();
    uint64_t now = pt_wall_ms();
    if (pt_record_get(txn, tdb, uk, 8, &thr) == 0) {
        size_t i;
        json_t *t;
        json_array_foreach(json_object_get(thr, "times"), i, t) {
            if (json_is_integer(t) && (uint64_t)json_integer_value(t) + 3600000 > now)
                json_array_append(times, t);
        }
        json_decref(thr);
    }
    long long limit = con_cfg_int("messages_per_hour", 5);
    int status = 0;
    if ((long long)json_array_size(times) >= limit) {
        status = 429, *why = "err.rate";
    } else {
        const pt_principal *p = pt_req_principal(req);
        char rk[64];
        snprintf(rk, sizeof rk, "contacts.role.%s", role);
        const char *uemail = pt_rec_str(p->info, "email", "");
        json_t *data = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "contact_name",
                                 pt_rec_str(contact, "name", ""), "role_label", pt_t(NULL, rk), "user_name",
                                 pt_rec_str(p->info, "name", ""), "user_email", uemail, "account_name",
                                 con_account_name(req, account) ? con_account_name(req, account) : "",
                                 "message", message);
        const char *mwhy = NULL;
        rc = pt_mail_enqueue(txn, &(pt_mail){.to = pt_rec_str(contact, "email", ""),
                                             .template = "contacts/mail/contact_me",
                                             .data = data,
                                             .reply_to = pt_mail_address_ok(uemail) ? uemail : NULL,
                                             .kind = "contacts.contact_me"},
                             &mwhy);
        json_decref(data);
        if (rc == 0) {
            json_array_append_new(times, json_integer((json_int_t)now));
            json_t *rec = json_pack("{s:i, s:O}", "_v", 1, "times", times);
            rc = pt_record_put(txn, tdb, uk, 8, rec);
            json_decref(rec);
        }
        if (rc != 0) {
            pt_error("contacts: contact-me mail failed: %s", mwhy ? mwhy : pt_store_last_error());
            status = 503, *why = "err.busy";
        }
    }
    json_decref(times);
    json_decref(contact);
    if (status) {
        pt_txn_abort(txn);
        return status;
    }
    if (pt_txn_commit(txn) != 0) return *why = "err.busy", 503;
    return 0;
}

int con_message_post(pt_req *req)
{
    const char *field = NULL, *why = NULL;
    int st = send_message(req, pt_req_form(req, "role"), pt_req_form(req, "message"), &field, &why);
    if (st) {
        if (st == 429) pt_resp_set_header(req, "Retry-After", "3600");
        pt_http_error_field(req, st, field, con_t(req, why));
        return 0;
    }
    pt_resp_redirect(req, "/contacts?sent=1");
    return 0;
}

int con_api_message(pt_req *req)
{
    const char *jwhy = NULL;
    json_t *body = pt_req_json(req, &jwhy);
    const char *msg = json_string_value(json_object_get(body, "message"));
    const char *field = NULL, *why = NULL;
    int st = send_message(req, pt_req_param(req, "role"), msg, &field, &why);
    if (st) {
        if (st == 429) pt_resp_set_header(req, "Retry-After", "3600");
        pt_http_error_field(req, st, field, con_t(req, why));
        return 0;
    }
    pt_resp_json(req, 202, json_pack("{s:b}", "queued", 1));
    return 0;
}

int con_api_list(pt_req *req)
{
    int rc = 0;
    pt_txn *txn = pt_txn_begin(false, &rc);
    if (!txn) {
        pt_http_error(req, 503, con_t(req, "err.busy"));
        return 0;
    }
    json_t *list = con_list(txn, pt_req_account(req)), *views = json_array();
    pt_txn_abort(txn);
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c) json_array_append_new(views, con_view(c, NULL));
    json_decref(list);
    pt_resp_json(req, 200, json_pack("{s:o}", "contacts", views));
    return 0;
}

int con_widget(pt_req *req, pt_buf *out)
{
    if (!pt_req_account(req)) return 1;
    int rc = 0;
    pt_txn *txn = pt_txn_begin(false, &rc);
    if (!txn) return 1;
    json_t *c = NULL;
    rc = con_get(txn, pt_req_account(req), CONTACTS_ROLE_AM, &c);
    pt_txn_abort(txn);
    if (rc != 0) return 1;
    const char *name = pt_rec_str(c, "name", ""), *email = pt_rec_str(c, "email", "");
    const char *phone = pt_rec_str(c, "phone", ""), *more = con_t(req, "widget_contact");
    pt_buf_puts(out, "<p class=\"con-widget\"><strong>");
    pt_buf_html_escape(out, name, strlen(name));
    pt_buf_puts(out, "</strong><br><a href=\"mailto:");
    pt_buf_html_escape(out, email, strlen(email));
    pt_buf_puts(out, "\">");
    pt_buf_html_escape(out, email, strlen(email));
    pt_buf_puts(out, "</a>");
    if (*phone) {
        pt_buf_puts(out, "<br>");
        pt_buf_html_escape(out, phone, strlen(phone));
    }
    pt_buf_puts(out, "<br><a href=\"/contacts\">");
    pt_buf_html_escape(out, more, strlen(more));
    pt_buf_puts(out, "</a></p>");
    json_decref(c);
    return 0;
}
