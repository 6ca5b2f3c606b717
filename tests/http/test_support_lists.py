"""Case lists of the support plugin over real HTTPS (team, licenses and
support plugins, demo data): the JSON API, the dashboard, the CSV export
and the agent queue read through the indexes and page with cursors.
60 cases are opened through the API as bob (Acme), some get replies (a
newer update) or are closed, 8 are opened as carol (Globex). Checked:
following `next` returns every case exactly once in the list's order
(last update newest first by default, and every other sort), `prev` and
?page=N agree with it, status filters and the dashboard's counts, the
queue's pages, that another account's cases never show, and that a bad
cursor or page is a 400 naming it. A second server with tiny bounds
(support.list_sort_max = 0, list_scan_max = 20) runs the other sorts from
their own indexes and shows the bounded search (scan_limited, Next goes
on)."""
import csv
import html
import io
import re
from urllib.parse import urlencode

import pytest

from conftest import Portico, TEAM_CONFIG
from conftest import api_call as api
from conftest import signed_in as signed

PLUGINS = ("team", "licenses", "support")
OPEN = ("new", "in_progress", "waiting")
STATUSES = ("new", "in_progress", "waiting", "resolved", "closed")
PRIOS = ("P1", "P2", "P3", "P4")
SLA = {"P1": (1, 8), "P2": (4, 24), "P3": (8, 72), "P4": (24, 240)}   # the default targets


def seed(p):
    """60 Acme cases by bob (every 5th replied to, every 6th closed), 8
    Globex cases by carol. Returns (bob, carol, acme numbers, globex numbers)."""
    bob, carol = signed(p, "bob@acme.example"), signed(p, "carol@globex.example")
    acme, globex = [], []
    for i in range(60):
        body = {"subject": "Lists case %02d" % i, "description": "Seeded for paging.",
                "product": ("Studio", "Orchestrator", "Insights")[i % 3], "priority": PRIOS[i % 4]}
        r = api(bob, "POST", "/api/v1/cases", body)
        assert r.status_code == 201, r.text
        acme.append(r.json()["number"])
    for i, num in enumerate(acme):
        if i % 5 == 0:
            assert api(bob, "POST", "/api/v1/cases/%s/messages" % num, {"body": "bump"}).status_code == 201
        if i % 6 == 0:
            assert api(bob, "PATCH", "/api/v1/cases/" + num, {"status": "closed"}).status_code == 200
    for i in range(8):
        r = api(carol, "POST", "/api/v1/cases", {"subject": "Globex secret %d" % i, "description": "x",
                                                 "product": "Insights"})
        assert r.status_code == 201, r.text
        globex.append(r.json()["number"])
    return bob, carol, acme, globex


def server(tmp_path_factory, smtp_sink, name, extra=""):
    tmp = str(tmp_path_factory.mktemp(name))
    p = Portico(tmp, extra_plugins=PLUGINS,
                extra=TEAM_CONFIG.format(port=smtp_sink.port, team_extra="") + extra).start()
    p.bob, p.carol, p.acme, p.globex = seed(p)
    return p


@pytest.fixture(scope="module")
def srv(tmp_path_factory, smtp_sink):
    p = server(tmp_path_factory, smtp_sink, "lists")
    yield p
    p.stop()


@pytest.fixture(scope="module")
def tight(tmp_path_factory, smtp_sink):
    p = server(tmp_path_factory, smtp_sink, "lists_tight",
               "support = { list_sort_max = 0, list_scan_max = 20 }\n")
    yield p
    p.stop()


def walk(c, params, per=7, limit=200):
    """Follow `next` from the first page; returns (cases, first page json, pages)."""
    out, first, after, n = [], None, None, 0
    while True:
        q = dict(params, per_page=per)
        if after:
            q["after"] = after
        r = api(c, "GET", "/api/v1/cases?" + urlencode(q))
        assert r.status_code == 200, r.text
        j = r.json()
        first = first or j
        out.extend(j["cases"])
        after, n = j["next"], n + 1
        if not after:
            return out, first, n
        assert n < limit, "next never ends"


def numbers(cases):
    return [c["number"] for c in cases]


def assert_once(cases):
    nums = numbers(cases)
    assert len(nums) == len(set(nums)), "a case came twice"


