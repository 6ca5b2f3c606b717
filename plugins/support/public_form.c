/*
 * plugins/support/public_form.c - the public case request form
 * (/support/request, no sign-in) for customers who are not portal users
 * yet. A valid, active license key (checked through the licenses plugin's
 * "licenses.lookup" API) proves supportability; the case lands in the
 * license's account. When the address already belongs to a user, that
 * user is the requester; otherwise the case keeps the name and address
 * and a confirmation mail goes to it. Rate limited per IP address
 * (support.public_form_per_hour, counted in support.throttle, every
 * attempt counts so keys cannot be guessed). Without the licenses plugin
 * the page says the form is not available and POST answers 404.
 *
 * Not done here: inviting the requester to the portal. The team plugin
 * exports no invitation API (only "team.audit"), and this plugin may not
 * write team's databases; a Customer Admin invites them from /team.
 */
#include <string.h>

#include "support.h"
#include "premium_api.h"

static void render(pt_req *req, int status, const json_t *form, const char *why, const char *done)
{
    json_t *ctx = json_pack("{s:O, s:b}", "form", form ? form : json_object(), "available",
                            pt_api_find("licenses.lookup") != NULL);
    if (!form) json_decref(json_object_get(ctx, "form")); /* O took a reference to a fresh object */
    if (why) json_object_set_new(ctx, "error", json_string(sup_t(req, why)));
    if (done) json_object_set_new(ctx, "done", json_string(done));
    pt_render_page(req, status, "support/request", ctx);
}

int sup_public_page(pt_req *req)
{
    render(req, 200, NULL, NULL, NULL);
    return 0;
}

/* Count one attempt for this IP in its own write txn; true when allowed. */
static bool allowed(pt_req *req)
{
    const char *ip = pt_req_remote_addr(req);
    char key[80];
    snprintf(key, sizeof key, "ip:%s", ip ? ip : "?");
    long long limit = json_integer_value(pt_host_config_get(sup_host(), "public_form_per_hour"));
    if (limit <= 0) limit = 5;
    int rc = 0;
    pt_txn *txn = pt_txn_begin(true, &rc);
    if (!txn) return false;
    int64_t now = (int64_t)pt_wall_ms();
    json_t *r = NULL;
    if (pt_record_get(txn, sup_db("throttle"), key, strlen(key), &r) != 0 ||
        pt_rec_int(r, "since", 0) < now - 3600000) {
        json_decref(r);
        r = json_pack("{s:i, s:I, s:i}", "_v", 1, "since", (json_int_t)now, "n", 0);
    }
    int64_t n = pt_rec_int(r, "n", 0) + 1;
    json_object_set_new(r, "n", json_integer(n));
    rc = pt_record_put(txn, sup_db("throttle"), key, strlen(key), r);
    json_decref(r);
    if (rc == 0) rc = pt_txn_commit(txn);
    else pt_txn_abort(txn);
    return rc == 0 && n <= limit;
}

/* The requester is not a portal user yet: invite them into the license's
 * account (as a support user) through the team plugin's exported API, so
 * they can follow the case. Without the team plugin nothing happens. */
typedef struct {
    int (*invite)(pt_req *req, pt_txn *txn, uint64_t account, const char *email);
} sup_team_invite_api;

static void invite_requester(pt_req *req, uint64_t account, const char *email)
{
    const sup_team_invite_api *api = pt_api_find("team.invite");
    if (!api || !account) return;
    int rc = 0;
    pt_txn *txn = pt_txn_begin(true, &rc);
    if (!txn) return;
    rc = api->invite(req, txn, account, email);
    if (rc == 0) rc = pt_txn_commit(txn);
    else pt_txn_abort(txn);
    if (rc != 0) pt_warn("support: could not invite a public-form requester (%s)", pt_strerror(rc));
}

int sup_public_post(pt_req *req)
{
    const sup_licenses_lookup_api *api = pt_api_find("licenses.lookup");
    if (!api) {
        pt_http_error(req, 404, sup_t(req, "support.public.unavailable"));
        return 0;
    }
    static const char *const fields[] = {"name", "email", "license_key", "subject", "description",
                                         "product", "version", "environment", "priority", NULL};
    json_t *in = json_object();
    for (size_t i = 0; fields[i]; i++) {
        const char *v = pt_req_form(req, fields[i]);
        json_t *s = v ? json_string(v) : NULL;
        json_object_set_new(in, fields[i], s ? s : json_string(""));
    }
    if (!allowed(req)) {
        pt_resp_header(req, "Retry-After", "3600");
        render(req, 429, in, "support.public.rate_limited", NULL);
        json_decref(in);
        return 0;
    }
    const char *name = json_string_value(json_object_get(in, "name"));
    const char *email = json_string_value(json_object_get(in, "email"));
    const char *key = json_string_value(json_object_get(in, "license_key"));
    const char *why = NULL, *field = NULL;
    uint64_t account = 0, user = 0;
    bool active = false;
    if (!*name || strlen(name) > SUP_FIELD_MAX) why = "support.public.err_name";
    else if (!pt_mail_address_ok(email)) why = "support.public.err_email";
    if (!why) {
        int rc = 0;
        pt_txn *txn = pt_txn_begin(false, &rc);
        if (!txn) why = "support.err.busy";
        else {
            if (api->lookup(txn, key, &account, &active) != 0 || !active || !account)
                why = "support.public.err_key";
            else user = sup_user_by_email(txn, email);
            pt_txn_abort(txn);
        }
    }
    json_t *c = NULL;
    if (!why) {
        json_object_set_new(in, "source", json_string("public_form"));
        if (sup_create_for(req, in, account, user, name, email, NULL, 0, &c, &field, &why) != 0) c = NULL;
    }
    if (!c) {
        render(req, 422, in, why, NULL);
        json_decref(in);
        return 0;
    }
    char num[24];
    sup_number_fmt(pt_rec_u64(c, "number", 0), num);
    json_decref(c);
    if (!user) invite_requester(req, account, email);
    json_object_clear(in);
    render(req, 201, in, NULL, num);
    json_decref(in);
    return 0;
}
