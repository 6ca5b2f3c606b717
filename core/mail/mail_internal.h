/*
 * core/mail/mail_internal.h - what the files of core/mail share: the mail
 * settings snapshot, address helpers, the RFC 5322 / MIME message builder,
 * the outbox state machine (store, claim, mark, purge) and the libcurl SMTP
 * client. Private to core/mail and its unit tests; plugins see
 * portico/mail.h, main/worker see core/mail/mail_worker.h.
 *
 * The outbox record (core.outbox, key = 8-byte big-endian time-sortable id):
 *   {"_v":1, "to", "reply_to"?, "kind"?, "template"?, "subject", "text",
 *    "html"?, "msgid", "created" (wall ms), "status", "attempts", "due",
 *    "token"?, "error"?, "sent_at"?}
 * status and what "due" means (it is also the key in core.outbox.by_due,
 * an index due -> id, so one cursor walk from the start finds everything
 * that needs doing now):
 *   queued   never tried (or released, or retried by an admin): due = when
 *   failed   the last attempt failed; due = when to try again (backoff)
 *   sending  claimed by a worker; due = when the lease expires (then any
 *            worker may claim it again); "token" names the claim
 *   sent     delivered; due = when to purge it (keep_sent_days)
 *   dead     gave up (max_attempts, or a permanent 5xx); not indexed
 * "attempts" counts claims, so a message that crashes its worker every
 * time still goes dead after max_attempts.
 */
#ifndef PT_MAIL_INTERNAL_H
#define PT_MAIL_INTERNAL_H

#include <jansson.h>
#include <stdatomic.h>

#include "portico/common.h"
#include "portico/mail.h"
#include "portico/store.h"

/* ---- settings (outbox.c) ------------------------------------------------ */

/* A snapshot of the mail.* keys plus the two portal keys mail needs. Every
 * string is owned by the struct (pt_mail_conf_free); never NULL after
 * pt_mail_conf_load. */
typedef struct pt_mail_conf {
    char *smtp_url;      /* "" = mail disabled                          */
    char *starttls;      /* "off" | "try" | "require"                   */
    char *username;      /* "" = no AUTH                                */
    char *password;      /* secret: never logged                        */
    char *from;          /* "Portico <portico@localhost.localdomain>"               */
    bool tls_verify;
    int max_attempts;    /* >= 1                                        */
    int poll_ms;         /* >= 50                                       */
    int keep_sent_days;  /* >= 0                                        */
    int batch;           /* messages per claim, 1..100                  */
    char *site_name;     /* portal.name                                 */
    char *public_url;    /* public_url                                  */
    char *default_lang;  /* portal.default_language                     */
} pt_mail_conf;

/* Fill *c from the current settings (pt_settings()), or from the override
 * installed with pt_mail_conf_override. Clamps numbers into range. */
void pt_mail_conf_load(pt_mail_conf *c);
/* Free the strings of *c and zero it. */
void pt_mail_conf_free(pt_mail_conf *c);
/* Tests and tools: use a copy of *c instead of the settings from now on
 * (NULL strings become defaults); NULL goes back to the settings. */
void pt_mail_conf_override(const pt_mail_conf *c);

/* ---- address.c -------------------------------------------------------- */

/* Split a From value "Name <a@b.c>" or "a@b.c" into *name (owned, "" when
 * absent, quotes removed) and *addr (owned). PT_EINVAL (nothing set) when
 * the address part fails pt_mail_address_ok. */
int pt_mail_parse_from(const char *from, char **name, char **addr);
/* The host of url ("https://portal.example.com:8443/x" ->
 * "portal.example.com"), or "localhost" when there is none. Owned. */
char *pt_mail_url_host(const char *url);

/* ---- message.c: building the RFC 5322 message ---------------------------- */

typedef struct pt_mail_parts {
    const char *from;        /* "Name <a@b>" (config mail.from)          */
    const char *to;          /* checked address                           */
    const char *reply_to;    /* NULL or a checked address                 */
    const char *subject;     /* one line, UTF-8                           */
    const char *text;        /* required, UTF-8                           */
    const char *html;        /* NULL = text only                          */
    const char *message_id;  /* "<...@host>"                              */
    uint64_t date_ms;        /* wall ms for the Date header               */
} pt_mail_parts;

/* Append the complete message (headers, CRLF line ends, quoted-printable
 * UTF-8 parts; multipart/alternative when html is set) to out. PT_EINVAL
 * (out unchanged) when to/from/reply_to is not a valid address or text is
 * missing. boundary_seed makes the MIME boundary unique (the record id). */
int pt_mail_build(const pt_mail_parts *p, uint64_t boundary_seed, pt_buf *out);
/* Append s as a header value: unchanged when it is printable ASCII without
 * "=?", otherwise as RFC 2047 UTF-8 B encoded-words (<= 75 bytes each,
 * never splitting a UTF-8 sequence, folded with CRLF SP). CR and LF in s
 * are dropped. used = bytes already on the header line ("Subject: "). */
void pt_mail_header_encode(pt_buf *out, const char *s, size_t used);
/* Append len bytes of s quoted-printable (RFC 2045): LF or CRLF become
 * CRLF, lines soft-broken at 76, "=", non-ASCII, trailing blanks and a
 * leading "." encoded. */
