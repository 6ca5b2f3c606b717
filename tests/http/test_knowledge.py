"""The knowledge plugin over real HTTPS: ranked search (title first,
stemming en/de, phrases, prefixes, typos, filters), visibility (a private
article never shows for another account or anonymously, not even in
counts), index consistency after update/delete, revisions with diff and
restore, votes, follow -> notification, import with front matter, and bad
input that must leave nothing half-written. Users come from the
fixture_identity test plugin: admin (staff, account 100), alice (account
100), bob (account 200)."""
import json
import os
import subprocess
import time

import pytest
import requests

from conftest import Portico, plugin_dir_with

PLUGINS = ["hello", "knowledge", "fixture_identity"]


def start(tmp, extra=""):
    return Portico(tmp, extra_plugins=("knowledge", "fixture_identity"), extra=extra,
                   plugin_dir=plugin_dir_with(tmp, PLUGINS)).start()


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    p = start(str(tmp_path_factory.mktemp("kb")))
    yield p
    p.stop()


class Client:
    """One browser-like user of the server (own cookies)."""

    def __init__(self, srv, who=None):
        self.p = Portico.__new__(Portico)
        self.p.__dict__.update(srv.__dict__)
        self.p.session = requests.Session()
        self.p.session.verify = False
        self.tok = self.p.signin_fixture(who) if who else self.p.csrf()

    def get(self, path, **kw):
        return self.p.get(path, **kw)

    def api(self, method, path, body=None, **kw):
        h = {"X-CSRF-Token": self.tok, "Accept": "application/json"}
        if body is not None:
            kw["data"] = json.dumps(body)
            h["Content-Type"] = "application/json"
        return self.p.request(method, path, headers=h, **kw)

    def search(self, q, **params):
        params["q"] = q
        r = self.get("/api/v1/articles", params=params)
        assert r.status_code == 200, r.text
        return r.json()

    def form(self, path, data):
        data = dict(data, _csrf=self.tok)
        return self.p.post(path, data=data)


@pytest.fixture(scope="module")
def users(kb):
    return {w: Client(kb, w) for w in ("admin", "alice", "bob")} | {"anon": Client(kb)}


def create(c, **fields):
    fields.setdefault("status", "published")
    r = c.api("POST", "/api/v1/articles", fields)
    assert r.status_code == 201, r.text
    return r.json()


def titles(res):
    return [a["title"] for a in res["articles"]]


# ---- search quality ----------------------------------------------------------

def test_exact_title_match_ranks_first(users):
    a = users["admin"]
    create(a, title="Zylophone calibration", body="Short note.")
    create(a, title="Calibrating many devices",
           body="zylophone calibration " * 30 + "and other zylophone calibration details")
    res = a.search("zylophone calibration")
    assert res["total"] == 2
    assert res["articles"][0]["title"] == "Zylophone calibration"


def test_english_stemming(users):
    res = users["anon"].search("installing robot")
    assert "Install the Robot on Windows" in titles(res)
    res = users["anon"].search("installs")
    assert "Install the Robot on Windows" in titles(res)


def test_german_stemming(users):
    res = users["anon"].search("zuverlässige Warteschlange")
    assert "Warteschlangen zuverlässig verarbeiten" in titles(res)
    res = users["anon"].search("installieren", collection="kb")
    assert "Robot unter Windows installieren" in titles(res)


def test_phrase_query(users):
    res = users["anon"].search('"pending reboot"')
    assert titles(res) == ["Error 1603 when installing the Robot MSI"]
    assert users["anon"].search('"reboot pending"')["total"] == 0


def test_prefix_as_you_type(users):
    res = users["anon"].search("robot disconn")
    assert titles(res)[0] == "Robot shows Disconnected after a Windows update"
    assert users["anon"].search("robot disconn ")["total"] == 0  # finished word, no prefix


def test_typo_tolerance(users):
    res = users["anon"].search("disconected")
    assert "Robot shows Disconnected after a Windows update" in titles(res)
    res = users["anon"].search("selecotrs")  # transposition
    assert "Selectors fail after a browser upgrade" in titles(res)


