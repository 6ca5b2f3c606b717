/*
 * plugins/team/part2.c - team management registration (routes, databases,
 * locale folder, nav entry, notification kind, settings) and the helpers
 * the management files share: errors, transactions, member views, CSV
 * cells, group lookups, admin notifications.
 *
 * team_part2_init() is called from team.c's init, so everything here is
 * registered (and rolled back) as part of the team plugin.
 *
 * Every page route needs team.view or team.edit through the core gate;
 * the acting account is always the request's account (staff switch
 * accounts in the header like anyone else), and every lookup of a
 * member, group or invitation is scoped to it, so another account's ids
 * answer 404.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "team_manage.h"

json_t *mg_jstr(const char *s)
{
    json_t *j = s ? json_string(s) : NULL;
    return j ? j : json_string("");
}

bool mg_utf8(const char *s)
{
    json_t *j = s ? json_string(s) : NULL;
    bool ok = j != NULL;
    json_decref(j);
    return ok;
}

/* ---- errors ---------------------------------------------------------------- */

void mg_set(mg_err *e, int status, const char *field, const char *key)
{
    e->status = status;
    e->field = NULL;
    if (field) {
        snprintf(e->fieldbuf, sizeof e->fieldbuf, "%s", field);
        e->field = e->fieldbuf;
    }
    e->key = key;
    e->detail[0] = 0;
}

const char *mg_t(pt_req *req, const char *key)
{
    char full[160];
    snprintf(full, sizeof full, "team_manage.%s", key);
    return pt_t(req, full);
}

const char *mg_msg(pt_req *req, const mg_err *e)
{
    const char *m = mg_t(req, e->key ? e->key : "err.busy");
    if (!e->detail[0]) return m;
    return pt_arena_printf(pt_req_arena(req), "%s %s", m, e->detail);
}

void mg_fail(pt_req *req, const mg_err *e)
{
    int status = e->status ? e->status : 500;
    if (e->field) pt_http_error_field(req, status, e->field, mg_msg(req, e));
    else pt_http_error(req, status, mg_msg(req, e));
}

pt_txn *mg_begin(pt_req *req, bool write)
{
    int rc = 0;
    pt_txn *txn = pt_txn_begin(write, &rc);
    if (!txn) pt_http_error(req, 503, mg_t(req, "err.busy"));
    return txn;
}

int mg_commit(pt_req *req, pt_txn *txn)
{
    int rc = pt_txn_commit(txn);
    if (rc) pt_http_error(req, 503, mg_t(req, "err.busy"));
    return rc;
}

int mg_api_delete(pt_req *req, const char *missing_key, mg_delete_fn del)
{
    uint64_t id = mg_param_id(req, "id");
    mg_err e = {0};
    pt_txn *txn = mg_begin(req, true);
    if (!txn) return 0;
    if (!id) mg_set(&e, 404, NULL, missing_key);
    if (!id || del(req, txn, pt_req_account(req), id, &e) != 0) {
        pt_txn_abort(txn);
        mg_fail(req, &e);
        return 0;
    }
    if (mg_commit(req, txn) != 0) return 0;
    pt_resp_json(req, 200, json_pack("{s:o, s:b}", "id", team_id_json(id), "deleted", 1));
    return 0;
}

uint64_t mg_param_id(pt_req *req, const char *name)
{
    uint64_t id = 0;
    const char *s = pt_req_param(req, name);
    if (!s || pt_id_parse(s, &id) != 0) return 0;
    return id;
}

int mg_audit(pt_txn *txn, uint64_t account, uint64_t actor, const char *action, json_t *details)
{
    return team_audit_append(txn, account, actor, action, details);
}

/* ---- views -------------------------------------------------------------------- */

