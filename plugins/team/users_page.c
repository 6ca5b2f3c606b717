/*
 * plugins/team/users_page.c - the Team Users page (/team) and the member
 * operations the page and /api/v1/users share: update (name, groups,
 * Customer Admin flag, Active/Deactivated), delete, CSV export; plus the
 * page's invitation forms (single form, CSV upload, resend, revoke).
 *
 * Rules (same for page and API, checked before anything is written):
 *  - the email address cannot be changed here (it is the sign-in name);
 *  - nobody can deactivate, delete or demote themselves (remove their own
 *    Customer Admin flag or leave Administrators);
 *  - the last Active Customer Admin of an account cannot be removed,
 *    deactivated or demoted;
 *  - Everyone stays in every member's groups.
 * Every change is audited (user.changed, user.activated, user.deactivated,
 * user.deleted) without secrets. The list itself is paged: users_list.c
 * picks the page, users_page_nav.c builds its filter and page controls,
 * users_invites.c the bounded invitations table; the CSV export
 * (mg_users_csv) still holds every member.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "users_list.h"

static bool has_id(const json_t *arr, uint64_t id)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) if ((uint64_t)json_integer_value(v) == id) return true;
    return false;
}

int mg_user_update(pt_req *req, pt_txn *txn, uint64_t account, uint64_t user,
                   const json_t *changes, mg_err *e)
{
    json_t *m = NULL, *u = NULL;
    if (team_member_get(txn, account, user, &m) != 0 || team_user_get(txn, user, &u) != 0) {
        json_decref(m);
        mg_set(e, 404, NULL, "err.no_user");
        return PT_ENOTFOUND;
    }
    int rc = PT_EINVAL;
    bool self = user == pt_req_user(req);
    const char *status = pt_rec_str(m, "status", "Active");
    bool was_admin = pt_rec_bool(m, "customer_admin", false);
    bool last_admin = was_admin && strcmp(status, "Active") == 0 && mg_admin_count(txn, account) <= 1;
    uint64_t admins = team_group_preset(txn, account, "admins");
    uint64_t everyone = team_group_preset(txn, account, "everyone");
    json_t *fields = json_array();
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)changes, key, v) {
        if (strcmp(key, "email") == 0) {
            if (!json_is_string(v) || strcasecmp(json_string_value(v), pt_rec_str(u, "email", "")) != 0) {
                mg_set(e, 422, "email", "err.email_fixed");
                goto out;
            }
        } else if (strcmp(key, "name") == 0) {
            if (!json_is_string(v) || !team_text_ok(json_string_value(v), TEAM_NAME_MAX, false)) {
                mg_set(e, 422, "name", "err.name");
                goto out;
            }
            if (strcmp(json_string_value(v), pt_rec_str(u, "name", "")) != 0) {
                json_object_set(u, "name", v);
                json_array_append_new(fields, json_string("name"));
            }
        } else if (strcmp(key, "groups") == 0) {
            if (!json_is_array(v) || json_array_size(v) > 200) {
                mg_set(e, 422, "groups", "err.groups");
                goto out;
            }
            size_t n = json_array_size(v);
            const char **sids = pt_xcalloc(n + 1, sizeof *sids);
            for (size_t i = 0; i < n; i++) sids[i] = json_string_value(json_array_get(v, i));
            uint64_t *ids = NULL;
            size_t nids = 0;
            int r = mg_groups_by_id(txn, account, sids, n, &ids, &nids);
            free(sids);
            if (r != 0) {
                mg_set(e, 404, "groups", "err.no_group");
                goto out;
            }
            json_t *g = json_array();
            if (everyone) json_array_append_new(g, json_integer((json_int_t)everyone));
            for (size_t i = 0; i < nids; i++)
                if (ids[i] != everyone) json_array_append_new(g, json_integer((json_int_t)ids[i]));
            free(ids);
            json_t *old = json_object_get(m, "groups");
            if (self && admins && has_id(old, admins) && !has_id(g, admins)) {
                json_decref(g);
                mg_set(e, 409, "groups", "err.self_demote");
                goto out;
            }
            json_object_set_new(m, "groups", g);
            json_array_append_new(fields, json_string("groups"));
        } else if (strcmp(key, "customer_admin") == 0) {
            if (!json_is_boolean(v)) {
                mg_set(e, 422, "customer_admin", "err.bool");
                goto out;
            }
            bool want = json_is_true(v);
            if (was_admin && !want && self) {
                mg_set(e, 409, "customer_admin", "err.self_demote");
                goto out;
            }
            if (was_admin && !want && last_admin) {
                mg_set(e, 409, "customer_admin", "err.last_admin");
                goto out;
            }
            if (want != was_admin) {
                json_object_set_new(m, "customer_admin", json_boolean(want));
                json_array_append_new(fields, json_string("customer_admin"));
            }
        } else if (strcmp(key, "status") == 0) {
            const char *s = json_string_value(v);
            if (!s || (strcmp(s, "Active") != 0 && strcmp(s, "Deactivated") != 0)) {
                mg_set(e, 422, "status", "err.status");
                goto out;
            }
            if (strcmp(status, "Pending") == 0) {
                mg_set(e, 409, "status", "err.status_pending");
                goto out;
            }
            if (strcmp(s, "Deactivated") == 0 && self) {
                mg_set(e, 409, "status", "err.self_deactivate");
                goto out;
            }
            if (strcmp(s, "Deactivated") == 0 && last_admin) {
                mg_set(e, 409, "status", "err.last_admin");
                goto out;
            }
            if (strcmp(s, status) != 0) {
                json_object_set_new(m, "status", json_string(s));
                json_array_append_new(fields, json_string("status"));
            }
        } else {
            mg_set(e, 422, key, "err.unknown_field");
            snprintf(e->detail, sizeof e->detail, "(%.60s)", key);
            goto out;
        }
    }
    rc = team_member_put(txn, account, user, m);
    if (rc == 0) rc = team_user_put(txn, user, u);
    if (rc == 0 && json_array_size(fields)) {
        json_t *d = json_pack("{s:o, s:s, s:O}", "user", team_id_json(user), "email",
                              pt_rec_str(u, "email", ""), "fields", fields);
        const char *action = "user.changed";
        if (json_object_get(changes, "status") && json_array_size(fields) == 1 &&
            strcmp(json_string_value(json_array_get(fields, 0)), "status") == 0)
            action = strcmp(pt_rec_str(m, "status", ""), "Active") == 0 ? "user.activated"
                                                                           : "user.deactivated";
        if (json_object_get(changes, "groups")) {
            json_t *names = json_array();
            size_t i;
            json_t *gid;
            json_array_foreach(json_object_get(m, "groups"), i, gid) {
                json_t *g = NULL;
                if (team_group_get(txn, account, (uint64_t)json_integer_value(gid), &g) == 0)
                    json_array_append_new(names, json_string(pt_rec_str(g, "name", "")));
                json_decref(g);
            }
            json_object_set_new(d, "groups", names);
        }
        if (json_object_get(changes, "customer_admin"))
            json_object_set_new(d, "customer_admin", json_boolean(pt_rec_bool(m, "customer_admin", false)));
        rc = mg_audit(txn, account, pt_req_user(req), action, d);
        json_decref(d);
    }
    if (rc) mg_set(e, 503, NULL, "err.busy");
out:
    json_decref(fields);
    json_decref(m);
    json_decref(u);
    return rc;
}

int mg_user_delete(pt_req *req, pt_txn *txn, uint64_t account, uint64_t user, mg_err *e)
{
    json_t *m = NULL, *u = NULL;
    if (team_member_get(txn, account, user, &m) != 0) {
        mg_set(e, 404, NULL, "err.no_user");
        return PT_ENOTFOUND;
    }
    team_user_get(txn, user, &u);
    int rc = PT_EINVAL;
    if (user == pt_req_user(req)) {
        mg_set(e, 409, NULL, "err.self_delete");
        goto out;
    }
    if (pt_rec_bool(m, "customer_admin", false) &&
        strcmp(pt_rec_str(m, "status", ""), "Active") == 0 && mg_admin_count(txn, account) <= 1) {
        mg_set(e, 409, NULL, "err.last_admin");
        goto out;
    }
    if (strcmp(pt_rec_str(m, "status", ""), "Pending") == 0) {
        rc = mg_invite_revoke(req, txn, account, user);
    } else {
        rc = mg_member_drop(txn, account, user);
        if (rc == 0) rc = mg_user_drop_if_orphan(txn, user);
        if (rc == 0) {
            json_t *d = json_pack("{s:o, s:s}", "user", team_id_json(user), "email",
                                  pt_rec_str(u, "email", ""));
            rc = mg_audit(txn, account, pt_req_user(req), "user.deleted", d);
            json_decref(d);
        }
    }
    if (rc) mg_set(e, 503, NULL, "err.busy");
out:
    json_decref(m);
    json_decref(u);
    return rc;
}

void mg_users_csv(pt_req *req, pt_txn *txn, uint64_t account, pt_buf *b)
{
    json_t *views = mg_member_views(req, txn, account);
    pt_buf_puts(b, "email,name,status,customer_admin,groups,last_active\r\n");
    size_t i;
    json_t *v;
    json_array_foreach(views, i, v) {
        mg_csv_cell(b, pt_rec_str(v, "email", ""));
        pt_buf_putc(b, ',');
        mg_csv_cell(b, pt_rec_str(v, "name", ""));
        pt_buf_putc(b, ',');
        mg_csv_cell(b, pt_rec_str(v, "status", ""));
        pt_buf_putc(b, ',');
        pt_buf_puts(b, pt_rec_bool(v, "customer_admin", false) ? "yes" : "no");
        pt_buf_putc(b, ',');
        pt_buf g = PT_BUF_INIT;
        size_t j;
        json_t *gr;
        json_array_foreach(json_object_get(v, "groups"), j, gr) {
            if (g.len) pt_buf_puts(&g, ", ");
            pt_buf_puts(&g, pt_rec_str(gr, "name", ""));
        }
        mg_csv_cell(b, g.data ? g.data : "");
        pt_buf_free(&g);
        pt_buf_putc(b, ',');
        const json_t *la = json_object_get(v, "last_active");
        mg_csv_cell(b, json_is_string(la) ? json_string_value(la) : "");
        pt_buf_puts(b, "\r\n");
    }
    json_decref(views);
}

/* ---- the page ------------------------------------------------------------------- */

