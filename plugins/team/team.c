/*
 * plugins/team/team.c - the team plugin's descriptor and registrations:
 * identity (accounts, users, groups, sign-in, profile, API tokens, 2FA,
 * emailed links, audit, staff account pages). Also small shared helpers
 * (rendering, translation, safe redirects, settings).
 */
#include <string.h>

#include "team.h"
#include "team_digest.h"
#include "team_manage.h"

static pt_host *host;

pt_host *team_host(void) { return host; }

long long team_cfg_int(const char *key, long long dflt)
{
    const json_t *v = host ? pt_host_config_get(host, key) : NULL;
    return json_is_integer(v) ? (long long)json_integer_value(v) : dflt;
}

pt_db *team_db(const char *thing)
{
    char name[PT_DB_NAME_MAX + 1];
    snprintf(name, sizeof name, "team.%s", thing);
    return pt_store_db(name);
}

void team_render(pt_req *req, int status, const char *page, json_t *ctx)
{
    pt_render_page(req, status, page, ctx);
}

const char *team_t(pt_req *req, const char *key) { return pt_t(req, key); }

const char *team_safe_next(const char *next)
{
    /* Only local absolute paths: "/x", never "//host" or "/\host". */
    if (!next || next[0] != '/' || next[1] == '/' || next[1] == '\\') return "/";
    for (const char *p = next; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '\\') return "/";
    return next;
}

#define FORM 8192
static const pt_route routes[] = {
    {.method = "GET", .pattern = "/signin", .handler = team_signin_page},
    {.method = "POST", .pattern = "/signin", .handler = team_signin_post, .body_max = FORM},
    {.method = "GET", .pattern = "/signin/2fa", .handler = team_signin_2fa_page},
    {.method = "POST", .pattern = "/signin/2fa", .handler = team_signin_2fa_post,
     .body_max = FORM},
    {.method = "POST", .pattern = "/signout", .handler = team_signout, .body_max = FORM},
    {.method = "POST", .pattern = "/account/switch", .handler = team_account_switch,
     .flags = PT_ROUTE_AUTH, .body_max = FORM},

    {.method = "GET", .pattern = "/profile", .handler = team_profile_page,
     .flags = PT_ROUTE_AUTH},
    {.method = "POST", .pattern = "/profile", .handler = team_profile_post,
     .flags = PT_ROUTE_AUTH, .body_max = FORM},
    {.method = "POST", .pattern = "/profile/password", .handler = team_profile_password,
     .flags = PT_ROUTE_AUTH, .body_max = FORM},
    {.method = "POST", .pattern = "/profile/notifications", .handler = team_profile_notify,
     .flags = PT_ROUTE_AUTH, .body_max = FORM},
    {.method = "POST", .pattern = "/profile/tokens", .handler = team_tokens_create_form,
     .flags = PT_ROUTE_AUTH, .body_max = FORM},
    {.method = "POST", .pattern = "/profile/tokens/:id/revoke", .handler = team_tokens_revoke_form,
     .flags = PT_ROUTE_AUTH, .body_max = FORM},
    {.method = "GET", .pattern = "/profile/2fa", .handler = team_2fa_page, .flags = PT_ROUTE_AUTH},
    {.method = "POST", .pattern = "/profile/2fa", .handler = team_2fa_enable,
     .flags = PT_ROUTE_AUTH, .body_max = FORM},
    {.method = "POST", .pattern = "/profile/2fa/disable", .handler = team_2fa_disable,
     .flags = PT_ROUTE_AUTH, .body_max = FORM},

    {.method = "GET", .pattern = "/verify/:token", .handler = team_verify_page, .flags = PT_ROUTE_SECRET_PATH},
    {.method = "POST", .pattern = "/verify/:token", .handler = team_verify_post, .flags = PT_ROUTE_SECRET_PATH, .body_max = FORM},
    {.method = "GET", .pattern = "/password/reset", .handler = team_reset_request_page},
    {.method = "POST", .pattern = "/password/reset", .handler = team_reset_request_post,
     .body_max = FORM},
    {.method = "GET", .pattern = "/password/reset/:token", .handler = team_reset_page, .flags = PT_ROUTE_SECRET_PATH},
    {.method = "POST", .pattern = "/password/reset/:token", .handler = team_reset_post, .flags = PT_ROUTE_SECRET_PATH,
     .body_max = FORM},

    {.method = "GET", .pattern = "/team/accounts", .handler = team_staff_accounts_page,
     .flags = PT_ROUTE_STAFF},
    {.method = "POST", .pattern = "/team/accounts", .handler = team_staff_account_create,
     .flags = PT_ROUTE_STAFF, .body_max = FORM},
    {.method = "POST", .pattern = "/team/accounts/:id/admins", .handler = team_staff_admin_appoint,
     .flags = PT_ROUTE_STAFF, .body_max = FORM},
    {.method = "POST", .pattern = "/team/accounts/:id/staff", .handler = team_staff_assign,
     .flags = PT_ROUTE_STAFF, .body_max = FORM},

    {.method = "GET", .pattern = "/api/v1/me", .handler = team_api_me,
     .flags = PT_ROUTE_JSON | PT_ROUTE_AUTH},
    {.method = "PATCH", .pattern = "/api/v1/me", .handler = team_api_me_patch,
     .flags = PT_ROUTE_JSON | PT_ROUTE_AUTH, .body_max = 16384},
    {.method = "GET", .pattern = "/api/v1/accounts", .handler = team_api_accounts,
     .flags = PT_ROUTE_JSON | PT_ROUTE_AUTH},
    {.method = "POST", .pattern = "/api/v1/accounts", .handler = team_api_accounts_create,
     .flags = PT_ROUTE_JSON | PT_ROUTE_STAFF, .body_max = 16384},
    {.method = "GET", .pattern = "/api/v1/tokens", .handler = team_api_tokens,
     .flags = PT_ROUTE_JSON | PT_ROUTE_AUTH},
    {.method = "POST", .pattern = "/api/v1/tokens", .handler = team_api_tokens_create,
     .flags = PT_ROUTE_JSON | PT_ROUTE_AUTH, .body_max = 16384},
    {.method = "DELETE", .pattern = "/api/v1/tokens/:id", .handler = team_api_tokens_delete,
     .flags = PT_ROUTE_JSON | PT_ROUTE_AUTH},
    {.method = "GET", .pattern = "/api/v1/audit", .handler = team_api_audit,
     .flags = PT_ROUTE_JSON | PT_ROUTE_AUTH},
};

