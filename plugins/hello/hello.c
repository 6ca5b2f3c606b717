/*
 * plugins/hello/hello.c - the example section plugin: the descriptor and
 * its registrations. It is the tutorial's code (docs/plugins.md) and a
 * test fixture: a page, a JSON API, a form that writes to the store, a
 * permission, a nav entry, a homepage widget, an event, a migration, a
 * config key and demo data.
 */
#include "hello.h"

static const pt_route routes[] = {
    {.method = "GET", .pattern = "/hello", .handler = hello_page},
    {.method = "POST", .pattern = "/hello", .handler = hello_post, .body_max = 4096},
    {.method = "GET", .pattern = "/api/v1/hello", .handler = hello_api_list, .flags = PT_ROUTE_JSON},
    {.method = "GET", .pattern = "/api/v1/hello/:id", .handler = hello_api_get,
     .flags = PT_ROUTE_JSON},
    {.method = "POST", .pattern = "/api/v1/hello", .handler = hello_api_create,
     .flags = PT_ROUTE_JSON, .body_max = 4096},
};

static int hello_init(pt_host *h)
{
    int rc = 0;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0] && rc == 0; i++)
        rc = pt_host_route(h, &routes[i]);
    if (rc == 0) rc = pt_host_permission(h, ":view", "hello.perm_view", "See greetings");
    if (rc == 0)
        rc = pt_host_nav(h, &(pt_nav){.label = "hello.nav", .href = "/hello", .order = 90});
    if (rc == 0)
        rc = pt_host_widget(h, &(pt_widget){.name = "latest",
                                            .title = "hello.widget_title",
                                            .href = "/hello",
                                            .order = 90,
                                            .render = hello_widget});
    if (rc == 0) rc = pt_host_templates(h, "templates");
    if (rc == 0) rc = pt_host_locales(h, "locales");
    if (rc == 0) rc = pt_host_event(h, "hello.greeted", PT_EVENT_ACTION);
    if (rc == 0) rc = pt_host_event(h, "hello.greeting", PT_EVENT_FILTER);
    if (rc == 0) rc = pt_host_db(h, "greetings", 0);
    if (rc == 0) rc = pt_host_migration(h, 1, hello_migrate_v1, NULL);
    if (rc == 0) rc = pt_host_demo(h, hello_demo, NULL);
    if (rc == 0)
        rc = pt_host_config(h, "greeting", PT_CONFIG_STRING, json_string("Hello"),
                            "The word the hello page greets with.");
    if (rc == 0) hello_set_host(h);
    if (rc != 0) pt_host_fail(h, "registration failed: %s", pt_strerror(rc));
    return rc;
}

static const char *const hello_requires[] = {NULL};

const pt_plugin portico_plugin = {
    PT_PLUGIN_HEADER,
    .name = "hello",
    .version = "1.0.0",
    .description = "Example plugin: greetings (tutorial and test fixture)",
    .requires = hello_requires,
    .init = hello_init,
};
