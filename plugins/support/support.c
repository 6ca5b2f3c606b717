/*
 * plugins/support/support.c - the support plugin's descriptor and
 * registrations (routes, permissions, nav, databases, events, config),
 * plus small shared helpers: labels, dates and the read-only look-ups of
 * users and accounts.
 *
 * Users and accounts belong to the team plugin, which exports no lookup
 * API for them; this plugin reads them through the public store API
 * (pt_store_db("team.users"), "team.users.by_email", "team.accounts"),
 * read-only, the way plugins/licenses does. When team is not loaded those
 * databases are undeclared and the look-ups answer "none".
 */
#include <ctype.h>
#include <string.h>

#include "case_list.h"

static pt_host *host;

const char *const sup_statuses[] = {"new", "in_progress", "waiting", "resolved", "closed", NULL};
const char *const sup_priorities[] = {"P1", "P2", "P3", "P4", NULL};
const char *const sup_envs[] = {"production", "test", NULL};

pt_host *sup_host(void) { return host; }

pt_db *sup_db(const char *thing)
{
    char name[PT_DB_NAME_MAX + 1];
    snprintf(name, sizeof name, "support.%s", thing);
    return pt_store_db(name);
}

bool sup_in(const char *s, const char *const *list)
{
    if (!s) return false;
    for (size_t i = 0; list[i]; i++)
        if (strcmp(s, list[i]) == 0) return true;
    return false;
}

const char *sup_t(pt_req *req, const char *key) { return pt_t(req, key); }

const char *sup_label(pt_req *req, const char *prefix, const char *value)
{
    char key[128];
    snprintf(key, sizeof key, "support.%s.%s", prefix, value ? value : "");
    return pt_t(req, key);
}

json_t *sup_date_json(pt_req *req, int64_t ms)
{
    if (ms <= 0) return json_string("");
    pt_buf b = PT_BUF_INIT;
    pt_i18n_format_datetime(req, ms, NULL, &b);
    json_t *s = json_string(b.data ? b.data : "");
    pt_buf_free(&b);
    return s;
}

void sup_case_decorate(pt_req *req, json_t *c)
{
    char num[24];
    json_object_set_new(c, "number_text", json_string(sup_number_fmt(pt_rec_u64(c, "number", 0), num)));
    const char *st = pt_rec_str(c, "status", "new");
    json_object_set_new(c, "status_label", json_string(sup_label(req, "status", st)));
    json_object_set_new(c, "priority_label",
                        json_string(sup_label(req, "priority", pt_rec_str(c, "priority", "P3"))));
    json_object_set_new(c, "env_label",
                        json_string(sup_label(req, "env", pt_rec_str(c, "environment", "production"))));
    json_object_set_new(c, "created_display", sup_date_json(req, pt_rec_int(c, "created", 0)));
    json_object_set_new(c, "updated_display", sup_date_json(req, pt_rec_int(c, "updated", 0)));
    json_object_set_new(c, "is_closed", json_boolean(strcmp(st, "closed") == 0));
    json_object_set_new(c, "is_resolved", json_boolean(strcmp(st, "resolved") == 0));
    json_object_set_new(c, "has_cc", json_boolean(json_array_size(json_object_get(c, "cc")) > 0));
    json_object_set_new(c, "has_tags", json_boolean(json_array_size(json_object_get(c, "tags")) > 0));
    sup_sla_decorate(req, c);
}

/* ---- team's records, read-only ------------------------------------------- */

uint64_t sup_user_by_email(pt_txn *txn, const char *email)
{
    pt_db *idx = pt_store_db("team.users.by_email");
    if (!idx || !email || !*email || strlen(email) > 254) return 0;
    char norm[256];
    size_t n = 0;
    for (const char *p = email; *p && n < sizeof norm - 1; p++)
        if (!isspace((unsigned char)*p)) norm[n++] = (char)tolower((unsigned char)*p);
    norm[n] = 0;
    pt_key k;
    pt_key_init(&k);
    if (pt_key_add_str(&k, norm) != 0) return 0;
    uint64_t ids[1];
    size_t got = 0;
    if (pt_index_list(txn, idx, k.b, k.len, false, 0, ids, 1, &got) != 0 || got == 0) return 0;
    return ids[0];
}