static const struct {
    const char *thing;
    unsigned flags;
} dbs[] = {
    {"users", PT_DB_PLAIN},          {"users.by_email", PT_DB_INDEX},
    {"accounts", PT_DB_PLAIN},       {"members", PT_DB_PLAIN},
    {"members.by_user", PT_DB_INDEX}, {"groups", PT_DB_PLAIN},
    {"tokens", PT_DB_PLAIN},         {"tokens.by_hash", PT_DB_INDEX},
    {"tokens.by_user", PT_DB_INDEX}, {"links", PT_DB_PLAIN},
    {"throttle", PT_DB_PLAIN},       {"pending", PT_DB_PLAIN},
    {"audit", PT_DB_PLAIN},          {"audit.by_account", PT_DB_INDEX},
};

static int team_init(pt_host *h)
{
    host = h;
    int rc = 0;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0] && rc == 0; i++)
        rc = pt_host_route(h, &routes[i]);
    for (size_t i = 0; i < sizeof dbs / sizeof dbs[0] && rc == 0; i++)
        rc = pt_host_db(h, dbs[i].thing, dbs[i].flags);
    if (rc == 0) rc = pt_host_permission(h, ":view", "team.perm_view", "team.perm_view_doc");
    if (rc == 0) rc = pt_host_permission(h, ":edit", "team.perm_edit", "team.perm_edit_doc");
    if (rc == 0) rc = pt_host_templates(h, "templates");
    if (rc == 0) rc = pt_host_locales(h, "locales");
    if (rc == 0) rc = pt_host_migration(h, 1, team_migrate_v1, NULL);
    if (rc == 0) rc = pt_host_demo(h, team_demo, NULL);
    static const char *const notes[] = {
        "demo sign-ins (password: portico-demo):",
        "  admin@portico.example   portal admin (every account)",
        "  agent@portico.example   support agent (Acme Corp, Globex)",
        "  am@portico.example      account manager (Acme Corp)",
        "  alice@acme.example      Customer Admin of Acme Corp, also in Globex",
        "  bob@acme.example        Acme Corp, Support users",
        "  carol@globex.example    Globex, Support users",
        "  dan@globex.example      Globex, email not confirmed yet",
    };
    for (size_t i = 0; rc == 0 && i < sizeof notes / sizeof notes[0]; i++)
        rc = pt_host_demo_note(h, notes[i]);
    if (rc == 0) rc = pt_host_event(h, "user.signed_in", PT_EVENT_ACTION);
    if (rc == 0) rc = pt_host_export(h, "audit", &team_audit);
    struct {
        const char *k;
        long long v;
        const char *doc;
    } ints[] = {
        {"lockout_after", 5, "Failed sign-ins for one email before it is locked for a while."},
        {"lockout_seconds", 60, "First lockout length; it doubles with each further failure."},
        {"lockout_max_seconds", 3600, "The longest lockout."},
        {"ip_lockout_after", 20, "Failed sign-ins from one IP address before it is locked."},
        {"verify_ttl_seconds", 7 * 86400, "How long an email verification link is valid."},
        {"reset_ttl_seconds", 3600, "How long a password reset link is valid."},
        {"welcome_ttl_seconds", 7 * 86400, "How long a new Customer Admin's set-password link is valid."},
    };
    for (size_t i = 0; i < sizeof ints / sizeof ints[0] && rc == 0; i++)
        rc = pt_host_config(h, ints[i].k, PT_CONFIG_INT, json_integer(ints[i].v), ints[i].doc);
    if (rc == 0) rc = team_part2_init(h);
    if (rc == 0) rc = team_digest_init(h);
    if (rc == 0) {
        pt_auth_set_resolver(&team_resolver);
        pt_i18n_set_user_lang_fn(team_user_lang);
        pt_notify_set_audience(team_audience, team_wants);
    }
    if (rc != 0) pt_host_fail(h, "registration failed: %s", pt_strerror(rc));
    return rc;
}

static void team_fini(pt_host *h)
{
    (void)h;
    pt_auth_set_resolver(NULL);
    pt_i18n_set_user_lang_fn(NULL);
    pt_notify_set_audience(NULL, NULL);
    host = NULL;
}

static int team_worker_start(pt_host *h)
{
    return team_digest_worker_start(h);
}

static const char *const team_requires[] = {NULL};

const pt_plugin portico_plugin = {
    PT_PLUGIN_HEADER,
    .name = "team",
    .version = "0.1.0",
    .description = "Identity: accounts, users, groups, sign-in, profile, API tokens, audit",
    .requires = team_requires,
    .init = team_init,
    .worker_start = team_worker_start,
    .fini = team_fini,
};
