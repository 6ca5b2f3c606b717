/*
 * plugins/licenses/licenses.c - the licenses section: descriptor and
 * registrations (routes, permissions, nav entry, homepage widget,
 * templates, catalogs, databases, migration, demo data, notification kind,
 * config key, the renewal timer) and the exported APIs "licenses.lookup",
 * "licenses.premium" and "licenses.servers" (licenses_api.h).
 */
#include "licenses.h"

#define J PT_ROUTE_JSON
#define A PT_ROUTE_AUTH
#define S (PT_ROUTE_AUTH | PT_ROUTE_STAFF)

static const pt_route routes[] = {
    {.method = "GET", .pattern = "/licenses", .handler = lic_page, .flags = A, .permission = "licenses.view"},
    {.method = "GET", .pattern = "/licenses/export.csv", .handler = lic_csv, .flags = A, .permission = "licenses.view"},
    {.method = "POST", .pattern = "/licenses/:id/note", .handler = lic_note_post, .flags = A,
     .permission = "licenses.edit", .body_max = 16384},
    {.method = "GET", .pattern = "/licenses/manage", .handler = lic_manage_accounts, .flags = S},
    {.method = "GET", .pattern = "/licenses/manage/:account", .handler = lic_manage_page, .flags = S},
    {.method = "POST", .pattern = "/licenses/manage/:account", .handler = lic_manage_add, .flags = S,
     .body_max = 16384},
    {.method = "POST", .pattern = "/licenses/manage/:account/:id/delete", .handler = lic_manage_delete,
     .flags = S, .body_max = 4096},
    {.method = "POST", .pattern = "/licenses/manage/:account/import", .handler = lic_manage_import,
     .flags = S, .body_max = LIC_CSV_BYTES_MAX + 65536},
    {.method = "POST", .pattern = "/licenses/reminders/run", .handler = lic_reminders_post, .flags = S,
     .body_max = 4096},
    {.method = "GET", .pattern = "/api/v1/licenses", .handler = lic_api_list, .flags = J | A,
     .permission = "licenses.view"},
    {.method = "GET", .pattern = "/api/v1/licenses/:id", .handler = lic_api_get, .flags = J | A,
     .permission = "licenses.view"},
    {.method = "PATCH", .pattern = "/api/v1/licenses/:id", .handler = lic_api_patch, .flags = J | A,
     .permission = "licenses.edit", .body_max = 16384},
    {.method = "POST", .pattern = "/api/v1/license-lookup", .handler = lic_api_lookup, .flags = J | S,
     .body_max = 4096},
};

static const char *const dbs[] = {"items", "keys", "reminders", "meta", NULL};

static int lic_init(pt_host *h)
{
    int rc = 0;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0] && rc == 0; i++)
        rc = pt_host_route(h, &routes[i]);
    for (size_t i = 0; dbs[i] && rc == 0; i++) rc = pt_host_db(h, dbs[i], PT_DB_PLAIN);
    if (rc == 0) rc = pt_host_db(h, "items.by_account", PT_DB_INDEX);
    if (rc == 0) rc = pt_host_permission(h, ":view", "licenses.perm_view", "licenses.perm_view_desc");
    if (rc == 0) rc = pt_host_permission(h, ":edit", "licenses.perm_edit", "licenses.perm_edit_desc");
    if (rc == 0)
        rc = pt_host_nav(h, &(pt_nav){.label = "licenses.nav", .href = "/licenses",
                                      .permission = "licenses.view", .order = 40, .icon = "key",
                                      .signed_in = true});
    if (rc == 0)
        rc = pt_host_widget(h, &(pt_widget){.name = "expiring", .title = "licenses.widget_title",
                                            .href = "/licenses", .permission = "licenses.view",
                                            .order = 40, .render = lic_widget});
    if (rc == 0) rc = pt_host_templates(h, "templates");
    if (rc == 0) rc = pt_host_locales(h, "locales");
    if (rc == 0) rc = pt_host_notification_kind(h, "licenses.renewal", "licenses.notify.kind");
    if (rc == 0)
        rc = pt_host_config(h, "reminder_check_seconds", PT_CONFIG_INT, json_integer(3600),
                            "How often each worker checks for renewal reminders (0 = only on demand).");
    if (rc == 0) rc = pt_host_migration(h, 1, lic_migrate_v1, NULL);
    if (rc == 0) rc = pt_host_demo(h, lic_demo, NULL);
    if (rc == 0) rc = pt_host_export(h, "lookup", &lic_lookup_api);
    if (rc == 0) rc = pt_host_export(h, "premium", &lic_premium_api);
    if (rc == 0) rc = pt_host_export(h, "servers", &lic_servers_api);
    if (rc != 0) pt_host_fail(h, "registration failed: %s", pt_strerror(rc));
    return rc;
}

static const char *const lic_requires[] = {"team", NULL};

const pt_plugin portico_plugin = {
    PT_PLUGIN_HEADER,
    .name = "licenses",
    .version = "1.0.0",
    .description = "Licenses by orchestrator, renewal reminders, license keys and Premium Care",
    .requires = lic_requires,
    .init = lic_init,
    .worker_start = lic_reminders_start,
    .fini = lic_reminders_stop,
};
