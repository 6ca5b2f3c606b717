/*
 * core/pages.c - the core's own pages and endpoints: the homepage (widgets
 * registered by plugins), /healthz, the admin console shell, and the page
 * globals every template gets (site, user, nav, csrf...).
 */
#include <string.h>
#include <unistd.h>

#include "http/static.h"
#include "admin_mail_templates.h"
#include "admin_outbox.h"
#include "notifications_pages.h"
#include "pages.h"
#include "plugin/registry.h"
#include "portico/auth.h"
#include "portico/events.h"
#include "portico/i18n.h"
#include "portico/log.h"
#include "portico/lua.h"
#include "portico/store.h"
#include "portico/template.h"
#include "scripts.h"
#include "settings.h"

static uint64_t started_ms;
static int worker_count = 1;
static pt_server *server;

void pt_pages_set_runtime(pt_server *s, int workers)
{
    server = s;
    worker_count = workers;
}

static void globals(pt_req *req, json_t *ctx)
{
    pt_config *cfg = pt_settings();
    json_t *site = json_pack("{s:s, s:s}", "name", pt_config_str(cfg, "portal.name", "Portico"),
                             "public_url", pt_config_str(cfg, "public_url", ""));
    const char *logo = pt_config_str(cfg, "portal.logo_url", "");
    if (logo && *logo) json_object_set_new(site, "logo_url", json_string(logo));
    json_object_set_new(ctx, "site", site);
    const pt_principal *p = pt_req_principal(req);
    if (p->user) {
        json_t *user = p->info ? json_deep_copy(p->info) : json_object();
        char id[PT_ID_STRLEN];
        json_object_set_new(user, "id", json_string(pt_id_to_str(p->user, id)));
        json_object_set_new(user, "staff", json_boolean(p->staff));
        json_object_set_new(user, "admin", json_boolean(p->admin));
        json_object_set_new(ctx, "user", user);
        if (p->accounts) {
            json_object_set(ctx, "accounts", p->accounts);
            json_object_set_new(ctx, "has_many_accounts",
                                json_boolean(json_array_size(p->accounts) > 1));
            size_t i;
            json_t *a;
            json_array_foreach(p->accounts, i, a) {
                json_t *aid = json_object_get(a, "id");
                bool same = json_is_integer(aid)
                                ? (uint64_t)json_integer_value(aid) == p->account
                                : json_is_string(aid) &&
                                      strcmp(json_string_value(aid),
                                             pt_id_to_str(p->account, id)) == 0;
                if (same) {
                    json_object_set(ctx, "account", a);
                }
            }
        }
    }
    json_object_set_new(ctx, "nav", pt_registry_nav(req));
    json_object_set_new(ctx, "csrf", json_string(pt_req_csrf(req)));
    if (!json_object_get(ctx, "notifications"))
        json_object_set_new(ctx, "notifications",
                            json_pack("{s:I}", "unread", (json_int_t)pt_notifications_unread(req)));
}

static int render_filter(pt_req *req, const char *page, json_t *ctx)
{
    json_object_set_new(ctx, "page_name", json_string(page));
    return pt_event_filter("page.render", ctx, req);
}

static int home(pt_req *req)
{
    json_t *ctx = json_object();
    json_object_set_new(ctx, "widgets", pt_registry_widgets(req));
    pt_render_page(req, 200, "core/home", ctx);
    return 0;
}

