/*
 * plugins/team/profile.c - the profile page: personal details (the email
 * is shown, never editable), the accounts the user belongs to with the
 * permissions held in each, notification settings (kinds switched off and
 * the weekly digest), API tokens, two-factor status and password change.
 * team_profile_apply is shared with PATCH /api/v1/me: every field is
 * checked before anything changes.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "team.h"

static bool tz_ok(const char *tz)
{
    if (!tz || !*tz || strlen(tz) > TEAM_TZ_MAX || strstr(tz, "..") || tz[0] == '/') return false;
    if (strcmp(tz, "UTC") == 0) return true;
    for (const char *p = tz; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              strchr("/_+-", *p)))
            return false;
    char path[128];
    snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", tz);
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool phone_ok(const char *s)
{
    if (!team_text_ok(s, TEAM_PHONE_MAX, true)) return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= '0' && *p <= '9') || strchr(" +-()./x", *p))) return false;
    return true;
}

int team_profile_apply(json_t *u, const json_t *obj, const char **field, const char **why)
{
    static const struct {
        const char *in, *rec;
    } map[] = {{"name", "name"},         {"phone", "phone"},   {"job_title", "title"},
               {"timezone", "tz"},       {"language", "lang"}};
    if (!json_is_object(obj)) {
        *field = NULL;
        *why = "team.err.not_object";
        return PT_EINVAL;
    }
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v) {
        *field = key;
        if (strcmp(key, "email") == 0) {
            *why = "team.err.email_fixed";
            return PT_EINVAL;
        }
        bool known = false;
        for (size_t i = 0; i < 5; i++) known = known || strcmp(key, map[i].in) == 0;
        if (!known) {
            *why = "team.err.unknown_field";
            return PT_EINVAL;
        }
        if (!json_is_string(v)) {
            *why = "team.err.not_string";
            return PT_EINVAL;
        }
        const char *s = json_string_value(v);
        if (strcmp(key, "name") == 0 && !team_text_ok(s, TEAM_NAME_MAX, false)) {
            *why = *s ? "team.err.name" : "team.err.name_empty";
            return PT_EINVAL;
        }
        if (strcmp(key, "phone") == 0 && !phone_ok(s)) {
            *why = "team.err.phone";
            return PT_EINVAL;
        }
        if (strcmp(key, "job_title") == 0 && !team_text_ok(s, TEAM_TITLE_MAX, true)) {
            *why = "team.err.title";
            return PT_EINVAL;
        }
        if (strcmp(key, "timezone") == 0 && !tz_ok(s)) {
            *why = "team.err.timezone";
            return PT_EINVAL;
        }
        if (strcmp(key, "language") == 0 && strcmp(s, "en") != 0 && strcmp(s, "de") != 0) {
            *why = "team.err.language";
            return PT_EINVAL;
        }
    }
    for (size_t i = 0; i < 5; i++) {
        json_t *nv = json_object_get(obj, map[i].in);
        if (nv) json_object_set(u, map[i].rec, nv);
    }
    *field = NULL;
    return 0;
}

/* ---- the page ------------------------------------------------------------ */

static json_t *accounts_view(pt_txn *txn, const json_t *u, uint64_t uid, uint64_t current)
{
    json_t *list = team_user_accounts(txn, u, uid);
    size_t i;
    json_t *a;
    json_array_foreach(list, i, a) {
        uint64_t id = 0;
        pt_id_parse(pt_rec_str(a, "id", ""), &id);
        json_t *perms = team_permissions(txn, u, uid, id);
        pt_buf b = PT_BUF_INIT;
        const char *k;
        json_t *v;
        json_t *names = json_array();
        json_object_foreach(perms, k, v) json_array_append_new(names, json_string(k));
        json_decref(perms);
        size_t n = json_array_size(names);
        const char **arr = pt_xcalloc(n + 1, sizeof *arr);
        for (size_t x = 0; x < n; x++) arr[x] = json_string_value(json_array_get(names, x));
        for (size_t x = 1; x < n; x++)
            for (size_t y = x; y > 0 && strcmp(arr[y - 1], arr[y]) > 0; y--) {
                const char *t = arr[y];
                arr[y] = arr[y - 1];
                arr[y - 1] = t;
            }
        for (size_t x = 0; x < n; x++) {
            if (x) pt_buf_puts(&b, ", ");
            pt_buf_puts(&b, arr[x]);
        }
        free(arr);
        json_object_set_new(a, "permissions", json_string(b.data ? b.data : ""));
        json_object_set_new(a, "permission_list", names);
        json_t *m = NULL;
        bool ca = team_member_get(txn, id, uid, &m) == 0 && pt_rec_bool(m, "customer_admin", false);
        json_decref(m);
        json_object_set_new(a, "customer_admin", json_boolean(ca));
        if (id == current) json_object_set_new(a, "current", json_true());
        pt_buf_free(&b);
    }
    return list;
}