def test_snippets_are_escaped_and_highlighted(users):
    a = users["admin"]
    create(a, title="<script>alert(1)</script> Quokka handling",
           body="Feed the <b>quokka</b> & keep it <i>happy</i>.")
    res = users["anon"].search("quokka")
    hit = res["articles"][0]
    assert "<script>" not in hit["snippet"] and "<script>" not in hit["title_html"]
    assert "&lt;b&gt;<mark>quokka</mark>&lt;/b&gt;" in hit["snippet"]
    page = users["anon"].get("/knowledge/search", params={"q": "quokka"}).text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    # the article page renders Markdown with raw HTML off
    art = users["anon"].get(hit["url"]).text
    assert "<b>quokka</b>" not in art


def test_filters(users):
    anon = users["anon"]
    tech = anon.search("robot", collection="tech")
    assert tech["total"] > 0 and all(a["collection"] == "tech" for a in tech["articles"])
    inst = anon.search("robot", category="installation")
    assert inst["total"] > 0 and all(a["category"] == "installation" for a in inst["articles"])
    studio = anon.search("queue", product="Studio")
    assert studio["total"] > 0 and all("Studio" in a["products"] for a in studio["articles"])
    assert anon.search("robot", category="no-such-category")["total"] == 0
    assert anon.get("/api/v1/articles?q=robot&collection=nope").status_code == 422
    # ranked results can be paged through up to result 2,000: past it, a clear 400
    r = anon.get("/api/v1/articles?q=robot&page=101&per_page=20")
    assert r.status_code == 400 and r.json()["error"]["field"] == "page"
    assert "2,000" in r.json()["error"]["message"]
    ok = anon.get("/api/v1/articles?q=robot&page=100&per_page=20")
    assert ok.status_code == 200 and ok.json()["pageable"] == ok.json()["total"]


def test_search_is_fast_on_the_server(users):
    r = users["anon"].get("/api/v1/articles", params={"q": "robot"})
    assert "search;dur=" in r.headers["Server-Timing"]
    assert r.json()["took_us"] < 5000


# ---- visibility ----------------------------------------------------------------

def test_account_restricted_article_never_leaks(users):
    admin, alice, bob, anon = users["admin"], users["alice"], users["bob"], users["anon"]
    art = create(admin, title="Acme secret frobnicator runbook", body="frobnicator steps for Acme",
                 visibility="accounts", accounts=[100], category="administration")
    assert alice.search("frobnicator")["total"] == 1
    for c in (bob, anon):
        res = c.search("frobnicator")
        assert res["total"] == 0 and res["articles"] == []
        assert c.search("frobn")["total"] == 0       # prefix
        assert c.search("frobnicatr")["total"] == 0  # typo path
        assert c.get("/api/v1/articles/" + art["id"]).status_code == 404
        assert c.get("/api/v1/articles/" + art["slug"]).status_code == 404
        assert c.get(art["url"]).status_code == 404
        assert "frobnicator" not in c.get("/knowledge").text
        assert "frobnicator" not in c.get("/knowledge/c/administration").text
        lst = c.get("/api/v1/articles?category=administration&per_page=100").json()
        assert all(a["id"] != art["id"] for a in lst["articles"])
    a_total = alice.get("/api/v1/articles?category=administration").json()["total"]
    b_total = bob.get("/api/v1/articles?category=administration").json()["total"]
    assert a_total == b_total + 2  # the demo's Acme article and this one
    assert "Acme: connecting" not in str(bob.search("sap"))
    assert "Globex: custom activities package" in titles(bob.search("globex"))
    assert alice.search("globex")["total"] == 0  # alice acts in account 100


def test_customers_only_and_drafts(users):
    admin, bob, anon = users["admin"], users["bob"], users["anon"]
    assert "Configuring single sign-on with SAML" in titles(bob.search("saml"))
    assert anon.search("saml")["total"] == 0
    assert anon.search("preview features")["total"] == 0
    assert bob.search("preview features")["total"] == 0
    assert "Draft: Orchestrator 2025.4 preview features" in titles(admin.search("preview features"))


