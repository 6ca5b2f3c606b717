"""
tests/http/test_team_matrix.py - the team plugin's permission matrix over
real HTTPS: every team route (part 1's identity routes and part 2's
management routes; GET and mutating) x every role (anonymous, plain member,
Customer Admin, another account's Customer Admin, support agent, portal
admin) x own / other account's object ids.

Roles (demo data plus one invited Customer Admin of Globex):
  anon    not signed in
  member  bob@acme.example      Acme Corp, Support users (no team.*)
  cadmin  alice@acme.example    Customer Admin of Acme Corp (acting in Acme)
  other   gina@globex.example   Customer Admin of Globex (acting in Globex)
  agent   agent@portico.example staff agent: team.view in Acme and Globex
  padmin  admin@portico.example portal admin (acting in Acme)

Expected: anonymous pages redirect to /signin (GET) or answer 401 (POST),
anonymous API calls answer 401 with a JSON body; a role without the route's
permission gets 403 whatever the id; a role with it reaches the handler, and
there an object of another account answers exactly like a missing one: 404,
never 403 or 200. Mutations on own objects use harmless requests (no-op
changes, invalid input, or ids that do not exist) so the table can run in any
order; the journeys themselves are in test_team_manage.py.
"""
import pytest

from test_team_manage import Client, Sink, groups, invite_api, link_in, accept_invite, \
    make_server, users

MISSING = "0000000000001"  # a well-formed id nobody has

ROLES = {
    "member": "bob@acme.example",
    "cadmin": "alice@acme.example",
    "other": "gina@globex.example",
    "agent": "agent@portico.example",
    "padmin": "admin@portico.example",
}
# Which account each role acts in, and what it holds there.
ACTS_IN = {"member": "acme", "cadmin": "acme", "other": "globex", "agent": "acme", "padmin": "acme"}
HAS = {
    "member": set(),
    "cadmin": {"view", "edit"},
    "other": {"view", "edit"},
    "agent": {"view"},
    "padmin": {"view", "edit"},
}

