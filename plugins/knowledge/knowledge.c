/*
 * plugins/knowledge/knowledge.c - the knowledge section: descriptor and
 * registrations (routes, permission, nav entry, homepage widget, templates,
 * catalogs, static script, databases, migration, demo data, notification
 * kind, and the "knowledge.search" API for other plugins).
 */
#include "knowledge.h"

#define J PT_ROUTE_JSON
#define A PT_ROUTE_AUTH

static const pt_route routes[] = {
    /* pages */
    {.method = "GET", .pattern = "/knowledge", .handler = kb_page_home},
    {.method = "GET", .pattern = "/knowledge/search", .handler = kb_page_search},
    {.method = "GET", .pattern = "/knowledge/c/:slug", .handler = kb_page_category},
    {.method = "GET", .pattern = "/knowledge/a/:slug", .handler = kb_page_article},
    {.method = "POST", .pattern = "/knowledge/a/:slug/vote", .handler = kb_page_vote, .flags = A, .body_max = 8192},
    {.method = "POST", .pattern = "/knowledge/follow", .handler = kb_page_follow, .flags = A, .body_max = 4096},
    {.method = "GET", .pattern = "/knowledge/new", .handler = kb_page_new, .flags = A},
    {.method = "POST", .pattern = "/knowledge/new", .handler = kb_page_create, .flags = A, .body_max = KB_ROUTE_BODY_MAX},
    {.method = "GET", .pattern = "/knowledge/a/:slug/edit", .handler = kb_page_edit, .flags = A},
    {.method = "POST", .pattern = "/knowledge/a/:slug/edit", .handler = kb_page_save, .flags = A, .body_max = KB_ROUTE_BODY_MAX},
    {.method = "POST", .pattern = "/knowledge/a/:slug/publish", .handler = kb_page_publish, .flags = A, .body_max = 4096},
    {.method = "GET", .pattern = "/knowledge/a/:slug/history", .handler = kb_page_history, .flags = A},
    {.method = "GET", .pattern = "/knowledge/a/:slug/diff", .handler = kb_page_diff, .flags = A},
    {.method = "POST", .pattern = "/knowledge/a/:slug/restore", .handler = kb_page_restore, .flags = A, .body_max = 4096},
    {.method = "GET", .pattern = "/knowledge/import", .handler = kb_page_import, .flags = A},
    {.method = "POST", .pattern = "/knowledge/import", .handler = kb_page_import_post, .flags = A, .body_max = 16 << 20},
    /* JSON API */
    {.method = "GET", .pattern = "/api/v1/articles", .handler = kb_api_list, .flags = J},
    {.method = "POST", .pattern = "/api/v1/articles", .handler = kb_api_create, .flags = J | A, .body_max = KB_ROUTE_BODY_MAX},
    {.method = "POST", .pattern = "/api/v1/articles/import", .handler = kb_api_import, .flags = J | A, .body_max = 16 << 20},
    {.method = "POST", .pattern = "/api/v1/articles/preview", .handler = kb_api_preview, .flags = J | A, .body_max = KB_ROUTE_BODY_MAX},
    {.method = "GET", .pattern = "/api/v1/articles/:id", .handler = kb_api_get, .flags = J},
    {.method = "PUT", .pattern = "/api/v1/articles/:id", .handler = kb_api_update, .flags = J | A, .body_max = KB_ROUTE_BODY_MAX},
    {.method = "PATCH", .pattern = "/api/v1/articles/:id", .handler = kb_api_update, .flags = J | A, .body_max = KB_ROUTE_BODY_MAX},
    {.method = "DELETE", .pattern = "/api/v1/articles/:id", .handler = kb_api_delete, .flags = J | A | PT_ROUTE_STAFF},
    {.method = "GET", .pattern = "/api/v1/articles/:id/revisions", .handler = kb_api_revisions, .flags = J | A},
    {.method = "GET", .pattern = "/api/v1/articles/:id/revisions/:rev", .handler = kb_api_revisions, .flags = J | A},
    {.method = "POST", .pattern = "/api/v1/articles/:id/revisions/:rev/restore", .handler = kb_api_restore, .flags = J | A, .body_max = 4096},
    {.method = "POST", .pattern = "/api/v1/articles/:id/vote", .handler = kb_api_vote, .flags = J | A, .body_max = 8192},
    {.method = "GET", .pattern = "/api/v1/knowledge/follow", .handler = kb_api_follow_get, .flags = J | A},
    {.method = "POST", .pattern = "/api/v1/knowledge/follow", .handler = kb_api_follow_set, .flags = J | A, .body_max = 4096},
};

static const kb_search_api search_api = {.search = kb_api_suggest};

static const char *const dbs[][2] = {
    {"articles", "0"}, {"articles.by_slug", "0"}, {"revisions", "0"}, {"votes", "0"},
    {"categories", "0"}, {"follows", "0"}, {"follows.by_user", "0"}, {"idx_post", "0"},
    {"idx_dict", "0"}, {"idx_docs", "0"}, {"idx_acl", "0"}, {"idx_meta", "0"},
};

static int kb_init(pt_host *h)
{
    int rc = 0;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0] && rc == 0; i++)
        rc = pt_host_route(h, &routes[i]);
    for (size_t i = 0; i < sizeof dbs / sizeof dbs[0] && rc == 0; i++)
        rc = pt_host_db(h, dbs[i][0], PT_DB_PLAIN);
    if (rc == 0) rc = pt_host_permission(h, ":edit", "knowledge.perm_edit", "knowledge.perm_edit_desc");
    if (rc == 0)
        rc = pt_host_nav(h, &(pt_nav){.label = "knowledge.nav", .href = "/knowledge", .order = 10,
                                      .icon = "book"});
    if (rc == 0)
        rc = pt_host_widget(h, &(pt_widget){.name = "search", .title = "knowledge.widget_title",
                                            .href = "/knowledge", .order = 10, .render = kb_widget});
    if (rc == 0) rc = pt_host_templates(h, "templates");
    if (rc == 0) rc = pt_host_locales(h, "locales");
    if (rc == 0) rc = pt_host_static(h, "static");
    if (rc == 0) rc = pt_host_notification_kind(h, "knowledge.article_published", "knowledge.notify.kind");
    if (rc == 0) rc = pt_host_migration(h, 1, kb_migrate_v1, NULL);
    if (rc == 0) rc = pt_host_demo(h, kb_demo, NULL);
    if (rc == 0) rc = pt_host_export(h, "search", &search_api);
    if (rc != 0) {
        pt_host_fail(h, "registration failed: %s", pt_strerror(rc));
        return rc;
    }
    kb_dbs_lookup();
    kb_markdown_init();
    return 0;
}

static void kb_fini(pt_host *h)
{
    (void)h;
    kb_stem_free();
    kb_markdown_fini();
}

static const char *const kb_requires[] = {NULL};

const pt_plugin portico_plugin = {
    PT_PLUGIN_HEADER,
    .name = "knowledge",
    .version = "1.0.0",
    .description = "Knowledge base and technical articles with ranked full-text search",
    .requires = kb_requires,
    .init = kb_init,
    .fini = kb_fini,
};