static void render(pt_req *req, int status, json_t *extra)
{
    int rc = 0;
    pt_txn *txn = pt_txn_begin(false, &rc);
    json_t *u = NULL;
    uint64_t uid = pt_req_user(req);
    if (!txn || team_user_get(txn, uid, &u) != 0) {
        pt_txn_abort(txn);
        json_decref(extra);
        pt_http_error(req, 404, team_t(req, "team.err.no_user"));
        return;
    }
    json_t *ctx = json_object();
    json_t *p = team_user_public(u);
    json_object_set_new(ctx, "profile", p);
    const char *lang = pt_rec_str(u, "lang", "en");
    json_object_set_new(ctx, "languages",
                        json_pack("[{s:s, s:s, s:b}, {s:s, s:s, s:b}]", "value", "en", "label",
                                  "English", "selected", strcmp(lang, "en") == 0, "value", "de",
                                  "label", "Deutsch", "selected", strcmp(lang, "de") == 0));
    json_object_set_new(ctx, "memberships", accounts_view(txn, u, uid, pt_req_account(req)));
    json_t *kinds = pt_notification_kinds_all();
    json_t *off = json_object_get(json_object_get(u, "notify"), "off");
    size_t i;
    json_t *k;
    json_array_foreach(kinds, i, k) {
        json_object_set_new(k, "on", json_boolean(!json_is_true(json_object_get(off,
                                                    pt_rec_str(k, "kind", "")))));
        json_object_set_new(k, "label", json_string(team_t(req, pt_rec_str(k, "label", ""))));
        json_object_set_new(k, "n", json_integer((json_int_t)i));
    }
    json_object_set_new(ctx, "kinds", kinds);
    json_object_set_new(ctx, "digest",
                        json_boolean(pt_rec_bool(json_object_get(u, "notify"), "digest", true)));
    json_t *tokens = team_token_list(txn, uid);
    json_object_set_new(ctx, "has_tokens", json_boolean(json_array_size(tokens) > 0));
    json_object_set_new(ctx, "tokens", tokens);
    json_object_set_new(ctx, "two_factor", json_boolean(*pt_rec_str(u, "totp", "") != 0));
    json_decref(u);
    pt_txn_abort(txn);
    const char *saved = pt_req_query(req, "saved");
    if (saved && !json_object_get(extra, "flash"))
        json_object_set_new(ctx, "flash", json_pack("[{s:s, s:s}]", "kind", "success", "message",
                                                    team_t(req, "team.profile.saved")));
    if (extra) json_object_update(ctx, extra);
    json_decref(extra);
    team_render(req, status, "team/profile", ctx);
}

void team_profile_render(pt_req *req, int status, json_t *extra) { render(req, status, extra); }

int team_profile_page(pt_req *req)
{
    render(req, 200, NULL);
    return 0;
}

int team_profile_post(pt_req *req)
{
    json_t *obj = json_object();
    static const char *const fields[] = {"name", "phone", "job_title", "timezone", "language"};
    for (size_t i = 0; i < 5; i++) {
        const char *v = pt_req_form(req, fields[i]);
        if (v) json_object_set_new(obj, fields[i], json_stringn(v, strlen(v)));
    }
    if (pt_req_form(req, "email")) json_object_set_new(obj, "email", json_string(""));
    int rc = 0;
    pt_txn *txn = pt_txn_begin(true, &rc);
    json_t *u = NULL;
    uint64_t uid = pt_req_user(req);
    if (!txn || team_user_get(txn, uid, &u) != 0) {
        pt_txn_abort(txn);
        json_decref(obj);
        pt_http_error(req, 503, team_t(req, "team.err.busy"));
        return 0;
    }
    const char *field = NULL, *why = NULL;
    if (json_object_size(obj) == 0 || !json_string_value(json_object_get(obj, "name"))) {
        field = "name";
        why = "team.err.name_empty";
        rc = PT_EINVAL;
    } else {
        rc = team_profile_apply(u, obj, &field, &why);
    }
    if (rc) {
        pt_txn_abort(txn);
        json_decref(u);
        json_t *x = json_pack("{s:s, s:s}", "error", team_t(req, why), "error_field",
                              field ? field : ""); /* field points into obj */
        json_decref(obj);
        render(req, 422, x);
        return 0;
    }
    rc = team_user_put(txn, uid, u);
    json_t *d = json_pack("{s:o}", "fields", json_array());
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) json_array_append_new(json_object_get(d, "fields"), json_string(key));
    if (rc == 0) rc = team_audit_append(txn, pt_req_account(req), uid, "profile.changed", d);
    json_decref(d);
    json_decref(u);
    json_decref(obj);
    if (rc == 0) rc = pt_txn_commit(txn);
    else pt_txn_abort(txn);
    if (rc) {
        pt_http_error(req, 503, team_t(req, "team.err.busy"));
        return 0;
    }
    pt_resp_redirect(req, "/profile?saved=1");
    return 0;
}

