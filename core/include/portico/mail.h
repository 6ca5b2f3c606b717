/*
 * portico/mail.h - outgoing mail through the durable outbox.
 *
 * A message is rendered from Mustache templates and written to the outbox
 * (LMDB, core.outbox) in the SAME write transaction as the change that
 * caused it: if the change is rolled back, no mail goes out; if it
 * commits, the mail is never lost. A sender in each worker's thread pool
 * delivers due messages to the configured SMTP relay (libcurl: STARTTLS or
 * implicit TLS, AUTH) with retries and exponential backoff; only one
 * worker sends a given message (claimed in a write transaction). Failures
 * after the last retry stay in the outbox, visible to portal admins.
 *
 * Templates: "<plugin>/mail/<name>" resolved like pages (theme overrides
 * plugin). Each mail has three parts in one template file set:
 * <name>.subject.mustache, <name>.txt.mustache (required: every mail has a
 * plain-text part) and <name>.html.mustache (optional, wrapped in the
 * theme's mail layout). Portal admins can override them from the admin
 * console (stored in the store, preferred over files).
 */
#ifndef PORTICO_MAIL_H
#define PORTICO_MAIL_H

#include <jansson.h>

#include "common.h"
#include "store.h"

typedef struct pt_mail {
    const char *to;          /* one address (required)                    */
    const char *template;    /* "team/invitation"                         */
    const json_t *data;      /* template context (borrowed)                */
    const char *lang;        /* "de"; NULL = the portal default            */
    const char *reply_to;    /* optional                                   */
    const char *kind;        /* for the admin view/log: "invitation"       */
} pt_mail;

/* Render m and add it to the outbox inside txn (a write transaction). The
 * message is sent after txn commits. Returns 0, PT_EINVAL (bad address,
 * with a reason in pt_store_last_error-style *why if given), PT_ENOTFOUND
 * (no such template), or a store error. *why is borrowed static text. */
int pt_mail_enqueue(pt_txn *txn, const pt_mail *m, const char **why);

/* True when s is a plausible single email address (no header injection:
 * no CR/LF, one @, a dot in the domain, <= 254 bytes). */
bool pt_mail_address_ok(const char *s);

#endif