# (method, path, kind, needs, body, own-status)
#   kind: page | api;  needs: view | edit | staff | manager | auth
#   {user} {group} {inv} are replaced by the object ids of the account
#   being tested; {missing} by an id nobody has.
ROUTES = [
    # part 2: pages
    ("GET", "/team", "page", "view", None, 200),
    ("GET", "/team/users.csv", "page", "view", None, 200),
    ("GET", "/team/users/{user}", "page", "view", None, 200),
    ("POST", "/team/users/{user}", "page", "edit", {}, 303),
    ("POST", "/team/users/{user}/status", "page", "edit", {"status": "bogus"}, 422),
    ("POST", "/team/users/{missing}/delete", "page", "edit", {}, 404),
    ("POST", "/team/invite", "page", "edit", {"emails": ""}, 422),
    ("POST", "/team/invite/csv", "page", "edit", {}, 422),
    ("POST", "/team/invitations/{inv}/resend", "page", "edit", {}, 303),
    ("POST", "/team/invitations/{missing}/revoke", "page", "edit", {}, 404),
    ("GET", "/team/groups", "page", "view", None, 200),
    ("POST", "/team/groups", "page", "edit", {"name": ""}, 422),
    ("GET", "/team/groups/{group}", "page", "view", None, 200),
    ("POST", "/team/groups/{group}", "page", "edit", {}, 303),
    ("POST", "/team/groups/{missing}/delete", "page", "edit", {}, 404),
    ("POST", "/team/groups/{group}/members", "page", "edit", {"user": "x"}, 404),
    ("GET", "/team/settings", "page", "view", None, 200),
    ("POST", "/team/settings", "page", "edit", {"allowed_domains": "bad domain!"}, 422),
    ("GET", "/team/approvals", "page", "view", None, 200),
    ("POST", "/team/approvals/{missing}", "page", "edit", {"decision": "accept"}, 404),
    ("GET", "/team/audit", "page", "view", None, 200),
    ("GET", "/team/audit.csv", "page", "view", None, 200),
    # part 2: API
    ("GET", "/api/v1/users", "api", "view", None, 200),
    ("GET", "/api/v1/users/{user}", "api", "view", None, 200),
    ("PATCH", "/api/v1/users/{user}", "api", "edit", {}, 200),
    ("DELETE", "/api/v1/users/{missing}", "api", "edit", None, 404),
    ("GET", "/api/v1/groups", "api", "view", None, 200),
    ("POST", "/api/v1/groups", "api", "edit", {"name": ""}, 422),
    ("GET", "/api/v1/groups/{group}", "api", "view", None, 200),
    ("PATCH", "/api/v1/groups/{group}", "api", "edit", {}, 200),
    ("DELETE", "/api/v1/groups/{missing}", "api", "edit", None, 404),
    ("GET", "/api/v1/groups/{group}/members", "api", "view", None, 200),
    ("POST", "/api/v1/groups/{group}/members", "api", "edit", {"user": MISSING}, 404),
    ("DELETE", "/api/v1/groups/{group}/members/{missing}", "api", "edit", None, 404),
    ("GET", "/api/v1/groups/{group}/permissions", "api", "view", None, 200),
    ("PUT", "/api/v1/groups/{group}/permissions", "api", "edit", {}, 422),
    ("GET", "/api/v1/invitations", "api", "view", None, 200),
    ("POST", "/api/v1/invitations", "api", "edit", {"emails": []}, 422),
    ("POST", "/api/v1/invitations/bulk", "api", "edit", "multipart", 422),
    ("POST", "/api/v1/invitations/{inv}/resend", "api", "edit", None, 200),
    ("DELETE", "/api/v1/invitations/{missing}", "api", "edit", None, 404),
    ("GET", "/api/v1/approvals", "api", "view", None, 200),
    ("POST", "/api/v1/approvals/{missing}/accept", "api", "edit", None, 404),
    ("POST", "/api/v1/approvals/{missing}/reject", "api", "edit", None, 404),
    ("GET", "/api/v1/settings", "api", "view", None, 200),
    ("PATCH", "/api/v1/settings", "api", "edit", {}, 200),
    # part 1: identity (signed-in and staff routes)
    ("GET", "/profile", "page", "auth", None, 200),
    ("GET", "/profile/2fa", "page", "auth", None, 200),
    ("POST", "/account/switch", "page", "auth", {"account": MISSING}, 404),
    ("POST", "/profile/tokens/{missing}/revoke", "page", "auth", {}, None),
    ("GET", "/team/accounts", "page", "staff", None, 200),
    ("POST", "/team/accounts", "page", "manager", {"name": ""}, None),
    ("GET", "/api/v1/me", "api", "auth", None, 200),
    ("GET", "/api/v1/accounts", "api", "auth", None, 200),
    ("GET", "/api/v1/tokens", "api", "auth", None, 200),
    ("DELETE", "/api/v1/tokens/{missing}", "api", "auth", None, 404),
    ("GET", "/api/v1/audit", "api", "view", None, 200),
]

# Routes anyone may call (anonymous answers).
PUBLIC = [
    ("GET", "/signin", 200),
    ("GET", "/signup", 200),
    ("GET", "/invite/" + "A" * 43, 410),
    ("POST", "/api/v1/signup", 422),
    ("GET", "/verify/" + "A" * 43, 410),
    ("GET", "/password/reset", 200),
    ("GET", "/password/reset/" + "A" * 43, 410),
]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    sink = Sink(str(tmp_path_factory.mktemp("mail")))
    p = None
    try:
        p = make_server(str(tmp_path_factory.mktemp("matrix")), sink)
        p.sink = sink
        admin = Client(p)
        admin.signin("admin@portico.example")
        ids = {}
        # Globex gets a Customer Admin (gina) through an invitation by staff.
        admin.switch("Globex")
        assert invite_api(admin, ["gina@globex.example"], customer_admin=True) == \
            {"gina@globex.example": "invited"}
        accept_invite(p, link_in(sink.wait("gina@globex.example")[0]["text"], "invite"), "Gina")
        clients = {"anon": Client(p)}
        for role, addr in ROLES.items():
            c = Client(p)
            c.signin(addr, "a-long-enough-secret-1" if role == "other" else "portico-demo")
            clients[role] = c
        clients["padmin"].switch("Acme Corp")
        for acct, who, member, invitee in (("acme", "cadmin", "bob@acme.example", "pend-a@example.com"),
                                          ("globex", "other", "carol@globex.example", "pend-g@example.com")):
            c = clients[who]
            r = c.api("POST", "/api/v1/groups", {"name": "Matrix group"})
            assert r.status_code == 201, r.text
            invite_api(c, [invitee])
            u = users(c)
            ids[acct] = {"user": u[member]["id"], "group": r.json()["id"], "inv": u[invitee]["id"],
                         "missing": MISSING}
        assert groups(clients["cadmin"])["Matrix group"]["id"] == ids["acme"]["group"]
        yield p, clients, ids
    finally:
        if p:
            p.stop()
        sink.stop()


