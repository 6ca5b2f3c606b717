/*
 * core/auth/session.c - cookie sessions and CSRF tokens.
 *
 * A session token is 32 random bytes (CTR_DRBG via pt_random), sent as
 * base64url in the pt_session cookie (HttpOnly, Secure, SameSite=Lax).
 * The store keeps only SHA-256(token) -> {user, account, csrf, exp,
 * remember} in core.sessions, so a copy of the database holds no usable
 * session. Sessions slide: a request in the last half of the lifetime
 * extends it (one small write, at most once per lifetime/2).
 */
#include <mbedtls/sha256.h>
#include <string.h>

#include "auth/auth_internal.h"
#include "http/server.h"
#include "portico/log.h"

#define REMEMBER_MS (30ull * 24 * 3600 * 1000)
#define SESSION_MS (12ull * 3600 * 1000)

void pt_auth_declare(void)
{
    pt_store_declare(PT_SESSION_DB, PT_DB_PLAIN, "core");
}

void pt_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char d[32];
    mbedtls_sha256_ret(data, len, d, 0);
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hex[d[i] >> 4];
        out[2 * i + 1] = hex[d[i] & 15];
    }
    out[64] = 0;
}

static void b64url(const unsigned char *in, size_t n, char *out)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n) v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < n) v |= in[i + 2];
        out[o++] = tbl[(v >> 18) & 63];
        out[o++] = tbl[(v >> 12) & 63];
        if (i + 1 < n) out[o++] = tbl[(v >> 6) & 63];
        if (i + 2 < n) out[o++] = tbl[v & 63];
    }
    out[o] = 0;
}

int pt_token_new(char out[44])
{
    unsigned char raw[32];
    if (pt_random(raw, sizeof raw) != 0) return PT_ERR;
    b64url(raw, sizeof raw, out);
    return 0;
}

