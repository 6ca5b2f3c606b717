/*
 * plugins/support/support.h - the support plugin's internal API: cases,
 * messages, case numbers, SLA, mail and the handlers. Every file of the
 * plugin includes it; nothing outside the plugin does.
 *
 * Databases (declared in support.c):
 *   support.cases               case id (8, big-endian) -> case (scoped)
 *   support.cases.by_number     number (8)  -> case id  (unique)
 *   support.cases.by_account    account (8) -> case ids
 *   support.cases.by_status     status str  -> case ids
 *   support.cases.by_assignee   user (8)    -> case ids
 *   support.cases.by_updated    account (8) + updated ms (8) -> case ids
 *   support.messages            case id (8) + message id (8) -> message (scoped)
 *   support.meta                "next_number" -> {next}
 *
 * Case record keys: _v, id, number, account, subject, description,
 * product, version, environment ("production"|"test"), priority
 * ("P1".."P4"), status (see below), requester (user id), requester_name,
 * requester_email, cc [{id, name, email}], assignee (user id or 0),
 * assignee_name, tags [], premium, callback, created, updated,
 * first_response, resolved, closed, rating, rating_comment.
 * Message keys: _v, id, case, account, kind ("message"|"note"|"event"),
 * body, author, author_name, by_agent, at, event ("status"|"assigned"|
 * "priority"), from, to.
 *
 * Conventions: model functions take the caller's transaction and never
 * begin or commit one; they return 0 or a PT_E* code; records are owned
 * json_t. Cases are always read through support_case_get, which applies
 * the caller's visibility (account scope, staff coverage, own cases).
 */
#ifndef SUPPORT_H
#define SUPPORT_H

#include <jansson.h>

#include <portico/auth.h>
#include <portico/config.h>
#include <portico/events.h>
#include <portico/http.h>
#include <portico/i18n.h>
#include <portico/log.h>
#include <portico/mail.h>
#include <portico/notify.h>
#include <portico/plugin.h>
#include <portico/store.h>
#include <portico/template.h>

#define SUP_SUBJECT_MAX 200
#define SUP_BODY_MAX 20000
#define SUP_FIELD_MAX 120
#define SUP_NUMBER_FIRST 1001
#define SUP_PAGE_MAX 100

extern const char *const sup_statuses[];   /* new in_progress waiting resolved closed, NULL */
extern const char *const sup_priorities[]; /* P1 P2 P3 P4, NULL */
extern const char *const sup_envs[];       /* production test, NULL */

/* ---- support.c --------------------------------------------------------- */
pt_host *sup_host(void);
pt_db *sup_db(const char *thing); /* "cases" -> support.cases */
bool sup_in(const char *s, const char *const *list);
/* Catalog lookup in the request's language. */
const char *sup_t(pt_req *req, const char *key);
/* Translate "support.<prefix>.<value>". */
const char *sup_label(pt_req *req, const char *prefix, const char *value);
/* Add display fields to a case (labels, dates, SLA) for templates. */
void sup_case_decorate(pt_req *req, json_t *c);
/* Date text in the request's language. */
json_t *sup_date_json(pt_req *req, int64_t ms);

/* ---- numbers.c ---------------------------------------------------------- */
/* Allocate the next case number (write txn). */
int sup_number_next(pt_txn *txn, uint64_t *number);
/* "CS-1001" -> 1001; 0 when malformed. Also accepts "1001". */
uint64_t sup_number_parse(const char *s);
/* Text form into out[24]. */
const char *sup_number_fmt(uint64_t n, char out[24]);

/* ---- model_cases.c ------------------------------------------------------- */
/* Store a new case (write txn): fills id, number, timestamps, indexes. */
int sup_case_insert(pt_txn *txn, json_t *c);
/* Replace a case (write txn), keeping the indexes in step with `old`. */
int sup_case_update(pt_txn *txn, const json_t *old, json_t *c);
/* Read a case by number with the request's visibility. PT_ENOTFOUND when
 * missing, another account's, or not visible (all alike). */
int sup_case_get(pt_txn *txn, pt_req *req, uint64_t number, json_t **out);
/* May this request see the case (already loaded unscoped)? */
bool sup_case_visible(pt_req *req, const json_t *c);
/* Is the requester a support agent or portal admin (staff who act on cases)? */
bool sup_agent_user(pt_req *req);
/* May this request act as an agent on the case? */
bool sup_is_agent(pt_req *req, const json_t *c);
/* Every case the request may see, optionally of one account (0 = all the
 * staff member covers / the customer's account): new array. */
json_t *sup_case_list_visible(pt_txn *txn, pt_req *req, bool agent_view);

/* ---- model_messages.c --------------------------------------------------- */
/* Append a message to a case (write txn); *out (may be NULL) the record. */
int sup_msg_add(pt_txn *txn, const json_t *c, json_t *m, json_t **out);
/* The conversation in order; internal notes only when with_notes. */
json_t *sup_msg_list(pt_txn *txn, const json_t *c, bool with_notes);

