"""
tests/http/test_team_manage.py - team management (issue 4, part 2) over real
HTTPS with the demo data and a real SMTP server (tests/tools/smtp_sink.py):
invitations (form, API, bulk CSV) followed through the delivered mail,
single-use / expiring / replaced links, self sign-up through the
fixture_licenses test plugin (linked as licenses.so), the approval queue,
the Users / Groups / Settings / Audit pages and their JSON API, and bad input
that must change nothing.

The helpers at the top are shared with test_team_matrix.py.
"""
import csv
import io
import time

import pytest

import email
import email.header
import glob
import json
import os
import re
import subprocess
import time

import requests

from conftest import BUILD, ROOT, Portico

SINK = os.path.join(ROOT, "tests", "tools", "smtp_sink.py")
PASSWORD = "portico-demo"
NEW_PASSWORD = "a-long-enough-secret-1"


class Sink:
    """The SMTP sink process and its folder of delivered messages."""

    def __init__(self, folder):
        self.dir = folder
        os.makedirs(folder, exist_ok=True)
        self.proc = subprocess.Popen(["/usr/bin/python3", SINK, "--dir", folder],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        line = self.proc.stdout.readline().decode()
        assert line.startswith("READY"), line
        self.port = int(line.split()[1])

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)

    def messages(self):
        out = []
        for path in sorted(glob.glob(os.path.join(self.dir, "*.eml"))):
            with open(path, "rb") as f:
                msg = email.message_from_bytes(f.read())
            text = ""
            for part in msg.walk():
                if part.get_content_type() == "text/plain":
                    text = part.get_payload(decode=True).decode("utf-8")
            subject = str(email.header.make_header(email.header.decode_header(msg["Subject"])))
            out.append({"to": msg["To"].strip("<>"), "subject": subject, "text": text,
                        "path": path})
        return out

    def wait(self, to, contains="", count=1, timeout=15):
        """The messages to `to` whose subject contains `contains`, once at
        least `count` of them have arrived."""
        deadline = time.time() + timeout
        while True:
            found = [m for m in self.messages()
                     if m["to"].lower() == to.lower() and contains in m["subject"]]
            if len(found) >= count:
                return found
            if time.time() > deadline:
                raise AssertionError("no mail to %s (%r): %s" % (
                    to, contains, [(m["to"], m["subject"]) for m in self.messages()]))
            time.sleep(0.1)


def link_in(text, path):
    m = re.search(r"https://[^\s/]+(/%s/[A-Za-z0-9_-]{43})" % path, text)
    assert m, text
    return m.group(1)


def make_server(tmp, sink, licenses=True, extra="", workers=1):
    names = ["hello", "team"]
    plugdir = os.path.join(tmp, "plugins")
    os.makedirs(plugdir, exist_ok=True)
    for n in names:
        os.symlink(os.path.join(BUILD, "plugins", n + ".so"), os.path.join(plugdir, n + ".so"))
    extra_plugins = ("team",)
    if licenses:
        os.symlink(os.path.join(BUILD, "test-plugins", "fixture_licenses.so"),
                   os.path.join(plugdir, "licenses.so"))
        extra_plugins = ("team", "licenses")
    mail = ('mail = { smtp_url = "smtp://127.0.0.1:%d", starttls = "off", poll_ms = 100, '
            'from = "Portico <portico@portico.example>" }\n' % sink.port)
    return Portico(tmp, workers=workers, extra_plugins=extra_plugins, plugin_dir=plugdir,
                   extra=mail + extra).start()


class Client:
    """A browser-like client: its own cookies and CSRF token."""

    def __init__(self, portico):
        self.p = portico
        self.s = requests.Session()
        self.s.verify = False
        self.s.trust_env = False
        self.token = None

    def req(self, method, path, **kw):
        kw.setdefault("allow_redirects", False)
        kw.setdefault("timeout", 20)
        headers = kw.pop("headers", {})
        if method not in ("GET", "HEAD") and self.token and "data" not in kw and "files" not in kw:
            headers.setdefault("X-CSRF-Token", self.token)
        return self.s.request(method, self.p.url(path), headers=headers, **kw)

    def get(self, path, **kw):
        return self.req("GET", path, **kw)

    def form(self, path, data=None, files=None, **kw):
        """POST a form with the CSRF field, as a browser does."""
        data = dict(data or {})
        data["_csrf"] = self.csrf()
        return self.req("POST", path, data=data, files=files, **kw)

    def api(self, method, path, body=None, **kw):
        if self.token is None:
            self.csrf()
        headers = {"Accept": "application/json", "X-CSRF-Token": self.token or ""}
        headers.update(kw.pop("headers", {}))
        if body is not None:
            kw["json"] = body
        return self.req(method, path, headers=headers, **kw)

    def csrf(self):
        r = self.get("/signin") if not self.token else self.get("/profile")
        m = re.search(r'name="_csrf" value="([^"]+)"', r.text)
        if not m:
            r = self.get("/")
            m = re.search(r'name="_csrf" value="([^"]+)"', r.text)
        self.token = m.group(1) if m else self.s.cookies.get("pt_csrf")
        return self.token

    def signin(self, email_addr, password=PASSWORD, expect=303):
        self.token = None
        r = self.get("/signin")
        m = re.search(r'name="_csrf" value="([^"]+)"', r.text)
        tok = m.group(1) if m else self.s.cookies.get("pt_csrf")
        r = self.req("POST", "/signin", data={"email": email_addr, "password": password,
                                             "_csrf": tok})
        assert r.status_code == expect, (r.status_code, r.text[:500])
        if expect == 303:
            self.csrf()
        return r

    def me(self):
        r = self.api("GET", "/api/v1/me")
        assert r.status_code == 200, r.text
        return r.json()

    def switch(self, account_name):
        me = self.me()
        acc = [a for a in me["accounts"] if a["name"] == account_name][0]
        r = self.form("/account/switch", {"account": acc["id"]})
        assert r.status_code in (302, 303), r.text
        self.csrf()
        return acc["id"]


