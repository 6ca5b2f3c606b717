"""
tests/http/test_team_paging.py - the paged team user list over real HTTPS:
/team and GET /api/v1/users with page / per_page, search (q), the group and
status filters, the stable order (name case-insensitively, then email;
members without a name last), bounds and bad values (400 naming the
parameter), pages past the end, the CSV export still holding everyone, the
page's accessible controls without JavaScript, and Globex's members never
showing in Acme's pages.

The world: the demo data plus 60 invited Acme users (pg00..pg59, the first
20 in License viewers, two of them accepted so Active and one of those then
deactivated, most renamed so that name order differs from email order, in
mixed case, with one tie and one non-ASCII name), and 5 Globex invitees.
"""
import csv
import html
import io
import math
import re

import pytest

from conftest import api_call, client, signed_in

N = 60
DOMAIN = "acme-paging.example"
GLOBEX = ["gx%02d@globex-paging.example" % i for i in range(5)]
PASSWORD = "a-long-enough-secret-1"


def email_of(i):
    return "pg%02d@%s" % (i, DOMAIN)


def name_of(i):
    """The name given to pg<i> ("" = left without a name)."""
    if i < 5:
        return ""
    if i in (5, 6):
        return "Same Name"  # a tie: email decides
    if i == 7:
        return "\u00d6d\u00f6n Paging"  # non-ASCII sorts after the ASCII letters
    if i == 10:
        return "Accepted Ten"
    if i == 11:
        return "Accepted Eleven"
    word = "tester" if i % 2 else "Tester"  # mixed case: the order folds case
    return "%s %02d" % (word, (i * 37) % N)


def order_key(u):
    """The server's order: named first, by ASCII-case-folded name, exact
    name, email; nameless members last by email."""
    name = u["name"]
    fold = "".join(c.lower() if c.isascii() else c for c in name)
    return (name == "", fold, name, u["email"])


def get(c, path, **headers):
    h = {"Accept": "application/json"}
    h.update(headers)
    return c.get(path, headers=h)


def get_ok(c, path):
    r = get(c, path)
    assert r.status_code == 200, (path, r.status_code, r.text[:300])
    return r.json()


def invite_link(sink, to):
    m = sink.wait_for(to)
    text = m.get_body(("plain",)).get_content()
    found = re.search(r"https://[^\s/]+(/invite/[A-Za-z0-9_-]{43})", text)
    assert found, text
    return found.group(1)


def accept(p, link, name):
    anon = client(p)
    assert anon.get(link).status_code == 200
    r = anon.post(link, data={"name": name, "password": PASSWORD, "password_confirm": PASSWORD,
                              "_csrf": anon.csrf()})
    assert r.status_code == 303, r.text[:300]


def switch(c, account_name):
    me = get_ok(c, "/api/v1/me")
    acc = [a for a in me["accounts"] if a["name"] == account_name][0]
    r = c.post("/account/switch", data={"account": acc["id"], "_csrf": c.tok})
    assert r.status_code in (302, 303), r.text[:300]
    c.tok = c.csrf()


def every_member(c, **params):
    """The whole list, following the API's next links (100 a page)."""
    qs = "&".join("%s=%s" % kv for kv in dict(params, per_page=100).items())
    path, out, total = "/api/v1/users?" + qs, [], None
    while path:
        d = get_ok(c, path)
        total = d["total"] if total is None else total
        assert d["total"] == total and d["per_page"] == 100
        out += d["users"]
        path = d["next"]
    assert len(out) == total
    return out


def walk(c, path):
    """Follow the API's next links from path; the list of pages."""
    pages = []
    while path:
        d = get_ok(c, path)
        pages.append(d)
        path = d["next"]
        assert len(pages) <= 200
    return pages


def users_table(page_html):
    return page_html.split('id="users"')[1].split("</table>")[0]


def table_emails(page_html):
    return re.findall(r'<tr data-email="([^"]+)"', users_table(page_html))