/* ---- create.c ------------------------------------------------------------ */
/* Validate a case draft (form or JSON fields, all strings) and create it
 * for the request: case.creating filter, one write txn, case.created.
 * On error *field / *why (catalog key) and nothing is written. */
int sup_create(pt_req *req, const json_t *in, json_t **out, const char **field, const char **why);
/* The same for a given account and requester (the public form: requester
 * 0 when the address has no user yet; it then gets a confirmation mail). */
int sup_create_for(pt_req *req, const json_t *in, uint64_t account, uint64_t requester,
                   const char *rname, const char *remail, json_t **out, const char **field,
                   const char **why);
int sup_new_page(pt_req *req);
int sup_new_post(pt_req *req);

/* ---- case_page.c ---------------------------------------------------------- */
/* Reply (and optionally note) on a case: one write txn with mails.
 * articles: knowledge articles an agent links, [{url (/knowledge/...),
 * title}] (at most 5; ignored for customers), may be NULL. */
int sup_reply(pt_req *req, uint64_t number, const char *body, bool internal,
              const json_t *articles, json_t **out, const char **why, int *status);
/* Apply changes {status, priority, assignee (email or ""), cc_add} (write
 * txn with messages, mails, events). Staff only for status other than the
 * customer's close/accept/reopen. */
int sup_update(pt_req *req, uint64_t number, const json_t *changes, json_t **out,
               const char **field, const char **why, int *status);
int sup_case_page(pt_req *req);
int sup_reply_post(pt_req *req);
int sup_update_post(pt_req *req);
int sup_close_post(pt_req *req);
int sup_reopen_post(pt_req *req);

/* ---- dashboard.c ------------------------------------------------------------ */
/* Filter, search and sort a case list from query parameters. On a bad
 * value *field / *why (catalog key) and NULL. */
json_t *sup_filter(pt_req *req, json_t *all, const char **field, const char **why);
int sup_dashboard(pt_req *req);
/* The list page context (cases filtered from the query, counts, filter
 * options) for the dashboard and the queue; NULL with *status on error. */
json_t *sup_list_ctx(pt_req *req, bool agent_view, int *status);

/* ---- agent.c ----------------------------------------------------------------- */
int sup_queue_page(pt_req *req);
/* Canned replies (config support.canned) as a new array of {title, body}. */
json_t *sup_canned(void);

/* ---- sla.c -------------------------------------------------------------------- */
/* Targets in hours for a priority (config support.sla.<P>). */
void sup_sla_targets(const char *priority, int64_t *first_h, int64_t *resolve_h);
/* Adds sla {first_due, resolve_due, overdue} to a case. */
void sup_sla_decorate(pt_req *req, json_t *c);
bool sup_sla_overdue(const json_t *c, int64_t now);

/* ---- mail.c --------------------------------------------------------------------- */
/* Mail the requester and CC of c (template support/mail/<tpl>) (write txn). */
int sup_mail_case(pt_txn *txn, const json_t *c, const char *tpl, const char *text,
                  uint64_t except_user);

/* ---- public_form.c ---------------------------------------------------------- */
int sup_public_page(pt_req *req);
int sup_public_post(pt_req *req);

/* ---- premium.c ---------------------------------------------------------------- */
int sup_premium_page(pt_req *req);

/* ---- suggest.c ---------------------------------------------------------------- */
int sup_suggest(pt_req *req);
int sup_deflection_post(pt_req *req);
int sup_deflection_get(pt_req *req);
/* Mark a new-case form submitted (its own write txn; best effort). */
void sup_deflection_submitted(pt_req *req, const char *form);
/* Totals {forms, article_opened, submitted_after_article, deflected}. */
json_t *sup_deflection_stats(void);

/* ---- attachments.c ------------------------------------------------------------ */
int sup_attach_body(pt_req *req, const char *data, size_t len);
int sup_attach_post(pt_req *req);
int sup_attach_get(pt_req *req);

/* ---- api.c ---------------------------------------------------------------------- */
int sup_api_list(pt_req *req);
int sup_api_get(pt_req *req);
int sup_api_create(pt_req *req);
int sup_api_reply(pt_req *req);
int sup_api_update(pt_req *req);
/* Public view of a case for the API (new object). */
json_t *sup_case_public(const json_t *c);

/* ---- export.c -------------------------------------------------------------------- */
int sup_export_csv(pt_req *req);
int sup_export_case(pt_req *req);

/* ---- users (support.c): team's store, read through the public store API ---- */
/* Look a user up by email in team.users.by_email; 0 when none. */
uint64_t sup_user_by_email(pt_txn *txn, const char *email);
/* The user record from team.users (owned) or NULL. */
json_t *sup_user_get(pt_txn *txn, uint64_t id);
/* Account id by name from team.accounts (0 when none). */
uint64_t sup_account_by_name(pt_txn *txn, const char *name);

/* ---- demo.c ------------------------------------------------------------------------ */
int sup_demo(pt_txn *txn, void *ud);
int sup_migrate_v1(pt_txn *txn, void *ud);

#endif
