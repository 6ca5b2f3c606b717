/*
 * portico/notify.h - in-portal notifications (the bell) posted by plugins
 * and scripts to one user, every user of an account, or everyone holding a
 * permission in an account.
 *
 * Notifications are stored per recipient (core.notifications, indexed by
 * user, newest first) in the caller's write transaction. Who holds a
 * permission is answered by the identity plugin through the audience
 * resolver it installs; without one, only direct (user) notifications
 * work. Users switch kinds off in their notification settings (kinds are
 * declared with pt_host_notification_kind); the weekly digest mails what
 * they have not read.
 */
#ifndef PORTICO_NOTIFY_H
#define PORTICO_NOTIFY_H

#include <jansson.h>

#include "common.h"
#include "store.h"

typedef struct pt_notification {
    const char *kind;        /* "support.case_replied" (declared kind)     */
    uint64_t user;           /* one user, or 0                              */
    uint64_t account;        /* with permission: holders in this account    */
    const char *permission;  /* "knowledge.view"; NULL with account = all   */
    const char *text;        /* one line, plain text (escaped on display)   */
    const char *href;        /* where clicking goes ("/support/cases/12")   */
} pt_notification;

/* Post n inside txn (a write transaction). 0 or a PT_E* code. */
int pt_notify(pt_txn *txn, const pt_notification *n);

/* Like pt_notify, but the text comes from the message catalog: key is a
 * dotted message key whose string has {name} placeholders, filled from
 * args (an object of strings and numbers, borrowed; may be NULL). Each
 * reader sees it in their own language (the bell page, its API and the
 * digest); n->text may be NULL (the default-language text is stored as
 * the fallback). 0 or a PT_E* code. */
int pt_notify_msg(pt_txn *txn, const pt_notification *n, const char *key, const json_t *args);

/* Lists users: fills *users (malloc'd array, caller frees) with the ids
 * of account's users holding permission (NULL = all), *n their count. */
typedef int (*pt_audience_fn)(pt_txn *txn, uint64_t account, const char *permission,
                              uint64_t **users, size_t *n);
/* Also: is this kind switched on for this user? */
typedef bool (*pt_wants_fn)(pt_txn *txn, uint64_t user, const char *kind);
void pt_notify_set_audience(pt_audience_fn audience, pt_wants_fn wants);

/* Unread count and the newest notifications of user (caller owns the
 * array of {"id","kind","text","href","at","read"}). */
int pt_notify_unread(pt_txn *txn, uint64_t user, size_t *count);
int pt_notify_list(pt_txn *txn, uint64_t user, size_t limit, json_t **out);
/* The same with catalog messages (pt_notify_msg) in lang ("de"; NULL =
 * the text stored when it was posted). */
int pt_notify_list_lang(pt_txn *txn, uint64_t user, const char *lang, size_t limit,
                        json_t **out);
/* Mark one (id != 0) or all read. */
int pt_notify_mark_read(pt_txn *txn, uint64_t user, uint64_t id);

#endif
