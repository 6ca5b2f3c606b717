/*
 * portico/auth.h - who is asking: sessions, the signed-in user, the
 * account being acted in, permissions, CSRF tokens.
 *
 * The core owns sessions and the one permission check every route goes
 * through (pt_req_can). It knows nothing about users, groups or accounts
 * beyond their ids: the identity plugin (plugins/team) installs a
 * resolver that turns (user, account) into a principal: staff flag,
 * display data and the set of permissions held in that account.
 *
 * Sessions: a 256-bit random token (CTR_DRBG) in the cookie `pt_session`
 * (HttpOnly, Secure, SameSite=Lax); only its SHA-256 is stored
 * (core.sessions). CSRF: every POST/PUT/PATCH/DELETE on a route without
 * PT_ROUTE_NO_CSRF must carry the request's token in the `_csrf` form field
 * or the `X-CSRF-Token` header; cross-site Origin / Sec-Fetch-Site is
 * refused outright. Anonymous visitors get a token in the `pt_csrf`
 * cookie (double submit), so the sign-in form is protected too.
 */
#ifndef PORTICO_AUTH_H
#define PORTICO_AUTH_H

#include <jansson.h>

#include "common.h"
#include "http.h"
#include "store.h"

/* What the resolver reports about a user acting in an account. */
typedef struct pt_principal {
    uint64_t user;        /* 0 = anonymous                                 */
    uint64_t account;     /* the account acted in; 0 = none                */
    bool staff;           /* vendor staff                                  */
    bool admin;           /* portal admin (staff with admin rights)        */
    json_t *info;         /* owned by the principal: {"name","email",...}  */
    json_t *permissions;  /* owned: object perm -> true                   */
    json_t *accounts;     /* owned: [{"id","name"}] the user belongs to     */
} pt_principal;

typedef struct pt_auth_resolver {
    /* Fill *out for user acting in account (account may be 0: pick the
     * user's default and set out->account). Return 0, or PT_ENOTFOUND when
     * the user no longer exists or is deactivated (the session is then
     * dropped), or PT_EPERM when the user may not act in that account. */
    int (*resolve)(pt_txn *txn, uint64_t user, uint64_t account, pt_principal *out);
    /* Optional: an API token from `Authorization: Bearer ...`. Fill *out and
     * *read_only, or return PT_ENOTFOUND. */
    int (*resolve_token)(pt_txn *txn, const char *token, pt_principal *out, bool *read_only);
} pt_auth_resolver;

/* Install the resolver (one per process; the identity plugin does it in
 * init). ops is borrowed and must outlive the plugin. NULL removes it. */
void pt_auth_set_resolver(const pt_auth_resolver *ops);

/* ---- the request's principal (resolved lazily, cached per request) ---- */
uint64_t pt_req_user(pt_req *req);       /* 0 when anonymous               */
uint64_t pt_req_account(pt_req *req);    /* 0 when none                    */
bool pt_req_is_staff(pt_req *req);
bool pt_req_is_admin(pt_req *req);
/* The one permission check. Staff and admins pass checks only where the
 * resolver granted the permission. perm is "support.view". */
bool pt_req_can(pt_req *req, const char *perm);
/* Borrowed principal (never NULL; anonymous has user 0). */
const pt_principal *pt_req_principal(pt_req *req);
/* The name of account when the signed-in user belongs to it (from the
 * principal's accounts list), else NULL. Borrowed for the request. Also
 * the membership check: non-NULL means "may act in this account". */
const char *pt_req_account_name(pt_req *req, uint64_t account);
/* The route parameter `name` parsed as an id (pt_id_parse), or 0. */
uint64_t pt_req_param_id(pt_req *req, const char *name);
/* True when the request came with a read-only API token. */
bool pt_req_read_only(pt_req *req);

/* ---- sessions --------------------------------------------------------- */
/* Start a session for user in account (after sign-in): stores it, sets the
 * cookie on the response, rotates the CSRF token. remember: 30 days,
 * else a browser-session cookie with a 12 h server-side lifetime.
 * 0 or a PT_E* code. */
int pt_session_start(pt_req *req, uint64_t user, uint64_t account, bool remember);
/* Switch the session's account (the caller checked membership). */
int pt_session_set_account(pt_req *req, uint64_t account);
/* End the session (sign-out): deletes it and clears the cookie. */
int pt_session_end(pt_req *req);
/* End every session of a user (password change, deactivation). */
int pt_session_end_user(pt_txn *txn, uint64_t user);
/* The CSRF token for forms on this response (borrowed). */
const char *pt_req_csrf(pt_req *req);
/* For a PT_ROUTE_CSRF_IN_BODY route's body callback: token is the form's
 * `_csrf` field as it arrived (or NULL to ask). True when the request is
 * verified: by this token (compared in constant time), or already by the
 * X-CSRF-Token header or an API token. Call it before keeping any byte of
 * a file; the core refuses the handler (403) if no call said true. */
bool pt_req_csrf_check(pt_req *req, const char *token);

/* Hex SHA-256 of s into out[65]. */
void pt_sha256_hex(const void *data, size_t len, char out[65]);
/* A new random token: 32 random bytes, base64url (43 chars) into out[44]. */
int pt_token_new(char out[44]);

/* Installs the gate and CSRF pre-handler into the HTTP layer. Called by
 * main after the store is open in each worker. */
void pt_auth_install(void);
/* Declares core.sessions (call before the store opens). */
void pt_auth_declare(void);

#endif
