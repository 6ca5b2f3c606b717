/*
 * plugins/quotes/quotes.h - shared declarations of the Request for Quote
 * plugin.
 *
 * Databases:
 *   quotes.catalog               SKU -> {_v, sku, name, description, unit,
 *                                price (number or null), types [orchestrator
 *                                types the SKU fits: "onprem", "cloud",
 *                                "new" = a new deployment], active}
 *   quotes.requests              id -> request (account-owned, scoped):
 *                                {_v, id, account, user, user_name, user_email,
 *                                 target ("new" or orchestrator id text),
 *                                 target_name, target_type, lines [{sku, name,
 *                                 unit, quantity, price, amount}], total,
 *                                 currency, activation (YYYY-MM-DD), years,
 *                                 note, status, created, updated}
 *   quotes.requests.by_account   account -> request ids
 * Status: submitted, in_review, quoted, closed (staff change it).
 */
#ifndef QUOTES_H
#define QUOTES_H

#include <jansson.h>

#include <portico/auth.h>
#include <portico/events.h>
#include <portico/http.h>
#include <portico/i18n.h>
#include <portico/log.h>
#include <portico/mail.h>
#include <portico/notify.h>
#include <portico/plugin.h>
#include <portico/store.h>
#include <portico/template.h>

#include "../contacts/contacts_api.h"
#include "../licenses/licenses_api.h"

#define QUO_QTY_MAX 100000
#define QUO_LINES_MAX 50
#define QUO_NOTE_MAX 2000
#define QUO_YEARS_MAX 5

/* util.c */
const char *quo_t(pt_req *req, const char *key);
bool quo_text_ok(const char *s, size_t max, bool multiline);
bool quo_staff_manages(pt_req *req, uint64_t account);
const char *quo_account_name(pt_req *req, uint64_t account);
uint64_t quo_param_id(pt_req *req, const char *name);
int64_t quo_day_parse(const char *s);
void quo_day_fmt(int64_t day, char out[11]);
int64_t quo_today(void);
void quo_set_host(pt_host *h);
const char *quo_cfg_str(const char *key, const char *dflt);
bool quo_cfg_bool(const char *key, bool dflt);
bool quo_status_ok(const char *s);
/* Date in the request's language. */
json_t *quo_date_display(pt_req *req, const char *iso);

/* catalog.c */
int quo_sku_get(pt_txn *txn, const char *sku, json_t **out);
/* Every SKU (sorted by SKU), only active ones unless all: new array. */
json_t *quo_catalog(pt_txn *txn, bool all);
bool quo_sku_fits(const json_t *sku, const char *type);
int quo_sku_put(pt_txn *txn, json_t *rec, const char **field, const char **why);
int quo_catalog_page(pt_req *req);
int quo_catalog_post(pt_req *req);
int quo_catalog_delete(pt_req *req);
int quo_api_catalog(pt_req *req);
int quo_api_catalog_put(pt_req *req);
int quo_api_catalog_delete(pt_req *req);

/* request.c */
typedef struct {
    int status;        /* HTTP status, 0 = none */
    const char *field;
    const char *key;   /* catalog key under quotes. */
    char detail[64];   /* e.g. the SKU */
} quo_err;
/* The targets the account may quote for: new array [{id, name, type}]
 * ("new" first, then the account's orchestrators from licenses.servers). */
json_t *quo_targets(pt_txn *txn, uint64_t account, pt_req *req);
/* Validate input {target, lines [{sku, quantity}], activation, years,
 * note}, store the request, mail the account manager (one write txn),
 * then emit quote.requested. 0 with *out (the stored record) or an error. */
int quo_submit(pt_req *req, const json_t *in, json_t **out, quo_err *e);
const char *quo_err_msg(pt_req *req, const quo_err *e);
json_t *quo_view(const json_t *rec, pt_req *req);
int quo_get_scoped(pt_txn *txn, uint64_t id, uint64_t account, json_t **out);
/* The user's requests in account, newest first: new array of records. */
json_t *quo_list(pt_txn *txn, uint64_t account, uint64_t user);
/* Change status (staff; write txn of its own); notifies the requester. */
int quo_set_status(pt_req *req, uint64_t id, const char *status, json_t **out, quo_err *e);

/* pages.c */
int quo_page_list(pt_req *req);
int quo_page_new(pt_req *req);
int quo_page_submit(pt_req *req);
int quo_page_show(pt_req *req);
int quo_api_list(pt_req *req);
int quo_api_get(pt_req *req);
int quo_api_create(pt_req *req);
int quo_api_patch(pt_req *req);
int quo_manage_page(pt_req *req);
int quo_manage_status(pt_req *req);

/* demo.c */
int quo_migrate_v1(pt_txn *txn, void *ud);
int quo_demo(pt_txn *txn, void *ud);

#endif