json_t *mg_member_view(pt_req *req, pt_txn *txn, uint64_t account, const json_t *m)
{
    uint64_t uid = pt_rec_u64(m, "user", 0);
    json_t *u = NULL;
    team_user_get(txn, uid, &u);
    const char *status = pt_rec_str(m, "status", "Active");
    json_t *v = json_object();
    json_object_set_new(v, "id", team_id_json(uid));
    json_object_set_new(v, "email", json_string(pt_rec_str(u, "email", "")));
    json_object_set_new(v, "name", json_string(pt_rec_str(u, "name", "")));
    json_object_set_new(v, "status", json_string(status));
    json_object_set_new(v, "customer_admin", json_boolean(pt_rec_bool(m, "customer_admin", false)));
    json_object_set_new(v, "is_self", json_boolean(req && uid == pt_req_user(req)));
    bool pending = strcmp(status, "Pending") == 0;
    json_object_set_new(v, "pending", json_boolean(pending));
    json_object_set_new(v, "active", json_boolean(strcmp(status, "Active") == 0));
    json_object_set_new(v, "deactivated", json_boolean(strcmp(status, "Deactivated") == 0));
    json_t *groups = json_array(), *gids = json_array();
    size_t i;
    json_t *gid;
    json_array_foreach(json_object_get(m, "groups"), i, gid) {
        json_t *g = NULL;
        if (team_group_get(txn, account, (uint64_t)json_integer_value(gid), &g) != 0) continue;
        json_array_append_new(groups, json_pack("{s:o, s:s, s:b}", "id",
                                                team_id_json(pt_rec_u64(g, "id", 0)), "name",
                                                pt_rec_str(g, "name", ""), "everyone",
                                                strcmp(pt_rec_str(g, "preset", ""), "everyone") == 0));
        json_array_append_new(gids, team_id_json(pt_rec_u64(g, "id", 0)));
        json_decref(g);
    }
    json_object_set_new(v, "groups", groups);
    json_object_set_new(v, "group_ids", gids);
    uint64_t last = pt_rec_u64(m, "last_active", 0);
    if (pending) {
        json_object_set_new(v, "last_active", json_string("Pending"));
        json_object_set_new(v, "last_active_text", json_string(req ? mg_t(req, "users.pending") : "Pending"));
    } else if (last) {
        char iso[32];
        time_t t = (time_t)(last / 1000);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &tm);
        json_object_set_new(v, "last_active", json_string(iso));
        pt_buf b = PT_BUF_INIT;
        if (req) pt_i18n_format_datetime(req, (int64_t)last, pt_rec_str(u, "tz", "UTC"), &b);
        json_object_set_new(v, "last_active_text", json_string(b.data ? b.data : iso));
        pt_buf_free(&b);
    } else {
        json_object_set_new(v, "last_active", json_null());
        json_object_set_new(v, "last_active_text", json_string(req ? mg_t(req, "users.never") : "Never"));
    }
    json_decref(u);
    return v;
}

static int by_email(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    return strcmp(pt_rec_str(x, "email", ""), pt_rec_str(y, "email", ""));
}

json_t *mg_member_views(pt_req *req, pt_txn *txn, uint64_t account)
{
    json_t *members = team_member_list(txn, account);
    size_t n = json_array_size(members);
    json_t **tmp = pt_xcalloc(n + 1, sizeof *tmp);
    for (size_t i = 0; i < n; i++) tmp[i] = mg_member_view(req, txn, account, json_array_get(members, i));
    qsort(tmp, n, sizeof *tmp, by_email);
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(out, tmp[i]);
    free(tmp);
    json_decref(members);
    return out;
}

void mg_csv_cell(pt_buf *b, const char *s)
{
    if (!s) s = "";
    bool formula = s[0] && strchr("=+-@\t\r", s[0]) != NULL;
    bool quote = formula || strpbrk(s, ",\"\r\n") != NULL;
    if (!quote) {
        pt_buf_puts(b, s);
        return;
    }
    pt_buf_putc(b, '"');
    if (formula) pt_buf_putc(b, '\'');
    for (; *s; s++) {
        if (*s == '"') pt_buf_putc(b, '"');
        pt_buf_putc(b, *s);
    }
    pt_buf_putc(b, '"');
}

size_t mg_admin_count(pt_txn *txn, uint64_t account)
{
    json_t *members = team_member_list(txn, account);
    size_t n = 0, i;
    json_t *m;
    json_array_foreach(members, i, m) {
        if (pt_rec_bool(m, "customer_admin", false) &&
            strcmp(pt_rec_str(m, "status", ""), "Active") == 0)
            n++;
    }
    json_decref(members);
    return n;
}