static bool token_shape_ok(const char *t)
{
    size_t n = strlen(t);
    if (n != 43) return false;
    for (size_t i = 0; i < n; i++) {
        char c = t[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return true;
}

static void token_key(const char *token, uint8_t key[32])
{
    mbedtls_sha256_ret((const unsigned char *)token, strlen(token), key, 0);
}

/* Look the session up; fills st and the principal. */
static void resolve_session(pt_req *req, pt_auth_state *st, const char *token)
{
    if (!token_shape_ok(token)) return;
    pt_db *db = pt_store_db(PT_SESSION_DB);
    if (!db) return;
    uint8_t key[32];
    token_key(token, key);
    int rc = 0;
    pt_txn *txn = pt_txn_begin(false, &rc);
    if (!txn) return;
    json_t *rec = NULL;
    rc = pt_record_get(txn, db, key, sizeof key, &rec);
    if (rc != 0) {
        pt_txn_abort(txn);
        return;
    }
    uint64_t now = pt_wall_ms();
    uint64_t exp = pt_rec_u64(rec, "exp", 0);
    if (exp <= now) {
        pt_txn_abort(txn);
        json_decref(rec);
        return;
    }
    memcpy(st->session_key, key, sizeof key);
    st->has_session = true;
    snprintf(st->csrf, sizeof st->csrf, "%s", pt_rec_str(rec, "csrf", ""));
    uint64_t user = pt_rec_u64(rec, "user", 0);
    uint64_t account = pt_rec_u64(rec, "account", 0);
    const pt_auth_resolver *r = pt_auth_resolver_get();
    if (r && r->resolve) {
        pt_principal p = {0};
        rc = r->resolve(txn, user, account, &p);
        if (rc == 0) {
            st->p = p;
            st->p.user = user;
        } else {
            pt_principal_clear(&p);
            st->has_session = rc == PT_EPERM; /* keep session, no account */
            if (rc == PT_EPERM) st->p.user = user;
        }
    } else {
        st->p.user = user;
        st->p.account = account;
    }
    pt_txn_abort(txn);
    /* Slide the expiry when past half of its lifetime. */
    bool remember = pt_rec_bool(rec, "remember", false);
    uint64_t life = remember ? REMEMBER_MS : SESSION_MS;
    if (st->p.user && exp - now < life / 2) {
        pt_txn *w = pt_txn_begin(true, &rc);
        if (w) {
            json_object_set_new(rec, "exp", json_integer((json_int_t)(now + life)));
            if (pt_record_put(w, db, key, sizeof key, rec) == 0) pt_txn_commit(w);
            else pt_txn_abort(w);
        }
    }
    json_decref(rec);
}

static void resolve_bearer(pt_req *req, pt_auth_state *st, const char *token)
{
    const pt_auth_resolver *r = pt_auth_resolver_get();
    if (!r || !r->resolve_token) return;
    int rc = 0;
    pt_txn *txn = pt_txn_begin(false, &rc);
    if (!txn) return;
    pt_principal p = {0};
    bool ro = true;
    if (r->resolve_token(txn, token, &p, &ro) == 0) {
        st->p = p;
        st->read_only = ro;
        st->via_token = true;
    } else {
        pt_principal_clear(&p);
    }
    pt_txn_abort(txn);
}

void pt_auth_resolve(pt_req *req, pt_auth_state *st)
{
    st->resolved = true;
    const char *authz = pt_req_header(req, "Authorization");
    if (authz && strncasecmp(authz, "Bearer ", 7) == 0) {
        resolve_bearer(req, st, authz + 7);
        return;
    }
    const char *tok = pt_req_cookie(req, PT_SESSION_COOKIE);
    if (tok) resolve_session(req, st, tok);
}

const char *pt_req_csrf(pt_req *req)
{
    pt_auth_state *st = pt_auth_state_of(req);
    if (!st->resolved) pt_auth_resolve(req, st);
    if (st->csrf[0]) return st->csrf;
    /* Anonymous: double-submit cookie. */
    const char *c = pt_req_cookie(req, PT_CSRF_COOKIE);
    if (c && token_shape_ok(c)) {
        snprintf(st->csrf, sizeof st->csrf, "%s", c);
        return st->csrf;
    }
    char t[44];
    if (pt_token_new(t) != 0) return "";
    snprintf(st->csrf, sizeof st->csrf, "%s", t);
    pt_resp_cookie(req, PT_CSRF_COOKIE, t, -1,
                   PT_COOKIE_HTTPONLY | PT_COOKIE_SECURE | PT_COOKIE_LAX);
    return st->csrf;
}

int pt_session_start(pt_req *req, uint64_t user, uint64_t account, bool remember)
{
    pt_db *db = pt_store_db(PT_SESSION_DB);
    if (!db || !user) return PT_EINVAL;
    char token[44], csrf[44];
    if (pt_token_new(token) != 0 || pt_token_new(csrf) != 0) return PT_ERR;
    uint8_t key[32];
    token_key(token, key);
    uint64_t now = pt_wall_ms();
    json_t *rec = json_object();
    json_object_set_new(rec, "_v", json_integer(1));
    pt_rec_set_u64(rec, "user", user);
    pt_rec_set_u64(rec, "account", account);
    json_object_set_new(rec, "csrf", json_string(csrf));
    json_object_set_new(rec, "created", json_integer((json_int_t)now));
    json_object_set_new(rec, "exp",
                        json_integer((json_int_t)(now + (remember ? REMEMBER_MS : SESSION_MS))));
    json_object_set_new(rec, "remember", json_boolean(remember));
    int rc = 0;
    pt_txn *txn = pt_txn_begin(true, &rc);
    if (!txn) {
        json_decref(rec);
        return rc;
    }
    pt_auth_state *st = pt_auth_state_of(req);
    if (st->has_session) pt_kv_del(txn, db, st->session_key, sizeof st->session_key, NULL, 0);
    rc = pt_record_put(txn, db, key, sizeof key, rec);
    json_decref(rec);
    if (rc == 0) rc = pt_txn_commit(txn);
    else pt_txn_abort(txn);
    if (rc != 0) return rc;
    pt_resp_cookie(req, PT_SESSION_COOKIE, token, remember ? (long)(REMEMBER_MS / 1000) : -1,
                   PT_COOKIE_HTTPONLY | PT_COOKIE_SECURE | PT_COOKIE_LAX);
    /* The request now acts as the new session. */
    pt_principal_clear(&st->p);
    memcpy(st->session_key, key, sizeof key);
    st->has_session = true;
    snprintf(st->csrf, sizeof st->csrf, "%s", csrf);
    /* Resolve again through the resolver with the new ids. */
    const pt_auth_resolver *r = pt_auth_resolver_get();
    st->resolved = true;
    if (r && r->resolve) {
        pt_txn *rt = pt_txn_begin(false, &rc);
        if (rt) {
            if (r->resolve(rt, user, account, &st->p) != 0) pt_principal_clear(&st->p);
            pt_txn_abort(rt);
        }
    } else {
        st->p.account = account;
    }
    st->p.user = user;
    return 0;
}

int pt_session_set_account(pt_req *req, uint64_t account)
{
    pt_auth_state *st = pt_auth_state_of(req);
    if (!st->resolved) pt_auth_resolve(req, st);
    if (!st->has_session) return PT_EINVAL;
    pt_db *db = pt_store_db(PT_SESSION_DB);
    int rc = 0;
    pt_txn *txn = pt_txn_begin(true, &rc);
    if (!txn) return rc;
    json_t *rec = NULL;
    rc = pt_record_get(txn, db, st->session_key, sizeof st->session_key, &rec);
    if (rc == 0) {
        pt_rec_set_u64(rec, "account", account);
        rc = pt_record_put(txn, db, st->session_key, sizeof st->session_key, rec);
        json_decref(rec);
    }
    if (rc == 0) rc = pt_txn_commit(txn);
    else pt_txn_abort(txn);
    if (rc == 0) st->resolved = false; /* re-resolve lazily */
    if (rc == 0) pt_principal_clear(&st->p);
    return rc;
}

int pt_session_end(pt_req *req)
{
    pt_auth_state *st = pt_auth_state_of(req);
    if (!st->resolved) pt_auth_resolve(req, st);
    pt_resp_cookie(req, PT_SESSION_COOKIE, "", 0,
                   PT_COOKIE_HTTPONLY | PT_COOKIE_SECURE | PT_COOKIE_LAX);
    if (!st->has_session) return 0;
    pt_db *db = pt_store_db(PT_SESSION_DB);
    int rc = 0;
    pt_txn *txn = pt_txn_begin(true, &rc);
    if (!txn) return rc;
    rc = pt_kv_del(txn, db, st->session_key, sizeof st->session_key, NULL, 0);
    if (rc == 0 || rc == PT_ENOTFOUND) rc = pt_txn_commit(txn);
    else pt_txn_abort(txn);
    st->has_session = false;
    pt_principal_clear(&st->p);
    st->csrf[0] = 0;
    return rc == PT_ENOTFOUND ? 0 : rc;
}

int pt_session_end_user(pt_txn *txn, uint64_t user)
{
    pt_db *db = pt_store_db(PT_SESSION_DB);
    if (!db) return PT_EINVAL;
    int rc = 0;
    pt_cursor *c = pt_cursor_open(txn, db, &rc);
    if (!c) return rc;
    pt_kv kv;
    for (rc = pt_cursor_first(c, &kv); rc == 0; rc = pt_cursor_next(c, &kv)) {
        json_t *rec = NULL;
        if (pt_record_decode(kv.val, kv.vlen, &rec, NULL) != 0) continue;
        bool mine = pt_rec_u64(rec, "user", 0) == user;
        json_decref(rec);
        if (mine) pt_cursor_del(c);
    }
    pt_cursor_close(c);
    return rc == PT_ENOTFOUND ? 0 : rc;
}
