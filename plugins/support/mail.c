/*
 * plugins/support/mail.c - mail to a case's requester and CC list on
 * agent replies and status changes, written to the outbox in the caller's
 * write transaction (so a rolled-back change sends nothing). Templates:
 * support/mail/<name>.subject|txt|html.mustache; the body links to the
 * case page. The portal stays the system of record: replies by mail are
 * not read.
 */
#include <string.h>

#include "support.h"

static int one(pt_txn *txn, const char *to, const char *lang, const char *tpl, json_t *data)
{
    if (!to || !pt_mail_address_ok(to)) return 0;
    char name[96];
    snprintf(name, sizeof name, "support/mail/%s", tpl);
    const char *why = NULL;
    return pt_mail_enqueue(txn, &(pt_mail){.to = to, .template = name, .data = data, .lang = lang,
                                           .kind = "support"},
                           &why);
}

int sup_mail_case(pt_txn *txn, const json_t *c, const char *tpl, const char *text,
                  uint64_t except_user)
{
    char num[24];
    json_t *data = json_pack("{s:s, s:s, s:s, s:s, s:s}", "number",
                             sup_number_fmt(pt_rec_u64(c, "number", 0), num), "subject",
                             pt_rec_str(c, "subject", ""), "text", text ? text : "", "status",
                             pt_rec_str(c, "status", "new"), "path", "");
    char path[64];
    snprintf(path, sizeof path, "/support/cases/%s", num);
    json_object_set_new(data, "path", json_string(path));
    int rc = 0;
    uint64_t req_user = pt_rec_u64(c, "requester", 0);
    if (req_user != except_user) {
        json_t *u = sup_user_get(txn, req_user);
        const char *lang = u ? pt_rec_str(u, "lang", NULL) : NULL;
        json_object_set_new(data, "name", json_string(pt_rec_str(c, "requester_name", "")));
        rc = one(txn, pt_rec_str(c, "requester_email", NULL), lang, tpl, data);
        json_decref(u);
    }
    size_t i;
    json_t *cc;
    json_array_foreach(json_object_get(c, "cc"), i, cc) {
        if (rc) break;
        if (pt_rec_u64(cc, "id", 0) == except_user && except_user) continue;
        json_object_set_new(data, "name", json_string(pt_rec_str(cc, "name", "")));
        rc = one(txn, pt_rec_str(cc, "email", NULL), NULL, tpl, data);
    }
    json_decref(data);
    return rc;
}
