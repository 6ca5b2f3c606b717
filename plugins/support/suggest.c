/*
 * plugins/support/suggest.c - knowledge suggestions while a case is being
 * written, and deflection counting.
 *
 * GET /support/suggest?q=... answers {"available", "articles": [{id, title,
 * url, snippet}]} from the knowledge plugin's "knowledge.search" API (at
 * most 5; none, available=false, when that plugin is not loaded). The new
 * case form carries a random form id; static/new-case.js reports
 * POST /support/deflection {"form", "event": "opened"} when the user opens
 * a suggested article (X-CSRF-Token header), and creating the case marks
 * the form submitted. A form with an article opened and never submitted
 * counts as deflected (abandoned after reading). Records live in
 * support.deflection (form id -> {account, user, opened, submitted, at});
 * staff read the totals with GET /api/v1/support/deflection and on the
 * queue page.
 */
#include <string.h>

#include "support.h"
#include "premium_api.h"

int sup_suggest(pt_req *req)
{
    const sup_knowledge_search_api *api = pt_api_find("knowledge.search");
    const char *q = pt_req_query(req, "q");
    json_t *articles = NULL;
    if (api && api->search && q && strlen(q) >= 3 && strlen(q) <= 200) {
        if (api->search(req, q, 5, &articles) != 0) articles = NULL;
    }
    if (!json_is_array(articles)) {
        json_decref(articles);
        articles = json_array();
    }
    pt_resp_json(req, 200, json_pack("{s:b, s:o}", "available", api != NULL, "articles", articles));
    return 0;
}

static int mark(pt_req *req, const char *form, bool opened, bool submitted)
{
    if (!form || strlen(form) < 16 || strlen(form) > 64) return PT_EINVAL;
    for (const char *p = form; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_'))
            return PT_EINVAL;
    int rc = 0;
    pt_txn *txn = pt_txn_begin(true, &rc);
    if (!txn) return rc;
    json_t *r = NULL;
    uint64_t acc = pt_req_account(req);
    if (pt_record_get_scoped(txn, sup_db("deflection"), form, strlen(form), acc, &r) != 0) {
        r = json_pack("{s:i, s:b, s:b, s:I}", "_v", 1, "opened", false, "submitted", false, "at",
                      (json_int_t)pt_wall_ms());
        pt_rec_set_u64(r, "user", pt_req_user(req));
    }
    if (opened) json_object_set_new(r, "opened", json_true());
    if (submitted) json_object_set_new(r, "submitted", json_true());
    rc = pt_record_put_scoped(txn, sup_db("deflection"), form, strlen(form), acc, r);
    json_decref(r);
    if (rc == 0) rc = pt_txn_commit(txn);
    else pt_txn_abort(txn);
    return rc;
}

int sup_deflection_post(pt_req *req)
{
    const char *why = NULL;
    json_t *body = pt_req_json(req, &why);
    const char *form = json_string_value(json_object_get(body, "form"));
    const char *ev = json_string_value(json_object_get(body, "event"));
    if (!ev || strcmp(ev, "opened") != 0) {
        pt_http_error_field(req, 400, "event", sup_t(req, "support.err.deflection"));
        return 0;
    }
    if (!pt_req_account(req) || mark(req, form, true, false) != 0) {
        pt_http_error_field(req, 400, "form", sup_t(req, "support.err.deflection"));
        return 0;
    }
    pt_resp_json(req, 200, json_pack("{s:b}", "ok", true));
    return 0;
}

void sup_deflection_submitted(pt_req *req, const char *form)
{
    if (form && *form && pt_req_account(req)) (void)mark(req, form, false, true);
}

json_t *sup_deflection_stats(void)
{
    size_t opened = 0, submitted = 0, forms = 0;
    int rc = 0;
    pt_txn *txn = pt_txn_begin(false, &rc);
    if (txn) {
        pt_cursor *c = pt_cursor_open(txn, sup_db("deflection"), &rc);
        pt_kv kv;
        for (rc = c ? pt_cursor_first(c, &kv) : PT_ENOTFOUND; rc == 0; rc = pt_cursor_next(c, &kv)) {
            json_t *r = NULL;
            if (pt_record_decode(kv.val, kv.vlen, &r, NULL) != 0) continue;
            forms++;
            bool o = pt_rec_bool(r, "opened", false), s = pt_rec_bool(r, "submitted", false);
            opened += o;
            submitted += o && s;
            json_decref(r);
        }
        pt_txn_abort(txn);
    }
    return json_pack("{s:I, s:I, s:I, s:I}", "forms", (json_int_t)forms, "article_opened",
                     (json_int_t)opened, "submitted_after_article", (json_int_t)submitted,
                     "deflected", (json_int_t)(opened - submitted));
}

int sup_deflection_get(pt_req *req)
{
    pt_resp_json(req, 200, sup_deflection_stats());
    return 0;
}