json_t *sup_user_get(pt_txn *txn, uint64_t id)
{
    pt_db *db = pt_store_db("team.users");
    if (!db || !id) return NULL;
    uint8_t k[8];
    pt_key_u64(k, id);
    json_t *u = NULL;
    if (pt_record_get(txn, db, k, 8, &u) != 0) return NULL;
    return u;
}

uint64_t sup_account_by_name(pt_txn *txn, const char *name)
{
    pt_db *db = pt_store_db("team.accounts");
    if (!db || !name) return 0;
    int rc = 0;
    pt_cursor *c = pt_cursor_open(txn, db, &rc);
    uint64_t id = 0;
    pt_kv kv;
    for (rc = c ? pt_cursor_first(c, &kv) : PT_ENOTFOUND; rc == 0 && !id; rc = pt_cursor_next(c, &kv)) {
        json_t *a = NULL;
        if (pt_record_decode(kv.val, kv.vlen, &a, NULL) != 0) continue;
        if (strcmp(pt_rec_str(a, "name", ""), name) == 0) id = pt_rec_u64(a, "id", 0);
        json_decref(a);
    }
    if (c) pt_cursor_close(c);
    return id;
}

/* ---- registration ---------------------------------------------------------- */

#define AUTH PT_ROUTE_AUTH
#define JSON (PT_ROUTE_AUTH | PT_ROUTE_JSON)

static const pt_route routes[] = {
    {.method = "GET", .pattern = "/support", .handler = sup_dashboard, .flags = AUTH},
    {.method = "GET", .pattern = "/support/cases.csv", .handler = sup_export_csv, .flags = AUTH},
    {.method = "GET", .pattern = "/support/new", .handler = sup_new_page, .flags = AUTH,
     .permission = "support.edit"},
    /* The case forms stream their files (multipart) to disk; form_body.c
     * hands the form's CSRF token to the core before it keeps a file. */
    {.method = "POST", .pattern = "/support/new", .handler = sup_new_post,
     .flags = AUTH | PT_ROUTE_CSRF_IN_BODY, .permission = "support.edit", .body_max = SUP_FORM_BODY_MAX,
     .body = sup_form_body},
    {.method = "GET", .pattern = "/support/queue", .handler = sup_queue_page,
     .flags = AUTH | PT_ROUTE_STAFF},
    {.method = "GET", .pattern = "/support/cases/:number", .handler = sup_case_page, .flags = AUTH},
    {.method = "GET", .pattern = "/support/cases/:number/print", .handler = sup_export_case,
     .flags = AUTH},
    {.method = "POST", .pattern = "/support/cases/:number/reply", .handler = sup_reply_post,
     .flags = AUTH | PT_ROUTE_CSRF_IN_BODY, .permission = "support.edit", .body_max = SUP_FORM_BODY_MAX,
     .body = sup_form_body},
    {.method = "POST", .pattern = "/support/cases/:number/update", .handler = sup_update_post,
     .flags = AUTH, .permission = "support.edit", .body_max = 16 * 1024},
    {.method = "POST", .pattern = "/support/cases/:number/close", .handler = sup_close_post,
     .flags = AUTH, .permission = "support.edit", .body_max = 16 * 1024},
    {.method = "POST", .pattern = "/support/cases/:number/reopen", .handler = sup_reopen_post,
     .flags = AUTH, .permission = "support.edit", .body_max = 16 * 1024},
    {.method = "POST", .pattern = "/api/v1/cases/:number/attachments", .handler = sup_attach_post,
     .flags = JSON, .permission = "support.edit", .body_max = SUP_ATTACH_MAX,
     .body = sup_attach_body},
    {.method = "GET", .pattern = "/support/cases/:number/attachments/:id", .handler = sup_attach_get,
     .flags = AUTH},
    {.method = "GET", .pattern = "/support/premium", .handler = sup_premium_page, .flags = AUTH,
     .permission = "support.premium"},
    {.method = "GET", .pattern = "/support/suggest", .handler = sup_suggest, .flags = JSON},
    {.method = "POST", .pattern = "/support/deflection", .handler = sup_deflection_post,
     .flags = JSON, .body_max = 1024},
    {.method = "GET", .pattern = "/api/v1/support/deflection", .handler = sup_deflection_get,
     .flags = JSON | PT_ROUTE_STAFF},
    {.method = "GET", .pattern = "/support/request", .handler = sup_public_page},
    {.method = "POST", .pattern = "/support/request", .handler = sup_public_post,
     .body_max = 64 * 1024},
    {.method = "GET", .pattern = "/api/v1/cases", .handler = sup_api_list, .flags = JSON},
    {.method = "POST", .pattern = "/api/v1/cases", .handler = sup_api_create, .flags = JSON,
     .permission = "support.edit", .body_max = 64 * 1024},
    {.method = "GET", .pattern = "/api/v1/cases/:number", .handler = sup_api_get, .flags = JSON},
    {.method = "POST", .pattern = "/api/v1/cases/:number/messages", .handler = sup_api_reply,
     .flags = JSON, .permission = "support.edit", .body_max = 64 * 1024},
    {.method = "PATCH", .pattern = "/api/v1/cases/:number", .handler = sup_api_update,
     .flags = JSON, .permission = "support.edit", .body_max = 16 * 1024},
};