void pt_mail_qp(pt_buf *out, const char *s, size_t len);
/* Decode the five entities Mustache's {{x}} writes (&amp; &lt; &gt;
 * &quot; &#39;) in place: the subject and text parts are plain text. */
void pt_mail_html_unescape(char *s);

/* ---- outbox.c: the state machine ----------------------------------------- */

/* Declare core.outbox and core.outbox.by_due (before pt_store_open). */
void pt_mail_declare_dbs(void);

/* What pt_mail_enqueue stores once the parts are rendered (all borrowed;
 * to already checked by the caller or checked here). The message is added
 * to txn as queued, due now. *id (may be NULL) gets its id. */
typedef struct pt_mail_rendered {
    const char *to, *reply_to, *kind, *template_name;
    const char *subject, *text, *html;
} pt_mail_rendered;
int pt_mail_store(pt_txn *txn, const pt_mail_rendered *r, uint64_t *id);

/* One claimed message, ready to deliver. Owned by the array from
 * pt_mail_claim (pt_mail_jobs_free). */
typedef struct pt_mail_job {
    uint64_t id;
    uint64_t token;          /* the claim; pt_mail_mark checks it          */
    uint64_t lease_until;    /* wall ms                                    */
    char *to;                /* envelope recipient                        */
    char *msg;               /* the whole RFC 5322 message                */
    size_t len;
    /* filled by the sender: */
    int rc;                  /* 0 sent; PT_EAGAIN transient failure;
                                PT_EINVAL permanent (5xx); PT_ENOTFOUND
                                not attempted (released unchanged)        */
    char *error;             /* owned, NULL on success                    */
} pt_mail_job;

/* In ONE short write transaction: purge sent messages whose keep time is
 * over, and claim up to max messages that are due at now (queued, failed,
 * or sending with an expired lease): status sending, attempts + 1, lease
 * until now + lease_ms, a fresh token. A claimed message whose attempts are
 * already max_attempts (its worker died while sending) goes dead instead.
 * Builds each message with conf's From. *jobs (owned, pt_mail_jobs_free)
 * and *n. Returns 0 or a store error (nothing claimed). */
int pt_mail_claim(uint64_t now, size_t max, uint64_t lease_ms, const pt_mail_conf *conf,
                  pt_mail_job **jobs, size_t *n);
void pt_mail_jobs_free(pt_mail_job *jobs, size_t n);

/* Record the results of jobs (in one write transaction): rc 0 -> sent (due
 * now + keep_sent_days, or deleted at once when that is 0); PT_ENOTFOUND
 * -> released: queued again, due now, the attempt not counted; PT_EINVAL
 * -> dead; otherwise failed with due = now + backoff, or dead once
 * attempts reached max_attempts. A job whose token no longer matches (its
 * lease expired and another worker claimed it) is left alone. 0 or a
 * store error. */
int pt_mail_mark(pt_mail_job *jobs, size_t n, uint64_t now, const pt_mail_conf *conf);

/* The delay before the next attempt after `attempts` failed attempts:
 * 30 s, 2 min, 10 min, 1 h, then 6 h. */
uint64_t pt_mail_backoff_ms(int attempts);

/* The stored record of id (owned, json_decref): tests and the admin view.
 * PT_ENOTFOUND or a store error. Opens its own read transaction. */
int pt_mail_get(uint64_t id, json_t **out);

/* ---- lua_backend.c ---------------------------------------------------- */

struct pt_lua_outbox_ops;
/* Fill *ops with the back end pt_mail_install_lua_backend installs (tests
 * call its callbacks directly). */
void pt_mail_lua_ops(struct pt_lua_outbox_ops *ops);

/* ---- smtp.c ------------------------------------------------------------- */

typedef struct pt_smtp_opts {
    const char *url;          /* smtp://host:port or smtps://host:port     */
    const char *starttls;     /* "off" | "try" | "require"                 */
    const char *username;     /* NULL/"" = no AUTH                         */
    const char *password;
    bool tls_verify;
    long connect_timeout_ms;  /* 0 = 10 s                                  */
    long timeout_ms;          /* whole transfer; 0 = 45 s                  */
    const atomic_int *abort_flag; /* may be NULL; nonzero aborts            */
} pt_smtp_opts;

/* Call once per process before threads start (curl_global_init). */
void pt_mail_smtp_global_init(void);

/* Send msg[0..len) from envelope address from_addr to to. Blocking:
 * only on a background thread. Returns 0; PT_EINVAL when the server
 * refused the message permanently (5xx to MAIL/RCPT/DATA); PT_EAGAIN for
 * anything that may work later (4xx, connection, TLS, AUTH, timeout);
 * PT_ENOTFOUND when aborted through abort_flag. *err (may be NULL; owned)
 * gets a one-line reason without secrets: "451 4.3.0 try later" or
 * "connect: Couldn't connect to server". */
int pt_mail_smtp_send(const pt_smtp_opts *o, const char *from_addr, const char *to,
                      const char *msg, size_t len, char **err);

#endif
