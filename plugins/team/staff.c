/*
 * plugins/team/staff.c - the vendor staff's account pages (/team/accounts):
 * list the accounts a staff member manages (portal admins: all), add an
 * account, appoint or replace its Customer Admins (creating the user when
 * needed: a new user gets a welcome mail with a set-password link, an
 * existing one a notice), and assign staff to accounts. Changing things
 * needs a portal admin or an account manager; an account the staff member
 * does not manage answers 404.
 */
#include <stdlib.h>
#include <string.h>

#include "team.h"

static bool visible(pt_txn *txn, pt_req *req, uint64_t account)
{
    json_t *u = NULL;
    bool ok = team_user_get(txn, pt_req_user(req), &u) == 0 &&
              team_may_act(txn, u, pt_req_user(req), account) && pt_req_is_staff(req);
    json_decref(u);
    return ok;
}

static json_t *staff_users(pt_txn *txn)
{
    json_t *arr = json_array();
    int rc = 0;
    pt_cursor *c = pt_cursor_open(txn, team_db("users"), &rc);
    pt_kv kv;
    for (rc = c ? pt_cursor_first(c, &kv) : PT_ENOTFOUND; rc == 0; rc = pt_cursor_next(c, &kv)) {
        json_t *u = NULL;
        if (pt_record_decode(kv.val, kv.vlen, &u, NULL) != 0) continue;
        if (strcmp(pt_rec_str(u, "staff", "none"), "none") != 0) json_array_append_new(arr, u);
        else json_decref(u);
    }
    if (c) pt_cursor_close(c);
    return arr;
}

static void render(pt_req *req, int status, const char *error, const char *notice)
{
    int rc = 0;
    pt_txn *txn = pt_txn_begin(false, &rc);
    json_t *me = NULL;
    if (!txn || team_user_get(txn, pt_req_user(req), &me) != 0) {
        pt_txn_abort(txn);
        pt_http_error(req, 503, team_t(req, "team.err.busy"));
        return;
    }
    json_t *list = team_user_accounts(txn, me, pt_req_user(req));
    json_t *staff = staff_users(txn);
    size_t i;
    json_t *a;
    json_array_foreach(list, i, a) {
        uint64_t id = 0;
        pt_id_parse(pt_rec_str(a, "id", ""), &id);
        json_t *admins = json_array(), *members = team_member_list(txn, id);
        size_t j;
        json_t *m;
        json_array_foreach(members, j, m) {
            if (!pt_rec_bool(m, "customer_admin", false)) continue;
            json_t *u = NULL;
            if (team_user_get(txn, pt_rec_u64(m, "user", 0), &u) == 0)
                json_array_append_new(admins, json_pack("{s:s, s:s}", "email",
                                                        pt_rec_str(u, "email", ""), "name",
                                                        pt_rec_str(u, "name", "")));
            json_decref(u);
        }
        json_decref(members);
        json_t *assigned = json_array();
        json_t *s;
        json_array_foreach(staff, j, s) {
            size_t k;
            json_t *v;
            json_array_foreach(json_object_get(s, "staff_accounts"), k, v) {
                if ((uint64_t)json_integer_value(v) == id)
                    json_array_append_new(assigned, json_pack("{s:s, s:s}", "email",
                                                              pt_rec_str(s, "email", ""), "role",
                                                              pt_rec_str(s, "staff", "")));
            }
        }
        json_object_set_new(a, "admins", admins);
        json_object_set_new(a, "staff", assigned);
        json_object_set_new(a, "n", json_integer((json_int_t)i));
    }
    json_t *assignable = json_array();
    json_t *s;
    json_array_foreach(staff, i, s) {
        if (strcmp(pt_rec_str(s, "staff", ""), "admin") != 0)
            json_array_append_new(assignable, json_pack("{s:s, s:s}", "email",
                                                        pt_rec_str(s, "email", ""), "role",
                                                        pt_rec_str(s, "staff", "")));
    }
    json_decref(staff);
    json_decref(me);
    pt_txn_abort(txn);
    json_t *ctx = json_pack("{s:o, s:o, s:b}", "accounts", list, "assignable", assignable,
                            "manager", team_staff_manager(req));
    if (error) json_object_set_new(ctx, "error", json_string(error));
    if (notice)
        json_object_set_new(ctx, "flash", json_pack("[{s:s, s:s}]", "kind", "success", "message",
                                                    notice));
    team_render(req, status, "team/accounts", ctx);
}