@pytest.fixture(scope="module")
def world(team):
    alice = signed_in(team, "alice@acme.example")
    groups = {g["name"]: g["id"] for g in get_ok(alice, "/api/v1/groups")["groups"]}
    emails = [email_of(i) for i in range(N)]
    for start in range(0, N, 20):
        body = {"emails": emails[start:start + 20]}
        if start == 0:
            body["groups"] = [groups["License viewers"]]
        r = api_call(alice, "POST", "/api/v1/invitations", body)
        assert r.status_code in (200, 201), r.text
    for i in (10, 11):
        accept(team, invite_link(team.sink, email_of(i)), name_of(i))
    ids = {u["email"]: u["id"] for u in every_member(alice)}
    for i in range(5, N):
        if i in (10, 11):
            continue
        r = api_call(alice, "PATCH", "/api/v1/users/%s" % ids[email_of(i)], {"name": name_of(i)})
        assert r.status_code == 200, r.text
    r = api_call(alice, "PATCH", "/api/v1/users/%s" % ids[email_of(11)], {"status": "Deactivated"})
    assert r.status_code == 200, r.text
    admin = signed_in(team, "admin@portico.example")
    switch(admin, "Globex")
    r = api_call(admin, "POST", "/api/v1/invitations", {"emails": GLOBEX})
    assert r.status_code in (200, 201), r.text
    return {"p": team, "alice": alice, "admin": admin, "groups": groups}


# ---- order and coverage -----------------------------------------------------------

def test_pages_cover_everyone_once_in_order(world):
    alice = world["alice"]
    everyone = every_member(alice)
    assert {email_of(i) for i in range(N)} <= {u["email"] for u in everyone}
    assert [u["email"] for u in everyone] == [u["email"] for u in sorted(everyone, key=order_key)]
    # The tie is broken by email, nameless members come last.
    mails = [u["email"] for u in everyone]
    assert mails.index(email_of(5)) + 1 == mails.index(email_of(6))
    assert mails[-5:] == [email_of(i) for i in range(5)]
    assert everyone[mails.index(email_of(7)) - 1]["name"].lower().startswith("tester")
    total = len(everyone)
    for per in (25, 7, 100, 1):
        pages = walk(alice, "/api/v1/users?per_page=%d" % per)
        assert len(pages) == math.ceil(total / per)
        seen = []
        for n, d in enumerate(pages, 1):
            assert d["page"] == n and d["per_page"] == per and d["total"] == total
            assert d["pages"] == len(pages)
            assert len(d["users"]) == (per if n < len(pages) else total - per * (len(pages) - 1))
            assert (d["prev"] is None) == (n == 1)
            seen += [u["email"] for u in d["users"]]
        assert seen == mails  # everyone exactly once, in the same order
    # The default page size is 25 once paging is asked for.
    d = get_ok(alice, "/api/v1/users?page=1")
    assert d["per_page"] == 25 and len(d["users"]) == 25 and d["pages"] == math.ceil(total / 25)
    assert d["next"] == "/api/v1/users?per_page=25&page=2" and d["prev"] is None
    # The existing fields are kept.
    assert d["account"] and {"id", "email", "name", "status", "groups"} <= set(d["users"][0])


def test_page_past_the_end_is_empty_with_totals(world):
    alice = world["alice"]
    total = len(every_member(alice))
    pages = math.ceil(total / 25)
    d = get_ok(alice, "/api/v1/users?page=%d" % (pages + 5))
    assert d["users"] == [] and d["total"] == total and d["pages"] == pages
    assert d["page"] == pages + 5 and d["next"] is None
    assert d["prev"] == "/api/v1/users?per_page=25&page=%d" % pages
    # The page shows the last page instead.
    r = alice.get("/team?page=%d" % (pages + 5))
    assert r.status_code == 200
    assert re.search(r'aria-current="page"><span class="pt-visually-hidden">Page </span>%d</a>' % pages, r.text)
    assert len(table_emails(r.text)) == total - 25 * (pages - 1)


