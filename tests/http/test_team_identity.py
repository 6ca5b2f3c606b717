"""The team plugin, part 1 (identity), over real HTTPS with the demo data:
sign-in, lockout, email verification and password reset through a real
SMTP server, TOTP and recovery codes, API tokens, account switching,
profile, audit log and CSV, staff account pages, the permission matrix of
these routes, and bad input that must change nothing."""
import base64
import csv
import hashlib
import hmac
import io
import os
import re
import struct
import time

import requests

from conftest import Portico, team_server

PW = "portico-demo"
SIGNIN_ERROR = "The email or password is not right."


def fresh(p):
    c = Portico.__new__(Portico)
    c.__dict__.update(p.__dict__)
    c.session = requests.Session()
    c.session.verify = False
    return c


def signin(p, email, password=PW, **extra):
    c = fresh(p)
    data = {"email": email, "password": password, "_csrf": c.csrf()}
    data.update(extra)
    c.last = c.post("/signin", data=data)
    return c


def signed(p, email, password=PW):
    c = signin(p, email, password)
    assert c.last.status_code == 303, c.last.text[:500]
    c.tok = c.csrf()
    return c


def api(c, method, path, **kw):
    headers = kw.pop("headers", {})
    if method not in ("GET", "HEAD") and getattr(c, "tok", None):
        headers.setdefault("X-CSRF-Token", c.tok)
    return c.request(method, path, headers=headers, **kw)


def accounts(p):
    admin = signed(p, "admin@portico.example")
    return {a["name"]: a["id"] for a in admin.get("/api/v1/accounts").json()["accounts"]}


def link_from(msg, prefix):
    body = msg.get_body(preferencelist=("plain",)).get_content()
    m = re.search(r"https://[^\s]+(%s[A-Za-z0-9_-]{43})" % re.escape(prefix), body)
    assert m, body
    return m.group(1)