def users(client, **params):
    """Every member, following the API's pages."""
    out, page = {}, 1
    while True:
        r = client.api("GET", "/api/v1/users", params=dict(params, per_page=100, page=page))
        assert r.status_code == 200, r.text
        d = r.json()
        out.update({u["email"]: u for u in d["users"]})
        if not d["next"]:
            return out
        page += 1


def groups(client):
    r = client.api("GET", "/api/v1/groups")
    assert r.status_code == 200, r.text
    return {g["name"]: g for g in r.json()["groups"]}


def json_of(r):
    try:
        return r.json()
    except json.JSONDecodeError:
        raise AssertionError("not JSON (%d): %s" % (r.status_code, r.text[:300]))


# ---- fixtures ------------------------------------------------------------------

@pytest.fixture(scope="module")
def sink(tmp_path_factory):
    s = Sink(str(tmp_path_factory.mktemp("mail")))
    yield s
    s.stop()


@pytest.fixture(scope="module")
def srv(tmp_path_factory, sink):
    p = make_server(str(tmp_path_factory.mktemp("manage")), sink)
    p.sink = sink
    yield p
    p.stop()


@pytest.fixture(scope="module")
def alice(srv):
    c = Client(srv)
    c.signin("alice@acme.example")
    return c


def accept_invite(p, link, name="New Person", password=NEW_PASSWORD):
    c = Client(p)
    r = c.get(link)
    assert r.status_code == 200, r.text[:300]
    r = c.form(link, {"name": name, "password": password, "password_confirm": password})
    assert r.status_code == 303 and r.headers["Location"].startswith("/signin"), r.text[:300]
    return c


def invite_api(client, emails, **body):
    body["emails"] = emails
    r = client.api("POST", "/api/v1/invitations", body)
    assert r.status_code in (200, 201), r.text
    return {x["email"]: x["status"] for x in r.json()["results"]}


# ---- invitations ---------------------------------------------------------------

