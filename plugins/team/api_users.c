/*
 * plugins/team/api_users.c - /api/v1/users: the acting account's members.
 *   GET    /api/v1/users[?q=&group=&status=&page=&per_page=&format=csv]
 *          {"account", "users": [...], "total", "page", "per_page", "pages",
 *           "next", "prev"}: one page (users_list.c: name then email;
 *          per_page 1-100, default 25; a page past the end is empty with
 *          the right totals; bad values 400 naming the parameter; more
 *          than MG_LIST_MAX matches 422). format=csv is RFC 4180 CSV of
 *          every member, whatever the other parameters.
 *   GET    /api/v1/users/:id                       one member
 *   PATCH  /api/v1/users/:id   {name, groups:[ids], customer_admin, status}
 *   DELETE /api/v1/users/:id
 * Same rules as the page (users_page.c: mg_user_update / mg_user_delete);
 * a user who is not a member of the acting account answers 404.
 */
#include <string.h>

#include "users_list.h"

static json_t *page_link(pt_req *req, const mg_user_query *uq, size_t page)
{
    return json_string(mg_user_query_href(req, "/api/v1/users", uq, page, true));
}

int mg_api_users(pt_req *req)
{
    const char *format = pt_req_query(req, "format");
    if (format && strcmp(format, "csv") != 0 && strcmp(format, "json") != 0) {
        pt_http_error_field(req, 422, "format", mg_t(req, "err.format"));
        return 0;
    }
    pt_txn *txn = mg_begin(req, false);
    if (!txn) return 0;
    uint64_t account = pt_req_account(req);
    if (format && strcmp(format, "csv") == 0) {
        pt_buf b = PT_BUF_INIT;
        mg_users_csv(req, txn, account, &b);
        pt_txn_abort(txn);
        pt_resp_status(req, 200);
        pt_resp_set_header(req, "Content-Type", "text/csv; charset=utf-8");
        pt_resp_set_header(req, "Content-Disposition", "attachment; filename=\"users.csv\"");
        pt_resp_write(req, b.data ? b.data : "", b.len);
        pt_buf_free(&b);
        return 0;
    }
    mg_user_query uq;
    mg_user_page pg;
    mg_err e = {0};
    if (mg_user_query_parse(req, txn, account, &uq, &e) != 0) {
        pt_txn_abort(txn);
        mg_fail(req, &e);
        return 0;
    }
    int rc = mg_user_list(req, txn, account, &uq, false, &pg, &e);
    pt_txn_abort(txn);
    if (rc) {
        mg_fail(req, &e);
        return 0;
    }
    json_t *out = json_pack("{s:o, s:o, s:I, s:I, s:I}", "account", team_id_json(account), "users",
                            pg.users, "total", (json_int_t)pg.total, "page", (json_int_t)pg.page,
                            "pages", (json_int_t)pg.pages);
    json_object_set_new(out, "per_page", json_integer((json_int_t)uq.per_page));
    json_object_set_new(out, "next", pg.page < pg.pages ? page_link(req, &uq, pg.page + 1) : json_null());
    size_t prev = pg.page > pg.pages ? pg.pages : pg.page - 1;
    json_object_set_new(out, "prev", pg.page > 1 ? page_link(req, &uq, prev) : json_null());
    pt_resp_json(req, 200, out);
    return 0;
}

int mg_api_user_get(pt_req *req)
{
    uint64_t id = mg_param_id(req, "id");
    pt_txn *txn = mg_begin(req, false);
    if (!txn) return 0;
    json_t *m = NULL;
    if (!id || team_member_get(txn, pt_req_account(req), id, &m) != 0) {
        pt_txn_abort(txn);
        pt_http_error(req, 404, mg_t(req, "err.no_user"));
        return 0;
    }
    json_t *v = mg_member_view(req, txn, pt_req_account(req), m);
    json_decref(m);
    pt_txn_abort(txn);
    pt_resp_json(req, 200, v);
    return 0;
}

int mg_api_user_patch(pt_req *req)
{
    uint64_t id = mg_param_id(req, "id");
    {
        /* 404 before any body validation (another account's id looks missing). */
        pt_txn *rt = mg_begin(req, false);
        if (!rt) return 0;
        json_t *m = NULL;
        bool ok = id && team_member_get(rt, pt_req_account(req), id, &m) == 0;
        json_decref(m);
        pt_txn_abort(rt);
        if (!ok) {
            pt_http_error(req, 404, mg_t(req, "err.no_user"));
            return 0;
        }
    }
    const char *why = NULL;
    json_t *body = pt_req_json(req, &why);
    if (!body) {
        pt_http_error(req, 400, why ? why : mg_t(req, "err.json"));
        return 0;
    }
    if (!json_is_object(body)) {
        pt_http_error(req, 422, mg_t(req, "err.not_object"));
        return 0;
    }
    mg_err e = {0};
    pt_txn *txn = mg_begin(req, true);
    if (!txn) return 0;
    if (!id) mg_set(&e, 404, NULL, "err.no_user");
    if (!id || mg_user_update(req, txn, pt_req_account(req), id, body, &e) != 0) {
        pt_txn_abort(txn);
        mg_fail(req, &e);
        return 0;
    }
    json_t *m = NULL;
    team_member_get(txn, pt_req_account(req), id, &m);
    json_t *v = mg_member_view(req, txn, pt_req_account(req), m);
    json_decref(m);
    if (mg_commit(req, txn) != 0) {
        json_decref(v);
        return 0;
    }
    pt_resp_json(req, 200, v);
    return 0;
}

int mg_api_user_delete(pt_req *req)
{
    return mg_api_delete(req, "err.no_user", mg_user_delete);
}
