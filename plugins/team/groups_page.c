/*
 * plugins/team/groups_page.c - groups of an account: the Groups page
 * (/team/groups, /team/groups/:id) and the operations it shares with
 * /api/v1/groups: create, rename, set permissions, add/remove members,
 * delete.
 *
 * Rules: names are 1..MG_GROUP_NAME_MAX characters and unique in the
 * account (case-insensitively); permissions must be ones a loaded plugin
 * declared (pt_permissions_all); `Everyone` cannot be deleted, renamed or
 * left; nobody removes themselves from Administrators. Deleting a group
 * removes it from every member. Every change is audited (group.created,
 * group.renamed, group.permissions_changed, group.member_added,
 * group.member_removed, group.deleted).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "team_manage.h"

static bool is_everyone(const json_t *g) { return strcmp(pt_rec_str(g, "preset", ""), "everyone") == 0; }

static bool has_id(const json_t *arr, uint64_t id)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) if ((uint64_t)json_integer_value(v) == id) return true;
    return false;
}

json_t *mg_group_view(pt_txn *txn, uint64_t account, const json_t *g, bool members)
{
    uint64_t id = pt_rec_u64(g, "id", 0);
    json_t *perms = json_object_get(g, "permissions");
    json_t *v = json_pack("{s:o, s:s, s:b, s:o}", "id", team_id_json(id), "name",
                          pt_rec_str(g, "name", ""), "everyone", is_everyone(g), "permissions",
                          json_is_array(perms) ? json_deep_copy(perms) : json_array());
    const char *preset = pt_rec_str(g, "preset", NULL);
    json_object_set_new(v, "preset", preset ? json_string(preset) : json_null());
    json_t *list = team_member_list(txn, account), *mem = json_array();
    size_t i, count = 0;
    json_t *m;
    json_array_foreach(list, i, m) {
        if (!is_everyone(g) && !has_id(json_object_get(m, "groups"), id)) continue;
        count++;
        if (!members) continue;
        json_t *u = NULL;
        uint64_t uid = pt_rec_u64(m, "user", 0);
        team_user_get(txn, uid, &u);
        json_array_append_new(mem, json_pack("{s:o, s:s, s:s, s:s}", "id", team_id_json(uid),
                                             "email", pt_rec_str(u, "email", ""), "name",
                                             pt_rec_str(u, "name", ""), "status",
                                             pt_rec_str(m, "status", "")));
        json_decref(u);
    }
    json_decref(list);
    json_object_set_new(v, "member_count", json_integer((json_int_t)count));
    if (members) json_object_set_new(v, "members", mem);
    else json_decref(mem);
    return v;
}

static bool name_ok(const char *name, mg_err *e)
{
    if (!name || !*name) {
        mg_set(e, 422, "name", "err.group_name_empty");
        return false;
    }
    if (!team_text_ok(name, MG_GROUP_NAME_MAX, false) || name[0] == ' ' ||
        name[strlen(name) - 1] == ' ') {
        mg_set(e, 422, "name", "err.group_name");
        return false;
    }
    return true;
}

static bool name_taken(pt_txn *txn, uint64_t account, const char *name, uint64_t except)
{
    json_t *list = team_group_list(txn, account);
    bool taken = false;
    size_t i;
    json_t *g;
    json_array_foreach(list, i, g) {
        if (pt_rec_u64(g, "id", 0) != except && strcasecmp(pt_rec_str(g, "name", ""), name) == 0)
            taken = true;
    }
    json_decref(list);
    return taken;
}

/* perms: array of strings, each a declared permission. New sorted,
 * de-duplicated array or NULL (error set). */
