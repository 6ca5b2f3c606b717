/*
 * plugins/support/premium_api.h - the other plugins' APIs this plugin
 * uses, copied here (plugins never include each other's headers; the
 * layouts must stay identical to plugins/licenses/licenses_api.h and the
 * knowledge plugin's export), and the premium helpers of premium.c.
 */
#ifndef SUPPORT_PREMIUM_API_H
#define SUPPORT_PREMIUM_API_H

#include <stdbool.h>
#include <stdint.h>

#include <portico/http.h>
#include <portico/store.h>

typedef struct {
    int (*premium)(pt_txn *txn, uint64_t account, int64_t *starts_ms, int64_t *ends_ms);
} sup_licenses_premium_api;  /* "licenses.premium" */

typedef struct {
    int (*lookup)(pt_txn *txn, const char *key, uint64_t *account, bool *active);
} sup_licenses_lookup_api;   /* "licenses.lookup" */

typedef struct {
    int (*search)(pt_req *req, const char *q, size_t limit, json_t **out);
} sup_knowledge_search_api;  /* "knowledge.search": [{id,title,url,snippet}] */

/* True when account has Premium Care today (licenses.premium; false when
 * the licenses plugin is not loaded). Opens its own read transaction:
 * never call it while holding a write transaction. */
bool sup_premium_active(uint64_t account, int64_t *starts_ms, int64_t *ends_ms);

#endif