/* Render /team with extra context (stolen): one page of the members
 * (users_list.c; ?q=&group=&status=&page=&per_page=, a page past the end
 * shows the last one, a bad value answers 400 naming it), the first
 * pending invitations (users_invites.c), the invitation forms. */
static void render_users(pt_req *req, int status, json_t *extra)
{
    pt_txn *txn = mg_begin(req, false);
    if (!txn) {
        json_decref(extra);
        return;
    }
    uint64_t account = pt_req_account(req);
    mg_user_query uq;
    mg_user_page pg;
    mg_err e = {0};
    int rc = mg_user_query_parse(req, txn, account, &uq, &e);
    if (rc == 0) rc = mg_user_list(req, txn, account, &uq, true, &pg, &e);
    if (rc) {
        pt_txn_abort(txn);
        json_decref(extra);
        mg_fail(req, &e);
        return;
    }
    size_t i;
    json_t *v;
    json_t *groups = team_group_list(txn, account), *gviews = json_array();
    json_array_foreach(groups, i, v) {
        if (strcmp(pt_rec_str(v, "preset", ""), "everyone") == 0) continue;
        json_array_append_new(gviews, json_pack("{s:o, s:s}", "id", team_id_json(pt_rec_u64(v, "id", 0)),
                                                "name", pt_rec_str(v, "name", "")));
    }
    json_decref(groups);
    json_t *acc = NULL;
    team_account_get(txn, account, &acc);
    json_t *approvals = mg_approval_list(req, txn, account);
    /* The invitations table is bounded too (users_invites.c). */
    size_t ninv = 0;
    json_t *inv = mg_invites_shown(req, txn, account, &ninv);
    const char *inv_more = ninv > json_array_size(inv)
                               ? mg_count_text(req, "users.invitations_more", 1, json_array_size(inv), ninv)
                               : NULL;
    json_t *ctx = json_pack("{s:o, s:o, s:o, s:b, s:s, s:s, s:I, s:b}", "users", pg.users,
                            "invitations", inv, "groups", gviews,
                            "can_edit", pt_req_can(req, "team.edit"), "q", uq.q,
                            "account_name", pt_rec_str(acc, "name", ""), "approvals_count",
                            (json_int_t)json_array_size(approvals), "has_approvals",
                            json_array_size(approvals) > 0);
    if (inv_more) json_object_set_new(ctx, "invitations_more", json_string(inv_more));
    json_object_set_new(ctx, "filter", mg_user_filters(req, txn, account, &uq));
    json_t *pager = mg_user_pager(req, &uq, &pg);
    json_object_update(ctx, pager);
    json_decref(pager);
    json_decref(approvals);
    json_decref(acc);
    pt_txn_abort(txn);
    json_object_set_new(ctx, "tab_users", json_true());
    json_t *flash = mg_flash(req);
    if (flash) json_object_set_new(ctx, "flash", flash);
    if (extra) json_object_update(ctx, extra);
    json_decref(extra);
    team_render(req, status, "team/manage_users", ctx);
}