def test_anonymous_read_off(tmp_path):
    p = start(str(tmp_path), extra="portal = { anonymous_read = false }")
    try:
        anon = Client(p)
        r = anon.get("/api/v1/articles?q=robot")
        assert r.status_code == 401
        assert anon.get("/knowledge").status_code in (302, 303)
        assert "kb-widget-q" not in anon.get("/").text
        assert Client(p, "bob").search("robot")["total"] > 0
    finally:
        p.stop()


# ---- writes, index consistency, revisions ------------------------------------------

def test_update_and_delete_keep_the_index_exact(users):
    a = users["admin"]
    art = create(a, title="Gizmo maintenance", body="Use the oldtermxyzzy tool.")
    assert a.search("oldtermxyzzy")["total"] == 1
    r = a.api("PUT", "/api/v1/articles/" + art["id"], {"body": "Use the newtermxyzzy tool."})
    assert r.status_code == 200, r.text
    assert a.search("oldtermxyzzy")["total"] == 0
    assert a.search("newtermxyzzy")["total"] == 1
    assert a.search("gizmo maintenance")["articles"][0]["id"] == art["id"]
    r = users["alice"].api("DELETE", "/api/v1/articles/" + art["id"])
    assert r.status_code in (403, 404)
    r = a.api("DELETE", "/api/v1/articles/" + art["id"])
    assert r.status_code == 200
    assert a.search("newtermxyzzy")["total"] == 0
    assert a.search("gizmo")["total"] == 0
    assert a.get("/api/v1/articles/" + art["id"]).status_code == 404


def test_revisions_diff_and_restore(users):
    a = users["admin"]
    art = create(a, title="Widget setup", body="line one\nline two\nline three")
    aid = art["id"]
    a.api("PATCH", "/api/v1/articles/" + aid, {"body": "line one\nline 2\nline three\nline four"})
    revs = a.get("/api/v1/articles/%s/revisions" % aid).json()["revisions"]
    assert [r["rev"] for r in revs] == [2, 1]
    d = a.get("/api/v1/articles/%s/revisions/2" % aid).json()["diff"]
    assert {"op": "-", "text": "line two"} in d and {"op": "+", "text": "line 2"} in d
    assert {"op": "+", "text": "line four"} in d and {"op": " ", "text": "line one"} in d
    page = a.get("/knowledge/a/%s/diff?rev=2" % art["slug"])
    assert page.status_code == 200 and "<ins>+ line 2</ins>" in page.text
    r = a.api("POST", "/api/v1/articles/%s/revisions/1/restore" % aid)
    assert r.status_code == 200 and r.json()["body"] == "line one\nline two\nline three"
    assert r.json()["rev"] == 3
    assert a.search("widget four")["total"] == 0
    assert users["bob"].get("/api/v1/articles/%s/revisions" % aid).status_code == 403


def test_publish_unpublish_via_pages(users):
    a, bob = users["admin"], users["bob"]
    art = create(a, title="Sprocket alignment", body="sprocket", status="draft")
    assert bob.search("sprocket")["total"] == 0
    r = a.form("/knowledge/a/%s/publish" % art["slug"], {"status": "published"})
    assert r.status_code == 303
    assert bob.search("sprocket")["total"] == 1
    a.form("/knowledge/a/%s/publish" % art["slug"], {"status": "draft"})
    assert bob.search("sprocket")["total"] == 0


def test_editor_form_preview_and_validation(users):
    a = users["admin"]
    r = a.form("/knowledge/new", {"title": "Form article", "body": "# Hi\n\n**bold**", "action": "preview"})
    assert r.status_code == 200 and "<strong>bold</strong>" in r.text
    r = a.form("/knowledge/new", {"title": "", "body": "x", "action": "save"})
    assert r.status_code == 422 and "Please enter a title" in r.text
    r = a.form("/knowledge/new", {"title": "Form article", "body": "formbodyword", "collection": "kb",
                                  "visibility": "public", "status": "published", "action": "save"})
    assert r.status_code == 303
    assert users["anon"].search("formbodyword")["total"] == 1
    r = a.api("POST", "/api/v1/articles/preview", {"body": "<script>x</script>\n\n*hi*"})
    assert r.status_code == 200 and "<script>" not in r.json()["html"] and "<em>hi</em>" in r.json()["html"]