def totp(secret, step):
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    off = mac[-1] & 15
    return "%06d" % ((struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % 1000000)


def appoint(p, account_name, email, name="New Admin"):
    """Staff appoints a (new) Customer Admin; returns the set-password link."""
    admin = signed(p, "admin@portico.example")
    acc = accounts(p)[account_name]
    before = p.sink.count(email)
    r = admin.post("/team/accounts/%s/admins" % acc,
                   data={"email": email, "name": name, "_csrf": admin.tok})
    assert r.status_code == 303, r.text[:500]
    return link_from(p.sink.wait_for(email, before), "/password/reset/")


def set_password(p, link, password):
    c = fresh(p)
    assert c.get(link).status_code == 200
    r = c.post(link, data={"password": password, "password_confirm": password, "_csrf": c.csrf()})
    assert r.status_code == 303 and r.headers["Location"] == "/signin?reset=1", r.text[:300]


# ---- sign-in ------------------------------------------------------------------

def test_signin_page_and_success(team):
    c = fresh(team)
    r = c.get("/signin")
    assert r.status_code == 200 and 'action="/signin"' in r.text
    c = signed(team, "Alice@Acme.example ")
    me = c.get("/api/v1/me").json()
    assert me["email"] == "alice@acme.example" and me["name"] == "Alice Anders"
    names = {a["name"]: a for a in me["accounts"]}
    assert set(names) == {"Acme Corp", "Globex"}
    assert names["Acme Corp"]["customer_admin"] is True and names["Acme Corp"]["current"]
    assert "team.edit" in names["Acme Corp"]["permissions"]
    assert "team.view" not in names["Globex"]["permissions"]
    assert "support.view" in names["Globex"]["permissions"]
    # the header shows the user and the switcher
    home = c.get("/")
    assert "Alice Anders" in home.text and 'action="/account/switch"' in home.text
    r = c.post("/signout", data={"_csrf": c.tok})
    assert r.status_code == 303
    assert c.get("/api/v1/me").status_code == 401


def test_signin_failure_is_generic(team):
    a = signin(team, "bob@acme.example", "wrong-password")
    b = signin(team, "nobody@acme.example", "wrong-password")
    for c in (a, b):
        assert c.last.status_code == 401
        assert SIGNIN_ERROR in c.last.text
        assert c.get("/api/v1/me").status_code == 401
    assert "pt_session" not in a.last.headers.get("Set-Cookie", "")


def test_signin_bad_input(team):
    c = signin(team, "", "")
    assert c.last.status_code == 422 and "Please enter your email and password." in c.last.text
    c = signin(team, "a" * 300 + "@x.example", "x")
    assert c.last.status_code == 401
    c = fresh(team)
    r = c.post("/signin", data={"email": "alice@acme.example", "password": PW})
    assert r.status_code == 403  # no CSRF token


def test_next_only_local(team):
    c = signin(team, "bob@acme.example", next="/profile")
    assert c.last.status_code == 303 and c.last.headers["Location"] == "/profile"
    for bad in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        c = signin(team, "bob@acme.example", next=bad)
        assert c.last.status_code == 303 and c.last.headers["Location"] == "/", bad


def test_lockout_and_backoff(team):
    for _ in range(3):
        assert signin(team, "carol@globex.example", "wrong-one").last.status_code == 401
    c = signin(team, "carol@globex.example")
    assert c.last.status_code == 429 and "Too many failed sign-ins" in c.last.text
    assert int(c.last.headers["Retry-After"]) >= 1
    time.sleep(2.3)
    assert signin(team, "carol@globex.example").last.status_code == 303
    admin = signed(team, "admin@portico.example")
    acts = [e["action"] for e in admin.get("/api/v1/audit?action=signin.").json()["entries"]]
    assert "signin.lockout" in acts and "signin.failed" in acts
    assert admin.get("/api/v1/audit?action=signin").json()["entries"]


# ---- email verification -----------------------------------------------------------

def test_unverified_email_refused_then_verified(team):
    before = team.sink.count("dan@globex.example")
    c = signin(team, "dan@globex.example")
    assert c.last.status_code == 403 and "confirm your email" in c.last.text
    assert c.get("/api/v1/me").status_code == 401
    msg = team.sink.wait_for("dan@globex.example", before)
    assert "Confirm your email" in msg["Subject"]
    link = link_from(msg, "/verify/")
    assert msg.get_body(preferencelist=("html",)) is not None
    # GET (a mail scanner) does not spend the link
    for _ in range(2):
        r = fresh(team).get(link)
        assert r.status_code == 200 and 'method="post"' in r.text
    v = fresh(team)
    r = v.post(link, data={"_csrf": v.csrf()})
    assert r.status_code == 303 and r.headers["Location"] == "/signin?verified=1"
    # used twice: refused
    r = v.post(link, data={"_csrf": v.csrf()})
    assert r.status_code == 410
    assert fresh(team).get(link).status_code == 410
    assert signin(team, "dan@globex.example").last.status_code == 303
    assert fresh(team).get("/verify/" + "A" * 43).status_code == 410


# ---- password reset and staff-appointed admins -----------------------------------

def test_staff_appoints_admin_who_sets_password(team):
    admin = signed(team, "admin@portico.example")
    r = admin.post("/team/accounts", data={"name": "Initech", "_csrf": admin.tok})
    assert r.status_code == 303
    assert "Initech" in admin.get("/team/accounts").text
    r = admin.post("/team/accounts", data={"name": "initech", "_csrf": admin.tok})
    assert r.status_code == 409
    link = appoint(team, "Initech", "erin@initech.example", "Erin Egan")
    # no password yet: sign-in fails generically
    assert signin(team, "erin@initech.example", "anything-at-all").last.status_code == 401
    set_password(team, link, "erin-secret-1")
    c = signed(team, "erin@initech.example", "erin-secret-1")
    me = c.get("/api/v1/me").json()
    assert me["email_verified"] is True
    assert me["accounts"][0]["name"] == "Initech" and me["accounts"][0]["customer_admin"]
    # an existing user appointed gets a notice mail
    before = team.sink.count("bob@acme.example")
    r = admin.post("/team/accounts/%s/admins" % accounts(team)["Initech"],
                   data={"email": "bob@acme.example", "_csrf": admin.tok})
    assert r.status_code == 303
    assert "Customer Admin" in team.sink.wait_for("bob@acme.example", before)["Subject"]


def test_password_reset(team):
    link0 = appoint(team, "Acme Corp", "fay@acme.example", "Fay Fox")
    set_password(team, link0, "fay-secret-one")
    other = signed(team, "fay@acme.example", "fay-secret-one")
    # unknown address: same answer, no mail
    c = fresh(team)
    r = c.post("/password/reset", data={"email": "ghost@acme.example", "_csrf": c.csrf()})
    assert r.status_code == 200 and 'id="reset-sent"' in r.text
    r = c.post("/password/reset", data={"email": "not an address", "_csrf": c.csrf()})
    assert r.status_code == 422
    before = team.sink.count("fay@acme.example")
    r = c.post("/password/reset", data={"email": "FAY@acme.example", "_csrf": c.csrf()})
    assert r.status_code == 200 and 'id="reset-sent"' in r.text
    msg = team.sink.wait_for("fay@acme.example", before)
    assert "Reset your password" in msg["Subject"]
    link = link_from(msg, "/password/reset/")
    assert fresh(team).get(link).status_code == 200
    assert fresh(team).get(link).status_code == 200  # GET does not spend it
    r = c.post(link, data={"password": "short", "password_confirm": "short", "_csrf": c.csrf()})
    assert r.status_code == 422 and "at least 10" in r.text
    r = c.post(link, data={"password": "fay-secret-two", "password_confirm": "different-one",
                           "_csrf": c.csrf()})
    assert r.status_code == 422
    r = c.post(link, data={"password": "fay-secret-two", "password_confirm": "fay-secret-two",
                           "_csrf": c.csrf()})
    assert r.status_code == 303
    # every session of the user ended; old password gone
    assert other.get("/api/v1/me").status_code == 401
    assert signin(team, "fay@acme.example", "fay-secret-one").last.status_code == 401
    signed(team, "fay@acme.example", "fay-secret-two")
    r = c.post(link, data={"password": "fay-secret-3x", "password_confirm": "fay-secret-3x",
                           "_csrf": c.csrf()})
    assert r.status_code == 410
    assert link_from(msg, "/password/reset/") == link
    for text in (msg.get_body(preferencelist=("plain",)).get_content(),):
        assert "fay-secret" not in text


def test_expired_links(tmp_path, smtp_sink):
    p = team_server(str(tmp_path), smtp_sink,
                    ", verify_ttl_seconds = 1, reset_ttl_seconds = 1").start()
    p.sink = smtp_sink
    try:
        before = smtp_sink.count("dan@globex.example")
        assert signin(p, "dan@globex.example").last.status_code == 403
        vlink = link_from(smtp_sink.wait_for("dan@globex.example", before), "/verify/")
        c = fresh(p)
        before = smtp_sink.count("bob@acme.example")
        c.post("/password/reset", data={"email": "bob@acme.example", "_csrf": c.csrf()})
        rlink = link_from(smtp_sink.wait_for("bob@acme.example", before), "/password/reset/")
        time.sleep(1.3)
        assert fresh(p).get(vlink).status_code == 410
        assert fresh(p).get(rlink).status_code == 410
        r = c.post(rlink, data={"password": "bob-new-secret", "password_confirm": "bob-new-secret",
                                "_csrf": c.csrf()})
        assert r.status_code == 410
        assert signin(p, "bob@acme.example").last.status_code == 303  # unchanged
    finally:
        p.stop()


# ---- two-factor -------------------------------------------------------------------

def test_totp_enrol_signin_and_recovery(team):
    set_password(team, appoint(team, "Globex", "gus@globex.example", "Gus Gray"), "gus-secret-1")
    c = signed(team, "gus@globex.example", "gus-secret-1")
    r = c.get("/profile/2fa")
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', r.text).group(1)
    assert "otpauth://totp/" in r.text and len(secret) == 32
    assert c.get("/profile/2fa").text.count(secret) >= 1  # stable until enabled
    step = int(time.time()) // 30
    r = c.post("/profile/2fa", data={"code": "000000" if totp(secret, step) != "000000" else "111111",
                                     "_csrf": c.tok})
    assert r.status_code == 422
    r = c.post("/profile/2fa", data={"code": totp(secret, step), "_csrf": c.tok})
    assert r.status_code == 200
    codes = re.findall(r"<code>([a-z0-9]{4}-[a-z0-9]{4})</code>", r.text)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert c.get("/api/v1/me").json()["two_factor"] is True
    # password alone no longer signs in
    s = signin(team, "gus@globex.example", "gus-secret-1")
    assert s.last.status_code == 303 and s.last.headers["Location"] == "/signin/2fa"
    assert s.get("/api/v1/me").status_code == 401
    r = s.post("/signin/2fa", data={"code": "12345x", "_csrf": s.csrf()})
    assert r.status_code == 401
    r = s.post("/signin/2fa", data={"code": totp(secret, int(time.time()) // 30 + 1),
                                    "_csrf": s.csrf()})
    assert r.status_code == 303, r.text[:300]
    assert s.get("/api/v1/me").json()["email"] == "gus@globex.example"
    # a recovery code works once
    s = signin(team, "gus@globex.example", "gus-secret-1")
    r = s.post("/signin/2fa", data={"recovery": codes[0].upper(), "_csrf": s.csrf()})
    assert r.status_code == 303
    s = signin(team, "gus@globex.example", "gus-secret-1")
    r = s.post("/signin/2fa", data={"recovery": codes[0], "_csrf": s.csrf()})
    assert r.status_code == 401
    r = s.post("/signin/2fa", data={"recovery": codes[1], "_csrf": s.csrf()})
    assert r.status_code == 303
    # the audit log names 2FA changes and holds no secret
    admin = signed(team, "admin@portico.example")
    text = admin.get("/api/v1/audit?format=csv").text
    assert "2fa.enabled" in text and secret not in text
    assert codes[2] not in text and "gus-secret-1" not in text


# ---- API tokens -------------------------------------------------------------------

def test_api_tokens(team):
    alice = signed(team, "alice@acme.example")
    accs = accounts(team)
    r = api(alice, "POST", "/api/v1/tokens", json={"name": "CI read", "read_only": True})
    assert r.status_code == 201, r.text
    ro = r.json()
    assert ro["token"].startswith("pt_") and ro["read_only"] is True
    assert ro["account"] == accs["Acme Corp"]
    r = api(alice, "POST", "/api/v1/tokens",
            json={"name": "CI write", "read_only": False, "account": accs["Globex"]})
    assert r.status_code == 201
    rw = r.json()
    listed = alice.get("/api/v1/tokens").json()["tokens"]
    assert {t["name"] for t in listed} >= {"CI read", "CI write"}
    assert all("token" not in t and "hash" not in t for t in listed)

    bare = fresh(team)
    h_ro = {"Authorization": "Bearer " + ro["token"]}
    h_rw = {"Authorization": "Bearer " + rw["token"]}
    me = bare.get("/api/v1/me", headers=h_ro).json()
    assert me["email"] == "alice@acme.example" and me["account"] == accs["Acme Corp"]
    r = bare.request("PATCH", "/api/v1/me", json={"job_title": "CTO"}, headers=h_ro)
    assert r.status_code == 403
    r = bare.request("PATCH", "/api/v1/me", json={"job_title": "CTO"}, headers=h_rw)
    assert r.status_code == 200 and r.json()["job_title"] == "CTO"
    assert r.json()["account"] == accs["Globex"]
    # no token minting with a token
    r = bare.post("/api/v1/tokens", json={"name": "x"}, headers=h_rw)
    assert r.status_code == 403
    # bob cannot see or revoke alice's token (404, like a missing one)
    bob = signed(team, "bob@acme.example")
    assert api(bob, "DELETE", "/api/v1/tokens/" + ro["id"]).status_code == 404
    assert bare.get("/api/v1/me", headers=h_ro).status_code == 200
    # revoke
    assert api(alice, "DELETE", "/api/v1/tokens/" + ro["id"]).status_code == 200
    assert bare.get("/api/v1/me", headers=h_ro).status_code == 401
    assert api(alice, "DELETE", "/api/v1/tokens/" + ro["id"]).status_code == 404
    assert api(alice, "DELETE", "/api/v1/tokens/nonsense").status_code == 404
    # a token for an account she is not in
    r = api(alice, "POST", "/api/v1/tokens", json={"name": "x", "account": accs["Initech"]
                                                   if "Initech" in accs else "0000000000001"})
    assert r.status_code == 404
    # bad input
    for body, field in (({"name": ""}, "name"), ({"name": 5}, "name"), ({"name": "x" * 81}, "name"),
                        ({"name": "ok", "read_only": "yes"}, "read_only")):
        r = api(alice, "POST", "/api/v1/tokens", json=body)
        assert r.status_code == 422 and r.json()["error"]["field"] == field, body
    r = api(alice, "POST", "/api/v1/tokens", data="not json",
            headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    # profile page form: shown once
    r = alice.post("/profile/tokens", data={"name": "From page", "access": "read",
                                            "_csrf": alice.tok})
    assert r.status_code == 200
    shown = re.search(r'id="new-token">(pt_[A-Za-z0-9_-]{43})<', r.text).group(1)
    assert shown not in alice.get("/profile").text
    # use is audited, the token itself never
    admin = signed(team, "admin@portico.example")
    text = admin.get("/api/v1/audit?format=csv").text
    assert "token.used" in text and "token.created" in text and "token.revoked" in text
    assert ro["token"] not in text and rw["token"] not in text and shown not in text


# ---- switching, profile ---------------------------------------------------------------

def test_account_switch(team):
    accs = accounts(team)
    alice = signed(team, "alice@acme.example")
    r = alice.post("/account/switch", data={"account": accs["Globex"], "_csrf": alice.tok})
    assert r.status_code == 303
    me = alice.get("/api/v1/me").json()
    assert me["account"] == accs["Globex"]
    assert alice.get("/api/v1/audit").status_code == 403  # not an admin in Globex
    r = alice.post("/account/switch", data={"account": accs["Acme Corp"], "_csrf": alice.tok})
    assert alice.get("/api/v1/me").json()["account"] == accs["Acme Corp"]
    for bad in (accs["Initech"], "0000000000001", "nonsense", ""):
        r = alice.post("/account/switch", data={"account": bad, "_csrf": alice.tok})
        assert r.status_code == 404, bad
    assert alice.get("/api/v1/me").json()["account"] == accs["Acme Corp"]
    bob = signed(team, "bob@acme.example")
    r = bob.post("/account/switch", data={"account": accs["Globex"], "_csrf": bob.tok})
    assert r.status_code == 404


def test_profile_update_and_bad_input(team):
    c = signed(team, "carol@globex.example")
    r = c.get("/profile")
    assert r.status_code == 200 and "carol@globex.example" in r.text and "Globex" in r.text
    r = c.post("/profile", data={"name": "Carol C. Chen", "phone": "+49 30 1234", "job_title": "Ops",
                                 "timezone": "Europe/Berlin", "language": "de",
                                 "email": "evil@globex.example", "_csrf": c.tok})
    assert r.status_code == 422 and "cannot be changed" in r.text
    assert c.get("/api/v1/me").json()["name"] == "Carol Chen"
    r = c.post("/profile", data={"name": "Carol C. Chen", "phone": "+49 30 1234", "job_title": "Ops",
                                 "timezone": "Europe/Berlin", "language": "de", "_csrf": c.tok})
    assert r.status_code == 303
    me = c.get("/api/v1/me").json()
    assert (me["name"], me["phone"], me["job_title"], me["timezone"], me["language"]) == \
        ("Carol C. Chen", "+49 30 1234", "Ops", "Europe/Berlin", "de")
    assert me["email"] == "carol@globex.example"
    assert 'lang="de"' in c.get("/profile").text  # the profile language wins
    before = dict(me)
    cases = [
        ({"email": "x@globex.example"}, 422, "email"),
        ({"name": 5}, 422, "name"),
        ({"name": ""}, 422, "name"),
        ({"name": "x" * 121}, 422, "name"),
        ({"name": "ok", "timezone": "Mars/Olympus"}, 422, "timezone"),
        ({"name": "ok", "language": "fr"}, 422, "language"),
        ({"phone": "call me"}, 422, "phone"),
        ({"name": "a\u0001b"}, 422, "name"),
        ({"is_admin": True}, 422, "is_admin"),
    ]
    for body, status, field in cases:
        r = api(c, "PATCH", "/api/v1/me", json=body)
        assert r.status_code == status and r.json()["error"]["field"] == field, (body, r.text)
        assert r.json()["error"]["message"]
    for raw in ("not json", "[1,2]", '"x"'):
        r = api(c, "PATCH", "/api/v1/me", data=raw, headers={"Content-Type": "application/json"})
        assert r.status_code in (400, 422), raw
    assert c.get("/api/v1/me").json() == before  # nothing was written
    r = api(c, "PATCH", "/api/v1/me", json={"language": "en", "timezone": "UTC"})
    assert r.status_code == 200 and r.json()["language"] == "en"
    # notification settings are stored
    r = c.post("/profile/notifications", data={"_csrf": c.tok})
    assert r.status_code == 303
    assert c.get("/api/v1/me").json()["notifications"]["digest"] is False
    # password change needs the current password
    r = c.post("/profile/password", data={"current_password": "wrong-wrong", "new_password":
                                          "carol-new-pass", "new_password_confirm": "carol-new-pass",
                                          "_csrf": c.tok})
    assert r.status_code == 422
    assert signin(team, "carol@globex.example").last.status_code == 303


# ---- audit -------------------------------------------------------------------------

def test_audit_log_and_csv(team):
    accs = accounts(team)
    signed(team, "bob@acme.example")
    alice = signed(team, "alice@acme.example")
    entries = alice.get("/api/v1/audit").json()["entries"]
    assert entries and all(e["account"] == accs["Acme Corp"] for e in entries)
    assert any(e["action"] == "signin" and e["actor_email"] == "bob@acme.example" for e in entries)
    only = alice.get("/api/v1/audit?action=signin").json()["entries"]
    assert only and all(e["action"] == "signin" for e in only)
    assert alice.get("/api/v1/audit?from=2999-01-01").json()["entries"] == []
    assert alice.get("/api/v1/audit?from=yesterday").status_code == 422
    assert alice.get("/api/v1/audit?limit=0").status_code == 422
    assert alice.get("/api/v1/audit?format=xml").status_code == 422
    r = alice.get("/api/v1/audit?format=csv")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    assert r.content.startswith(b"time,account,actor,actor_email,action,details\r\n")
    rows = list(csv.reader(io.StringIO(r.content.decode(), newline="")))
    assert rows[0] == ["time", "account", "actor", "actor_email", "action", "details"]
    assert all(len(row) == 6 for row in rows)
    assert all(row[1] == accs["Acme Corp"] for row in rows[1:])
    admin = signed(team, "admin@portico.example")
    every = admin.get("/api/v1/audit?limit=5000").json()["entries"]
    assert {e["account"] for e in every} > {accs["Acme Corp"]}
    acme = admin.get("/api/v1/audit?account=" + accs["Globex"]).json()["entries"]
    assert all(e["account"] == accs["Globex"] for e in acme)
    assert PW not in admin.get("/api/v1/audit?format=csv&limit=5000").text
    bob = signed(team, "bob@acme.example")
    assert bob.get("/api/v1/audit").status_code == 403


# ---- the permission matrix ---------------------------------------------------------

ROLES = ("anonymous", "carol@globex.example", "bob@acme.example", "alice@acme.example",
         "agent@portico.example", "admin@portico.example")


def test_permission_matrix(team):
    accs = accounts(team)
    clients = {r: (fresh(team) if r == "anonymous" else signed(team, r)) for r in ROLES}
    want = {
        # (method, path): statuses for anonymous, carol, bob, alice, agent, admin
        ("GET", "/profile"): (302, 200, 200, 200, 200, 200),
        ("GET", "/profile/2fa"): (302, 200, 200, 200, 200, 200),
        ("GET", "/api/v1/me"): (401, 200, 200, 200, 200, 200),
        ("GET", "/api/v1/accounts"): (401, 200, 200, 200, 200, 200),
        ("GET", "/api/v1/tokens"): (401, 200, 200, 200, 200, 200),
        ("GET", "/api/v1/audit"): (401, 403, 403, 200, 200, 200),
        ("GET", "/team/accounts"): (302, 403, 403, 403, 200, 200),
        ("POST", "/api/v1/accounts"): (401, 403, 403, 403, 403, 201),
        ("POST", "/team/accounts/%s/staff" % accs["Acme Corp"]): (401, 403, 403, 403, 403, 303),
    }
    for (method, path), statuses in want.items():
        for role, status in zip(ROLES, statuses):
            c = clients[role]
            kw = {}
            if method == "POST" and path.startswith("/api/"):
                kw["json"] = {"name": "Matrix %s %s" % (role, time.time())}
                kw["headers"] = {"X-CSRF-Token": getattr(c, "tok", None) or c.csrf()}
            elif method == "POST":
                kw["data"] = {"email": "agent@portico.example",
                              "_csrf": getattr(c, "tok", None) or c.csrf()}
            r = c.request(method, path, **kw)
            assert r.status_code == status, (method, path, role, r.status_code, r.text[:200])
            if path.startswith("/api/") and status in (401, 403):
                assert r.json()["error"]["status"] == status
    # another account's ids answer 404, never 403
    am = signed(team, "am@portico.example")  # account manager of Acme Corp only
    r = am.post("/team/accounts/%s/admins" % accs["Globex"],
                data={"email": "zed@globex.example", "_csrf": am.tok})
    assert r.status_code == 404
    r = am.post("/team/accounts/%s/staff" % accs["Globex"],
                data={"email": "agent@portico.example", "_csrf": am.tok})
    assert r.status_code == 404
    assert "Globex" not in am.get("/team/accounts").text
    r = am.post("/team/accounts/%s/staff" % accs["Acme Corp"],
                data={"email": "agent@portico.example", "_csrf": am.tok})
    assert r.status_code == 303
    for role in ("carol@globex.example", "bob@acme.example"):
        c = clients[role]
        other = accs["Acme Corp"] if role.startswith("carol") else accs["Globex"]
        r = c.post("/account/switch", data={"account": other, "_csrf": c.tok})
        assert r.status_code == 404
    # agent acts in assigned accounts only
    agent = clients["agent@portico.example"]
    mine = {a["name"] for a in agent.get("/api/v1/accounts").json()["accounts"]}
    assert mine == {"Acme Corp", "Globex"}
    r = agent.post("/account/switch", data={"account": accs["Initech"], "_csrf": agent.tok})
    assert r.status_code == 404
    # bad input to the staff API writes nothing
    admin = clients["admin@portico.example"]
    n = len(admin.get("/api/v1/accounts").json()["accounts"])
    for body in ({"name": ""}, {"name": 7}, {"name": "x" * 121}, [1], {}):
        r = api(admin, "POST", "/api/v1/accounts", json=body)
        assert r.status_code == 422, body
    r = api(admin, "POST", "/api/v1/accounts", data="{", headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert len(admin.get("/api/v1/accounts").json()["accounts"]) == n


def test_access_log_never_holds_link_tokens_or_queries(team):
    secret = "Zq9SECRETtokenVALUE1234567890abcdefghijklm"
    team.get("/verify/" + secret)
    team.get("/password/reset/" + secret)
    team.get("/invite/" + secret)
    team.get("/healthz?token=" + secret)
    time.sleep(0.3)
    with open(os.path.join(team.data, "access.log")) as f:
        log = f.read()
    assert "/verify/:token" in log and "/password/reset/:token" in log
    assert secret not in log