static json_t *perms_checked(const json_t *perms, mg_err *e)
{
    if (!json_is_array(perms) || json_array_size(perms) > 500) {
        mg_set(e, 422, "permissions", "err.permissions");
        return NULL;
    }
    json_t *all = pt_permissions_all(), *out = json_array();
    size_t i;
    json_t *p;
    json_array_foreach(perms, i, p) {
        const char *name = json_string_value(p);
        bool known = false, dup = false;
        size_t j;
        json_t *a;
        json_array_foreach(all, j, a) known = known || (name && strcmp(pt_rec_str(a, "name", ""), name) == 0);
        json_array_foreach(out, j, a) dup = dup || (name && strcmp(json_string_value(a), name) == 0);
        if (!known) {
            mg_set(e, 422, "permissions", "err.permission");
            snprintf(e->detail, sizeof e->detail, "(%.80s)", name ? name : "?");
            json_decref(all);
            json_decref(out);
            return NULL;
        }
        if (!dup) json_array_append_new(out, json_string(name));
    }
    json_decref(all);
    return out;
}

int mg_group_create(pt_req *req, pt_txn *txn, uint64_t account, const char *name,
                    const json_t *perms, uint64_t *id, mg_err *e)
{
    if (!name_ok(name, e)) return PT_EINVAL;
    if (name_taken(txn, account, name, 0)) {
        mg_set(e, 409, "name", "err.group_exists");
        return PT_EEXIST;
    }
    json_t *p = perms ? perms_checked(perms, e) : json_array();
    if (!p) return PT_EINVAL;
    size_t n = json_array_size(p);
    const char **list = pt_xcalloc(n + 1, sizeof *list);
    for (size_t i = 0; i < n; i++) list[i] = json_string_value(json_array_get(p, i));
    int rc = team_group_create(txn, account, name, NULL, list, id);
    free(list);
    if (rc == 0) {
        json_t *d = json_pack("{s:o, s:s, s:O}", "group", team_id_json(*id), "name", name,
                              "permissions", p);
        rc = mg_audit(txn, account, pt_req_user(req), "group.created", d);
        json_decref(d);
    }
    json_decref(p);
    if (rc) mg_set(e, 503, NULL, "err.busy");
    return rc;
}

int mg_group_update(pt_req *req, pt_txn *txn, uint64_t account, uint64_t id, const char *name,
                    const json_t *perms, mg_err *e)
{
    json_t *g = NULL;
    if (team_group_get(txn, account, id, &g) != 0) {
        mg_set(e, 404, NULL, "err.no_group");
        return PT_ENOTFOUND;
    }
    int rc = PT_EINVAL;
    json_t *p = NULL;
    bool renamed = false;
    if (name && strcmp(name, pt_rec_str(g, "name", "")) != 0) {
        if (is_everyone(g)) {
            mg_set(e, 409, "name", "err.everyone_rename");
            goto out;
        }
        if (!name_ok(name, e)) goto out;
        if (name_taken(txn, account, name, id)) {
            mg_set(e, 409, "name", "err.group_exists");
            goto out;
        }
        renamed = true;
    }
    if (perms && !(p = perms_checked(perms, e))) goto out;
    rc = 0;
    if (renamed) {
        json_t *d = json_pack("{s:o, s:s, s:s}", "group", team_id_json(id), "from",
                              pt_rec_str(g, "name", ""), "to", name);
        rc = mg_audit(txn, account, pt_req_user(req), "group.renamed", d);
        json_decref(d);
        json_object_set_new(g, "name", json_string(name));
    }
    if (rc == 0 && p) {
        json_t *from = json_object_get(g, "permissions");
        json_t *d = json_pack("{s:o, s:s, s:o, s:O}", "group", team_id_json(id), "name",
                              pt_rec_str(g, "name", ""), "from",
                              json_is_array(from) ? json_deep_copy(from) : json_array(), "to", p);
        rc = mg_audit(txn, account, pt_req_user(req), "group.permissions_changed", d);
        json_decref(d);
        json_object_set(g, "permissions", p);
    }
    if (rc == 0) rc = team_group_put(txn, account, id, g);
    if (rc) mg_set(e, 503, NULL, "err.busy");
out:
    json_decref(p);
    json_decref(g);
    return rc;
}