int mg_notify_admins(pt_txn *txn, uint64_t account, const char *mail_tpl, const char *msg_key,
                     const char *email, const char *href, json_t *mail_data)
{
    json_t *args = json_pack("{s:s}", "email", email);
    int rc = pt_notify_msg(txn,
                           &(pt_notification){.kind = "team.new_user", .account = account,
                                              .permission = "team.edit", .href = href},
                           msg_key, args);
    json_decref(args);
    if (rc) return rc;
    json_t *acc = NULL;
    team_account_get(txn, account, &acc);
    json_t *members = team_member_list(txn, account);
    size_t i;
    json_t *m;
    json_array_foreach(members, i, m) {
        if (!pt_rec_bool(m, "customer_admin", false) ||
            strcmp(pt_rec_str(m, "status", ""), "Active") != 0)
            continue;
        json_t *u = NULL;
        if (team_user_get(txn, pt_rec_u64(m, "user", 0), &u) != 0) continue;
        if (team_user_active(u) && team_wants(txn, pt_rec_u64(m, "user", 0), "team.new_user")) {
            json_t *data = json_deep_copy(mail_data);
            json_object_set_new(data, "admin_name", json_string(pt_rec_str(u, "name", "")));
            json_object_set_new(data, "account_name", json_string(pt_rec_str(acc, "name", "")));
            json_object_set_new(data, "href", json_string(href ? href : "/team"));
            char tpl[64];
            snprintf(tpl, sizeof tpl, "team/mail/%s", mail_tpl);
            const char *why = NULL;
            rc = pt_mail_enqueue(txn, &(pt_mail){.to = pt_rec_str(u, "email", ""), .template = tpl,
                                                 .data = data, .lang = pt_rec_str(u, "lang", "en"),
                                                 .kind = mail_tpl},
                                 &why);
            if (rc) pt_warn("team: mail %s not queued: %s", mail_tpl, why ? why : pt_strerror(rc));
            json_decref(data);
        }
        json_decref(u);
        if (rc) break;
    }
    json_decref(members);
    json_decref(acc);
    return rc;
}

/* ---- groups ------------------------------------------------------------------- */

static void push_id(uint64_t **ids, size_t *n, uint64_t id)
{
    for (size_t i = 0; i < *n; i++)
        if ((*ids)[i] == id) return;
    *ids = pt_xrealloc(*ids, (*n + 1) * sizeof **ids);
    (*ids)[(*n)++] = id;
}

int mg_groups_by_name(pt_txn *txn, uint64_t account, const char *const *names, size_t n,
                      uint64_t **ids, size_t *nids, json_t **unknown)
{
    *ids = NULL;
    *nids = 0;
    json_t *list = team_group_list(txn, account);
    for (size_t i = 0; i < n; i++) {
        const char *want = names[i];
        uint64_t found = 0;
        size_t j;
        json_t *g;
        json_array_foreach(list, j, g) {
            if (strcasecmp(pt_rec_str(g, "name", ""), want) == 0) found = pt_rec_u64(g, "id", 0);
        }
        if (found) push_id(ids, nids, found);
        else {
            if (!*unknown) *unknown = json_array();
            json_array_append_new(*unknown, json_string(want));
        }
    }
    json_decref(list);
    return 0;
}

int mg_groups_by_id(pt_txn *txn, uint64_t account, const char *const *sids, size_t n,
                    uint64_t **ids, size_t *nids)
{
    *ids = NULL;
    *nids = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t id = 0;
        json_t *g = NULL;
        if (!sids[i] || pt_id_parse(sids[i], &id) != 0 || team_group_get(txn, account, id, &g) != 0) {
            free(*ids);
            *ids = NULL;
            *nids = 0;
            return PT_ENOTFOUND;
        }
        json_decref(g);
        push_id(ids, nids, id);
    }
    return 0;
}