int team_staff_accounts_page(pt_req *req)
{
    render(req, 200, NULL, pt_req_query(req, "saved") ? team_t(req, "team.staff.saved") : NULL);
    return 0;
}

int team_staff_account_create(pt_req *req)
{
    if (!team_staff_manager(req)) {
        pt_http_error(req, 403, team_t(req, "team.err.staff_manager"));
        return 0;
    }
    uint64_t id = 0;
    const char *why = NULL;
    int rc = team_account_create_checked(req, pt_req_form(req, "name"), &id, &why);
    if (rc) {
        render(req, rc == PT_EEXIST ? 409 : rc == PT_EINVAL ? 422 : 503, team_t(req, why), NULL);
        return 0;
    }
    pt_resp_redirect(req, "/team/accounts?saved=1");
    return 0;
}

static int account_param(pt_req *req, pt_txn *txn, uint64_t *id)
{
    if (pt_id_parse(pt_req_param(req, "id"), id) != 0 || !visible(txn, req, *id)) {
        pt_http_error(req, 404, team_t(req, "team.err.no_account"));
        return PT_ENOTFOUND;
    }
    return 0;
}

/* A write transaction for a staff manager acting on the :id account, or
 * NULL with the answer (503, 404, 403) given. */
static pt_txn *manager_txn(pt_req *req, uint64_t *account)
{
    pt_txn *txn = pt_txn_begin(true, NULL);
    if (!txn) {
        pt_http_error(req, 503, team_t(req, "team.err.busy"));
        return NULL;
    }
    if (account_param(req, txn, account) != 0) {
        pt_txn_abort(txn);
        return NULL;
    }
    if (!team_staff_manager(req)) {
        pt_txn_abort(txn);
        pt_http_error(req, 403, team_t(req, "team.err.staff_manager"));
        return NULL;
    }
    return txn;
}

