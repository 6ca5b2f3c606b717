/*
 * plugins/licenses/demo.c - the schema migration and the demo licenses,
 * attached to the team plugin's demo accounts "Acme Corp" and "Globex"
 * (found by name in team.accounts: team exports no account lookup). Dates
 * are relative to the day the demo loads, so there is always one
 * orchestrator expiring within 90 days and one expired.
 *
 * Acme Corp:  PROD orchestrator (on-premises, ~13 months left) with robots,
 *             Studio and Document Understanding; TEST orchestrator (45
 *             days left); an expired EU cloud tenant; Premium Care.
 * Globex:     a cloud tenant with robots and Insights.
 * Fixed license keys (tests and docs use them): ACME-PROD-0001-0001 etc.
 */
#include <string.h>

#include "licenses.h"

int lic_migrate_v1(pt_txn *txn, void *ud)
{
    (void)txn;
    (void)ud;
    return 0; /* v1: the databases exist */
}

typedef struct {
    const char *kind, *server, *type, *product, *sku;
    int qty, start_off, end_off; /* days from today */
    const char *key, *nickname;
} demo_lic;

static int add(pt_txn *txn, uint64_t account, uint64_t parent, const demo_lic *d, uint64_t *id)
{
    char s[11], e[11];
    int64_t today = lic_today();
    lic_day_fmt(today + d->start_off, s);
    lic_day_fmt(today + d->end_off, e);
    json_t *rec = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:s}", "kind", d->kind,
                            "server", d->server ? d->server : "", "type", d->type ? d->type : "",
                            "product", d->product, "sku", d->sku, "quantity", d->qty, "start", s,
                            "end", e, "key", d->key, "nickname", d->nickname ? d->nickname : "");
    pt_rec_set_u64(rec, "parent", parent);
    const char *field = NULL, *why = NULL;
    int rc = lic_validate(txn, account, rec, &field, &why);
    if (rc == 0) rc = lic_create(txn, account, rec, id);
    else pt_store_error(rc, "licenses demo: %s: %s", d->key, why);
    json_decref(rec);
    return rc;
}

static const demo_lic acme_prod = {"orchestrator", "orch-prod.acme.local", "onprem", "Orchestrator Enterprise",
                                   "ORCH-ENT", 1, -300, 400, "ACME-PROD-0001-0001", "Production"};
static const demo_lic acme_prod_products[] = {
    {"product", NULL, NULL, "Unattended Robot", "RBT-UNATT", 25, -300, 0, "ACME-PROD-0001-0002", NULL},
    {"product", NULL, NULL, "Attended Robot", "RBT-ATT", 40, -300, 0, "ACME-PROD-0001-0003", NULL},
    {"product", NULL, NULL, "Studio Pro", "STU-PRO", 10, -300, 0, "ACME-PROD-0001-0004", NULL},
    {"product", NULL, NULL, "Document Understanding (1,000 pages)", "DU-PAGES", 120, -120, 0,
     "ACME-PROD-0001-0005", NULL},
};
static const demo_lic acme_test = {"orchestrator", "orch-test.acme.local", "onprem", "Orchestrator Standard",
                                   "ORCH-STD", 1, -320, 45, "ACME-TEST-0002-0001", NULL};
static const demo_lic acme_test_products[] = {
    {"product", NULL, NULL, "Unattended Robot", "RBT-UNATT", 2, -320, 0, "ACME-TEST-0002-0002", NULL},
    {"product", NULL, NULL, "Studio Pro", "STU-PRO", 3, -320, 0, "ACME-TEST-0002-0003", NULL},
};
static const demo_lic acme_eu = {"orchestrator", "acme-eu.cloud.example", "cloud", "Automation Cloud Tenant",
                                 "CLOUD-TENANT", 1, -730, -35, "ACME-EUCL-0003-0001", NULL};
static const demo_lic acme_eu_products[] = {
    {"product", NULL, NULL, "Unattended Robot", "RBT-UNATT", 5, -730, 0, "ACME-EUCL-0003-0002", NULL},
};
static const demo_lic acme_premium = {"standalone", "Acme Corp support", NULL, "Premium Care", LICENSES_PREMIUM_SKU,
                                      1, -100, 265, "ACME-PRMC-0004-0001", NULL};
static const demo_lic globex_cloud = {"orchestrator", "globex.cloud.example", "cloud", "Automation Cloud Tenant",
                                      "CLOUD-TENANT", 1, -60, 305, "GLBX-CLOU-0001-0001", NULL};
static const demo_lic globex_products[] = {
    {"product", NULL, NULL, "Unattended Robot", "RBT-UNATT", 8, -60, 0, "GLBX-CLOU-0001-0002", NULL},
    {"product", NULL, NULL, "Insights", "INSIGHTS", 1, -60, 0, "GLBX-CLOU-0001-0003", NULL},
};

static int group(pt_txn *txn, uint64_t account, const demo_lic *top, const demo_lic *kids, size_t n)
{
    uint64_t id = 0, kid;
    int rc = add(txn, account, 0, top, &id);
    for (size_t i = 0; i < n && rc == 0; i++) rc = add(txn, account, id, &kids[i], &kid);
    return rc;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

int lic_demo(pt_txn *txn, void *ud)
{
    (void)ud;
    uint64_t acme = lic_account_by_name(txn, "Acme Corp");
    uint64_t globex = lic_account_by_name(txn, "Globex");
    if (!acme || !globex) {
        pt_warn("licenses demo: the team plugin's demo accounts are missing; no demo licenses");
        return 0;
    }
    uint64_t id;
    int rc = group(txn, acme, &acme_prod, acme_prod_products, N(acme_prod_products));
    if (rc == 0) rc = group(txn, acme, &acme_test, acme_test_products, N(acme_test_products));
    if (rc == 0) rc = group(txn, acme, &acme_eu, acme_eu_products, N(acme_eu_products));
    if (rc == 0) rc = add(txn, acme, 0, &acme_premium, &id);
    if (rc == 0) rc = group(txn, globex, &globex_cloud, globex_products, N(globex_products));
    return rc;
}