json_t *mg_settings(pt_txn *txn, uint64_t account)
{
    json_t *acc = NULL;
    json_t *s = json_pack("{s:b, s:b, s:b, s:[]}", "invite_only", 0, "approval_queue", 0,
                          "require_2fa", 0, "allowed_domains");
    if (team_account_get(txn, account, &acc) == 0) {
        json_t *have = json_object_get(acc, "settings");
        if (json_is_object(have)) json_object_update(s, have);
    }
    if (!json_is_array(json_object_get(s, "allowed_domains")))
        json_object_set_new(s, "allowed_domains", json_array());
    json_decref(acc);
    return s;
}

json_t *mg_flash(pt_req *req)
{
    const char *done = pt_req_query(req, "done");
    if (!done || !*done || strlen(done) > 40) return NULL;
    for (const char *p = done; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || *p == '_')) return NULL;
    char key[64];
    snprintf(key, sizeof key, "done.%s", done);
    return json_pack("[{s:s, s:s}]", "kind", "success", "message", mg_t(req, key));
}

int mg_member_drop(pt_txn *txn, uint64_t account, uint64_t user)
{
    uint8_t k[16];
    pt_key_u64(k, account);
    pt_key_u64(k + 8, user);
    int rc = pt_record_del_scoped(txn, team_db("members"), k, 16, account);
    uint8_t uk[8];
    pt_key_u64(uk, user);
    if (rc == 0) {
        int r2 = pt_index_del(txn, team_db("members.by_user"), uk, 8, account);
        if (r2 && r2 != PT_ENOTFOUND) rc = r2;
    }
    return rc;
}

int mg_user_drop_if_orphan(pt_txn *txn, uint64_t user)
{
    json_t *u = NULL;
    if (team_user_get(txn, user, &u) != 0) return 0;
    uint64_t *ids = NULL;
    size_t n = 0;
    team_member_accounts(txn, user, &ids, &n);
    free(ids);
    bool orphan = n == 0 && !pt_rec_str(u, "pw", NULL) &&
                  strcmp(pt_rec_str(u, "staff", "none"), "none") == 0;
    int rc = 0;
    if (orphan) {
        uint8_t k[8];
        pt_key_u64(k, user);
        rc = pt_record_del(txn, team_db("users"), k, 8);
        pt_key ek;
        pt_key_init(&ek);
        pt_key_add_str(&ek, pt_rec_str(u, "email", ""));
        if (rc == 0) {
            int r2 = pt_index_del(txn, team_db("users.by_email"), ek.b, ek.len, user);
            if (r2 && r2 != PT_ENOTFOUND) rc = r2;
        }
    }
    json_decref(u);
    return rc;
}

/* ---- registration ----------------------------------------------------------- */