int team_profile_notify(pt_req *req)
{
    json_t *kinds = pt_notification_kinds_all();
    json_t *off = json_object();
    const char **on = NULL;
    size_t non = pt_req_form_all(req, "kind", &on);
    size_t i;
    json_t *k;
    json_array_foreach(kinds, i, k) {
        const char *name = pt_rec_str(k, "kind", "");
        bool yes = false;
        for (size_t j = 0; j < non; j++) yes = yes || strcmp(on[j], name) == 0;
        if (!yes) json_object_set_new(off, name, json_true());
    }
    json_decref(kinds);
    bool digest = pt_req_form(req, "digest") != NULL;
    int rc = 0;
    pt_txn *txn = pt_txn_begin(true, &rc);
    json_t *u = NULL;
    if (!txn || team_user_get(txn, pt_req_user(req), &u) != 0) {
        pt_txn_abort(txn);
        json_decref(off);
        pt_http_error(req, 503, team_t(req, "team.err.busy"));
        return 0;
    }
    json_object_set_new(u, "notify", json_pack("{s:o, s:b}", "off", off, "digest", digest));
    rc = team_user_put(txn, pt_req_user(req), u);
    json_decref(u);
    if (rc == 0) rc = pt_txn_commit(txn);
    else pt_txn_abort(txn);
    if (rc) {
        pt_http_error(req, 503, team_t(req, "team.err.busy"));
        return 0;
    }
    pt_resp_redirect(req, "/profile?saved=1#notifications");
    return 0;
}

/* ---- password change (argon2id twice, on the pool) --------------------------- */

typedef struct pjob {
    char *cur, *next, *old_hash, *new_hash;
    bool ok;
} pjob;

static void pfree(pjob *j)
{
    explicit_bzero(j->cur, strlen(j->cur));
    explicit_bzero(j->next, strlen(j->next));
    free(j->cur);
    free(j->next);
    free(j->old_hash);
    free(j->new_hash);
    free(j);
}

static void pwork(void *ud)
{
    pjob *j = ud;
    j->ok = j->old_hash && team_password_verify(j->old_hash, j->cur);
    if (j->ok) j->new_hash = team_password_hash(j->next);
}

static void pdone(pt_req *req, void *ud)
{
    pjob *j = ud;
    if (!j->ok || !j->new_hash) {
        json_t *x = json_pack("{s:s, s:s}", "pw_error", team_t(req, "team.err.current_password"),
                              "error_field", "current_password");
        pfree(j);
        render(req, 422, x);
        return;
    }
    int rc = 0;
    uint64_t uid = pt_req_user(req);
    pt_txn *txn = pt_txn_begin(true, &rc);
    json_t *u = NULL;
    if (txn && team_user_get(txn, uid, &u) == 0) {
        json_object_set_new(u, "pw", json_string(j->new_hash));
        rc = team_user_put(txn, uid, u);
        if (rc == 0) rc = pt_session_end_user(txn, uid);
        if (rc == 0) rc = team_audit_append(txn, pt_req_account(req), uid, "password.changed", NULL);
    } else {
        rc = PT_ERR;
    }
    json_decref(u);
    if (rc == 0) rc = pt_txn_commit(txn);
    else pt_txn_abort(txn);
    pfree(j);
    if (rc) {
        pt_http_error(req, 503, team_t(req, "team.err.busy"));
        return;
    }
    /* Other sessions ended; this one starts anew. */
    pt_session_start(req, uid, pt_req_account(req), false);
    pt_resp_redirect(req, "/profile?saved=1");
}

int team_profile_password(pt_req *req)
{
    const char *cur = pt_req_form(req, "current_password");
    const char *next = pt_req_form(req, "new_password");
    const char *next2 = pt_req_form(req, "new_password_confirm");
    const char *why = NULL;
    if (!team_password_ok(next, &why)) {
        render(req, 422, json_pack("{s:s, s:s}", "pw_error", team_t(req, why), "error_field",
                                   "new_password"));
        return 0;
    }
    if (!next2 || strcmp(next, next2) != 0) {
        render(req, 422, json_pack("{s:s, s:s}", "pw_error",
                                   team_t(req, "team.err.password_mismatch"), "error_field",
                                   "new_password_confirm"));
        return 0;
    }
    int rc = 0;
    pt_txn *txn = pt_txn_begin(false, &rc);
    json_t *u = NULL;
    if (!txn || team_user_get(txn, pt_req_user(req), &u) != 0) {
        pt_txn_abort(txn);
        pt_http_error(req, 503, team_t(req, "team.err.busy"));
        return 0;
    }
    pjob *j = pt_xcalloc(1, sizeof *j);
    j->cur = pt_xstrdup(cur ? cur : "");
    j->next = pt_xstrdup(next);
    const char *h = pt_rec_str(u, "pw", NULL);
    j->old_hash = h ? pt_xstrdup(h) : NULL;
    json_decref(u);
    pt_txn_abort(txn);
    if (pt_work_run(req, pwork, pdone, j) != 0) {
        pfree(j);
        pt_http_error(req, 503, team_t(req, "team.err.busy"));
        return 0;
    }
    return PT_ASYNC;
}