int mg_group_delete(pt_req *req, pt_txn *txn, uint64_t account, uint64_t id, mg_err *e)
{
    json_t *g = NULL;
    if (team_group_get(txn, account, id, &g) != 0) {
        mg_set(e, 404, NULL, "err.no_group");
        return PT_ENOTFOUND;
    }
    if (is_everyone(g)) {
        json_decref(g);
        mg_set(e, 409, NULL, "err.everyone_delete");
        return PT_EPERM;
    }
    int rc = 0;
    json_t *list = team_member_list(txn, account);
    size_t i;
    json_t *m;
    json_array_foreach(list, i, m) {
        json_t *gs = json_object_get(m, "groups");
        if (!has_id(gs, id)) continue;
        uint64_t uid = pt_rec_u64(m, "user", 0);
        if (uid == pt_req_user(req) && strcmp(pt_rec_str(g, "preset", ""), "admins") == 0) {
            mg_set(e, 409, NULL, "err.self_demote");
            rc = PT_EPERM;
            break;
        }
        json_t *ng = json_array();
        size_t j;
        json_t *v;
        json_array_foreach(gs, j, v) if ((uint64_t)json_integer_value(v) != id) json_array_append(ng, v);
        json_object_set_new(m, "groups", ng);
        rc = team_member_put(txn, account, uid, m);
        if (rc) break;
    }
    json_decref(list);
    if (rc == 0) {
        uint8_t k[16];
        pt_key_u64(k, account);
        pt_key_u64(k + 8, id);
        rc = pt_record_del_scoped(txn, team_db("groups"), k, 16, account);
    }
    if (rc == 0) {
        json_t *d = json_pack("{s:o, s:s}", "group", team_id_json(id), "name", pt_rec_str(g, "name", ""));
        rc = mg_audit(txn, account, pt_req_user(req), "group.deleted", d);
        json_decref(d);
    }
    json_decref(g);
    if (rc && !e->status) mg_set(e, 503, NULL, "err.busy");
    return rc;
}

int mg_group_member(pt_req *req, pt_txn *txn, uint64_t account, uint64_t id, uint64_t user,
                    bool add, mg_err *e)
{
    json_t *g = NULL, *m = NULL, *u = NULL;
    int rc = PT_ENOTFOUND;
    if (team_group_get(txn, account, id, &g) != 0) {
        mg_set(e, 404, NULL, "err.no_group");
        goto out;
    }
    if (!user || team_member_get(txn, account, user, &m) != 0) {
        mg_set(e, 404, "user", "err.no_user");
        goto out;
    }
    rc = PT_EPERM;
    if (is_everyone(g)) {
        mg_set(e, 409, NULL, "err.everyone_members");
        goto out;
    }
    if (!add && user == pt_req_user(req) && strcmp(pt_rec_str(g, "preset", ""), "admins") == 0) {
        mg_set(e, 409, NULL, "err.self_demote");
        goto out;
    }
    json_t *gs = json_object_get(m, "groups");
    if (!json_is_array(gs)) {
        gs = json_array();
        json_object_set_new(m, "groups", gs);
    }
    rc = 0;
    if (add && !has_id(gs, id)) json_array_append_new(gs, json_integer((json_int_t)id));
    else if (!add) {
        for (size_t i = json_array_size(gs); i-- > 0;)
            if ((uint64_t)json_integer_value(json_array_get(gs, i)) == id) json_array_remove(gs, i);
    }
    rc = team_member_put(txn, account, user, m);
    team_user_get(txn, user, &u);
    if (rc == 0) {
        json_t *d = json_pack("{s:o, s:s, s:o, s:s}", "group", team_id_json(id), "name",
                              pt_rec_str(g, "name", ""), "user", team_id_json(user), "email",
                              pt_rec_str(u, "email", ""));
        rc = mg_audit(txn, account, pt_req_user(req), add ? "group.member_added" : "group.member_removed", d);
        json_decref(d);
    }
    if (rc) mg_set(e, 503, NULL, "err.busy");
out:
    json_decref(g);
    json_decref(m);
    json_decref(u);
    return rc;
}