#define FORM 65536
#define JSONB 262144
#define UPLOAD (MG_CSV_BYTES_MAX + 65536)
#define A PT_ROUTE_AUTH
#define J (PT_ROUTE_JSON | PT_ROUTE_AUTH)
static const pt_route routes[] = {
    /* public */
    {.method = "GET", .pattern = "/signup", .handler = mg_signup_page},
    {.method = "POST", .pattern = "/signup", .handler = mg_signup_post, .body_max = FORM},
    {.method = "GET", .pattern = "/invite/:token", .handler = mg_invite_page, .flags = PT_ROUTE_SECRET_PATH},
    {.method = "POST", .pattern = "/invite/:token", .handler = mg_invite_accept, .flags = PT_ROUTE_SECRET_PATH, .body_max = FORM},
    {.method = "POST", .pattern = "/api/v1/signup", .handler = mg_api_signup,
     .flags = PT_ROUTE_JSON | PT_ROUTE_NO_CSRF, .body_max = JSONB},
    /* pages */
    {.method = "GET", .pattern = "/team", .handler = mg_users_page, .flags = A,
     .permission = "team.view"},
    {.method = "GET", .pattern = "/team/users.csv", .handler = mg_users_export, .flags = A,
     .permission = "team.view"},
    {.method = "GET", .pattern = "/team/users/:id", .handler = mg_user_edit_page, .flags = A,
     .permission = "team.view"},
    {.method = "POST", .pattern = "/team/users/:id", .handler = mg_user_edit_post, .flags = A,
     .permission = "team.edit", .body_max = FORM},
    {.method = "POST", .pattern = "/team/users/:id/status", .handler = mg_user_status_post,
     .flags = A, .permission = "team.edit", .body_max = FORM},
    {.method = "POST", .pattern = "/team/users/:id/delete", .handler = mg_user_delete_post,
     .flags = A, .permission = "team.edit", .body_max = FORM},
    {.method = "POST", .pattern = "/team/invite", .handler = mg_invite_form_post, .flags = A,
     .permission = "team.edit", .body_max = FORM},
    {.method = "POST", .pattern = "/team/invite/csv", .handler = mg_invite_csv_post, .flags = A,
     .permission = "team.edit", .body_max = UPLOAD},
    {.method = "POST", .pattern = "/team/invitations/:id/resend",
     .handler = mg_invitation_resend_post, .flags = A, .permission = "team.edit", .body_max = FORM},
    {.method = "POST", .pattern = "/team/invitations/:id/revoke",
     .handler = mg_invitation_revoke_post, .flags = A, .permission = "team.edit", .body_max = FORM},
    {.method = "GET", .pattern = "/team/groups", .handler = mg_groups_page, .flags = A,
     .permission = "team.view"},
    {.method = "POST", .pattern = "/team/groups", .handler = mg_group_create_post, .flags = A,
     .permission = "team.edit", .body_max = FORM},
    {.method = "GET", .pattern = "/team/groups/:id", .handler = mg_group_page, .flags = A,
     .permission = "team.view"},
    {.method = "POST", .pattern = "/team/groups/:id", .handler = mg_group_update_post, .flags = A,
     .permission = "team.edit", .body_max = FORM},
    {.method = "POST", .pattern = "/team/groups/:id/delete", .handler = mg_group_delete_post,
     .flags = A, .permission = "team.edit", .body_max = FORM},
    {.method = "POST", .pattern = "/team/groups/:id/members", .handler = mg_group_member_post,
     .flags = A, .permission = "team.edit", .body_max = FORM},
    {.method = "GET", .pattern = "/team/settings", .handler = mg_settings_page, .flags = A,
     .permission = "team.view"},
    {.method = "POST", .pattern = "/team/settings", .handler = mg_settings_post, .flags = A,
     .permission = "team.edit", .body_max = FORM},
    {.method = "GET", .pattern = "/team/approvals", .handler = mg_approvals_page, .flags = A,
     .permission = "team.view"},
    {.method = "POST", .pattern = "/team/approvals/:id", .handler = mg_approval_decide_form,
     .flags = A, .permission = "team.edit", .body_max = FORM},
    {.method = "GET", .pattern = "/team/audit", .handler = mg_audit_page, .flags = A,
     .permission = "team.view"},
    {.method = "GET", .pattern = "/team/audit.csv", .handler = mg_audit_export, .flags = A,
     .permission = "team.view"},
    /* JSON API */
    {.method = "GET", .pattern = "/api/v1/users", .handler = mg_api_users, .flags = J,
     .permission = "team.view"},
    {.method = "GET", .pattern = "/api/v1/users/:id", .handler = mg_api_user_get, .flags = J,
     .permission = "team.view"},
    {.method = "PATCH", .pattern = "/api/v1/users/:id", .handler = mg_api_user_patch, .flags = J,
     .permission = "team.edit", .body_max = JSONB},
    {.method = "DELETE", .pattern = "/api/v1/users/:id", .handler = mg_api_user_delete,
     .flags = J, .permission = "team.edit"},
    {.method = "GET", .pattern = "/api/v1/groups", .handler = mg_api_groups, .flags = J,
     .permission = "team.view"},
    {.method = "POST", .pattern = "/api/v1/groups", .handler = mg_api_group_create, .flags = J,
     .permission = "team.edit", .body_max = JSONB},
    {.method = "GET", .pattern = "/api/v1/groups/:id", .handler = mg_api_group_get, .flags = J,
     .permission = "team.view"},
    {.method = "PATCH", .pattern = "/api/v1/groups/:id", .handler = mg_api_group_patch,
     .flags = J, .permission = "team.edit", .body_max = JSONB},
    {.method = "DELETE", .pattern = "/api/v1/groups/:id", .handler = mg_api_group_delete,
     .flags = J, .permission = "team.edit"},
    {.method = "GET", .pattern = "/api/v1/groups/:id/members", .handler = mg_api_group_members,
     .flags = J, .permission = "team.view"},
    {.method = "POST", .pattern = "/api/v1/groups/:id/members",
     .handler = mg_api_group_member_add, .flags = J, .permission = "team.edit", .body_max = JSONB},
    {.method = "DELETE", .pattern = "/api/v1/groups/:id/members/:user",
     .handler = mg_api_group_member_remove, .flags = J, .permission = "team.edit"},
    {.method = "GET", .pattern = "/api/v1/groups/:id/permissions",
     .handler = mg_api_group_permissions, .flags = J, .permission = "team.view"},
    {.method = "PUT", .pattern = "/api/v1/groups/:id/permissions",
     .handler = mg_api_group_permissions_put, .flags = J, .permission = "team.edit",
     .body_max = JSONB},
    {.method = "GET", .pattern = "/api/v1/invitations", .handler = mg_api_invitations,
     .flags = J, .permission = "team.view"},
    {.method = "POST", .pattern = "/api/v1/invitations", .handler = mg_api_invitations_create,
     .flags = J, .permission = "team.edit", .body_max = JSONB},
    {.method = "POST", .pattern = "/api/v1/invitations/bulk",
     .handler = mg_api_invitations_bulk, .flags = J, .permission = "team.edit",
     .body_max = UPLOAD},
    {.method = "POST", .pattern = "/api/v1/invitations/:id/resend",
     .handler = mg_api_invitation_resend, .flags = J, .permission = "team.edit"},
    {.method = "DELETE", .pattern = "/api/v1/invitations/:id",
     .handler = mg_api_invitation_revoke, .flags = J, .permission = "team.edit"},
    {.method = "GET", .pattern = "/api/v1/approvals", .handler = mg_api_approvals, .flags = J,
     .permission = "team.view"},
    {.method = "POST", .pattern = "/api/v1/approvals/:id/accept",
     .handler = mg_api_approval_accept, .flags = J, .permission = "team.edit"},
    {.method = "POST", .pattern = "/api/v1/approvals/:id/reject",
     .handler = mg_api_approval_reject, .flags = J, .permission = "team.edit"},
    {.method = "GET", .pattern = "/api/v1/settings", .handler = mg_api_settings, .flags = J,
     .permission = "team.view"},
    {.method = "PATCH", .pattern = "/api/v1/settings", .handler = mg_api_settings_patch,
     .flags = J, .permission = "team.edit", .body_max = JSONB},
};