@pytest.mark.parametrize("query,field", [
    ("page=0", "page"), ("page=-1", "page"), ("page=abc", "page"), ("page=1.5", "page"),
    ("page=", "page"), ("page=%2B2", "page"), ("page=99999999999", "page"),
    ("per_page=101", "per_page"), ("per_page=0", "per_page"), ("per_page=-5", "per_page"),
    ("per_page=ten", "per_page"), ("per_page=1000", "per_page"),
    ("status=sleeping", "status"), ("group=zzzzzzzzzzzzz", "group"), ("group=0000000000001", "group"),
    ("q=" + "x" * 201, "q"),
])
def test_bad_parameters_answer_400(world, query, field):
    alice = world["alice"]
    r = get(alice, "/api/v1/users?" + query)
    assert r.status_code == 400, (query, r.status_code, r.text[:200])
    err = r.json()["error"]
    assert err["status"] == 400 and err["field"] == field and len(err["message"]) > 10
    if field in ("page", "per_page"):
        assert field in err["message"]
    page = alice.get("/team?" + query)
    assert page.status_code == 400
    assert html.escape(err["message"], quote=False) in page.text or err["message"] in html.unescape(page.text)


def test_per_page_bounds(world):
    alice = world["alice"]
    total = len(every_member(alice))
    d = get_ok(alice, "/api/v1/users?per_page=100")
    assert len(d["users"]) == min(100, total) and d["per_page"] == 100
    d = get_ok(alice, "/api/v1/users?per_page=1&page=%d" % total)
    assert len(d["users"]) == 1 and d["pages"] == total and d["next"] is None


# ---- search and filters ----------------------------------------------------------------

def test_search_by_name_and_email(world):
    alice = world["alice"]
    everyone = every_member(alice)
    # Email part, case-insensitive.
    d = get_ok(alice, "/api/v1/users?q=ACME-PAGING&per_page=10&page=2")
    assert d["total"] == N and d["pages"] == 6 and len(d["users"]) == 10
    assert all(DOMAIN in u["email"] for u in d["users"])
    # Name part, case-insensitive: "Tester" and "tester" both match.
    want = [u["email"] for u in everyone if "tester" in u["name"].lower()]
    got = [u["email"] for p in walk(alice, "/api/v1/users?q=TeStEr&per_page=20") for u in p["users"]]
    assert got == want and len(want) > 20
    # Non-ASCII text is searched as given.
    d = get_ok(alice, "/api/v1/users?q=%C3%96d%C3%B6n&page=1")
    assert [u["email"] for u in d["users"]] == [email_of(7)]
    # No match: an empty first page.
    d = get_ok(alice, "/api/v1/users?q=nobody-like-this&page=1")
    assert d["users"] == [] and d["total"] == 0 and d["pages"] == 1 and d["next"] is None
    # The page searches the same way and keeps q in its links.
    r = alice.get("/team?q=tester&per_page=10")
    assert r.status_code == 200 and table_emails(r.text) == want[:10]
    assert 'href="/team?q=tester&amp;per_page=10&amp;page=2"' in r.text


def test_status_filter(world):
    alice = world["alice"]
    everyone = every_member(alice)
    for word, status in (("active", "Active"), ("Pending", "Pending"), ("invited", "Pending"),
                         ("deactivated", "Deactivated"), ("DISABLED", "Deactivated")):
        got = [u["email"] for p in walk(alice, "/api/v1/users?status=%s&per_page=20" % word) for u in p["users"]]
        assert got == [u["email"] for u in everyone if u["status"] == status], word
    active = every_member(alice, status="active")
    assert {email_of(10), "alice@acme.example", "bob@acme.example"} <= {u["email"] for u in active}
    assert [u["email"] for u in every_member(alice, status="deactivated")] == [email_of(11)]
    assert len(every_member(alice, status="pending")) == N - 2
    r = alice.get("/team?status=deactivated")
    assert table_emails(r.text) == [email_of(11)]
    assert '<option value="deactivated" selected>' in r.text