/* ---- pages ------------------------------------------------------------------------ */

static json_t *perm_choices(pt_req *req, const json_t *have)
{
    json_t *all = pt_permissions_all(), *out = json_array();
    size_t i;
    json_t *p;
    json_array_foreach(all, i, p) {
        const char *name = pt_rec_str(p, "name", "");
        bool on = false;
        size_t j;
        json_t *h;
        json_array_foreach(have, j, h) on = on || strcmp(json_string_value(h), name) == 0;
        char id[80];
        snprintf(id, sizeof id, "perm-%zu", i);
        json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:b}", "name", name, "label",
                                             pt_t(req, pt_rec_str(p, "label", name)), "id", id,
                                             "checked", on));
    }
    json_decref(all);
    return out;
}

static void render_groups(pt_req *req, int status, json_t *extra)
{
    pt_txn *txn = mg_begin(req, false);
    if (!txn) {
        json_decref(extra);
        return;
    }
    uint64_t account = pt_req_account(req);
    json_t *list = team_group_list(txn, account), *views = json_array();
    size_t i;
    json_t *g;
    json_array_foreach(list, i, g) json_array_append_new(views, mg_group_view(txn, account, g, false));
    json_decref(list);
    pt_txn_abort(txn);
    json_t *ctx = json_pack("{s:o, s:b, s:b, s:o}", "groups", views, "can_edit",
                            pt_req_can(req, "team.edit"), "tab_groups", 1, "permissions",
                            perm_choices(req, NULL));
    json_t *flash = mg_flash(req);
    if (flash) json_object_set_new(ctx, "flash", flash);
    if (extra) json_object_update(ctx, extra);
    json_decref(extra);
    team_render(req, status, "team/manage_groups", ctx);
}

int mg_groups_page(pt_req *req)
{
    render_groups(req, 200, NULL);
    return 0;
}

static void render_group(pt_req *req, int status, uint64_t id, const mg_err *e)
{
    pt_txn *txn = mg_begin(req, false);
    if (!txn) return;
    uint64_t account = pt_req_account(req);
    json_t *g = NULL;
    if (team_group_get(txn, account, id, &g) != 0) {
        pt_txn_abort(txn);
        pt_http_error(req, 404, mg_t(req, "err.no_group"));
        return;
    }
    json_t *view = mg_group_view(txn, account, g, true);
    /* Members not yet in the group, for the add form. */
    json_t *all = mg_member_views(req, txn, account), *others = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(all, i, v) {
        bool in = false;
        size_t j;
        json_t *x;
        json_array_foreach(json_object_get(view, "members"), j, x)
            in = in || strcmp(pt_rec_str(x, "id", ""), pt_rec_str(v, "id", "")) == 0;
        if (!in)
            json_array_append_new(others, json_pack("{s:s, s:s}", "id", pt_rec_str(v, "id", ""),
                                                    "email", pt_rec_str(v, "email", "")));
    }
    json_decref(all);
    json_t *ctx = json_pack("{s:o, s:o, s:o, s:b, s:b}", "group", view, "permissions",
                            perm_choices(req, json_object_get(g, "permissions")), "others", others,
                            "can_edit", pt_req_can(req, "team.edit"), "has_others",
                            json_array_size(others) > 0);
    json_decref(g);
    pt_txn_abort(txn);
    if (e && e->status) json_object_set_new(ctx, "error", json_string(mg_msg(req, e)));
    json_t *flash = mg_flash(req);
    if (flash) json_object_set_new(ctx, "flash", flash);
    team_render(req, status, "team/manage_group", ctx);
}

int mg_group_page(pt_req *req)
{
    uint64_t id = mg_param_id(req, "id");
    if (!id) {
        pt_http_error(req, 404, mg_t(req, "err.no_group"));
        return 0;
    }
    render_group(req, 200, id, NULL);
    return 0;
}

static json_t *form_perms(pt_req *req)
{
    const char **vals = NULL;
    size_t n = pt_req_form_all(req, "permissions", &vals);
    json_t *p = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(p, mg_jstr(vals[i]));
    return p;
}