def due(c):
    if c["status"] in ("resolved", "closed"):
        return (1, -c["updated"], "")
    first, resolve = SLA[c["priority"]]
    return (0, c["created"] + (resolve if c.get("first_response") else first) * 3600000, c["id"])


ORDER = {
    "updated": lambda c: (c["updated"], c["id"]),
    "created": lambda c: (c["created"], c["id"]),
    "number": lambda c: int(c["number"][3:]),
    "priority": lambda c: (PRIOS.index(c["priority"]), int(c["number"][3:])),
    "status": lambda c: (STATUSES.index(c["status"]), int(c["number"][3:])),
}


def assert_order(cases, sort):
    key = sort.lstrip("-")
    rev = sort.startswith("-")
    if key == "due":   # open cases by SLA due time, then done ones, latest update first
        keys = [due(c) for c in cases]
        segs = [k[0] for k in keys]
        opened = [k[1] for k in keys if k[0] == 0]
        done = [k[1] for k in keys if k[0] == 1]
        assert segs == sorted(segs, reverse=rev)
        assert opened == sorted(opened, reverse=rev) and done == sorted(done, reverse=rev)
        return
    keys = [ORDER[key](c) for c in cases]
    assert keys == sorted(keys, reverse=rev), sort


# ---- the JSON API ----------------------------------------------------------

def test_next_returns_every_case_once_newest_update_first(srv):
    cases, first, pages = walk(srv.bob, {"older": 1})
    assert_once(cases)
    assert first["total"] == len(cases) and pages == (len(cases) + 6) // 7
    assert set(srv.acme) <= set(numbers(cases))
    assert not set(srv.globex) & set(numbers(cases))
    assert_order(cases, "-updated")
    # the default list (past 6 months) is the same walk without the demo's old cases
    recent, first, _ = walk(srv.bob, {}, per=11)
    assert_once(recent)
    assert first["total"] == len(recent) and set(srv.acme) <= set(numbers(recent))
    assert len(recent) < len(cases)
    assert_order(recent, "-updated")


def test_prev_and_page_numbers_agree_with_next(srv):
    b = srv.bob
    p1 = api(b, "GET", "/api/v1/cases?older=1&per_page=7").json()
    assert p1["prev"] is None and p1["page"] == 1
    p2 = api(b, "GET", "/api/v1/cases?older=1&per_page=7&after=" + p1["next"]).json()
    assert p2["prev"] and p2["page"] is None
    back = api(b, "GET", "/api/v1/cases?older=1&per_page=7&before=" + p2["prev"]).json()
    assert numbers(back["cases"]) == numbers(p1["cases"]) and back["prev"] is None
    assert back["next"] == p1["next"]
    by_number = api(b, "GET", "/api/v1/cases?older=1&per_page=7&page=2").json()
    assert numbers(by_number["cases"]) == numbers(p2["cases"])
    beyond = api(b, "GET", "/api/v1/cases?older=1&per_page=7&page=999")
    assert beyond.status_code == 200 and beyond.json()["cases"] == [] and beyond.json()["next"] is None


def test_status_filters_and_counts(srv):
    b = srv.bob
    everything, _, _ = walk(b, {"older": 1}, per=25)
    by_status = {}
    for st in STATUSES:
        got, first, _ = walk(b, {"older": 1, "status": st}, per=4)
        assert_once(got)
        assert all(c["status"] == st for c in got) and first["total"] == len(got)
        assert_order(got, "-updated")
        by_status[st] = got
    assert sorted(numbers(everything)) == sorted(n for st in STATUSES for n in numbers(by_status[st]))
    closed = {srv.acme[i] for i in range(0, 60, 6)}
    assert closed <= set(numbers(by_status["closed"]))
    opened, first, _ = walk(b, {"older": 1, "status": "open"}, per=6)
    assert {c["status"] for c in opened} <= set(OPEN) and first["total"] == len(opened)
    assert sorted(numbers(opened)) == sorted(n for st in OPEN for n in numbers(by_status[st]))
    # a filter no index covers still pages through everything that matches, once
    p2, first, _ = walk(b, {"older": 1, "priority": "P2", "product": "Studio"}, per=3)
    assert_once(p2)
    assert p2 and all(c["priority"] == "P2" and c["product"] == "Studio" for c in p2)
    assert first["total"] == len(p2)
    assert sorted(numbers(p2)) == sorted(c["number"] for c in everything
                                         if c["priority"] == "P2" and c["product"] == "Studio")
    # the dashboard's tabs count what the API lists
    page = b.get("/support?older=1").text
    tabs = dict(re.findall(r'data-status="(\w+)">[^<]*<span class="pt-badge">(\d+)</span>', page))
    assert {st: int(n) for st, n in tabs.items()} == {st: len(by_status[st]) for st in STATUSES}