int mg_users_page(pt_req *req)
{
    render_users(req, 200, NULL);
    return 0;
}

int mg_users_export(pt_req *req)
{
    pt_txn *txn = mg_begin(req, false);
    if (!txn) return 0;
    pt_buf b = PT_BUF_INIT;
    mg_users_csv(req, txn, pt_req_account(req), &b);
    pt_txn_abort(txn);
    pt_resp_status(req, 200);
    pt_resp_set_header(req, "Content-Type", "text/csv; charset=utf-8");
    pt_resp_set_header(req, "Content-Disposition", "attachment; filename=\"users.csv\"");
    pt_resp_write(req, b.data ? b.data : "", b.len);
    pt_buf_free(&b);
    return 0;
}

static void render_edit(pt_req *req, int status, uint64_t user, const mg_err *e)
{
    pt_txn *txn = mg_begin(req, false);
    if (!txn) return;
    uint64_t account = pt_req_account(req);
    json_t *m = NULL;
    if (team_member_get(txn, account, user, &m) != 0) {
        pt_txn_abort(txn);
        pt_http_error(req, 404, mg_t(req, "err.no_user"));
        return;
    }
    json_t *view = mg_member_view(req, txn, account, m);
    json_t *groups = team_group_list(txn, account), *gviews = json_array();
    size_t i;
    json_t *g;
    json_array_foreach(groups, i, g) {
        uint64_t gid = pt_rec_u64(g, "id", 0);
        if (strcmp(pt_rec_str(g, "preset", ""), "everyone") == 0) continue;
        json_array_append_new(gviews, json_pack("{s:o, s:s, s:b}", "id", team_id_json(gid), "name",
                                                pt_rec_str(g, "name", ""), "checked",
                                                has_id(json_object_get(m, "groups"), gid)));
    }
    json_decref(groups);
    json_decref(m);
    pt_txn_abort(txn);
    json_t *ctx = json_pack("{s:o, s:o, s:b}", "member", view, "groups", gviews, "can_edit",
                            pt_req_can(req, "team.edit"));
    if (e && e->status) {
        json_object_set_new(ctx, "error", json_string(mg_msg(req, e)));
        if (e->field) json_object_set_new(ctx, "error_field", json_string(e->field));
    }
    json_t *flash = mg_flash(req);
    if (flash) json_object_set_new(ctx, "flash", flash);
    team_render(req, status, "team/manage_user", ctx);
}

