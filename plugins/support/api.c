/*
 * plugins/support/api.c - the JSON API under /api/v1/cases:
 *   GET   /api/v1/cases?status=&priority=&product=&requester=&q=&sort=
 *                       &assignee=&premium=&overdue=&older=&per_page=
 *                       &after= | &before= | &page=
 *         {"cases": [...], "per_page", "next", "prev" (cursors for after= /
 *         before=, null at the ends), "total" (null when not known within
 *         the list's bounds), "page", "pages"; "scan_limited", "scanned"
 *         when a search stopped at its limit (follow next)}; a page past the
 *         end answers an empty list; bad values 400 naming the field.
 *         The parameters and the engine: list_query.c, case_list.c
 *   GET   /api/v1/cases/CS-1001     the case with its conversation
 *   POST  /api/v1/cases             create {subject, description, product,
 *                                    version, environment, priority}
 *   POST  /api/v1/cases/CS-1001/messages   {body, internal, articles [{url, title}]}
 *   PATCH /api/v1/cases/CS-1001     {status, priority, assignee, cc_add,
 *                                    rating, rating_comment}
 * Errors: {"error": {"status", "message", "field"}}; nothing is written on
 * an error.
 */
#include <stdlib.h>
#include <string.h>

#include "case_list.h"

json_t *sup_case_public(const json_t *c)
{
    char num[24], ids[PT_ID_STRLEN];
    json_t *o = json_deep_copy(c);
    json_object_del(o, "_v");
    json_object_set_new(o, "id", json_string(pt_id_to_str(pt_rec_u64(c, "id", 0), ids)));
    json_object_set_new(o, "number", json_string(sup_number_fmt(pt_rec_u64(c, "number", 0), num)));
    json_object_set_new(o, "account", json_string(pt_id_to_str(pt_rec_u64(c, "account", 0), ids)));
    json_object_set_new(o, "requester_id", json_string(pt_id_to_str(pt_rec_u64(c, "requester", 0), ids)));
    uint64_t a = pt_rec_u64(c, "assignee", 0);
    json_object_set_new(o, "assignee", a ? json_string(pt_id_to_str(a, ids)) : json_null());
    /* Lua examples read the requester's address as requester_email. */
    json_object_set_new(o, "requester", json_integer((json_int_t)pt_rec_u64(c, "requester", 0)));
    json_object_set_new(o, "overdue", json_boolean(sup_sla_overdue(c, (int64_t)pt_wall_ms())));
    size_t i;
    json_t *cc;
    json_array_foreach(json_object_get(o, "cc"), i, cc)
        json_object_set_new(cc, "id", json_string(pt_id_to_str(pt_rec_u64(cc, "id", 0), ids)));
    return o;
}

static json_t *msg_public(const json_t *m)
{
    char ids[PT_ID_STRLEN];
    json_t *o = json_deep_copy(m);
    json_object_del(o, "_v");
    json_object_del(o, "account");
    json_object_del(o, "case");
    json_object_set_new(o, "id", json_string(pt_id_to_str(pt_rec_u64(m, "id", 0), ids)));
    json_object_set_new(o, "author", json_string(pt_id_to_str(pt_rec_u64(m, "author", 0), ids)));
    if (pt_rec_u64(m, "file", 0))
        json_object_set_new(o, "file", json_string(pt_id_to_str(pt_rec_u64(m, "file", 0), ids)));
    return o;
}

int sup_api_list(pt_req *req)
{
    static const char *const known[] = {"status", "priority", "product", "requester", "q", "sort",
                                        "assignee", "premium", "overdue", "older", "page",
                                        "per_page", "after", "before", NULL};
    const char *qs = pt_req_query_string(req);
    /* Unknown parameters are refused so a typo does not silently list everything. */
    char *dup = pt_arena_strdup(pt_req_arena(req), qs ? qs : "");
    for (char *save = NULL, *tok = strtok_r(dup, "&", &save); tok; tok = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(tok, '=');
        if (eq) *eq = 0;
        if (*tok && !sup_in(tok, known)) {
            pt_http_error_field(req, 400, tok, sup_t(req, "support.err.unknown_param"));
            return 0;
        }
    }
    sup_query q;
    const char *field = NULL, *why = NULL;
    if (sup_query_parse(req, sup_agent_user(req), 25, SUP_PAGE_MAX, &q, &field, &why) != 0) {
        pt_http_error_field(req, 400, field, sup_t(req, why));
        return 0;
    }
    int rc = 0;
    pt_txn *txn = pt_txn_begin(false, &rc);
    sup_page pg = {.cases = NULL};
    if (txn) rc = sup_list_run(txn, req, &q, true, &pg);
    pt_txn_abort(txn);
    if (!txn || rc) {
        sup_page_free(&pg);
        pt_http_error(req, 503, sup_t(req, "support.err.busy"));
        return 0;
    }
    json_t *out = json_array();
    size_t i;
    json_t *c;
    json_array_foreach(pg.cases, i, c) json_array_append_new(out, sup_case_public(c));
    char cur[SUP_CURSOR_LEN];
    json_t *o = json_pack("{s:o, s:i}", "cases", out, "per_page", (int)q.per);
    sup_cursor_fmt(q.sort, &pg.next, cur);
    json_object_set_new(o, "next", pg.has_next ? json_string(cur) : json_null());
    sup_cursor_fmt(q.sort, &pg.prev, cur);
    json_object_set_new(o, "prev", pg.has_prev ? json_string(cur) : json_null());
    json_object_set_new(o, "total", pg.total >= 0 ? json_integer(pg.total) : json_null());
    json_object_set_new(o, "page", q.cursor ? json_null() : json_integer(q.page));
    json_object_set_new(o, "pages", pg.total >= 0
                                        ? json_integer((pg.total + (json_int_t)q.per - 1) / (json_int_t)q.per)
                                        : json_null());
    if (pg.scan_limited) {
        json_object_set_new(o, "scan_limited", json_true());
        json_object_set_new(o, "scanned", json_integer((json_int_t)pg.scanned));
    }
    sup_page_free(&pg);
    pt_resp_json(req, 200, o);
    return 0;
}

