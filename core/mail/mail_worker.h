/*
 * core/mail/mail_worker.h - what main, the worker and the admin console
 * call to run the mail outbox and the notification store. Core only;
 * plugins use portico/mail.h and portico/notify.h.
 *
 * Order of calls:
 *   parent, before pt_store_open:   pt_mail_declare(); pt_notify_declare();
 *   each worker, after its store is open and its event_base exists:
 *                                   pt_mail_worker_start(base);
 *                                   pt_mail_install_lua_backend();
 *   (optional) after a commit that enqueued mail: pt_mail_kick();
 *   worker drain, after event_base_dispatch returns and BEFORE
 *   pt_store_close / event_base_free: pt_mail_worker_stop();
 * Threading: everything here runs on the worker's event-loop thread
 * (pt_mail_kick is also harmless elsewhere).
 */
#ifndef PT_MAIL_WORKER_H
#define PT_MAIL_WORKER_H

#include <jansson.h>

#include "portico/common.h"
#include "portico/store.h"

struct event_base;

/* Declare the mail.* config keys (owner "core") and the outbox databases
 * (core.outbox, core.outbox.by_due). Idempotent. Call before the store
 * opens and before the config is checked. Keys: mail.smtp_url,
 * mail.starttls, mail.username, mail.password, mail.from, mail.tls_verify,
 * mail.max_attempts, mail.poll_ms, mail.keep_sent_days, mail.batch. */
void pt_mail_declare(void);

/* Start this worker's sender: a timer on base (every mail.poll_ms) that
 * claims due messages and hands them to one background delivery thread,
 * whose results come back to the loop through an eventfd. Needs the store
 * open. base is borrowed and must outlive pt_mail_worker_stop. Returns 0,
 * PT_EEXIST (already started) or PT_EIO (thread/eventfd failed). */
int pt_mail_worker_start(struct event_base *base);

/* Stop the sender: the delivery thread aborts what it has not finished,
 * is joined, results are recorded (unfinished messages are released to
 * the queue unchanged), the events are freed. No-op when not started. */
void pt_mail_worker_stop(void);

/* Claim and send now instead of at the next tick. pt_mail_enqueue already
 * does this itself when it runs on the loop thread (the claim happens in
 * a later loop turn, after the handler committed), so calling it after a
 * commit is optional. Cheap; a no-op when not started or when called from
 * another thread (then the next poll, mail.poll_ms, sends it). */
void pt_mail_kick(void);

/* ---- admin console -------------------------------------------------------- */

/* The newest messages of the outbox (its own read transaction), newest
 * first, at most limit (0 = 100), filtered by status ("queued", "failed",
 * "sending", "sent", "dead"; NULL or "" = all). *out a new array (caller
 * json_decrefs) of {"id" (text id), "to", "subject", "kind", "template",
 * "status", "attempts", "created", "due", "sent_at", "error"} (times in
 * wall ms; due/sent_at/error null when not applicable). Bodies are left
 * out. 0, PT_EINVAL (unknown status), or a store error. */
int pt_mail_outbox_list(const char *status, size_t limit, json_t **out);

/* Queue a failed or dead message again: status queued, due now, attempts
 * 0 (the last error is kept until the next attempt). Its own write
 * transaction; kicks the sender. 0, PT_ENOTFOUND, PT_EINVAL (it is sent,
 * or being sent right now), or a store error. */
int pt_mail_retry(uint64_t id);

/* ---- Lua ------------------------------------------------------------------- */

/* Install the outbox back end for portico.mail / portico.notify
 * (pt_lua_set_outbox_backend): mail {to (string or array), template,
 * data, lang} -> pt_mail_enqueue per address; notify {user | account,
 * permission, kind, text, href} -> pt_notify; ids as id strings or
 * integers. Each call writes in the transaction set with
 * pt_mail_lua_txn, else in a short write transaction of its own (then
 * the sender is kicked). */
void pt_mail_install_lua_backend(void);

/* While a write transaction is open on this thread and Lua filter hooks
 * may run inside it, set it here so the back end writes into it (a second
 * write transaction on the same thread would deadlock); set NULL after.
 * txn is borrowed. */
void pt_mail_lua_txn(pt_txn *txn);

/* ---- notifications (core/notify.c) ------------------------------------------ */

/* Declare core.notifications and core.notifications.unread. Idempotent;
 * before pt_store_open. */
void pt_notify_declare(void);

#endif