static int export_invite(pt_req *req, pt_txn *txn, uint64_t account, const char *email)
{
    uint64_t g = team_group_preset(txn, account, "support");
    mg_inv_result res;
    int rc = mg_invite_one(req, txn, account, email, g ? &g : NULL, g ? 1 : 0, false, &res);
    if (rc == 0 && res == MG_INV_BAD_EMAIL) return PT_EINVAL;
    return rc;
}

static const pt_team_invite_api invite_api = {export_invite};

int team_part2_init(pt_host *h)
{
    int rc = 0;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0] && rc == 0; i++)
        rc = pt_host_route(h, &routes[i]);
    if (rc == 0) rc = pt_host_export(h, "invite", &invite_api);
    if (rc == 0) rc = pt_host_db(h, "invitations", PT_DB_PLAIN);
    if (rc == 0) rc = pt_host_db(h, "invite_links", PT_DB_PLAIN);
    if (rc == 0) rc = pt_host_db(h, "approvals", PT_DB_PLAIN);
    if (rc == 0) rc = pt_host_locales(h, "locales_manage");
    if (rc == 0)
        rc = pt_host_nav(h, &(pt_nav){.label = "team_manage.nav", .href = "/team",
                                      .permission = "team.view", .order = 80, .icon = "users",
                                      .signed_in = true});
    if (rc == 0) rc = pt_host_notification_kind(h, "team.new_user", "team_manage.kind_new_user");
    if (rc == 0)
        rc = pt_host_config(h, "invite_ttl_seconds", PT_CONFIG_INT, json_integer(7 * 86400),
                            "How long an invitation link is valid.");
    return rc;
}
