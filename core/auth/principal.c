/*
 * core/auth/principal.c - the request's principal: who is asking, in
 * which account, with which permissions. Resolved once per request from
 * the session cookie (or an API bearer token) through the resolver the
 * identity plugin installs; pt_req_can is the one permission check.
 */
#include <string.h>

#include "auth/auth_internal.h"
#include "http/server.h"
#include "portico/log.h"

static const pt_auth_resolver *resolver;
static const char state_key = 0;

void pt_auth_set_resolver(const pt_auth_resolver *ops) { resolver = ops; }
const pt_auth_resolver *pt_auth_resolver_get(void) { return resolver; }

void pt_principal_clear(pt_principal *p)
{
    json_decref(p->info);
    json_decref(p->permissions);
    json_decref(p->accounts);
    memset(p, 0, sizeof *p);
}

static void state_free(void *ptr)
{
    pt_auth_state *st = ptr;
    pt_principal_clear(&st->p);
}

pt_auth_state *pt_auth_state_of(pt_req *req)
{
    pt_auth_state *st = pt_req_get_data(req, &state_key);
    if (st) return st;
    st = pt_arena_alloc(pt_req_arena(req), sizeof *st);
    pt_arena_defer(pt_req_arena(req), state_free, st);
    pt_req_set_data(req, &state_key, st);
    return st;
}

static pt_auth_state *resolved(pt_req *req)
{
    pt_auth_state *st = pt_auth_state_of(req);
    if (!st->resolved) pt_auth_resolve(req, st);
    return st;
}

uint64_t pt_req_user(pt_req *req) { return resolved(req)->p.user; }
uint64_t pt_req_account(pt_req *req) { return resolved(req)->p.account; }
bool pt_req_is_staff(pt_req *req) { return resolved(req)->p.staff; }
bool pt_req_is_admin(pt_req *req) { return resolved(req)->p.admin; }
bool pt_req_read_only(pt_req *req) { return resolved(req)->read_only; }
const pt_principal *pt_req_principal(pt_req *req) { return &resolved(req)->p; }

bool pt_req_can(pt_req *req, const char *perm)
{
    if (!perm || !*perm) return true;
    pt_auth_state *st = resolved(req);
    if (st->p.user == 0 || !st->p.permissions) return false;
    return json_is_true(json_object_get(st->p.permissions, perm));
}

const char *pt_req_account_name(pt_req *req, uint64_t account)
{
    const pt_principal *p = pt_req_principal(req);
    if (!account || !p->accounts) return NULL;
    char s[PT_ID_STRLEN];
    pt_id_to_str(account, s);
    size_t i;
    json_t *a;
    json_array_foreach(p->accounts, i, a) {
        json_t *id = json_object_get(a, "id");
        bool same = json_is_integer(id) ? (uint64_t)json_integer_value(id) == account
                                        : json_is_string(id) && strcmp(json_string_value(id), s) == 0;
        if (same) return pt_rec_str(a, "name", "");
    }
    return NULL;
}

uint64_t pt_req_param_id(pt_req *req, const char *name)
{
    uint64_t id = 0;
    const char *s = pt_req_param(req, name);
    if (!s || pt_id_parse(s, &id) != 0) return 0;
    return id;
}