static const char *const dbs_plain[] = {"cases", "messages", "meta", "throttle", "deflection", NULL};
/* The indexes of support.cases: key layouts in case_index.c. */
static const char *const dbs_index[] = {"cases.by_number",   "cases.by_account",  "cases.by_status",
                                        "cases.by_assignee", "cases.by_updated",  "cases.by_status_updated",
                                        "cases.by_requester", "cases.by_created", "cases.by_rank",
                                        "cases.by_due",      "cases.by_product",  NULL};
static const char *const events_action[] = {"case.created", "case.replied", "case.status_changed",
                                            "case.assigned", NULL};

static json_t *sla_default(void)
{
    return json_pack("{s:{s:i,s:i}, s:{s:i,s:i}, s:{s:i,s:i}, s:{s:i,s:i}}",
                     "P1", "first_response_h", 1, "resolution_h", 8,
                     "P2", "first_response_h", 4, "resolution_h", 24,
                     "P3", "first_response_h", 8, "resolution_h", 72,
                     "P4", "first_response_h", 24, "resolution_h", 240);
}

static int support_init(pt_host *h)
{
    host = h;
    int rc = 0;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0] && rc == 0; i++)
        rc = pt_host_route(h, &routes[i]);
    if (rc == 0) rc = pt_host_permission(h, ":view", "support.perm.view", "support.perm.view_doc");
    if (rc == 0) rc = pt_host_permission(h, ":edit", "support.perm.edit", "support.perm.edit_doc");
    if (rc == 0)
        rc = pt_host_permission(h, ":premium", "support.perm.premium", "support.perm.premium_doc");
    if (rc == 0)
        rc = pt_host_nav(h, &(pt_nav){.label = "support.nav", .href = "/support", .order = 20,
                                      .icon = "support", .signed_in = true});
    if (rc == 0)
        rc = pt_host_nav(h, &(pt_nav){.label = "support.queue.nav", .href = "/support/queue",
                                      .permission = "support.edit", .order = 21, .icon = "inbox",
                                      .signed_in = true});
    if (rc == 0)
        rc = pt_host_nav(h, &(pt_nav){.label = "support.premium_nav", .href = "/support/premium",
                                      .permission = "support.premium", .order = 22, .icon = "lifebuoy",
                                      .signed_in = true});
    if (rc == 0) rc = pt_host_templates(h, "templates");
    if (rc == 0) rc = pt_host_locales(h, "locales");
    if (rc == 0) rc = pt_host_static(h, "static");
    for (size_t i = 0; dbs_plain[i] && rc == 0; i++) rc = pt_host_db(h, dbs_plain[i], PT_DB_PLAIN);
    for (size_t i = 0; dbs_index[i] && rc == 0; i++) rc = pt_host_db(h, dbs_index[i], PT_DB_INDEX);
    for (size_t i = 0; events_action[i] && rc == 0; i++)
        rc = pt_host_event(h, events_action[i], PT_EVENT_ACTION);
    if (rc == 0) rc = pt_host_event(h, "case.creating", PT_EVENT_FILTER);
    if (rc == 0) rc = pt_host_migration(h, 1, sup_migrate_v1, NULL);
    if (rc == 0) rc = pt_host_migration(h, 2, sup_migrate_v2, NULL);
    if (rc == 0) rc = pt_host_demo(h, sup_demo, NULL);
    if (rc == 0) rc = pt_host_notification_kind(h, "support.case_replied", "support.notify.replied");
    if (rc == 0)
        rc = pt_host_config(h, "sla", PT_CONFIG_TABLE, sla_default(),
                            "First-response and resolution targets in hours per priority: "
                            "{ P1 = { first_response_h = 1, resolution_h = 8 }, ... }.");
    if (rc == 0)
        rc = pt_host_config(h, "canned", PT_CONFIG_TABLE,
                            json_pack("[{s:s,s:s},{s:s,s:s}]", "title", "Need logs", "body",
                                      "Could you please attach the server logs from the time "
                                      "the problem happened?",
                                      "title", "Fixed in next release", "body",
                                      "This is fixed in the next release. We will let you know "
                                      "when it is available."),
                            "Canned replies for agents: a list of { title = ..., body = ... }.");
    if (rc == 0)
        rc = pt_host_config(h, "reopen_days", PT_CONFIG_INT, json_integer(14),
                            "Days after closing during which the customer may reopen a case.");
    if (rc == 0)
        rc = pt_host_config(h, "premium_phones", PT_CONFIG_TABLE,
                            json_pack("[{s:s,s:s},{s:s,s:s}]", "label", "US / Canada", "number",
                                      "+1 800 555 0100", "label", "Europe", "number", "+800 5550 1000"),
                            "Toll-free numbers shown to Premium Care customers: a list of "
                            "{ label = ..., number = ... }.");
    if (rc == 0)
        rc = pt_host_config(h, "public_form_per_hour", PT_CONFIG_INT, json_integer(5),
                            "Case requests one IP address may send through the public form per hour.");
    if (rc == 0)
        rc = pt_host_config(h, "list_scan_max", PT_CONFIG_INT, json_integer(SUP_SCAN_MAX),
                            "Case records one list page may examine for filters no index covers "
                            "(search, product, ...); past it the page says so and Next searches on.");
    if (rc == 0)
        rc = pt_host_config(h, "list_sort_max", PT_CONFIG_INT, json_integer(SUP_SORT_MAX),
                            "Lists sorted other than by last update: up to this many candidate cases "
                            "are sorted in memory, more are read in order from the sort's index.");
    if (rc != 0) pt_host_fail(h, "registration failed: %s", pt_strerror(rc));
    return rc;
}

static const char *const support_requires[] = {NULL};

const pt_plugin portico_plugin = {
    PT_PLUGIN_HEADER,
    .name = "support",
    .version = "1.0.0",
    .description = "Support cases: conversations, agent desk, SLA, mail",
    .requires = support_requires,
    .init = support_init,
};
