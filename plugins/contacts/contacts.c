/*
 * plugins/contacts/contacts.c - the contacts section: descriptor and
 * registrations (routes, permission contacts.view, nav entry, homepage
 * widget, templates, catalogs, databases, migration, demo data, config,
 * and the exported "contacts.directory" API).
 */
#include "contacts.h"

#define J PT_ROUTE_JSON
#define A PT_ROUTE_AUTH
#define S (PT_ROUTE_AUTH | PT_ROUTE_STAFF)

static const pt_route routes[] = {
    {.method = "GET", .pattern = "/contacts", .handler = con_page, .flags = A, .permission = "contacts.view"},
    {.method = "POST", .pattern = "/contacts/message", .handler = con_message_post, .flags = A,
     .permission = "contacts.view", .body_max = 16384},
    {.method = "GET", .pattern = "/contacts/manage", .handler = con_manage_accounts, .flags = S},
    {.method = "GET", .pattern = "/contacts/manage/:account", .handler = con_manage_page, .flags = S},
    {.method = "POST", .pattern = "/contacts/manage/:account", .handler = con_manage_post, .flags = S,
     .body_max = 8192},
    {.method = "GET", .pattern = "/api/v1/contacts", .handler = con_api_list, .flags = J | A,
     .permission = "contacts.view"},
    {.method = "POST", .pattern = "/api/v1/contacts/:role/message", .handler = con_api_message,
     .flags = J | A, .permission = "contacts.view", .body_max = 16384},
    {.method = "PUT", .pattern = "/api/v1/contacts/:role", .handler = con_api_put, .flags = J | S,
     .body_max = 8192},
};

static int con_init(pt_host *h)
{
    int rc = 0;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0] && rc == 0; i++)
        rc = pt_host_route(h, &routes[i]);
    if (rc == 0) rc = pt_host_db(h, "people", PT_DB_PLAIN);
    if (rc == 0) rc = pt_host_db(h, "throttle", PT_DB_PLAIN);
    if (rc == 0) rc = pt_host_permission(h, ":view", "contacts.perm_view", "contacts.perm_view_desc");
    if (rc == 0)
        rc = pt_host_nav(h, &(pt_nav){.label = "contacts.nav", .href = "/contacts",
                                      .permission = "contacts.view", .order = 70, .icon = "users",
                                      .signed_in = true});
    if (rc == 0)
        rc = pt_host_widget(h, &(pt_widget){.name = "account_manager", .title = "contacts.widget_title",
                                            .href = "/contacts", .permission = "contacts.view",
                                            .order = 70, .render = con_widget});
    if (rc == 0) rc = pt_host_templates(h, "templates");
    if (rc == 0) rc = pt_host_locales(h, "locales");
    if (rc == 0)
        rc = pt_host_config(h, "messages_per_hour", PT_CONFIG_INT, json_integer(5),
                            "How many \"contact me\" messages one user may send per hour.");
    if (rc == 0) rc = pt_host_migration(h, 1, con_migrate_v1, NULL);
    if (rc == 0) rc = pt_host_demo(h, con_demo, NULL);
    if (rc == 0) rc = pt_host_export(h, "directory", &con_directory_api);
    if (rc == 0) con_set_host(h);
    if (rc != 0) pt_host_fail(h, "registration failed: %s", pt_strerror(rc));
    return rc;
}

static const char *const con_requires[] = {"team", NULL};

const pt_plugin portico_plugin = {
    PT_PLUGIN_HEADER,
    .name = "contacts",
    .version = "1.0.0",
    .description = "The account's key vendor contacts and a contact-me form",
    .requires = con_requires,
    .init = con_init,
};
