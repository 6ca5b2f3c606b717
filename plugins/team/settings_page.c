/*
 * plugins/team/settings_page.c - an account's team settings: "Restrict
 * access to invite only" (no self sign-up), the email-domain allow-list
 * for self sign-up, the approval queue for self sign-ups, and "require
 * two-factor sign-in" (enforced by part 1's sign-in). Page /team/settings
 * and GET/PATCH /api/v1/settings; stored in the account record's
 * "settings" object; every change audited as settings.changed with the
 * new values.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "team_manage.h"

static bool domain_ok(const char *d)
{
    size_t n = strlen(d);
    if (n < 3 || n > 253 || !strchr(d, '.') || d[0] == '.' || d[0] == '-' || d[n - 1] == '.')
        return false;
    for (const char *p = d; *p; p++)
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '.' || *p == '-'))
            return false;
    return strstr(d, "..") == NULL;
}

int mg_settings_apply(pt_req *req, pt_txn *txn, uint64_t account, const json_t *changes,
                      mg_err *e)
{
    if (!json_is_object(changes)) {
        mg_set(e, 422, NULL, "err.not_object");
        return PT_EINVAL;
    }
    json_t *acc = NULL;
    if (team_account_get(txn, account, &acc) != 0) {
        mg_set(e, 404, NULL, "err.no_account");
        return PT_ENOTFOUND;
    }
    json_t *s = mg_settings(txn, account), *changed = json_object();
    int rc = PT_EINVAL;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)changes, key, v) {
        if (strcmp(key, "invite_only") == 0 || strcmp(key, "approval_queue") == 0 ||
            strcmp(key, "require_2fa") == 0) {
            if (!json_is_boolean(v)) {
                mg_set(e, 422, key, "err.bool");
                goto out;
            }
            if (json_is_true(v) != json_is_true(json_object_get(s, key)))
                json_object_set(changed, key, v);
            json_object_set(s, key, v);
        } else if (strcmp(key, "allowed_domains") == 0) {
            if (!json_is_array(v) || json_array_size(v) > MG_DOMAINS_MAX) {
                mg_set(e, 422, key, "err.domains");
                goto out;
            }
            json_t *list = json_array();
            size_t i;
            json_t *d;
            json_array_foreach(v, i, d) {
                const char *raw = json_string_value(d);
                char *low = raw ? pt_xstrdup(raw) : NULL;
                for (char *p = low; p && *p; p++) *p = (char)tolower((unsigned char)*p);
                char *t = low;
                while (t && *t == '@') t++;
                if (!t || !domain_ok(t)) {
                    mg_set(e, 422, key, "err.domain");
                    snprintf(e->detail, sizeof e->detail, "(%.100s)", raw && mg_utf8(raw) ? raw : "?");
                    free(low);
                    json_decref(list);
                    goto out;
                }
                bool dup = false;
                size_t j;
                json_t *x;
                json_array_foreach(list, j, x) dup = dup || strcmp(json_string_value(x), t) == 0;
                if (!dup) json_array_append_new(list, json_string(t));
                free(low);
            }
            if (!json_equal(list, json_object_get(s, key))) json_object_set(changed, key, list);
            json_object_set_new(s, key, list);
        } else {
            mg_set(e, 422, key, "err.unknown_field");
            snprintf(e->detail, sizeof e->detail, "(%.60s)", key);
            goto out;
        }
    }
    rc = 0;
    if (json_object_size(changed)) {
        json_object_set(acc, "settings", s);
        rc = team_account_put(txn, account, acc);
        if (rc == 0) rc = mg_audit(txn, account, pt_req_user(req), "settings.changed", changed);
        if (rc) mg_set(e, 503, NULL, "err.busy");
    }
out:
    json_decref(s);
    json_decref(changed);
    json_decref(acc);
    return rc;
}

static void render(pt_req *req, int status, const mg_err *e, const char *domains_text)
{
    pt_txn *txn = mg_begin(req, false);
    if (!txn) return;
    json_t *s = mg_settings(txn, pt_req_account(req));
    pt_txn_abort(txn);
    pt_buf b = PT_BUF_INIT;
    size_t i;
    json_t *d;
    json_array_foreach(json_object_get(s, "allowed_domains"), i, d) {
        if (b.len) pt_buf_putc(&b, '\n');
        pt_buf_puts(&b, json_string_value(d));
    }
    json_t *ctx = json_pack("{s:o, s:s, s:b, s:b}", "settings", s, "domains_text",
                            domains_text ? domains_text : (b.data ? b.data : ""), "can_edit",
                            pt_req_can(req, "team.edit"), "tab_settings", 1);
    pt_buf_free(&b);
    if (e && e->status) {
        json_object_set_new(ctx, "error", json_string(mg_msg(req, e)));
        if (e->field && strcmp(e->field, "allowed_domains") == 0)
            json_object_set_new(ctx, "domains_error", json_true());
    }
    json_t *flash = mg_flash(req);
    if (flash) json_object_set_new(ctx, "flash", flash);
    team_render(req, status, "team/manage_settings", ctx);
}

int mg_settings_page(pt_req *req)
{
    render(req, 200, NULL, NULL);
    return 0;
}

int mg_settings_post(pt_req *req)
{
    const char *dt = pt_req_form(req, "allowed_domains");
    json_t *domains = json_array();
    const char *p = dt ? dt : "";
    while (*p) {
        while (*p && (isspace((unsigned char)*p) || *p == ',' || *p == ';')) p++;
        const char *s = p;
        while (*p && !isspace((unsigned char)*p) && *p != ',' && *p != ';') p++;
        if (p > s) {
            char *one = pt_xstrndup(s, (size_t)(p - s));
            json_array_append_new(domains, mg_jstr(one));
            free(one);
        }
    }
    json_t *changes = json_pack("{s:b, s:b, s:b, s:o}", "invite_only",
                                pt_req_form(req, "invite_only") != NULL, "approval_queue",
                                pt_req_form(req, "approval_queue") != NULL, "require_2fa",
                                pt_req_form(req, "require_2fa") != NULL, "allowed_domains", domains);
    mg_err e = {0};
    pt_txn *txn = mg_begin(req, true);
    if (!txn) {
        json_decref(changes);
        return 0;
    }
    int rc = mg_settings_apply(req, txn, pt_req_account(req), changes, &e);
    json_decref(changes);
    if (rc) {
        pt_txn_abort(txn);
        render(req, e.status, &e, mg_utf8(dt) ? dt : "");
        return 0;
    }
    if (mg_commit(req, txn) != 0) return 0;
    pt_resp_redirect(req, "/team/settings?done=settings_saved");
    return 0;
}

int mg_api_settings(pt_req *req)
{
    pt_txn *txn = mg_begin(req, false);
    if (!txn) return 0;
    json_t *s = mg_settings(txn, pt_req_account(req));
    pt_txn_abort(txn);
    pt_resp_json(req, 200, json_pack("{s:o, s:o}", "account", team_id_json(pt_req_account(req)),
                                     "settings", s));
    return 0;
}

int mg_api_settings_patch(pt_req *req)
{
    const char *why = NULL;
    json_t *body = pt_req_json(req, &why);
    if (!body) {
        pt_http_error(req, 400, why ? why : mg_t(req, "err.json"));
        return 0;
    }
    mg_err e = {0};
    pt_txn *txn = mg_begin(req, true);
    if (!txn) return 0;
    if (mg_settings_apply(req, txn, pt_req_account(req), body, &e) != 0) {
        pt_txn_abort(txn);
        mg_fail(req, &e);
        return 0;
    }
    json_t *s = mg_settings(txn, pt_req_account(req));
    if (mg_commit(req, txn) != 0) {
        json_decref(s);
        return 0;
    }
    pt_resp_json(req, 200, json_pack("{s:o, s:o}", "account", team_id_json(pt_req_account(req)),
                                     "settings", s));
    return 0;
}