def call(c, method, path, kind, body):
    if kind == "api" or path.startswith("/api/"):
        if body == "multipart":
            return c.req(method, path, headers={"Accept": "application/json",
                                                "X-CSRF-Token": c.token or ""},
                         files={"other": ("x.txt", b"x")})
        return c.api(method, path, body if body is not None or method in ("GET", "DELETE") else {})
    if method == "GET":
        return c.get(path)
    return c.form(path, body or {})


def allowed(role, needs):
    if needs == "auth":
        return True
    if needs == "staff":
        return role in ("agent", "padmin")
    if needs == "manager":  # portal admins and account managers
        return role == "padmin"
    return needs in HAS[role]


def expected(role, method, path, kind, needs, own, acct, ids):
    """The status role must get for this route with the ids of acct."""
    is_api = kind == "api"
    if role == "anon":
        if is_api:
            return 401
        return 302 if method == "GET" else 401
    if not allowed(role, needs):
        return 403
    has_id = any(k in path for k in ("{user}", "{group}", "{inv}"))
    if has_id and acct != ACTS_IN[role]:
        return 404
    return own


@pytest.mark.parametrize("role", ["anon", "member", "cadmin", "other", "agent", "padmin"])
def test_matrix(world, role):
    p, clients, ids = world
    c = clients[role]
    wrong = []
    for method, tpl, kind, needs, body, own in ROUTES:
        for acct in ("acme", "globex"):
            if acct == "globex" and not any(k in tpl for k in ("{user}", "{group}", "{inv}")):
                continue
            path = tpl.format(**ids[acct])
            want = expected(role, method, tpl, kind, needs, own, acct, ids)
            r = call(c, method, path, kind, body)
            got = r.status_code
            if want is None:  # part 1's own rules: only "not refused by the gate"
                ok = got not in (401, 403) and got < 500
            else:
                ok = got == want
            if ok and kind == "api" and got >= 400:
                ok = r.headers.get("Content-Type", "").startswith("application/json") and \
                    "error" in r.json()
            if ok and role == "anon" and got == 302:
                ok = r.headers["Location"].startswith("/signin?next=")
            if not ok:
                wrong.append("%s %s [%s]: want %s, got %s %s" % (method, path, acct, want, got,
                                                                 r.text[:120].replace("\n", " ")))
    assert not wrong, "\n".join(wrong)


def test_other_account_ids_look_missing(world):
    """For every role that may use a route, another account's id answers
    exactly what a missing id answers (status and message)."""
    p, clients, ids = world
    for role in ("cadmin", "other", "agent", "padmin"):
        c = clients[role]
        mine = ACTS_IN[role]
        theirs = "globex" if mine == "acme" else "acme"
        for method, tpl, kind, needs, body, own in ROUTES:
            if not allowed(role, needs) or not any(k in tpl for k in ("{user}", "{group}", "{inv}")):
                continue
            a = call(c, method, tpl.format(**ids[theirs]), kind, body)
            gone = dict(ids[theirs], user=MISSING, group=MISSING, inv=MISSING)
            b = call(c, method, tpl.format(**gone), kind, body)
            assert a.status_code == b.status_code == 404, (role, method, tpl, a.status_code, b.status_code)
            if kind == "api":
                assert a.json()["error"]["message"] == b.json()["error"]["message"]


def test_public_routes(world):
    p, clients, ids = world
    anon = clients["anon"]
    for method, path, want in PUBLIC:
        r = anon.api(method, path, {}) if path.startswith("/api/") else \
            (anon.get(path) if method == "GET" else anon.form(path, {}))
        assert r.status_code == want, (method, path, r.status_code, r.text[:200])


def test_customer_cannot_see_other_accounts_in_lists(world):
    p, clients, ids = world
    alice, gina = clients["cadmin"], clients["other"]
    assert "carol@globex.example" not in users(alice)
    assert "bob@acme.example" not in users(gina)
    assert "carol@globex.example" not in alice.get("/team").text
    assert "carol@globex.example" not in alice.get("/team/users.csv").text
    assert "pend-g@example.com" not in alice.get("/api/v1/invitations").text
    assert "Gina" not in alice.get("/team/audit").text
