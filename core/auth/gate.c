/*
 * core/auth/gate.c - the checks every route passes before its handler:
 * signed in (PT_ROUTE_AUTH), staff (PT_ROUTE_STAFF), the route's
 * permission (through pt_req_can), read-only API tokens, and CSRF for
 * state-changing methods. Runs at header time (before 100-continue and
 * before the body is read); the CSRF form-field check runs after the body
 * in the pre-handler.
 */
#include <string.h>

#include "auth/auth_internal.h"
#include "http/server.h"
#include "portico/i18n.h"
#include "portico/log.h"

static bool unsafe_method(const char *m)
{
    return strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0 && strcmp(m, "OPTIONS") != 0;
}

static int deny_signin(pt_req *req)
{
    if (pt_req_wants_json(req)) {
        pt_resp_set_header(req, "WWW-Authenticate", "Bearer");
        pt_http_error(req, 401, pt_t(req, "errors.signin_required"));
        return 401;
    }
    const char *method = pt_req_method(req);
    if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) {
        pt_buf loc = PT_BUF_INIT;
        pt_buf_puts(&loc, "/signin?next=");
        pt_url_encode(&loc, pt_req_target(req));
        pt_resp_redirect(req, loc.data);
        pt_buf_free(&loc);
        return pt_resp_get_status(req);
    }
    pt_http_error(req, 401, pt_t(req, "errors.signin_required"));
    return 401;
}

/* Same-origin check from the browser's own headers. */
static bool cross_site(pt_req *req)
{
    const char *sfs = pt_req_header(req, "Sec-Fetch-Site");
    if (sfs && strcmp(sfs, "cross-site") == 0) return true;
    const char *origin = pt_req_header(req, "Origin");
    if (origin && strcmp(origin, "null") != 0) {
        const char *host = pt_req_header(req, "Host");
        const char *o = strstr(origin, "://");
        if (!host || !o || strcmp(o + 3, host) != 0) return true;
    }
    return false;
}

static int gate(pt_req *req, const pt_route *route)
{
    pt_auth_state *st = pt_auth_state_of(req);
    if (!st->resolved) pt_auth_resolve(req, st);
    unsigned f = route->flags;
    bool needs_user = (f & (PT_ROUTE_AUTH | PT_ROUTE_STAFF)) || route->permission;
    if (needs_user && st->p.user == 0) return deny_signin(req);
    if ((f & PT_ROUTE_STAFF) && !st->p.staff) {
        pt_http_error(req, 403, pt_t(req, "errors.staff_only"));
        return 403;
    }
    if (route->permission && !pt_req_can(req, route->permission)) {
        pt_http_error(req, 403, pt_t(req, "errors.no_permission"));
        return 403;
    }
    const char *method = pt_req_method(req);
    if (!unsafe_method(method)) return 0;
    if (st->via_token) {
        if (st->read_only) {
            pt_http_error(req, 403, pt_t(req, "errors.token_read_only"));
            return 403;
        }
        return 0; /* bearer tokens are not sent by browsers on their own */
    }
    if (f & PT_ROUTE_NO_CSRF) return 0;
    if (cross_site(req)) {
        pt_http_error(req, 403, pt_t(req, "errors.cross_site"));
        return 403;
    }
    const char *want = pt_req_csrf(req);
    const char *hdr = pt_req_header(req, "X-CSRF-Token");
    if (hdr) {
        if (strlen(hdr) == strlen(want) && pt_ct_equal(hdr, want, strlen(want))) return 0;
        pt_http_error(req, 403, pt_t(req, "errors.csrf"));
        return 403;
    }
    if (route->body && !(f & PT_ROUTE_CSRF_IN_BODY)) {
        /* Streamed bodies are never parsed as forms: the token must come
         * in the header, checked before a byte of the upload is read. */
        pt_http_error(req, 403, pt_t(req, "errors.upload_csrf"));
        return 403;
    }
    /* checked after the body (a form field), or by the body callback
     * through pt_req_csrf_check (a streamed form) */
    st->csrf_pending = true;
    return 0;
}

bool pt_req_csrf_check(pt_req *req, const char *token)
{
    pt_auth_state *st = pt_auth_state_of(req);
    if (!st->csrf_pending) return true;   /* header, API token, or checked */
    const char *want = pt_req_csrf(req);
    size_t n = strlen(want);
    if (!token || !n || strlen(token) != n || !pt_ct_equal(token, want, n)) return false;
    st->csrf_pending = false;
    return true;
}

static int prehandler(pt_req *req, const pt_route *route)
{
    pt_auth_state *st = pt_auth_state_of(req);
    if (!st->csrf_pending) return 0;
    st->csrf_pending = false;
    const char *want = pt_req_csrf(req);
    const char *got = route->body ? NULL : pt_req_form(req, "_csrf");
    if (got && *want && strlen(got) == strlen(want) && pt_ct_equal(got, want, strlen(want)))
        return 0;
    pt_http_error(req, 403, pt_t(req, "errors.csrf"));
    return 403;
}

void pt_auth_install(void)
{
    pt_http_set_gate(gate);
    pt_http_set_prehandler(prehandler);
}