int mg_user_edit_page(pt_req *req)
{
    uint64_t id = mg_param_id(req, "id");
    if (!id) {
        pt_http_error(req, 404, mg_t(req, "err.no_user"));
        return 0;
    }
    render_edit(req, 200, id, NULL);
    return 0;
}

/* Run changes on user in one write txn; redirect on success, re-render the
 * edit page (or answer the error for JSON clients) on failure. */
static void apply_form(pt_req *req, uint64_t user, json_t *changes, const char *done)
{
    mg_err e = {0};
    pt_txn *txn = mg_begin(req, true);
    if (!txn) {
        json_decref(changes);
        return;
    }
    int rc = mg_user_update(req, txn, pt_req_account(req), user, changes, &e);
    json_decref(changes);
    if (rc) {
        pt_txn_abort(txn);
        if (e.status == 404 && !e.field) pt_http_error(req, 404, mg_msg(req, &e));
        else render_edit(req, e.status, user, &e);
        return;
    }
    if (mg_commit(req, txn) != 0) return;
    char id[PT_ID_STRLEN];
    char *loc = pt_arena_printf(pt_req_arena(req), "/team/users/%s?done=%s", pt_id_to_str(user, id), done);
    pt_resp_redirect(req, loc);
}

int mg_user_edit_post(pt_req *req)
{
    uint64_t id = mg_param_id(req, "id");
    if (!id) {
        pt_http_error(req, 404, mg_t(req, "err.no_user"));
        return 0;
    }
    json_t *changes = json_object();
    const char *name = pt_req_form(req, "name");
    const char *email = pt_req_form(req, "email");
    if (name) json_object_set_new(changes, "name", mg_jstr(name));
    if (email) json_object_set_new(changes, "email", mg_jstr(email));
    if (pt_req_form(req, "groups_present")) {
        const char **vals = NULL;
        size_t n = pt_req_form_all(req, "groups", &vals);
        json_t *g = json_array();
        for (size_t i = 0; i < n; i++) {
            json_array_append_new(g, mg_jstr(vals[i]));
        }
        json_object_set_new(changes, "groups", g);
    }
    if (pt_req_form(req, "admin_present"))
        json_object_set_new(changes, "customer_admin", json_boolean(pt_req_form(req, "customer_admin") != NULL));
    apply_form(req, id, changes, "saved");
    return 0;
}

