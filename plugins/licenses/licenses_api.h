/*
 * plugins/licenses/licenses_api.h - the APIs the licenses plugin exports
 * through the host (pt_host_export), for other plugins to find with
 * pt_api_find(). Plugins never link to each other: a consumer copies the
 * struct it needs (team's copy of pt_licenses_lookup_api lives in
 * plugins/team/team_manage.h and must stay identical) or includes this
 * header for the layout only.
 *
 *   "licenses.lookup"   pt_licenses_lookup_api   license key -> account
 *   "licenses.premium"  pt_licenses_premium_api  Premium Care entitlement
 *   "licenses.servers"  pt_licenses_servers_api  an account's orchestrators
 *
 * Every function takes the caller's transaction (read or write) and does
 * not begin, commit or abort one. Nothing is account-scoped here: the
 * caller decides who may learn the answer.
 */
#ifndef LICENSES_API_H
#define LICENSES_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include <portico/store.h>

/* Find the customer account a license key belongs to and whether it is
 * active today (started, and its end date, or its orchestrator's, not
 * passed). Keys compare case-insensitively, surrounding blanks ignored.
 * 0 with *account and *active set; PT_ENOTFOUND for an unknown key (or
 * NULL key); PT_EIO / PT_EDECODE from the store. */
typedef struct {
    int (*lookup)(pt_txn *txn, const char *key, uint64_t *account, bool *active);
} pt_licenses_lookup_api;

/* The account's Premium Care entitlement (a license with SKU
 * LICENSES_PREMIUM_SKU). 0 when one covers today: *starts_ms is the first
 * millisecond of its start day, *ends_ms the last millisecond of its end
 * day (UTC). PT_ENOTFOUND when none covers today (then both are 0; a
 * future or past entitlement does not count). Either out pointer may be
 * NULL. */
typedef struct {
    int (*premium)(pt_txn *txn, uint64_t account, int64_t *starts_ms, int64_t *ends_ms);
} pt_licenses_premium_api;
#define LICENSES_PREMIUM_SKU "PRM-CARE"

/* The account's orchestrators (servers) as a new array (caller decrefs) of
 * {"id" (text id), "name" (nickname or server name), "server", "type"
 * ("onprem" | "cloud"), "end" (YYYY-MM-DD), "status"}. Empty when none. */
typedef struct {
    json_t *(*orchestrators)(pt_txn *txn, uint64_t account);
} pt_licenses_servers_api;

#endif