static int healthz(pt_req *req)
{
    json_t *h = json_object();
    json_object_set_new(h, "status", json_string("ok"));
    json_object_set_new(h, "version", json_string(PT_VERSION));
    json_object_set_new(h, "uptime_s", json_integer((json_int_t)((pt_now_ms() - started_ms) / 1000)));
    json_object_set_new(h, "workers", json_integer(worker_count));
    json_object_set_new(h, "pid", json_integer((json_int_t)getpid()));
    json_t *plugins = pt_plugins_info();
    json_t *loaded = json_array();
    size_t i;
    json_t *p;
    json_array_foreach(plugins, i, p) {
        if (json_is_true(json_object_get(p, "loaded")))
            json_array_append_new(loaded,
                                  json_pack("{s:O, s:O}", "name", json_object_get(p, "name"),
                                            "version", json_object_get(p, "version")));
    }
    json_object_set_new(h, "plugins", loaded);
    json_object_set_new(h, "plugins_failed", json_integer((json_int_t)(json_array_size(plugins) -
                                                                       json_array_size(loaded))));
    json_decref(plugins);
    json_object_set_new(h, "scripts", pt_scripts_info());
    /* The store statistics walk every database: refresh them at most once
     * a second (a load balancer may poll this often). */
    static json_t *store_cache;
    static uint64_t store_at;
    uint64_t now = pt_now_ms();
    if (!store_cache || now - store_at >= 1000) {
        json_t *store = NULL;
        if (pt_store_stats(&store) == 0) {
            json_decref(store_cache);
            store_cache = store;
            store_at = now;
        }
    }
    if (store_cache) json_object_set(h, "store", store_cache);
    if (server) {
        pt_server_stats st;
        pt_server_stats_get(server, &st);
        json_object_set_new(h, "connections", json_integer((json_int_t)st.connections_open));
        json_object_set_new(h, "requests", json_integer((json_int_t)st.requests));
    }
    pt_resp_set_header(req, "Cache-Control", "no-store");
    pt_resp_json(req, 200, h);
    return 0;
}

static int admin(pt_req *req)
{
    if (!pt_req_is_admin(req)) {
        pt_http_error(req, 403, pt_t(req, "errors.admin_only"));
        return 0;
    }
    json_t *ctx = json_object();
    json_t *errs = NULL;
    pt_lua_errors(&errs);
    json_object_set_new(ctx, "lua_errors", errs ? errs : json_array());
    json_object_set_new(ctx, "plugins", pt_plugins_info());
    json_object_set_new(ctx, "scripts", pt_scripts_info());
    json_object_set_new(ctx, "permissions", pt_registry_permissions());
    json_object_set_new(ctx, "outbox", pt_admin_outbox_problems());
    pt_render_page(req, 200, "core/admin", ctx);
    return 0;
}

static int admin_errors_api(pt_req *req)
{
    if (!pt_req_is_admin(req)) {
        pt_http_error(req, 403, pt_t(req, "errors.script_errors_admin_only"));
        return 0;
    }
    json_t *errs = NULL;
    pt_lua_errors(&errs);
    pt_resp_json(req, 200, json_pack("{s:o}", "errors", errs ? errs : json_array()));
    return 0;
}

static const pt_route core_routes[] = {
    {.method = "GET", .pattern = "/", .handler = home},
    {.method = "GET", .pattern = "/healthz", .handler = healthz, .flags = PT_ROUTE_JSON},
    {.method = "GET", .pattern = "/theme.css", .handler = pt_theme_css_handler},
    {.method = "GET", .pattern = "/admin", .handler = admin, .flags = PT_ROUTE_STAFF},
    {.method = "GET", .pattern = "/api/v1/admin/script-errors", .handler = admin_errors_api,
     .flags = PT_ROUTE_STAFF | PT_ROUTE_JSON},
};

/* Requests no route matched: static files, else the themed 404. */
static int fallback(pt_req *req)
{
    if (pt_static_serve(req) == 0) return 0;
    pt_http_error(req, 404, pt_t(req, "errors.not_found"));
    return 0;
}

int pt_pages_register(pt_router *r)
{
    pt_http_set_fallback(fallback);
    int nrc = pt_notifications_register(r);
    if (nrc == 0) nrc = pt_admin_outbox_register(r);
    if (nrc == 0) nrc = pt_admin_mail_templates_register(r);
    if (nrc) return nrc;
    started_ms = pt_now_ms();
    for (size_t i = 0; i < sizeof core_routes / sizeof core_routes[0]; i++) {
        int rc = pt_router_add(r, &core_routes[i], "core");
        if (rc) return rc;
    }
    pt_template_set_globals(globals);
    pt_template_set_filter(render_filter);
    pt_event_declare("page.render", PT_EVENT_FILTER, "core");
    return 0;
}