int mg_user_status_post(pt_req *req)
{
    uint64_t id = mg_param_id(req, "id");
    const char *s = pt_req_form(req, "status");
    if (!id) {
        pt_http_error(req, 404, mg_t(req, "err.no_user"));
        return 0;
    }
    json_t *changes = json_pack("{s:o}", "status", mg_jstr(s));
    apply_form(req, id, changes, s && strcmp(s, "Active") == 0 ? "activated" : "deactivated");
    return 0;
}

int mg_user_delete_post(pt_req *req)
{
    uint64_t id = mg_param_id(req, "id");
    if (!id) {
        pt_http_error(req, 404, mg_t(req, "err.no_user"));
        return 0;
    }
    mg_err e = {0};
    pt_txn *txn = mg_begin(req, true);
    if (!txn) return 0;
    if (mg_user_delete(req, txn, pt_req_account(req), id, &e) != 0) {
        pt_txn_abort(txn);
        if (e.status == 404) mg_fail(req, &e);
        else render_edit(req, e.status, id, &e);
        return 0;
    }
    if (mg_commit(req, txn) != 0) return 0;
    pt_resp_redirect(req, "/team?done=deleted");
    return 0;
}

/* ---- invitation forms ------------------------------------------------------------- */

int mg_invite_form_post(pt_req *req)
{
    uint64_t account = pt_req_account(req);
    const char *text = pt_req_form(req, "emails");
    json_t *emails = NULL;
    mg_err e = {0};
    const char **vals = NULL;
    size_t n = pt_req_form_all(req, "groups", &vals);
    uint64_t *ids = NULL;
    size_t nids = 0;
    int rc = mg_parse_addresses(text, &emails, &e);
    if (rc == 0) {
        pt_txn *txn = mg_begin(req, false);
        if (!txn) {
            json_decref(emails);
            return 0;
        }
        if (mg_groups_by_id(txn, account, vals, n, &ids, &nids) != 0) {
            mg_set(&e, 404, "groups", "err.no_group");
            rc = PT_ENOTFOUND;
        }
        pt_txn_abort(txn);
    }
    json_t *report = NULL;
    if (rc == 0)
        rc = mg_invite_many(req, account, emails, ids, nids,
                            pt_req_form(req, "customer_admin") != NULL, &report, &e);
    free(ids);
    json_decref(emails);
    if (rc) {
        json_t *extra = json_pack("{s:s, s:s, s:s, s:b}", "invite_error", mg_msg(req, &e),
                                  "invite_error_field", e.field ? e.field : "", "emails",
                                  mg_utf8(text) ? text : "", "invite_open", 1);
        render_users(req, e.status, extra);
        return 0;
    }
    size_t i;
    json_t *r;
    json_array_foreach(report, i, r) {
        char key[64];
        snprintf(key, sizeof key, "report.%s", pt_rec_str(r, "status", ""));
        json_object_set_new(r, "status_text", json_string(mg_t(req, key)));
        json_object_set_new(r, "ok", json_boolean(strcmp(pt_rec_str(r, "status", ""), "invited") == 0));
    }
    render_users(req, 200, json_pack("{s:o}", "invite_report", report));
    return 0;
}