# ---- bad input: nothing half-written -------------------------------------------------

def count(c):
    return c.get("/api/v1/articles?per_page=1").json()["total"]


@pytest.mark.parametrize("body,status,field", [
    ({"title": "   "}, 422, "title"),
    ({"title": "x", "visibility": "secret"}, 422, "visibility"),
    ({"title": "x", "collection": "blog"}, 422, "collection"),
    ({"title": "x", "language": "fr"}, 422, "language"),
    ({"title": "x", "visibility": "accounts", "accounts": []}, 422, "accounts"),
    ({"title": "x", "tags": [1, 2]}, 422, "tags"),
    ({"title": "x", "body": "a" * (300 * 1024)}, 413, "body"),
])
def test_bad_input(users, body, status, field):
    a = users["admin"]
    before = count(a)
    r = a.api("POST", "/api/v1/articles", body)
    assert r.status_code == status, r.text
    assert r.json()["error"]["field"] == field
    assert count(a) == before


def test_body_over_route_limit(users):
    """Over the route's 1 MiB limit the server answers 413 before reading
    the body (so send only the headers, as a client expecting that would)."""
    a = users["admin"]
    before = count(a)
    cookies = "; ".join("%s=%s" % (k, v) for k, v in a.p.session.cookies.items())
    raw = ("POST /api/v1/articles HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           "Cookie: %s\r\nX-CSRF-Token: %s\r\nContent-Length: %d\r\n\r\n"
           % (cookies, a.tok, 2 << 20)).encode()
    out = a.p.raw(raw, timeout=3)
    assert out.startswith(b"HTTP/1.1 413"), out[:200]
    assert count(a) == before


def test_who_may_write(users):
    r = users["alice"].api("POST", "/api/v1/articles", {"title": "nope"})
    assert r.status_code == 403
    r = users["anon"].api("POST", "/api/v1/articles", {"title": "nope"})
    assert r.status_code == 401
    assert users["bob"].get("/knowledge/new").status_code == 403


# ---- votes, follows, notifications -----------------------------------------------------

def test_votes_one_per_user(users):
    a = users["admin"]
    art = create(a, title="Vote target", body="vote")
    path = "/api/v1/articles/%s/vote" % art["id"]
    assert users["alice"].api("POST", path, {"helpful": True}).json()["helpful"] == 1
    r = users["alice"].api("POST", path, {"helpful": False, "comment": "outdated"})
    assert r.json() == {"helpful": 0, "not_helpful": 1, "my_vote": False}
    r = users["bob"].api("POST", path, {"helpful": True})
    assert r.json()["helpful"] == 1 and r.json()["not_helpful"] == 1
    assert users["anon"].api("POST", path, {"helpful": True}).status_code == 401
    assert users["bob"].api("POST", path, {"helpful": "yes"}).status_code == 422
    got = a.get("/api/v1/articles/" + art["id"]).json()
    assert got["votes"] == {"helpful": 1, "not_helpful": 1}
    # the page form works too
    r = users["bob"].form("/knowledge/a/%s/vote" % art["slug"], {"helpful": "no"})
    assert r.status_code == 303
    assert a.get("/api/v1/articles/" + art["id"]).json()["votes"] == {"helpful": 0, "not_helpful": 2}


def notifications_dump(srv):
    out = subprocess.run(["mdb_dump", "-p", "-s", "core.notifications", srv.data],
                         capture_output=True, text=True)
    return out.stdout