def test_invite_form_mail_accept_signin(srv, alice):
    g = groups(alice)
    r = alice.form("/team/invite", {"emails": "Dora@Example.com\n", "groups": g["Support users"]["id"]})
    assert r.status_code == 200 and 'data-status="invited"' in r.text, r.text[:500]
    u = users(alice)["dora@example.com"]
    assert u["status"] == "Pending" and u["last_active"] == "Pending"
    assert "Support users" in [x["name"] for x in u["groups"]]
    page = alice.get("/team").text
    assert "dora@example.com" in page and "Pending" in page
    msg = srv.sink.wait("dora@example.com", "Acme Corp")[0]
    link = link_in(msg["text"], "invite")
    # GET shows the form (address fixed) and does not spend the link.
    anon = Client(srv)
    for _ in range(2):
        r = anon.get(link)
        assert r.status_code == 200
        assert 'value="dora@example.com" readonly' in r.text
    # Bad input: field errors, link still usable.
    r = anon.form(link, {"name": "", "password": "short", "password_confirm": "short"})
    assert r.status_code == 422 and 'id="f-name-error"' in r.text and 'id="f-password-error"' in r.text
    r = anon.form(link, {"name": "Dora", "password": NEW_PASSWORD, "password_confirm": "different-pass-1"})
    assert r.status_code == 422 and 'id="f-password2-error"' in r.text
    accept_invite(srv, link, "Dora Diaz")
    # Single use.
    assert Client(srv).get(link).status_code == 410
    r = Client(srv).form(link, {"name": "X", "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert r.status_code == 410
    # Sign in with the chosen password; Active in Acme with the chosen group.
    d = Client(srv)
    d.signin("dora@example.com", NEW_PASSWORD)
    me = d.me()
    acme = [a for a in me["accounts"] if a["name"] == "Acme Corp"][0]
    assert "support.view" in acme["permissions"] and "team.edit" not in acme["permissions"]
    assert users(alice)["dora@example.com"]["status"] == "Active"
    assert d.get("/team").status_code == 403
    # alice's bell says so, in her language
    bell = alice.api("GET", "/api/v1/notifications").json()["notifications"]
    assert "dora@example.com joined the team." in [n["text"] for n in bell]
    assert alice.api("PATCH", "/api/v1/me", {"language": "de"}).status_code == 200
    try:
        bell = alice.api("GET", "/api/v1/notifications").json()["notifications"]
        assert "dora@example.com ist dem Team beigetreten." in [n["text"] for n in bell]
    finally:
        assert alice.api("PATCH", "/api/v1/me", {"language": "en"}).status_code == 200


def test_invite_api_reinvite_invalidates_old_link(srv, alice):
    assert invite_api(alice, ["erin@example.com"]) == {"erin@example.com": "invited"}
    first = link_in(srv.sink.wait("erin@example.com")[0]["text"], "invite")
    uid = users(alice)["erin@example.com"]["id"]
    r = alice.api("POST", "/api/v1/invitations/%s/resend" % uid)
    assert r.status_code == 200, r.text
    mails = srv.sink.wait("erin@example.com", count=2)
    second = link_in(mails[-1]["text"], "invite")
    assert second != first
    assert Client(srv).get(first).status_code == 410
    assert Client(srv).get(second).status_code == 200
    # Re-invite from the page too.
    r = alice.form("/team/invitations/%s/resend" % uid)
    assert r.status_code == 303
    third = link_in(srv.sink.wait("erin@example.com", count=3)[-1]["text"], "invite")
    assert Client(srv).get(second).status_code == 410
    accept_invite(srv, third, "Erin")
    # Inviting again: nothing twice.
    assert invite_api(alice, ["erin@example.com"]) == {"erin@example.com": "already_member"}


def test_pending_groups_can_change_and_revoke(srv, alice):
    invite_api(alice, ["fred@example.com"])
    link = link_in(srv.sink.wait("fred@example.com")[0]["text"], "invite")
    g = groups(alice)
    uid = users(alice)["fred@example.com"]["id"]
    r = alice.api("PATCH", "/api/v1/users/%s" % uid, {"groups": [g["License viewers"]["id"]]})
    assert r.status_code == 200 and r.json()["status"] == "Pending", r.text
    assert invite_api(alice, ["fred@example.com"]) == {"fred@example.com": "already_invited"}
    accept_invite(srv, link, "Fred")
    f = Client(srv)
    f.signin("fred@example.com", NEW_PASSWORD)
    acme = [a for a in f.me()["accounts"] if a["name"] == "Acme Corp"][0]
    assert "licenses.view" in acme["permissions"]
    # Revoke a pending invitation: the link dies, the user is gone.
    invite_api(alice, ["gus@example.com"])
    link = link_in(srv.sink.wait("gus@example.com")[0]["text"], "invite")
    uid = users(alice)["gus@example.com"]["id"]
    assert alice.api("DELETE", "/api/v1/invitations/%s" % uid).status_code == 200
    assert "gus@example.com" not in users(alice)
    assert Client(srv).get(link).status_code == 410
    assert alice.api("DELETE", "/api/v1/invitations/%s" % uid).status_code == 404


def test_invite_bad_input_changes_nothing(srv, alice):
    before = users(alice)
    many = ["u%d@example.com" % i for i in range(21)]
    r = alice.api("POST", "/api/v1/invitations", {"emails": many})
    assert r.status_code == 413 or r.status_code == 422
    assert r.json()["error"]["field"] == "emails"
    r = alice.api("POST", "/api/v1/invitations", {"emails": ["ok1@example.com", "not-an-address"]})
    assert r.status_code == 422 and r.json()["error"]["field"] == "emails"
    assert "not-an-address" in r.json()["error"]["message"]
    r = alice.form("/team/invite", {"emails": ", ".join(many)})
    assert r.status_code in (413, 422) and 'id="invite-error"' in r.text
    r = alice.form("/team/invite", {"emails": "ok2@example.com x@"})
    assert r.status_code == 422 and "x@" in r.text
    r = alice.api("POST", "/api/v1/invitations", {"emails": ["ok3@example.com"], "groups": ["zzzzzzzzzzzzz"]})
    assert r.status_code == 404
    r = alice.api("POST", "/api/v1/invitations", data="{not json", headers={"Content-Type": "application/json"})
    assert r.status_code in (400, 422)
    assert users(alice).keys() == before.keys()


def test_existing_user_accepts_by_signing_in(srv):
    admin = Client(srv)
    admin.signin("admin@portico.example")
    admin.switch("Globex")
    assert invite_api(admin, ["bob@acme.example"]) == {"bob@acme.example": "invited"}
    link = link_in(srv.sink.wait("bob@acme.example", "Globex")[0]["text"], "invite")
    anon = Client(srv)
    r = anon.get(link)
    assert r.status_code == 200 and "/signin?next=" in r.text
    assert anon.form(link).status_code == 403
    other = Client(srv)
    other.signin("carol@globex.example")
    assert other.form(link).status_code == 403
    bob = Client(srv)
    bob.signin("bob@acme.example")
    r = bob.get(link)
    assert r.status_code == 200
    r = bob.form(link)
    assert r.status_code == 303, r.text[:300]
    names = [a["name"] for a in bob.me()["accounts"]]
    assert "Globex" in names and "Acme Corp" in names
    assert bob.get(link).status_code == 410


def test_expired_link(tmp_path_factory, sink):
    p = make_server(str(tmp_path_factory.mktemp("ttl")), sink,
                    extra="team = { invite_ttl_seconds = 1 }\n")
    try:
        a = Client(p)
        a.signin("alice@acme.example")
        invite_api(a, ["late@example.com"])
        link = link_in(sink.wait("late@example.com")[0]["text"], "invite")
        time.sleep(1.5)
        assert Client(p).get(link).status_code == 410
        r = Client(p).form(link, {"name": "L", "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
        assert r.status_code == 410
        assert users(a)["late@example.com"]["status"] == "Pending"
    finally:
        p.stop()


# ---- bulk CSV -------------------------------------------------------------------

def bulk(client, content, page=False):
    files = {"file": ("invites.csv", content, "text/csv")}
    if page:
        return client.form("/team/invite/csv", files=files)
    return client.api("POST", "/api/v1/invitations/bulk", files=files)


# UTF-8 BOM, CRLF, mixed-case headers and group names, quoted commas, an
# extra column, a duplicate, a bad address, unknown groups, an existing
# member, a blank line and quoted fields.
with open(os.path.join(ROOT, "tests", "fixtures", "invites", "edge_cases.csv"), "rb") as _f:
    CSV_EDGE = _f.read().decode("utf-8")



def test_bulk_csv_edge_cases(srv, alice):
    r = bulk(alice, CSV_EDGE.encode("utf-8"))
    assert r.status_code == 200, r.text
    rep = r.json()
    rows = {x["row"]: x for x in rep["rows"]}
    assert rows[2]["status"] == "invited" and rows[2]["email"] == "csv1@example.com"
    assert rows[3]["status"] == "invited" and rows[3]["email"] == "csv2@example.com"
    assert rows[4]["status"] == "duplicate"
    assert rows[5]["status"] == "invalid_email"
    assert rows[6]["status"] == "unknown_group" and rows[6]["groups"] == ["Wizards", "Ghosts"]
    assert rows[7]["status"] == "already_member"
    assert rows[8]["status"] == "invited" and rows[8]["email"] == "csv4@example.com"
    assert rep["invited"] == 3
    u = users(alice)
    assert sorted(g["name"] for g in u["csv1@example.com"]["groups"]) == ["Everyone", "License viewers", "Support users"]
    assert "csv3@example.com" not in u
    for who in ("csv1@example.com", "csv2@example.com", "csv4@example.com"):
        assert len(srv.sink.wait(who)) == 1
    # The same file again: nothing twice.
    rep = bulk(alice, CSV_EDGE.encode("utf-8")).json()
    assert rep["invited"] == 0
    assert {x["status"] for x in rep["rows"] if x["row"] in (2, 3, 8)} == {"already_invited"}
    time.sleep(0.5)
    assert len(srv.sink.wait("csv1@example.com")) == 1


def test_bulk_csv_limits_and_errors(srv, alice):
    before = users(alice).keys()
    rows = "".join("bulk%d@example.com,Support users\n" % i for i in range(1001))
    r = bulk(alice, ("email,group membership\n" + rows).encode())
    assert r.status_code == 422 and r.json()["error"]["field"] == "file"
    assert "1000" in r.json()["error"]["message"]
    assert users(alice).keys() == before
    r = bulk(alice, b"name,groups\nx@example.com,a\n")
    assert r.status_code == 422 and "email" in r.json()["error"]["message"]
    r = bulk(alice, b'email\n"unterminated@example.com\n')
    assert r.status_code == 422
    r = bulk(alice, b"email\n\xff\xfe@example.com\n")
    assert r.status_code == 422
    r = alice.api("POST", "/api/v1/invitations/bulk", files={"other": ("x", b"y")})
    assert r.status_code == 422
    assert users(alice).keys() == before
    # Exactly 1000 rows through the page: one transaction, a report per row.
    rows = "".join("k%d@example.com\n" % i for i in range(1000))
    r = bulk(alice, ("email\n" + rows).encode(), page=True)
    assert r.status_code == 200, r.text[:500]
    assert r.text.count('data-row="') == 1000 and '<strong id="csv-invited">1000</strong>' in r.text
    assert len(users(alice)) == len(before) + 1000
    r = bulk(alice, b"email\nnot-valid\n", page=True)
    assert r.status_code == 200 and 'data-status="invalid_email"' in r.text


# ---- self sign-up ---------------------------------------------------------------

def make_account(admin, name):
    r = admin.api("POST", "/api/v1/accounts", {"name": name})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def signup(p, email_addr, key="FIXTURE-KEY-ALPHA", name="Sam Signup", password=NEW_PASSWORD):
    c = Client(p)
    return c.api("POST", "/api/v1/signup", {"email": email_addr, "name": name,
                                             "password": password, "license_key": key})


def verify(p, to):
    deadline = time.time() + 15
    while True:
        mails = [m for m in p.sink.wait(to) if "/verify/" in m["text"]]
        if mails or time.time() > deadline:
            break
        time.sleep(0.1)
    assert mails, "no verification mail to %s" % to
    link = link_in(mails[-1]["text"], "verify")
    c = Client(p)
    assert c.get(link).status_code == 200
    assert c.form(link).status_code == 303


@pytest.fixture(scope="module")
def admin(srv):
    c = Client(srv)
    c.signin("admin@portico.example")
    return c


def test_signup_flow(srv, admin):
    make_account(admin, "Alpha Labs")
    # Bad input first: nothing created.
    assert signup(srv, "x@alpha.example", key="NOPE").json()["error"]["field"] == "license_key"
    assert signup(srv, "x@alpha.example", key="FIXTURE-KEY-OLD").status_code == 422
    assert signup(srv, "not-an-email").json()["error"]["field"] == "email"
    assert signup(srv, "x@alpha.example", password="short").json()["error"]["field"] == "password"
    assert signup(srv, "x@alpha.example", name="").json()["error"]["field"] == "name"
    r = Client(srv).req("POST", "/api/v1/signup", data="email=x", headers={"Accept": "application/json"})
    assert r.status_code == 415
    # First user of an account without users: Customer Admin.
    r = signup(srv, "first@alpha.example")
    assert r.status_code == 201 and r.json()["status"] == "customer_admin", r.text
    assert signup(srv, "first@alpha.example").status_code == 409
    first = Client(srv)
    first.signin("first@alpha.example", NEW_PASSWORD, expect=403)  # not verified yet
    verify(srv, "first@alpha.example")
    first.signin("first@alpha.example", NEW_PASSWORD)
    assert first.get("/team").status_code == 200
    # Second: support-only; the Customer Admin is notified (mail).
    r = signup(srv, "second@alpha.example", name="Second Person")
    assert r.status_code == 201 and r.json()["status"] == "member"
    note = srv.sink.wait("first@alpha.example", "New user in Alpha Labs")[0]
    assert "second@alpha.example" in note["text"]
    verify(srv, "second@alpha.example")
    second = Client(srv)
    second.signin("second@alpha.example", NEW_PASSWORD)
    perms = [a for a in second.me()["accounts"] if a["name"] == "Alpha Labs"][0]["permissions"]
    assert "support.view" in perms and "team.view" not in perms
    assert second.get("/team").status_code == 403
    assert second.me()["language"] == "en"            # no Accept-Language: the default
    # The browser's language becomes a new user's profile language.
    r = Client(srv).api("POST", "/api/v1/signup",
                        {"email": "dritte@alpha.example", "name": "Dritte Person",
                         "password": NEW_PASSWORD, "license_key": "FIXTURE-KEY-ALPHA"},
                        headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"})
    assert r.status_code == 201, r.text
    verify(srv, "dritte@alpha.example")
    third = Client(srv)
    third.signin("dritte@alpha.example", NEW_PASSWORD)
    assert third.me()["language"] == "de"
    # Domain allow-list.
    r = first.api("PATCH", "/api/v1/settings", {"allowed_domains": ["alpha.example"]})
    assert r.status_code == 200, r.text
    assert signup(srv, "third@elsewhere.example").json()["error"]["field"] == "email"
    assert signup(srv, "third@alpha.example").status_code == 201
    # Invite only.
    assert first.api("PATCH", "/api/v1/settings", {"invite_only": True}).status_code == 200
    r = signup(srv, "fourth@alpha.example")
    assert r.status_code == 403 and "invitation" in r.json()["error"]["message"]
    page = Client(srv)
    r = page.form("/signup", {"email": "fourth@alpha.example", "name": "F", "password": NEW_PASSWORD,
                              "license_key": "FIXTURE-KEY-ALPHA"})
    assert r.status_code == 403 and 'id="form-error"' in r.text
    assert first.api("PATCH", "/api/v1/settings", {"invite_only": False}).status_code == 200
    # The page works too.
    r = page.form("/signup", {"email": "page@alpha.example", "name": "Page", "password": NEW_PASSWORD,
                              "license_key": "FIXTURE-KEY-ALPHA"})
    assert r.status_code == 201 and 'id="signup-done"' in r.text


def test_signup_approval_queue(srv, admin):
    make_account(admin, "Beta Works")
    assert signup(srv, "boss@beta.example", key="FIXTURE-KEY-BETA").status_code == 201
    verify(srv, "boss@beta.example")
    boss = Client(srv)
    boss.signin("boss@beta.example", NEW_PASSWORD)
    r = boss.form("/team/settings", {"approval_queue": "1"})
    assert r.status_code == 303
    assert boss.api("GET", "/api/v1/settings").json()["settings"]["approval_queue"] is True
    for who in ("q1@beta.example", "q2@beta.example", "q3@beta.example"):
        r = signup(srv, who, key="FIXTURE-KEY-BETA")
        assert r.status_code == 201 and r.json()["status"] == "awaiting_approval"
    srv.sink.wait("boss@beta.example", "approval", count=3)
    lst = boss.api("GET", "/api/v1/approvals").json()["approvals"]
    ids = {a["email"]: a["id"] for a in lst}
    assert set(ids) == {"q1@beta.example", "q2@beta.example", "q3@beta.example"}
    assert "q1@beta.example" not in users(boss)
    assert boss.api("POST", "/api/v1/approvals/%s/accept" % ids["q1@beta.example"]).status_code == 200
    assert boss.api("POST", "/api/v1/approvals/%s/reject" % ids["q2@beta.example"]).status_code == 200
    assert boss.api("POST", "/api/v1/approvals/%s/reject" % ids["q2@beta.example"]).status_code == 404
    page = boss.get("/team/approvals")
    assert page.status_code == 200 and "q3@beta.example" in page.text
    r = boss.form("/team/approvals/%s" % ids["q3@beta.example"], {"decision": "accept"})
    assert r.status_code == 303
    u = users(boss)
    assert u["q1@beta.example"]["status"] == "Active" and u["q3@beta.example"]["status"] == "Active"
    assert "q2@beta.example" not in u
    srv.sink.wait("q2@beta.example", "declined")
    verify(srv, "q1@beta.example")
    q1 = Client(srv)
    q1.signin("q1@beta.example", NEW_PASSWORD)
    assert "Beta Works" in [a["name"] for a in q1.me()["accounts"]]


def test_signup_unavailable_without_licenses(tmp_path_factory, sink):
    p = make_server(str(tmp_path_factory.mktemp("nolic")), sink, licenses=False)
    try:
        c = Client(p)
        r = c.get("/signup")
        assert r.status_code == 404 and 'id="signup-unavailable"' in r.text
        r = c.api("POST", "/api/v1/signup", {"email": "a@b.example", "name": "A",
                                             "password": NEW_PASSWORD, "license_key": "K"})
        assert r.status_code == 404 and "not available" in r.json()["error"]["message"]
    finally:
        p.stop()


# ---- users page -----------------------------------------------------------------

def test_users_page_actions(srv, alice):
    u = users(alice)
    bob = u["bob@acme.example"]["id"]
    me = u["alice@acme.example"]["id"]
    r = alice.get("/team?q=BOB")
    assert r.status_code == 200 and "bob@acme.example" in r.text and "alice@acme.example" not in r.text.split('id="users"')[1].split("</table>")[0]
    assert alice.get("/team/users/%s" % bob).status_code == 200
    r = alice.form("/team/users/%s/status" % bob, {"status": "Deactivated"})
    assert r.status_code == 303
    assert users(alice)["bob@acme.example"]["status"] == "Deactivated"
    b = Client(srv)
    b.signin("bob@acme.example")
    assert "Acme Corp" not in [a["name"] for a in b.me()["accounts"]]
    r = alice.form("/team/users/%s/status" % bob, {"status": "Active"})
    assert r.status_code == 303 and users(alice)["bob@acme.example"]["status"] == "Active"
    # Edit: name, groups; email cannot change.
    g = groups(alice)
    r = alice.form("/team/users/%s" % bob, {"name": "Robert Brown", "groups_present": "1",
                                            "groups": [g["License viewers"]["id"]], "admin_present": "1"})
    assert r.status_code == 303
    x = users(alice)["bob@acme.example"]
    assert x["name"] == "Robert Brown" and [y["name"] for y in x["groups"]] == ["Everyone", "License viewers"]
    r = alice.form("/team/users/%s" % bob, {"email": "robert@acme.example", "name": "R"})
    assert r.status_code == 422 and "cannot be changed" in r.text
    assert alice.api("PATCH", "/api/v1/users/%s" % bob, {"email": "robert@acme.example"}).status_code == 422
    assert users(alice)["bob@acme.example"]["name"] == "Robert Brown"
    r = alice.api("PATCH", "/api/v1/users/%s" % bob, {"name": "x" * 500})
    assert r.status_code == 422 and r.json()["error"]["field"] == "name"
    r = alice.api("PATCH", "/api/v1/users/%s" % bob, {"password": "x"})
    assert r.status_code == 422
    # Self: no delete, deactivate or demotion.
    assert alice.form("/team/users/%s/delete" % me).status_code == 409
    assert alice.api("DELETE", "/api/v1/users/%s" % me).status_code == 409
    assert alice.api("PATCH", "/api/v1/users/%s" % me, {"customer_admin": False}).status_code == 409
    assert alice.api("PATCH", "/api/v1/users/%s" % me, {"status": "Deactivated"}).status_code == 409
    assert alice.api("PATCH", "/api/v1/users/%s" % me, {"groups": []}).status_code == 409
    r = alice.api("DELETE", "/api/v1/groups/%s/members/%s" % (g["Administrators"]["id"], me))
    assert r.status_code == 409
    # The last Customer Admin cannot be demoted by staff either.
    adm = Client(srv)
    adm.signin("admin@portico.example")
    adm.switch("Acme Corp")
    r = adm.api("PATCH", "/api/v1/users/%s" % me, {"customer_admin": False})
    assert r.status_code == 409 and "last Customer Admin" in r.json()["error"]["message"]
    assert users(alice)["alice@acme.example"]["customer_admin"] is True
    # Delete someone else.
    invite_api(alice, ["temp@example.com"])
    tid = users(alice)["temp@example.com"]["id"]
    link = link_in(srv.sink.wait("temp@example.com")[0]["text"], "invite")
    accept_invite(srv, link, "Temp")
    assert alice.form("/team/users/%s/delete" % tid).status_code == 303
    assert "temp@example.com" not in users(alice)
    assert alice.api("GET", "/api/v1/users/%s" % tid).status_code == 404


def test_users_csv_export_quoting(srv, alice):
    invite_api(alice, ["quote@example.com"])
    qid = users(alice)["quote@example.com"]["id"]
    r = alice.api("PATCH", "/api/v1/users/%s" % qid, {"name": '=Smith, "Q" Jr.'})
    assert r.status_code == 200, r.text
    for path in ("/team/users.csv", "/api/v1/users?format=csv"):
        r = alice.get(path)
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
        raw = r.content.decode("utf-8")
        assert raw.endswith("\r\n") and "\r\n" in raw
        assert '"\'=Smith, ""Q"" Jr."' in raw
        rows = list(csv.DictReader(io.StringIO(raw, newline="")))
        row = [x for x in rows if x["email"] == "quote@example.com"][0]
        assert row["name"] == "'=Smith, \"Q\" Jr." and row["status"] == "Pending"
        assert row["last_active"] == "Pending"
        alice_row = [x for x in rows if x["email"] == "alice@acme.example"][0]
        assert "Administrators" in alice_row["groups"]


# ---- groups ------------------------------------------------------------------------

def test_groups_crud(srv, alice):
    r = alice.api("POST", "/api/v1/groups", {"name": "Project X", "permissions": ["hello.view"]})
    assert r.status_code == 201, r.text
    gid = r.json()["id"]
    assert alice.api("POST", "/api/v1/groups", {"name": "project x"}).status_code == 409
    assert alice.api("POST", "/api/v1/groups", {"name": ""}).json()["error"]["field"] == "name"
    r = alice.api("POST", "/api/v1/groups", {"name": "Y", "permissions": ["root.everything"]})
    assert r.status_code == 422 and r.json()["error"]["field"] == "permissions"
    r = alice.api("PATCH", "/api/v1/groups/%s" % gid, {"name": "Project Y"})
    assert r.status_code == 200 and r.json()["name"] == "Project Y"
    r = alice.api("PUT", "/api/v1/groups/%s/permissions" % gid, {"permissions": ["team.view", "hello.view"]})
    assert r.status_code == 200 and sorted(r.json()["permissions"]) == ["hello.view", "team.view"]
    r = alice.api("GET", "/api/v1/groups/%s/permissions" % gid)
    assert "team.view" in r.json()["permissions"]
    assert any(p["name"] == "team.edit" for p in r.json()["available"])
    bob = users(alice)["bob@acme.example"]["id"]
    r = alice.api("POST", "/api/v1/groups/%s/members" % gid, {"user": bob})
    assert r.status_code == 200 and [m["email"] for m in r.json()["members"]] == ["bob@acme.example"]
    b = Client(srv)
    b.signin("bob@acme.example")
    assert b.get("/team").status_code == 200  # team.view through the group
    assert b.form("/team/groups", {"name": "nope"}).status_code == 403
    r = alice.api("DELETE", "/api/v1/groups/%s/members/%s" % (gid, bob))
    assert r.status_code == 200 and r.json()["members"] == []
    everyone = groups(alice)["Everyone"]["id"]
    assert alice.api("DELETE", "/api/v1/groups/%s" % everyone).status_code == 409
    assert alice.api("PATCH", "/api/v1/groups/%s" % everyone, {"name": "All"}).status_code == 409
    assert alice.api("DELETE", "/api/v1/groups/%s" % gid).status_code == 200
    assert alice.api("GET", "/api/v1/groups/%s" % gid).status_code == 404
    # Pages.
    r = alice.form("/team/groups", {"name": "Page Group", "permissions": ["hello.view"]})
    assert r.status_code == 303
    loc = r.headers["Location"].split("?")[0]
    r = alice.get(loc)
    assert r.status_code == 200 and "Page Group" in r.text and 'value="hello.view" checked' in r.text
    r = alice.form(loc, {"name": "Renamed Group", "permissions_present": "1", "permissions": ["team.view"]})
    assert r.status_code == 303
    r = alice.form(loc + "/members", {"user": bob, "action": "add"})
    assert r.status_code == 303
    assert "Renamed Group" in [g["name"] for g in users(alice)["bob@acme.example"]["groups"]]
    r = alice.form("/team/groups/%s/delete" % everyone)
    assert r.status_code == 409
    assert alice.form(loc + "/delete").status_code == 303
    assert "Renamed Group" not in [g["name"] for g in users(alice)["bob@acme.example"]["groups"]]
    assert alice.get("/team/groups").status_code == 200


# ---- settings and audit ----------------------------------------------------------

def test_settings(srv, alice):
    r = alice.form("/team/settings", {"require_2fa": "", "allowed_domains": "acme.example\nbad domain!"})
    assert r.status_code == 422 and "not a valid domain" in r.text
    assert alice.api("GET", "/api/v1/settings").json()["settings"]["allowed_domains"] == []
    r = alice.form("/team/settings", {"allowed_domains": "ACME.example, acme.example"})
    assert r.status_code == 303
    s = alice.api("GET", "/api/v1/settings").json()["settings"]
    assert s["allowed_domains"] == ["acme.example"] and s["invite_only"] is False
    r = alice.api("PATCH", "/api/v1/settings", {"invite_only": "yes"})
    assert r.status_code == 422 and r.json()["error"]["field"] == "invite_only"
    r = alice.api("PATCH", "/api/v1/settings", {"color": "red"})
    assert r.status_code == 422
    assert alice.api("PATCH", "/api/v1/settings", {"allowed_domains": []}).status_code == 200
    page = alice.get("/team/settings")
    assert page.status_code == 200 and "invite_only" in page.text


def test_audit_filter_and_csv(srv, alice):
    r = alice.get("/team/audit")
    assert r.status_code == 200 and "invitation.created" in r.text
    r = alice.get("/team/audit?action=invitation.created")
    actions = set(re.findall(r'data-action="([^"]+)"', r.text))
    assert actions == {"invitation.created"}
    r = alice.get("/team/audit?action=group.")
    assert set(re.findall(r'data-action="([^"]+)"', r.text)) >= {"group.created", "group.deleted"}
    r = alice.get("/team/audit?user=bob@acme.example&action=user.")
    assert r.status_code == 200 and 'data-action="user.deactivated"' in r.text
    assert 'data-action="group.created"' not in r.text
    r = alice.get("/team/audit?from=2999-01-01")
    assert r.status_code == 200 and "data-action=" not in r.text
    assert alice.get("/team/audit?from=yesterday").status_code == 422
    r = alice.get("/team/audit.csv?action=settings.changed")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode(), newline="")))
    assert rows and all(x["action"] == "settings.changed" for x in rows)
    # Nothing secret in the log: no password, no link token.
    r = alice.get("/team/audit.csv")
    assert NEW_PASSWORD not in r.text and "/invite/" not in r.text and "/verify/" not in r.text
    for m in srv.sink.messages():
        for tok in re.findall(r"/(?:invite|verify)/([A-Za-z0-9_-]{43})", m["text"]):
            assert tok not in r.text
    # Other accounts' entries stay out of a Customer Admin's view.
    assert "Alpha Labs" not in alice.get("/team/audit").text
    assert "Beta Works" not in r.text