def test_group_filter_and_combinations(world):
    alice, lv = world["alice"], world["groups"]["License viewers"]
    everyone = every_member(alice)
    in_lv = [u["email"] for u in everyone if lv in u["group_ids"]]
    assert {email_of(i) for i in range(20)} <= set(in_lv)
    got = [u["email"] for p in walk(alice, "/api/v1/users?group=%s&per_page=8" % lv) for u in p["users"]]
    assert got == in_lv
    # Group + status + search + paging together.
    want = [u["email"] for u in everyone
            if lv in u["group_ids"] and u["status"] == "Pending" and "tester" in u["name"].lower()]
    pages = walk(alice, "/api/v1/users?group=%s&status=pending&q=tester&per_page=3" % lv)
    assert [u["email"] for p in pages for u in p["users"]] == want and pages[0]["total"] == len(want)
    assert "group=%s" % lv in pages[0]["next"] and "status=pending" in pages[0]["next"]
    # Another account's group answers like a missing one.
    admin = world["admin"]
    globex_group = [g["id"] for g in get_ok(admin, "/api/v1/groups")["groups"]
                    if g["name"] == "License viewers"][0]
    a = get(alice, "/api/v1/users?group=%s" % globex_group)
    b = get(alice, "/api/v1/users?group=0000000000001")
    assert a.status_code == b.status_code == 400
    assert a.json()["error"]["message"] == b.json()["error"]["message"]
    # The page: the group is selected in the form.
    r = alice.get("/team?group=%s&per_page=100" % lv)
    assert table_emails(r.text) == in_lv
    assert '<option value="%s" selected>License viewers</option>' % lv in r.text


# ---- accounts -----------------------------------------------------------------------------

def test_globex_members_never_in_acme_pages(world):
    alice, admin = world["alice"], world["admin"]
    acme = [u["email"] for p in walk(alice, "/api/v1/users?per_page=9") for u in p["users"]]
    assert not set(GLOBEX) & set(acme)
    assert "carol@globex.example" not in acme and "dan@globex.example" not in acme
    assert get_ok(alice, "/api/v1/users?q=globex&page=1")["total"] == 0
    n = math.ceil(len(acme) / 25)
    for page in range(1, n + 2):
        text = alice.get("/team?page=%d" % page).text
        assert "globex-paging.example" not in text and "carol@globex.example" not in text
    # And the other way round.
    globex = [u["email"] for p in walk(admin, "/api/v1/users?per_page=2") for u in p["users"]]
    assert set(GLOBEX) <= set(globex) and not any(DOMAIN in e for e in globex)
    assert "bob@acme.example" not in globex


# ---- CSV ------------------------------------------------------------------------------------

def test_csv_export_still_has_everyone(world):
    alice = world["alice"]
    everyone = {u["email"] for u in every_member(alice)}
    for path in ("/team/users.csv", "/api/v1/users?format=csv&page=2&per_page=5",
                 "/team/users.csv?page=3&per_page=1"):
        r = alice.get(path)
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv"), path
        rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8"), newline="")))
        assert {x["email"] for x in rows} == everyone and len(rows) == len(everyone), path


# ---- the HTML page ----------------------------------------------------------------------------

def test_page_shows_accessible_navigation(world):
    alice = world["alice"]
    everyone = every_member(alice)
    total, mails = len(everyone), [u["email"] for u in everyone]
    r = alice.get("/team")
    assert r.status_code == 200
    t = r.text
    assert table_emails(t) == mails[:25]
    assert 'id="users-summary"' in t and "Showing 1–25 of %d" % total in t
    nav = re.search(r'<nav class="pt-pagination" aria-label="([^"]+)" id="users-pages">(.*?)</nav>', t, re.S)
    assert nav and nav.group(1) == "Users pages"
    body = nav.group(2)
    assert body.count('aria-current="page"') == 1
    assert re.search(r'href="/team" aria-current="page"><span class="pt-visually-hidden">Page </span>1</a>', body)
    assert 'rel="next"' in body and 'href="/team?page=2" rel="next"' in body
    assert 'aria-disabled="true">← Previous' in body
    # The filter form works without JavaScript: a GET form with labelled fields.
    form = re.search(r'<form class="pt-form" method="get" action="/team" role="search"[^>]*>(.*?)</form>', t, re.S)
    assert form
    for fid, name in (("team-q", "q"), ("team-group", "group"), ("team-status", "status"),
                      ("team-per-page", "per_page")):
        assert '<label class="pt-label" for="%s">' % fid in form.group(1)
        assert 'id="%s"' % fid in form.group(1) and 'name="%s"' % name in form.group(1)
    # Submitting the form untouched (blank fields) is the first page.
    r = alice.get("/team?q=&group=&status=&per_page=25")
    assert r.status_code == 200 and table_emails(r.text) == mails[:25]
    # Page 2 through the link, with the right range and the current page marked.
    r = alice.get("/team?page=2")
    assert table_emails(r.text) == mails[25:50]
    assert "Showing 26–%d of %d" % (min(50, total), total) in r.text
    assert re.search(r'aria-current="page"><span class="pt-visually-hidden">Page </span>2</a>', r.text)
    assert 'href="/team" rel="prev"' in r.text
    # per_page from the form is kept in the links; a single page has no nav.
    r = alice.get("/team?per_page=50")
    assert 'href="/team?per_page=50&amp;page=2" rel="next"' in r.text
    r = alice.get("/team?per_page=100")
    assert 'id="users-pages"' not in r.text and "Showing 1–%d of %d" % (total, total) in r.text
    # A member without team.view still cannot see the list.
    bob = signed_in(world["p"], "bob@acme.example")
    assert bob.get("/team?page=2").status_code == 403
    assert get(bob, "/api/v1/users?page=2").status_code == 403