def test_follow_category_and_product_notify(users, kb):
    alice, bob, admin = users["alice"], users["bob"], users["admin"]
    r = alice.api("POST", "/api/v1/knowledge/follow",
                  {"kind": "category", "target": "troubleshooting", "follow": True})
    assert r.status_code == 200
    assert {"kind": "category", "target": "troubleshooting"} in r.json()["follows"]
    bob.api("POST", "/api/v1/knowledge/follow", {"kind": "product", "target": "Robot"})
    create(admin, title="Robot crashes on Fridays notifyone", category="troubleshooting",
           products=["Robot"], collection="tech", problem="p", cause="c", resolution="r")
    create(admin, title="Acme only notifytwo", category="troubleshooting", products=["Robot"],
           visibility="accounts", accounts=[100])
    time.sleep(0.2)
    dump = notifications_dump(kb)
    assert dump.count("fridays-notifyone") == 2  # alice (category) and bob (product)
    assert dump.count("only-notifytwo") == 1     # only alice may read it
    assert "knowledge.article_published" in dump
    # the bell shows it in the reader's language
    texts = [n["text"] for n in alice.get("/api/v1/notifications").json()["notifications"]]
    assert "New article: Robot crashes on Fridays notifyone" in texts
    de = alice.get("/api/v1/notifications", headers={"Accept-Language": "de"}).json()
    assert "Neuer Artikel: Robot crashes on Fridays notifyone" in [n["text"] for n in de["notifications"]]
    assert alice.api("POST", "/api/v1/knowledge/follow", {"kind": "tag", "target": "x"}).status_code == 422


# ---- import ------------------------------------------------------------------------------

DOC1 = """---
title: Imported guide about teleporters
collection: kb
category: imported-stuff
tags: [teleport, beam]
products: Robot, Studio
versions: 2024.10
visibility: public
language: en
summary: Teleporting safely.
---
Always calibrate the teleporter before beaming.
"""

DOC2 = """---
collection: tech
category: troubleshooting
language: de
---
# Teleporter startet nicht

## Problem
Der Teleporter startet nicht.
## Cause
Die Spule ist kalt.
## Resolution
Spule vorwärmen.
"""

BAD = """---
title: broken
collection: blog
---
x
"""


def upload(c, files):
    return c.p.request("POST", "/api/v1/articles/import",
                       headers={"X-CSRF-Token": c.tok, "Accept": "application/json"},
                       files=[("file", (n, d.encode(), "text/markdown")) for n, d in files])


def test_import_with_front_matter(users):
    a = users["admin"]
    r = upload(a, [("teleport.md", DOC1), ("start.md", DOC2)])
    assert r.status_code == 201, r.text
    imp = r.json()["imported"]
    assert [x["title"] for x in imp] == ["Imported guide about teleporters", "Teleporter startet nicht"]
    res = users["anon"].search("teleporting", product="Studio")
    assert titles(res) == ["Imported guide about teleporters"]
    g = a.get("/api/v1/articles/" + imp[1]["id"]).json()
    assert g["collection"] == "tech" and "kalt" in g["cause"] and g["language"] == "de"
    assert titles(users["anon"].search("Spulen"))  # German stemming of imported text
    assert users["anon"].get("/knowledge/c/imported-stuff").status_code == 200


def test_import_is_all_or_nothing(users):
    a = users["admin"]
    before = count(a)
    r = upload(a, [("ok.md", DOC1.replace("teleporters", "hovercraft")), ("bad.md", BAD)])
    assert r.status_code == 422
    assert r.json()["error"]["file"] == "bad.md"
    assert count(a) == before
    assert a.search("hovercraft")["total"] == 0
    assert upload(users["alice"], [("x.md", DOC1)]).status_code == 403


# ---- pages -------------------------------------------------------------------------------

def test_pages(users):
    anon = users["anon"]
    home = anon.get("/knowledge")
    assert home.status_code == 200 and "Troubleshooting" in home.text
    assert 'data-kb-suggest' in home.text
    art = anon.get("/knowledge/a/jobs-stuck-in-pending-state")
    assert art.status_code == 200 and "Resolution" in art.text and "Related articles" in art.text
    assert anon.get("/knowledge/c/troubleshooting").status_code == 200
    assert anon.get("/knowledge/a/nope").status_code == 404
    r = anon.get("/knowledge/search?q=robot&collection=tech")
    assert r.status_code == 200 and "<mark>" in r.text
    de = anon.get("/knowledge", headers={"Accept-Language": "de"}).text
    assert "Wissensdatenbank" in de
    assert anon.get("/static/plugins/knowledge/kb.js").status_code == 200
    nav = anon.get("/").text
    assert 'href="/knowledge"' in nav and "kb-widget-q" in nav
    ed = users["admin"].get("/knowledge/a/jobs-stuck-in-pending-state/history")
    assert ed.status_code == 200 and "Restore revision" in ed.text
