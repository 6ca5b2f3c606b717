"""Sessions, CSRF and the permission gate, through the fixture_identity
test plugin's three users (admin: staff; alice: hello.view in account 100,
member of 200; bob: account 200, no permissions)."""
import requests

from conftest import Portico


def fresh(identity):
    p = Portico.__new__(Portico)
    p.__dict__.update(identity.__dict__)
    p.session = requests.Session()
    p.session.verify = False
    return p


def test_session_cookie_flags(identity):
    c = fresh(identity)
    tok = c.csrf()
    r = c.post("/fixture/signin", data={"user": "alice", "_csrf": tok})
    assert r.status_code == 303
    sc = r.headers["Set-Cookie"]
    assert "pt_session=" in sc
    assert "HttpOnly" in sc and "Secure" in sc and "SameSite=Lax" in sc
    who = c.get("/fixture/whoami").json()
    assert who["user"] == 2 and who["account"] == 100 and who["can_view"] is True


def test_signin_form_needs_csrf(identity):
    c = fresh(identity)
    r = c.post("/fixture/signin", data={"user": "alice"})
    assert r.status_code == 403
    r = c.post("/fixture/signin", data={"user": "alice", "_csrf": "x" * 43})
    assert r.status_code == 403
    assert c.get("/fixture/whoami").json()["user"] == 0


def test_cross_site_post_refused(identity):
    c = fresh(identity)
    tok = c.csrf()
    r = c.post("/fixture/signin", data={"user": "alice", "_csrf": tok},
               headers={"Origin": "https://evil.example"})
    assert r.status_code == 403
    r = c.post("/fixture/signin", data={"user": "alice", "_csrf": tok},
               headers={"Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403


def test_csrf_token_rotates_with_the_session(identity):
    c = fresh(identity)
    anon = c.csrf()
    c.signin_fixture("alice")
    signed = c.csrf()
    assert signed and signed != anon
    # the anonymous token no longer works for the signed-in session
    r = c.post("/fixture/post", data={"_csrf": anon})
    assert r.status_code == 403
    r = c.post("/fixture/post", data={"_csrf": signed})
    assert r.status_code == 200
    r = c.post("/fixture/post", headers={"X-CSRF-Token": signed})
    assert r.status_code == 200


def test_auth_routes(identity):
    anon = fresh(identity)
    r = anon.get("/fixture/need-auth")
    assert r.status_code in (302, 303) and r.headers["Location"].startswith("/signin?next=")
    r = anon.get("/fixture/need-auth", headers={"Accept": "application/json"})
    assert r.status_code == 401 and r.json()["error"]["status"] == 401
    r = anon.get("/api/v1/admin/script-errors")
    assert r.status_code == 401


def test_permission_matrix(identity):
    want = {
        # path: (anonymous, bob, alice, admin)
        "/fixture/need-perm": (401, 403, 200, 200),
        "/fixture/staff": (401, 403, 403, 200),
        "/fixture/need-auth": (401, 200, 200, 200),
        "/api/v1/admin/script-errors": (401, 403, 403, 200),
    }
    clients = {"anon": fresh(identity)}
    for who in ("bob", "alice", "admin"):
        clients[who] = fresh(identity)
        clients[who].signin_fixture(who)
    for path, codes in want.items():
        for who, code in zip(("anon", "bob", "alice", "admin"), codes):
            r = clients[who].get(path, headers={"Accept": "application/json"})
            assert r.status_code == code, (path, who, r.status_code)


def test_switch_account_changes_permissions(identity):
    c = fresh(identity)
    tok = c.signin_fixture("alice")
    assert c.get("/fixture/whoami").json()["account"] == 100
    r = c.post("/fixture/switch", data={"account": "200", "_csrf": tok})
    assert r.status_code == 303
    who = c.get("/fixture/whoami").json()
    assert who["account"] == 200 and who["can_view"] is False
    r = c.post("/fixture/switch", data={"account": "999", "_csrf": c.csrf()})
    assert r.status_code == 404


def test_signout_ends_the_session(identity):
    c = fresh(identity)
    tok = c.signin_fixture("bob")
    old_cookie = c.session.cookies.get("pt_session")
    r = c.post("/fixture/signout", data={"_csrf": tok})
    assert r.status_code == 303
    assert c.get("/fixture/whoami").json()["user"] == 0
    # replaying the old cookie does not bring it back
    other = fresh(identity)
    other.session.cookies.set("pt_session", old_cookie)
    assert other.get("/fixture/whoami").json()["user"] == 0


def test_forged_session_cookie_is_anonymous(identity):
    c = fresh(identity)
    for v in ["x" * 43, "", "a" * 5000, "../../etc", "A" * 43]:
        c.session.cookies.set("pt_session", v)
        r = c.get("/fixture/whoami")
        assert r.status_code == 200 and r.json()["user"] == 0


def test_admin_page_shows_script_errors(identity):
    c = fresh(identity)
    c.signin_fixture("admin")
    r = c.get("/admin")
    assert r.status_code == 200
    assert "<html" in r.text.lower()