def test_invitations_table_is_bounded(world):
    """The page's pending-invitations table shows the first 25 and links to
    the Pending filter; pending rows of the users list carry Re-invite and
    Revoke, so every invitation stays reachable without JavaScript."""
    alice = world["alice"]
    pending = every_member(alice, status="pending")
    assert len(pending) > 25
    t = alice.get("/team").text
    inv = t.split('id="invitations"')[1].split("</table>")[0]
    shown = re.findall(r'<tr data-email="([^"]+)"', inv)
    assert shown == [u["email"] for u in pending[:25]]
    assert "Showing 1–25 of %d pending invitations." % len(pending) in t
    assert '<a href="/team?status=pending">All pending invitations</a>' in t
    t = alice.get("/team?status=pending&page=2").text
    table = users_table(t)
    for u in pending[25:50]:
        assert 'action="/team/invitations/%s/resend"' % u["id"] in table
        assert 'action="/team/invitations/%s/revoke"' % u["id"] in table
    # Re-invite from the list row works like the invitations table's button.
    last = pending[-1]
    before = world["p"].sink.count(last["email"])
    r = alice.post("/team/invitations/%s/resend" % last["id"], data={"_csrf": alice.tok})
    assert r.status_code == 303
    world["p"].sink.wait_for(last["email"], before)
    # Active rows have no invitation buttons; a viewer without team.edit sees none.
    active = every_member(alice, status="active")
    table = users_table(alice.get("/team?status=active").text)
    assert not any('/team/invitations/%s/' % u["id"] in table for u in active)
    agent = signed_in(world["p"], "agent@portico.example")
    switch(agent, "Acme Corp")
    r = agent.get("/team?status=pending")
    assert r.status_code == 200 and len(table_emails(r.text)) == 25
    assert "/team/invitations/" not in r.text


def test_many_users_numbers_use_the_locale(world):
    """Over a thousand members: totals are written with the locale's
    grouping ("1,0xx" in English, "1.0xx" in German)."""
    alice = world["alice"]
    batch = ["bulk%04d@acme-many.example" % i for i in range(1000)]
    for start in range(0, len(batch), 20):
        r = api_call(alice, "POST", "/api/v1/invitations", {"emails": batch[start:start + 20]})
        assert r.status_code in (200, 201), r.text
    total = get_ok(alice, "/api/v1/users?page=1")["total"]
    assert total > 1000
    en = "{:,}".format(total)
    r = alice.get("/team?page=2")
    assert "Showing 26–50 of %s" % en in r.text
    last = math.ceil(total / 25)
    assert re.search(r'<span class="pt-visually-hidden">Page </span>%d</a>' % last, r.text)
    assert r.text.count('<span aria-hidden="true">…</span>') == 1
    d = get_ok(alice, "/api/v1/users?page=%d" % last)
    assert len(d["users"]) == total - 25 * (last - 1)
    pending = get_ok(alice, "/api/v1/users?status=pending&page=1")["total"]
    assert "Showing 1–25 of {:,} pending invitations.".format(pending) in r.text
    r = api_call(alice, "PATCH", "/api/v1/me", {"language": "de"})
    assert r.status_code == 200, r.text
    try:
        r = alice.get("/team?page=2")
        assert "26–50 von %s" % en.replace(",", ".") in r.text
        assert 'aria-label="Seiten der Benutzerliste"' in r.text
    finally:
        api_call(alice, "PATCH", "/api/v1/me", {"language": "en"})