int mg_invite_csv_post(pt_req *req)
{
    const char *data = NULL;
    size_t len = 0;
    mg_err e = {0};
    json_t *report = NULL;
    int rc;
    if (pt_req_file(req, "file", &data, &len, NULL, NULL) != 0 || len == 0) {
        mg_set(&e, 422, "file", "err.csv_missing");
        rc = PT_EINVAL;
    } else {
        rc = mg_csv_import(req, pt_req_account(req), data, len, &report, &e);
    }
    if (rc) {
        render_users(req, e.status, json_pack("{s:s, s:b}", "csv_error", mg_msg(req, &e), "csv_open", 1));
        return 0;
    }
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(report, "rows"), i, r) {
        char key[64];
        snprintf(key, sizeof key, "report.%s", pt_rec_str(r, "status", ""));
        json_object_set_new(r, "status_text", json_string(mg_t(req, key)));
        json_object_set_new(r, "ok", json_boolean(strcmp(pt_rec_str(r, "status", ""), "invited") == 0));
        json_t *g = json_object_get(r, "groups");
        if (json_is_array(g)) {
            pt_buf b = PT_BUF_INIT;
            size_t j;
            json_t *s;
            json_array_foreach(g, j, s) {
                if (b.len) pt_buf_puts(&b, ", ");
                pt_buf_puts(&b, json_string_value(s));
            }
            json_object_set_new(r, "groups_text", json_string(b.data ? b.data : ""));
            pt_buf_free(&b);
        }
    }
    render_users(req, 200, json_pack("{s:o}", "csv_report", report));
    return 0;
}

static void invitation_op(pt_req *req, bool resend)
{
    uint64_t id = mg_param_id(req, "id");
    pt_txn *txn = id ? mg_begin(req, true) : NULL;
    if (!id) pt_http_error(req, 404, mg_t(req, "err.no_invitation"));
    if (!txn) return;
    int rc = resend ? mg_invite_resend(req, txn, pt_req_account(req), id)
                    : mg_invite_revoke(req, txn, pt_req_account(req), id);
    if (rc) {
        pt_txn_abort(txn);
        pt_http_error(req, rc == PT_ENOTFOUND ? 404 : 503,
                      mg_t(req, rc == PT_ENOTFOUND ? "err.no_invitation" : "err.busy"));
        return;
    }
    if (mg_commit(req, txn) != 0) return;
    pt_resp_redirect(req, resend ? "/team?done=resent" : "/team?done=revoked");
}

int mg_invitation_resend_post(pt_req *req)
{
    invitation_op(req, true);
    return 0;
}

int mg_invitation_revoke_post(pt_req *req)
{
    invitation_op(req, false);
    return 0;
}