def test_other_sorts_page_in_order(srv):
    for sort in ("number", "-number", "created", "-created", "priority", "-priority", "status",
                 "due", "-due"):
        got, first, _ = walk(srv.bob, {"older": 1, "sort": sort}, per=9)
        assert_once(got)
        assert first["total"] == len(got), sort
        assert_order(got, sort)


def test_search_and_csv(srv):
    b = srv.bob
    found = api(b, "GET", "/api/v1/cases?q=Lists+case+07").json()["cases"]
    assert numbers(found) == [srv.acme[7]]
    assert numbers(api(b, "GET", "/api/v1/cases?q=" + srv.acme[3]).json()["cases"]) == [srv.acme[3]]
    total = api(b, "GET", "/api/v1/cases?older=1").json()["total"]
    r = b.get("/support/cases.csv?older=1")
    assert r.status_code == 200 and "Link" not in r.headers
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8"))))
    assert len(rows) == total + 1
    assert not any("Globex secret" in row[1] for row in rows)
    assert {row[0] for row in rows[1:]} >= set(srv.acme)


# ---- the pages -------------------------------------------------------------

def page_rows(text):
    return re.findall(r'<tr class="sup-row[^"]*" data-number="(CS-\d+)"', text)


def link(text, rel):
    m = re.search(r'href="([^"]+)" rel="%s"' % rel, text)
    return html.unescape(m.group(1)) if m else None


def walk_page(c, path):
    rows, seen, r = [], 0, c.get(path)
    pages = [r.text]
    while True:
        assert r.status_code == 200, r.text[:300]
        rows += page_rows(r.text)
        nxt = link(r.text, "next")
        if not nxt:
            return rows, pages
        seen += 1
        assert seen < 50
        r = c.get(nxt)
        pages.append(r.text)


def test_dashboard_pages_with_cursor_links(srv):
    b = srv.bob
    rows, pages = walk_page(b, "/support?older=1")
    total = api(b, "GET", "/api/v1/cases?older=1").json()["total"]
    assert len(pages) >= 2 and len(page_rows(pages[0])) == 50
    assert len(rows) == len(set(rows)) == total
    assert 'id="sup-total"' in pages[0] and ">%d " % total in pages[0]
    assert not link(pages[0], "prev")
    back = b.get(link(pages[1], "prev"))
    assert page_rows(back.text) == page_rows(pages[0])
    # filters stay on the links
    st_rows, st_pages = walk_page(b, "/support?older=1&status=closed&sort=-updated")
    assert all("status=closed" in (link(t, "next") or "status=closed") for t in st_pages)
    assert len(st_rows) == api(b, "GET", "/api/v1/cases?older=1&status=closed").json()["total"]


def test_agent_queue_pages(srv):
    agent = signed(srv, "agent@portico.example")
    total = api(agent, "GET", "/api/v1/cases?older=1").json()["total"]
    for path in ("/support/queue?older=1", "/support/queue?older=1&sort=-updated"):
        rows, pages = walk_page(agent, path)
        assert len(pages) >= 2
        assert len(rows) == len(set(rows)) == total, path
        assert set(srv.acme) | set(srv.globex) <= set(rows)
    # the first page in due order is the API's first page in due order
    r = agent.get("/support/queue?older=1")
    api_first = api(agent, "GET", "/api/v1/cases?older=1&sort=due&per_page=50").json()["cases"]
    assert page_rows(r.text) == numbers(api_first)
    un, _ = walk_page(agent, "/support/queue?older=1&assignee=unassigned&status=open")
    assert set(un) >= {n for i, n in enumerate(srv.acme) if i % 6}