int team_staff_admin_appoint(pt_req *req)
{
    int rc = 0;
    uint64_t account = 0;
    pt_txn *txn = manager_txn(req, &account);
    if (!txn) return 0;
    const char *email = pt_req_form(req, "email"), *name = pt_req_form(req, "name");
    char *norm = team_email_norm(email);
    if (!norm || !team_text_ok(name, TEAM_NAME_MAX, true)) {
        pt_txn_abort(txn);
        free(norm);
        render(req, 422, team_t(req, norm ? "team.err.name" : "team.err.email"), NULL);
        return 0;
    }
    uint64_t uid = 0;
    json_t *u = NULL, *acc = NULL;
    bool created = false;
    team_account_get(txn, account, &acc);
    if (team_user_by_email(txn, norm, &uid, &u) != 0) {
        rc = team_user_create(txn, norm, name && *name ? name : "", NULL, false, &uid);
        if (rc == 0) rc = team_user_get(txn, uid, &u);
        created = true;
    }
    if (rc == 0 && pt_req_form(req, "replace")) {
        json_t *members = team_member_list(txn, account);
        size_t i;
        json_t *m;
        json_array_foreach(members, i, m) {
            uint64_t other = pt_rec_u64(m, "user", 0);
            if (other == uid || !pt_rec_bool(m, "customer_admin", false)) continue;
            json_object_set_new(m, "customer_admin", json_false());
            if (rc == 0) rc = team_member_put(txn, account, other, m);
        }
        json_decref(members);
    }
    uint64_t admins = team_group_preset(txn, account, "admins");
    json_t *m = NULL;
    if (rc == 0 && team_member_get(txn, account, uid, &m) == 0) {
        json_object_set_new(m, "customer_admin", json_true());
        json_object_set_new(m, "status", json_string("Active"));
        json_t *g = json_object_get(m, "groups");
        bool has = false;
        size_t i;
        json_t *v;
        json_array_foreach(g, i, v) has = has || (uint64_t)json_integer_value(v) == admins;
        if (!has && admins && json_is_array(g)) json_array_append_new(g, json_integer((json_int_t)admins));
        rc = team_member_put(txn, account, uid, m);
    } else if (rc == 0) {
        rc = team_member_add(txn, account, uid, "Active", true, &admins, admins ? 1 : 0);
    }
    json_decref(m);
    json_t *extra = json_pack("{s:s}", "account_name", pt_rec_str(acc, "name", ""));
    if (rc == 0 && created) {
        char tok[44];
        rc = team_link_new(txn, TEAM_LINK_WELCOME, uid, tok);
        if (rc == 0) rc = team_mail_link(txn, u, "welcome", "/password/reset/", tok, extra);
        explicit_bzero(tok, sizeof tok);
    } else if (rc == 0) {
        rc = team_mail_link(txn, u, "admin_appointed", "/", "", extra);
    }
    json_decref(extra);
    if (rc == 0) {
        json_t *d = json_pack("{s:s, s:b, s:b}", "email", norm, "new_user", created, "replace",
                              pt_req_form(req, "replace") != NULL);
        rc = team_audit_append(txn, account, pt_req_user(req), "account.admin_appointed", d);
        json_decref(d);
    }
    json_decref(u);
    json_decref(acc);
    free(norm);
    if (rc == 0) rc = pt_txn_commit(txn);
    else pt_txn_abort(txn);
    if (rc) {
        render(req, 503, team_t(req, "team.err.busy"), NULL);
        return 0;
    }
    pt_resp_redirect(req, "/team/accounts?saved=1");
    return 0;
}

int team_staff_assign(pt_req *req)
{
    int rc = 0;
    uint64_t account = 0;
    pt_txn *txn = manager_txn(req, &account);
    if (!txn) return 0;
    uint64_t sid = 0;
    json_t *s = NULL;
    if (team_user_by_email(txn, pt_req_form(req, "email"), &sid, &s) != 0 ||
        team_staff_role_parse(pt_rec_str(s, "staff", "none")) == TEAM_STAFF_NONE) {
        pt_txn_abort(txn);
        json_decref(s);
        render(req, 422, team_t(req, "team.err.not_staff"), NULL);
        return 0;
    }
    json_t *list = json_object_get(s, "staff_accounts");
    if (!json_is_array(list)) {
        list = json_array();
        json_object_set_new(s, "staff_accounts", list);
    }
    bool has = false;
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v) has = has || (uint64_t)json_integer_value(v) == account;
    bool remove = pt_req_form(req, "remove") != NULL;
    if (remove && has) {
        json_array_foreach(list, i, v) if ((uint64_t)json_integer_value(v) == account) {
            json_array_remove(list, i);
            break;
        }
    } else if (!remove && !has) {
        json_array_append_new(list, json_integer((json_int_t)account));
    }
    rc = team_user_put(txn, sid, s);
    if (rc == 0) {
        json_t *d = json_pack("{s:s, s:b}", "staff", pt_rec_str(s, "email", ""), "removed", remove);
        rc = team_audit_append(txn, account, pt_req_user(req), "account.staff_assigned", d);
        json_decref(d);
    }
    json_decref(s);
    if (rc == 0) rc = pt_txn_commit(txn);
    else pt_txn_abort(txn);
    if (rc) {
        render(req, 503, team_t(req, "team.err.busy"), NULL);
        return 0;
    }
    pt_resp_redirect(req, "/team/accounts?saved=1");
    return 0;
}
