/*
 * tests/plugins/fixture_identity - a test fixture, never shipped: a fixed
 * set of three users so the core's sessions, CSRF checks, permission gate
 * and admin page can be tested before (and independently of) the real
 * identity plugin. It uses only the public plugin API, like any plugin.
 *
 *   admin  id 1  staff + portal admin, account 100, every permission
 *   alice  id 2  customer in account 100 with hello.view; also member of 200
 *   bob    id 3  customer in account 200, no permissions
 */
#include <stdlib.h>
#include <string.h>

#include <portico/auth.h>
#include <portico/plugin.h>

typedef struct user {
    const char *name;
    uint64_t id;
    uint64_t account;
    bool staff;
    const char *perm;
} user;

static const user users[] = {
    {"admin", 1, 100, true, "hello.view"},
    {"alice", 2, 100, false, "hello.view"},
    {"bob", 3, 200, false, NULL},
};

static const user *find(uint64_t id)
{
    for (size_t i = 0; i < 3; i++)
        if (users[i].id == id) return &users[i];
    return NULL;
}

static int resolve(pt_txn *txn, uint64_t uid, uint64_t account, pt_principal *out)
{
    (void)txn;
    const user *u = find(uid);
    if (!u) return PT_ENOTFOUND;
    bool alice = uid == 2;
    if (account == 0) account = u->account;
    if (account != u->account && !(alice && account == 200)) return PT_EPERM;
    out->user = uid;
    out->account = account;
    out->staff = u->staff;
    out->admin = u->staff;
    out->info = json_pack("{s:s, s:s}", "name", u->name, "email", "fixture@example.test");
    out->permissions = json_object();
    if (u->perm && account == u->account) json_object_set_new(out->permissions, u->perm, json_true());
    out->accounts = json_array();
    json_array_append_new(out->accounts, json_pack("{s:I, s:s}", "id", (json_int_t)u->account,
                                                   "name", u->account == 100 ? "Acme" : "Globex"));
    if (alice) json_array_append_new(out->accounts, json_pack("{s:I, s:s}", "id", 200, "name", "Globex"));
    return 0;
}

static const pt_auth_resolver resolver = {.resolve = resolve};

static int signin(pt_req *req)
{
    const char *who = pt_req_form(req, "user");
    for (size_t i = 0; who && i < 3; i++) {
        if (strcmp(users[i].name, who) == 0) {
            int rc = pt_session_start(req, users[i].id, 0, false);
            if (rc) {
                pt_http_error(req, 500, "Could not start a session.");
                return 0;
            }
            pt_resp_redirect(req, "/");
            return 0;
        }
    }
    pt_http_error(req, 401, "Unknown fixture user.");
    return 0;
}

static int signout(pt_req *req)
{
    pt_session_end(req);
    pt_resp_redirect(req, "/");
    return 0;
}

static int whoami(pt_req *req)
{
    pt_resp_json(req, 200,
                 json_pack("{s:I, s:I, s:b, s:b, s:b}", "user", (json_int_t)pt_req_user(req),
                           "account", (json_int_t)pt_req_account(req), "staff",
                           pt_req_is_staff(req), "can_view", pt_req_can(req, "hello.view"),
                           "read_only", pt_req_read_only(req)));
    return 0;
}

static int switch_account(pt_req *req)
{
    const char *a = pt_req_form(req, "account");
    uint64_t acc = a ? strtoull(a, NULL, 10) : 0;
    pt_principal probe = {0};
    if (!acc || resolve(NULL, pt_req_user(req), acc, &probe) != 0) {
        json_decref(probe.info);
        json_decref(probe.permissions);
        json_decref(probe.accounts);
        pt_http_error(req, 404, "No such account.");
        return 0;
    }
    json_decref(probe.info);
    json_decref(probe.permissions);
    json_decref(probe.accounts);
    pt_session_set_account(req, acc);
    pt_resp_redirect(req, "/");
    return 0;
}

static int ok(pt_req *req)
{
    pt_resp_json(req, 200, json_pack("{s:b}", "ok", 1));
    return 0;
}

static const pt_route routes[] = {
    {.method = "POST", .pattern = "/fixture/signin", .handler = signin},
    {.method = "POST", .pattern = "/fixture/signout", .handler = signout},
    {.method = "POST", .pattern = "/fixture/switch", .handler = switch_account,
     .flags = PT_ROUTE_AUTH},
    {.method = "GET", .pattern = "/fixture/whoami", .handler = whoami, .flags = PT_ROUTE_JSON},
    {.method = "GET", .pattern = "/fixture/need-auth", .handler = ok, .flags = PT_ROUTE_AUTH},
    {.method = "GET", .pattern = "/fixture/need-perm", .handler = ok, .permission = "hello.view"},
    {.method = "GET", .pattern = "/fixture/staff", .handler = ok, .flags = PT_ROUTE_STAFF},
    {.method = "POST", .pattern = "/fixture/post", .handler = ok, .flags = PT_ROUTE_AUTH},
};

static int init(pt_host *h)
{
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        int rc = pt_host_route(h, &routes[i]);
        if (rc) return rc;
    }
    pt_auth_set_resolver(&resolver);
    return 0;
}

static void fini(pt_host *h)
{
    (void)h;
    pt_auth_set_resolver(NULL);
}

const pt_plugin portico_plugin = {
    PT_PLUGIN_HEADER,
    .name = "fixture_identity",
    .version = "0.0.1",
    .description = "test fixture: three fixed users",
    .init = init,
    .fini = fini,
};
