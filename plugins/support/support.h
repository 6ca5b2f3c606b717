/*
 * plugins/support/support.h - the support plugin's internal API: cases,
 * messages, case numbers, SLA, mail and the handlers. Every file of the
 * plugin includes it; nothing outside the plugin does.
 *
 * Databases (declared in support.c):
 *   support.cases               case id (8, big-endian) -> case (scoped)
 *   support.cases.by_*          the indexes: see case_index.c
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
#define SUP_ATTACH_MAX (25u * 1000u * 1000u) /* bytes per attached file */
#define SUP_FILENAME_MAX 200
#define SUP_FORM_FILES_MAX 5                   /* files per form submit  */
#define SUP_FORM_TEXT_MAX (64u * 1024u)        /* a form's text fields    */
/* A case form's whole body: its files and text plus multipart framing. */
#define SUP_FORM_BODY_MAX (SUP_FORM_FILES_MAX * SUP_ATTACH_MAX + 1024u * 1024u)

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
/* Does the requester act as an agent in this account (covers it)? */
bool sup_covers(pt_req *req, uint64_t account);
/* May this request act as an agent on the case? */
bool sup_is_agent(pt_req *req, const json_t *c);
/* Every case the request may see (agent_view: of every account the agent
 * covers, else of the request's account): new array. Reads the whole
 * history: only for the Premium statistics; lists use case_list.h. */
json_t *sup_case_list_visible(pt_txn *txn, pt_req *req, bool agent_view);

/* ---- model_messages.c --------------------------------------------------- */
/* Append a message to a case (write txn); *out (may be NULL) the record. */
int sup_msg_add(pt_txn *txn, const json_t *c, json_t *m, json_t **out);
/* The conversation in order; internal notes only when with_notes. */
json_t *sup_msg_list(pt_txn *txn, const json_t *c, bool with_notes);

/* ---- upload.c ------------------------------------------------------------ */
/* An attachment arriving in a request body, spooled to disk. Memory from
 * the request arena; the file is removed when the request ends unless
 * sup_upload_keep was called (after the commit that records it). */
typedef struct sup_upload {
    int fd;
    uint64_t id;
    size_t size;
    bool renamed, kept;
    char name[SUP_FILENAME_MAX + 1];
    char part[512], final[512];
} sup_upload;

/* <data dir>/support-attachments into out (created if missing). */
bool sup_files_dir(char *out, size_t n);
/* A usable attachment name: 1..200 bytes of UTF-8, no slashes, quotes or
 * control characters. */
bool sup_filename_ok(const char *s);
/* Start an upload named name (checked by the caller): 0 or PT_EIO. */
int sup_upload_open(pt_req *req, const char *name, sup_upload **out);
/* Append; PT_ETOOBIG past SUP_ATTACH_MAX (nothing of it written), PT_EIO. */
int sup_upload_write(sup_upload *u, const char *data, size_t len);
/* fsync and rename into place (before the write txn): 0 or PT_EIO. */
int sup_upload_finish(sup_upload *u);
/* The conversation entry for u on case c (write txn). */
int sup_upload_entry(pt_txn *txn, pt_req *req, const json_t *c, const sup_upload *u);
/* The txn committed: keep the file. */
void sup_upload_keep(sup_upload *u);

/* ---- form_body.c ---------------------------------------------------------- */
/* Body sink of the case forms (POST /support/new, .../reply): a form as
 * application/x-www-form-urlencoded or multipart/form-data, its files
 * ("files" fields) streamed to disk; also checks the CSRF token (the
 * routes are PT_ROUTE_NO_CSRF, see the file). */
int sup_form_body(pt_req *req, const char *data, size_t len);
/* After the body: true when the form arrived whole and its token was right. */
bool sup_form_ready(pt_req *req);
/* A text field (first value) or NULL. Borrowed for the request. */
const char *sup_form_get(pt_req *req, const char *name);
/* The files that came with the form (non-empty ones), *out borrowed. */
size_t sup_form_files(pt_req *req, sup_upload *const **out);

/* ---- create.c ------------------------------------------------------------ */
/* Validate a case draft (form or JSON fields, all strings) and create it
 * for the request: case.creating filter, one write txn, case.created.
 * files (may be NULL) are attached in that same txn. On error *field /
 * *why (catalog key) and nothing is written. */
int sup_create(pt_req *req, const json_t *in, sup_upload *const *files, size_t nfiles,
               json_t **out, const char **field, const char **why);
/* The same for a given account and requester (the public form: requester
 * 0 when the address has no user yet; it then gets a confirmation mail). */
int sup_create_for(pt_req *req, const json_t *in, uint64_t account, uint64_t requester,
                   const char *rname, const char *remail, sup_upload *const *files,
                   size_t nfiles, json_t **out, const char **field, const char **why);
int sup_new_page(pt_req *req);
int sup_new_post(pt_req *req);

/* ---- case_page.c ---------------------------------------------------------- */
/* Reply (and optionally note) on a case: one write txn with mails.
 * articles: knowledge articles an agent links, [{url (/knowledge/...),
 * title}] (at most 5; ignored for customers), may be NULL. files (may be
 * NULL) are attached in the same txn; with files the body may be empty
 * (then only the files are added), and a note takes no files. *out (may
 * be NULL) the message, or with an empty body the last attachment. */
int sup_reply(pt_req *req, uint64_t number, const char *body, bool internal,
              const json_t *articles, sup_upload *const *files, size_t nfiles, json_t **out,
              const char **why, int *status);
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
int sup_dashboard(pt_req *req);
/* The list page context (a page of cases from the query, counts, filter
 * options, next/previous links) for the dashboard and the queue; NULL with
 * *status on error. */
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
