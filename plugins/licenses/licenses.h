/*
 * plugins/licenses/licenses.h - shared declarations of the licenses
 * plugin's files.
 *
 * Model: one record per license in licenses.items (key: 8-byte id):
 *   {_v, id, account, parent (id of the orchestrator or 0), kind
 *    ("orchestrator" | "product" | "standalone"), server (instance name of
 *    an orchestrator / stand-alone product), type ("onprem" | "cloud" for
 *    orchestrators, else ""), product, sku, quantity, start, end
 *    ("YYYY-MM-DD", end inclusive), key (license key), nickname, notes,
 *    noted_by (name), noted_at (ms), created (ms)}
 * A product under an orchestrator has no end of its own: its effective end
 * is the orchestrator's (lic_effective_end).
 *
 * Databases: licenses.items, licenses.items.by_account (account -> ids),
 * licenses.keys (upper-cased key -> 8-byte id), licenses.reminders
 * ((id, threshold) -> {at}), licenses.meta ("last_check" -> {at}).
 */
#ifndef LICENSES_H
#define LICENSES_H

#include <jansson.h>

#include <portico/auth.h>
#include <portico/events.h>
#include <portico/http.h>
#include <portico/i18n.h>
#include <portico/log.h>
#include <portico/notify.h>
#include <portico/plugin.h>
#include <portico/store.h>
#include <portico/template.h>

#include "licenses_api.h"

#define LIC_NICK_MAX 120
#define LIC_NOTES_MAX 2000
#define LIC_TEXT_MAX 120
#define LIC_KEY_MAX 64
#define LIC_QTY_MAX 1000000
#define LIC_CSV_ROWS_MAX 2000
#define LIC_CSV_BYTES_MAX (2u << 20)
#define LIC_EXPIRING_DAYS 90

/* ---- util.c ----------------------------------------------------------- */
pt_db *lic_db(const char *thing); /* "items" -> licenses.items */
/* Days since 1970-01-01 of "YYYY-MM-DD" (a real calendar date), or -1. */
int64_t lic_day_parse(const char *s);
/* Day number -> "YYYY-MM-DD" into out[11]. */
void lic_day_fmt(int64_t day, char out[11]);
int64_t lic_today(void);
/* Text a person typed: valid UTF-8, at most max bytes, no control
 * characters except (when multiline) \n, \r and \t. */
bool lic_text_ok(const char *s, size_t max, bool multiline);
/* Translate "licenses.<key>" in the request's language. */
const char *lic_t(pt_req *req, const char *key);
/* Begin / commit, answering 503 on failure (NULL / non-zero). */
pt_txn *lic_begin(pt_req *req, bool write);
int lic_commit(pt_req *req, pt_txn *txn);
/* Portal admin, or account manager assigned to account (0 = any). */
bool lic_staff_manages(pt_req *req, uint64_t account);
/* The name of an account the request's principal may act in, or NULL. */
const char *lic_account_name(pt_req *req, uint64_t account);
/* RFC 4180 cell; text cells starting with = + - @ are defused with '. */
void lic_csv_cell(pt_buf *b, const char *s, bool text);
/* Route parameter as an id, or 0. */
uint64_t lic_param_id(pt_req *req, const char *name);

/* ---- model.c ----------------------------------------------------------- */
typedef enum { LIC_ACTIVE = 0, LIC_EXPIRING, LIC_EXPIRED, LIC_FUTURE } lic_status;
const char *lic_status_name(lic_status s);
int lic_get(pt_txn *txn, uint64_t id, json_t **out);                 /* unscoped */
int lic_get_scoped(pt_txn *txn, uint64_t id, uint64_t account, json_t **out);
/* Every license of the account (creation order): new array of records. */
json_t *lic_list(pt_txn *txn, uint64_t account);
/* The effective end day of rec (its orchestrator's for a product). */
int64_t lic_effective_end(pt_txn *txn, const json_t *rec);
lic_status lic_status_of(int64_t start, int64_t end, int64_t today);
/* Check the fields of a new license (a record without id/account):
 * kind, server/type (orchestrator, standalone), product, sku, quantity,
 * start, end (not for products under an orchestrator), key (optional:
 * generated when empty, must be unused). *why gets a catalog key. */
int lic_validate(pt_txn *txn, uint64_t account, json_t *rec, const char **field,
                 const char **why);
/* Store a validated new license (write txn); *id gets its id. */
int lic_create(pt_txn *txn, uint64_t account, json_t *rec, uint64_t *id);
/* Delete a license (and the products under an orchestrator). */
int lic_delete(pt_txn *txn, uint64_t account, uint64_t id);
/* Replace a stored record (same id and account). */
int lic_put(pt_txn *txn, json_t *rec);
/* A new random license key "XXXXX-XXXXX-XXXXX-XXXXX" into out[24]. */
void lic_key_new(char out[24]);
/* The grouped view: new array of top-level licenses, each with "products"
 * (for pages, CSV and the API). Adds status, days_left, end (effective),
 * id as text. */
json_t *lic_view(pt_txn *txn, uint64_t account, pt_req *req);
json_t *lic_item_view(pt_txn *txn, const json_t *rec, pt_req *req);
extern const pt_licenses_lookup_api lic_lookup_api;
extern const pt_licenses_premium_api lic_premium_api;
extern const pt_licenses_servers_api lic_servers_api;
/* Account id by name, scanning team.accounts (demo and import). 0 if none. */
uint64_t lic_account_by_name(pt_txn *txn, const char *name);

/* ---- pages.c (customer pages and API) ---------------------------------- */
int lic_page(pt_req *req);
int lic_note_post(pt_req *req);
int lic_csv(pt_req *req);
int lic_api_list(pt_req *req);
int lic_api_get(pt_req *req);
int lic_api_patch(pt_req *req);
int lic_api_lookup(pt_req *req);
int lic_widget(pt_req *req, pt_buf *out);

/* ---- manage.c (staff) ---------------------------------------------------- */
int lic_manage_accounts(pt_req *req);
int lic_manage_page(pt_req *req);
int lic_manage_add(pt_req *req);
int lic_manage_delete(pt_req *req);
int lic_manage_import(pt_req *req);

/* ---- import.c ---------------------------------------------------------- */
/* Parse and validate CSV data for account; when every row is good, create
 * them all (write txn). *report gets {rows:[{row, status, message,
 * server, product, sku}], imported, errors}. 0, or PT_EINVAL when the
 * file itself is unusable (*why catalog key). */
int lic_import_csv(pt_req *req, pt_txn *txn, uint64_t account, const char *data, size_t len,
                   json_t **report, const char **why);

/* ---- reminders.c -------------------------------------------------------- */
/* Run the renewal check now (own write txn). force=false skips it when a
 * check ran in the last 50 minutes (the hourly timers of several workers).
 * *sent (may be NULL) gets a new array of {id, threshold}. 0 or PT_E*. */
int lic_reminders_run(bool force, json_t **sent);
int lic_reminders_post(pt_req *req);
int lic_reminders_start(pt_host *h);
void lic_reminders_stop(pt_host *h);

/* ---- demo.c ----------------------------------------------------------------- */
int lic_migrate_v1(pt_txn *txn, void *ud);
int lic_demo(pt_txn *txn, void *ud);

#endif