int mg_group_create_post(pt_req *req)
{
    const char *name = pt_req_form(req, "name");
    mg_err e = {0};
    pt_txn *txn = mg_begin(req, true);
    if (!txn) return 0;
    json_t *perms = form_perms(req);
    uint64_t id = 0;
    int rc = mg_group_create(req, txn, pt_req_account(req), mg_utf8(name) ? name : NULL, perms, &id, &e);
    json_decref(perms);
    if (rc) {
        pt_txn_abort(txn);
        render_groups(req, e.status, json_pack("{s:s, s:s}", "error", mg_msg(req, &e), "name",
                                               mg_utf8(name) ? name : ""));
        return 0;
    }
    if (mg_commit(req, txn) != 0) return 0;
    char s[PT_ID_STRLEN];
    pt_resp_redirect(req, pt_arena_printf(pt_req_arena(req), "/team/groups/%s?done=group_created",
                                          pt_id_to_str(id, s)));
    return 0;
}

int mg_group_update_post(pt_req *req)
{
    uint64_t id = mg_param_id(req, "id");
    mg_err e = {0};
    pt_txn *txn = id ? mg_begin(req, true) : NULL;
    if (!id) pt_http_error(req, 404, mg_t(req, "err.no_group"));
    if (!txn) return 0;
    const char *name = pt_req_form(req, "name");
    json_t *perms = pt_req_form(req, "permissions_present") ? form_perms(req) : NULL;
    int rc = mg_group_update(req, txn, pt_req_account(req), id, name && mg_utf8(name) ? name : (name ? "" : NULL), perms, &e);
    json_decref(perms);
    if (rc) {
        pt_txn_abort(txn);
        if (e.status == 404) mg_fail(req, &e);
        else render_group(req, e.status, id, &e);
        return 0;
    }
    if (mg_commit(req, txn) != 0) return 0;
    char s[PT_ID_STRLEN];
    pt_resp_redirect(req, pt_arena_printf(pt_req_arena(req), "/team/groups/%s?done=group_saved",
                                          pt_id_to_str(id, s)));
    return 0;
}

int mg_group_delete_post(pt_req *req)
{
    uint64_t id = mg_param_id(req, "id");
    mg_err e = {0};
    pt_txn *txn = id ? mg_begin(req, true) : NULL;
    if (!id) pt_http_error(req, 404, mg_t(req, "err.no_group"));
    if (!txn) return 0;
    if (mg_group_delete(req, txn, pt_req_account(req), id, &e) != 0) {
        pt_txn_abort(txn);
        if (e.status == 404) mg_fail(req, &e);
        else render_group(req, e.status, id, &e);
        return 0;
    }
    if (mg_commit(req, txn) != 0) return 0;
    pt_resp_redirect(req, "/team/groups?done=group_deleted");
    return 0;
}

int mg_group_member_post(pt_req *req)
{
    uint64_t id = mg_param_id(req, "id");
    uint64_t user = 0;
    const char *us = pt_req_form(req, "user");
    if (us) pt_id_parse(us, &user);
    const char *action = pt_req_form(req, "action");
    bool add = !action || strcmp(action, "remove") != 0;
    mg_err e = {0};
    pt_txn *txn = id ? mg_begin(req, true) : NULL;
    if (!id) pt_http_error(req, 404, mg_t(req, "err.no_group"));
    if (!txn) return 0;
    if (mg_group_member(req, txn, pt_req_account(req), id, user, add, &e) != 0) {
        pt_txn_abort(txn);
        if (e.status == 404) mg_fail(req, &e);
        else render_group(req, e.status, id, &e);
        return 0;
    }
    if (mg_commit(req, txn) != 0) return 0;
    char s[PT_ID_STRLEN];
    pt_resp_redirect(req, pt_arena_printf(pt_req_arena(req), "/team/groups/%s?done=%s",
                                          pt_id_to_str(id, s), add ? "member_added" : "member_removed"));
    return 0;
}