int sup_api_get(pt_req *req)
{
    uint64_t number = sup_number_parse(pt_req_param(req, "number"));
    int rc = 0;
    pt_txn *txn = pt_txn_begin(false, &rc);
    if (!txn) {
        pt_http_error(req, 503, sup_t(req, "support.err.busy"));
        return 0;
    }
    json_t *c = NULL;
    if (sup_case_get(txn, req, number, &c) != 0) {
        pt_txn_abort(txn);
        pt_http_error(req, 404, sup_t(req, "support.err.not_found"));
        return 0;
    }
    json_t *msgs = sup_msg_list(txn, c, sup_is_agent(req, c));
    pt_txn_abort(txn);
    json_t *o = sup_case_public(c), *ma = json_array();
    size_t i;
    json_t *m;
    json_array_foreach(msgs, i, m) json_array_append_new(ma, msg_public(m));
    json_object_set_new(o, "messages", ma);
    json_decref(msgs);
    json_decref(c);
    pt_resp_json(req, 200, o);
    return 0;
}

int sup_api_create(pt_req *req)
{
    const char *why = NULL;
    json_t *body = pt_req_json(req, &why);
    if (!body || !json_is_object(body)) {
        pt_http_error(req, 400, why ? why : sup_t(req, "support.err.json"));
        return 0;
    }
    static const char *const strs[] = {"subject", "description", "product", "version",
                                       "environment", "priority", "callback", NULL};
    for (size_t i = 0; strs[i]; i++) {
        json_t *v = json_object_get(body, strs[i]);
        if (v && !json_is_string(v)) {
            pt_http_error_field(req, 422, strs[i], sup_t(req, "support.err.not_string"));
            return 0;
        }
    }
    json_t *c = NULL;
    const char *field = NULL;
    int rc = sup_create(req, body, NULL, 0, &c, &field, &why);
    if (rc) {
        pt_http_error_field(req, rc == PT_EPERM ? 403 : rc == PT_EINVAL ? 422 : 503, field,
                            sup_t(req, why));
        return 0;
    }
    pt_resp_json(req, 201, sup_case_public(c));
    json_decref(c);
    return 0;
}

int sup_api_reply(pt_req *req)
{
    const char *why = NULL;
    json_t *body = pt_req_json(req, &why);
    if (!body || !json_is_object(body)) {
        pt_http_error(req, 400, why ? why : sup_t(req, "support.err.json"));
        return 0;
    }
    json_t *b = json_object_get(body, "body");
    if (!json_is_string(b)) {
        pt_http_error_field(req, 422, "body", sup_t(req, "support.err.body"));
        return 0;
    }
    json_t *m = NULL;
    int status = 0;
    if (sup_reply(req, sup_number_parse(pt_req_param(req, "number")), json_string_value(b),
                  json_is_true(json_object_get(body, "internal")), json_object_get(body, "articles"),
                  NULL, 0, &m, &why, &status)) {
        pt_http_error_field(req, status, status == 422 ? "body" : NULL, sup_t(req, why));
        return 0;
    }
    pt_resp_json(req, 201, msg_public(m));
    json_decref(m);
    return 0;
}

int sup_api_update(pt_req *req)
{
    const char *why = NULL;
    json_t *body = pt_req_json(req, &why);
    if (!body || !json_is_object(body)) {
        pt_http_error(req, 400, why ? why : sup_t(req, "support.err.json"));
        return 0;
    }
    json_t *c = NULL;
    const char *field = NULL;
    int status = 0;
    if (sup_update(req, sup_number_parse(pt_req_param(req, "number")), body, &c, &field, &why, &status)) {
        pt_http_error_field(req, status, field, sup_t(req, why));
        return 0;
    }
    pt_resp_json(req, 200, sup_case_public(c));
    json_decref(c);
    return 0;
}