def test_another_accounts_cases_never_show(srv):
    b, c = srv.bob, srv.carol
    mine, _, _ = walk(c, {"older": 1}, per=5)
    assert set(srv.globex) <= set(numbers(mine))
    assert not set(srv.acme) & set(numbers(mine))
    # a cursor is only a position: bob's cursor gives carol her own cases
    p1 = api(b, "GET", "/api/v1/cases?older=1&per_page=3").json()
    r = api(c, "GET", "/api/v1/cases?older=1&per_page=50&after=" + p1["next"]).json()
    assert not set(srv.acme) & set(numbers(r["cases"]))
    rows, _ = walk_page(b, "/support?older=1&status=new")
    assert not set(srv.globex) & set(rows)
    assert "Globex secret" not in b.get("/support?q=Globex").text
    assert api(b, "GET", "/api/v1/cases?q=Globex+secret&older=1").json()["cases"] == []


def test_bad_cursor_and_page_are_400(srv):
    b = srv.bob
    good = api(b, "GET", "/api/v1/cases?older=1&per_page=3").json()["next"]
    other = api(b, "GET", "/api/v1/cases?older=1&per_page=3&sort=number").json()["next"]
    for qs, field in (("after=nonsense", "after"), ("before=u0.1.x", "before"),
                      ("after=" + other, "after"),                       # another sort's cursor
                      ("after=%s&before=%s" % (good, good), "before"),
                      ("page=2&after=" + good, "page"),
                      ("after=", "after"), ("page=0", "page"), ("page=abc", "page"),
                      ("page=-3", "page"), ("page=5000&per_page=5", "page"),
                      ("per_page=0", "per_page"), ("sort=shoe", "sort")):
        r = api(b, "GET", "/api/v1/cases?" + qs)
        assert r.status_code == 400, qs
        err = r.json()["error"]
        assert err["field"] == field and err["message"], qs
    r = api(b, "GET", "/api/v1/cases?after=zz")
    assert "position" in r.json()["error"]["message"]
    page = b.get("/support?after=zz")
    assert page.status_code == 400 and "list position is not valid" in page.text
    agent = signed(srv, "agent@portico.example")
    assert agent.get("/support/queue?before=nope").status_code == 400
    assert b.get("/support/cases.csv?after=nope").status_code == 400


# ---- tiny bounds: the sorts' own indexes and the bounded search -------------

def test_index_ordered_sorts_with_tiny_bounds(tight):
    for sort in ("-updated", "number", "-number", "created", "-created", "priority", "status",
                 "-status", "due", "-due"):
        got, _, _ = walk(tight.bob, {"older": 1, "sort": sort}, per=8)
        assert_once(got)
        assert set(tight.acme) <= set(numbers(got)), sort
        assert_order(got, sort)
    everything, first, _ = walk(tight.bob, {"older": 1, "sort": "number"}, per=8)
    assert first["total"] == len(everything)     # an index count, not a scan
    closed, first, _ = walk(tight.bob, {"older": 1, "status": "closed", "sort": "-created"}, per=4)
    assert closed and all(c["status"] == "closed" for c in closed) and first["total"] == len(closed)
    # the queue in due order, page after page
    agent = signed(tight, "agent@portico.example")
    rows, _ = walk_page(agent, "/support/queue?older=1")
    assert len(rows) == len(set(rows)) == api(agent, "GET", "/api/v1/cases?older=1").json()["total"]
    # before= runs backwards through the same index
    p1 = api(tight.bob, "GET", "/api/v1/cases?older=1&sort=due&per_page=6").json()
    p2 = api(tight.bob, "GET", "/api/v1/cases?older=1&sort=due&per_page=6&after=" + p1["next"]).json()
    back = api(tight.bob, "GET", "/api/v1/cases?older=1&sort=due&per_page=6&before=" + p2["prev"]).json()
    assert numbers(back["cases"]) == numbers(p1["cases"])


def test_search_is_bounded_and_goes_on(tight):
    b = tight.bob
    r = api(b, "GET", "/api/v1/cases?q=no-such-words&older=1&per_page=5").json()
    assert r["cases"] == [] and r["scan_limited"] is True and r["scanned"] == 20
    assert r["next"] and r["total"] is None
    # Next searches on until the end, never repeating a case
    found, _, pages = walk(b, {"q": "Lists case 0", "older": 1}, per=5)
    assert_once(found)
    assert sorted(numbers(found)) == sorted(tight.acme[:10]) and pages > 2
    page = b.get("/support?q=no-such-words&older=1")
    assert page.status_code == 200 and 'id="sup-scan-limited"' in page.text and 'rel="next"' in page.text
