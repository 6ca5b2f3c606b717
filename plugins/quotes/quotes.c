/*
 * plugins/quotes/quotes.c - the Request for Quote section: descriptor and
 * registrations (routes, permission quotes.request, nav entry, templates,
 * catalogs, databases, migration, demo catalog, the quote.requested
 * event, notification kind and settings).
 *
 * Staff pages (catalog, all requests, status) are for portal admins and
 * account managers (in their accounts), checked per request by staff role:
 * no quotes.manage permission is declared, because a declared permission
 * can be put into a customer's group.
 */
#include "quotes.h"

#define J PT_ROUTE_JSON
#define A PT_ROUTE_AUTH
#define S (PT_ROUTE_AUTH | PT_ROUTE_STAFF)
#define P "quotes.request"

static const pt_route routes[] = {
    {.method = "GET", .pattern = "/quotes", .handler = quo_page_list, .flags = A, .permission = P},
    {.method = "GET", .pattern = "/quotes/new", .handler = quo_page_new, .flags = A, .permission = P},
    {.method = "POST", .pattern = "/quotes", .handler = quo_page_submit, .flags = A, .permission = P,
     .body_max = 65536},
    {.method = "GET", .pattern = "/quotes/catalog", .handler = quo_catalog_page, .flags = S},
    {.method = "POST", .pattern = "/quotes/catalog", .handler = quo_catalog_post, .flags = S, .body_max = 16384},
    {.method = "POST", .pattern = "/quotes/catalog/:sku/delete", .handler = quo_catalog_delete, .flags = S,
     .body_max = 4096},
    {.method = "GET", .pattern = "/quotes/manage", .handler = quo_manage_page, .flags = S},
    {.method = "POST", .pattern = "/quotes/manage/:id/status", .handler = quo_manage_status, .flags = S,
     .body_max = 4096},
    {.method = "GET", .pattern = "/quotes/:id", .handler = quo_page_show, .flags = A, .permission = P},
    {.method = "GET", .pattern = "/api/v1/catalog", .handler = quo_api_catalog, .flags = J | A},
    {.method = "PUT", .pattern = "/api/v1/catalog/:sku", .handler = quo_api_catalog_put, .flags = J | S,
     .body_max = 16384},
    {.method = "DELETE", .pattern = "/api/v1/catalog/:sku", .handler = quo_api_catalog_delete, .flags = J | S},
    {.method = "GET", .pattern = "/api/v1/quotes", .handler = quo_api_list, .flags = J | A, .permission = P},
    {.method = "POST", .pattern = "/api/v1/quotes", .handler = quo_api_create, .flags = J | A, .permission = P,
     .body_max = 65536},
    {.method = "GET", .pattern = "/api/v1/quotes/:id", .handler = quo_api_get, .flags = J | A, .permission = P},
    {.method = "PATCH", .pattern = "/api/v1/quotes/:id", .handler = quo_api_patch, .flags = J | S,
     .body_max = 4096},
};

static int quo_init(pt_host *h)
{
    int rc = 0;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0] && rc == 0; i++)
        rc = pt_host_route(h, &routes[i]);
    if (rc == 0) rc = pt_host_db(h, "catalog", PT_DB_PLAIN);
    if (rc == 0) rc = pt_host_db(h, "requests", PT_DB_PLAIN);
    if (rc == 0) rc = pt_host_db(h, "requests.by_account", PT_DB_INDEX);
    if (rc == 0) rc = pt_host_permission(h, ":request", "quotes.perm_request", "quotes.perm_request_desc");
    if (rc == 0)
        rc = pt_host_nav(h, &(pt_nav){.label = "quotes.nav", .href = "/quotes", .permission = P,
                                      .order = 50, .icon = "file", .signed_in = true});
    if (rc == 0) rc = pt_host_templates(h, "templates");
    if (rc == 0) rc = pt_host_locales(h, "locales");
    if (rc == 0) rc = pt_host_event(h, "quote.requested", PT_EVENT_ACTION);
    if (rc == 0) rc = pt_host_notification_kind(h, "quotes.status", "quotes.notify.kind");
    if (rc == 0)
        rc = pt_host_config(h, "currency", PT_CONFIG_STRING, json_string("USD"), "Currency of catalog list prices.");
    if (rc == 0)
        rc = pt_host_config(h, "show_prices", PT_CONFIG_BOOL, json_true(),
                            "Show list prices and totals to customers.");
    if (rc == 0)
        rc = pt_host_config(h, "sales_email", PT_CONFIG_STRING, json_string(""),
                            "Where quote requests go when the account has no account manager contact.");
    if (rc == 0) rc = pt_host_migration(h, 1, quo_migrate_v1, NULL);
    if (rc == 0) rc = pt_host_demo(h, quo_demo, NULL);
    if (rc == 0) quo_set_host(h);
    if (rc != 0) pt_host_fail(h, "registration failed: %s", pt_strerror(rc));
    return rc;
}

static const char *const quo_requires[] = {"team", NULL};

const pt_plugin portico_plugin = {
    PT_PLUGIN_HEADER,
    .name = "quotes",
    .version = "1.0.0",
    .description = "Request for Quote: product catalog, cart, quote requests mailed to the account manager",
    .requires = quo_requires,
    .init = quo_init,
};
