/*
 * core/auth/auth_internal.h - shared between the session, principal and
 * gate files of core/auth. Not visible to plugins.
 */
#ifndef PT_AUTH_INTERNAL_H
#define PT_AUTH_INTERNAL_H

#include "portico/auth.h"

#define PT_SESSION_COOKIE "pt_session"
#define PT_CSRF_COOKIE "pt_csrf"
#define PT_SESSION_DB "core.sessions"

/* Per-request auth state, kept in a pt_req data slot. */
typedef struct pt_auth_state {
    bool resolved;
    bool read_only;       /* bearer token, read-only                      */
    bool via_token;       /* authenticated by API token (no CSRF)         */
    bool csrf_pending;    /* form token to check after the body           */
    uint8_t session_key[32]; /* sha256 of the session token, if any      */
    bool has_session;
    char csrf[48];        /* token to put in forms                        */
    pt_principal p;
} pt_auth_state;

/* The state of req, created (unresolved) on first use. */
pt_auth_state *pt_auth_state_of(pt_req *req);
/* Resolve the principal from the session cookie or bearer token. */
void pt_auth_resolve(pt_req *req, pt_auth_state *st);
/* The installed resolver or NULL. */
const pt_auth_resolver *pt_auth_resolver_get(void);
/* Release what a principal owns. */
void pt_principal_clear(pt_principal *p);

#endif
