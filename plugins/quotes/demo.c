/*
 * plugins/quotes/demo.c - the schema migration and the demo catalog: a
 * dozen SKUs of a fictional automation vendor (orchestrators, robots,
 * Studio, add-ons, Premium Care), each with the orchestrator types it fits.
 */
#include "quotes.h"

int quo_migrate_v1(pt_txn *txn, void *ud)
{
    (void)txn;
    (void)ud;
    return 0;
}

typedef struct {
    const char *sku, *name, *desc, *unit;
    double price; /* < 0: no list price */
    const char *types[4];
} demo_sku;

static const demo_sku skus[] = {
    {"ORCH-ENT", "Orchestrator Enterprise", "On-premises orchestrator with high availability support and unlimited tenants.", "instance / year", 24000, {"new", NULL}},
    {"ORCH-STD", "Orchestrator Standard", "On-premises orchestrator for one tenant.", "instance / year", 9000, {"new", NULL}},
    {"CLOUD-TENANT", "Automation Cloud Tenant", "Hosted orchestrator tenant in the region of your choice.", "tenant / year", 12000, {"new", NULL}},
    {"RBT-UNATT", "Unattended Robot", "Runs automations on a server without a person present.", "robot / year", 8000, {"onprem", "cloud", "new", NULL}},
    {"RBT-ATT", "Attended Robot", "Works beside a person on their desktop.", "user / year", 1800, {"onprem", "cloud", "new", NULL}},
    {"STU-PRO", "Studio Pro", "The full development environment for automation developers.", "user / year", 3600, {"onprem", "cloud", "new", NULL}},
    {"STU-CITIZEN", "Studio Citizen", "Low-code designer for business users.", "user / year", 900, {"cloud", "new", NULL}},
    {"DU-PAGES", "Document Understanding (1,000 pages)", "Reads invoices, receipts and forms.", "1,000 pages", 300, {"onprem", "cloud", NULL}},
    {"HA-ADDON", "High Availability Add-on", "Active-active clustering for on-premises orchestrators.", "instance / year", 6000, {"onprem", NULL}},
    {"INSIGHTS", "Insights", "Dashboards and ROI analytics for your automations.", "tenant / year", 4800, {"cloud", NULL}},
    {"TEST-SUITE", "Test Suite", "Automated testing of automations and applications.", "user / year", 2400, {"onprem", "cloud", NULL}},
    {"PRM-CARE", "Premium Care", "24/7 support with a named support engineer and 1-hour response.", "account / year", 15000, {"onprem", "cloud", "new", NULL}},
    {"TRAINING-DAY", "On-site training day", "A day of hands-on training with a solution architect.", "day", -1, {"onprem", "cloud", "new", NULL}},
};

int quo_demo(pt_txn *txn, void *ud)
{
    (void)ud;
    int rc = 0;
    for (size_t i = 0; i < sizeof skus / sizeof skus[0] && rc == 0; i++) {
        const demo_sku *d = &skus[i];
        json_t *types = json_array();
        for (size_t j = 0; d->types[j]; j++) json_array_append_new(types, json_string(d->types[j]));
        json_t *rec = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:b}", "sku", d->sku, "name", d->name,
                                "description", d->desc, "unit", d->unit, "price",
                                d->price < 0 ? json_null() : json_real(d->price), "types", types, "active", 1);
        const char *field = NULL, *why = NULL;
        rc = quo_sku_put(txn, rec, &field, &why);
        if (rc) pt_store_error(rc, "quotes demo: %s: %s", d->sku, why ? why : "?");
        json_decref(rec);
    }
    return rc;
}
