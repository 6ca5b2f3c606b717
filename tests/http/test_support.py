"""The support plugin over real HTTPS with the team and licenses plugins
and the demo data: creating cases (form and API), the case page and its
conversation, replies and agent replies with mail through a real SMTP
server, the dashboard's filters, sort, search and counts, the JSON API's
pagination and filter edge cases, permissions (another account's case
number answers 404; a user without support.view sees only their own
cases), agent changes (assign, status, priority, internal notes) with the
case.* events, the case.creating filter from lua/examples, accept/close
with rating, reopen, CSV and printable exports, and bad input that must
change nothing."""
import csv
import io
import os
import re

import pytest
import requests

from conftest import Portico, TEAM_CONFIG
from conftest import api_call as api
from conftest import signed_in as signed

PW = "portico-demo"
PLUGINS = ("team", "licenses", "support")
SCRIPTS = ("lua/examples/tag_by_keywords.lua", "lua/examples/auto_assign_premium.lua",
           "lua/examples/notify_on_reply.lua")
LUA_CONFIG = 'support = { public_form_per_hour = 4 }\nauto_assign_premium = { on_call = "agent@portico.example", priority = "P1" }\n'


# A test script: every case.* action posts a notification to the requester,
# so the tests can see that the events reach Lua with their data.
EVENTS_LUA = """
for _, name in ipairs({"case.created", "case.status_changed", "case.assigned", "case.replied"}) do
  portico.on(name, function(ev)
    local extra = ev.to or ev.assignee_name or ""
    portico.notify{ user = ev.requester, kind = "support.case_replied",
                    text = name .. " " .. tostring(ev.number) .. " " .. tostring(extra) }
  end)
end
"""


@pytest.fixture(scope="module")
def srv(tmp_path_factory, smtp_sink):
    tmp = str(tmp_path_factory.mktemp("support"))
    events = os.path.join(tmp, "case_events.lua")
    with open(events, "w") as f:
        f.write(EVENTS_LUA)
    p = Portico(tmp, extra_plugins=PLUGINS, scripts=SCRIPTS + (events,),
                extra=TEAM_CONFIG.format(port=smtp_sink.port, team_extra="") + LUA_CONFIG).start()
    p.sink = smtp_sink
    yield p
    p.stop()


def accounts(c):
    return {a["name"]: a["id"] for a in c.get("/api/v1/accounts").json()["accounts"]}


def switch(c, account_id):
    r = c.post("/account/switch", data={"account": account_id, "_csrf": c.tok})
    assert r.status_code in (302, 303), r.text[:300]
    c.tok = c.csrf()


NEW = {"subject": "Robot crash in invoice flow", "description": "The robot crashes on step 3.",
       "product": "Unattended Robot", "version": "2023.10", "environment": "production",
       "priority": "P2"}


def test_demo_cases_and_dashboard(srv):
    bob = signed(srv, "bob@acme.example")
    r = bob.get("/support")
    assert r.status_code == 200
    assert "Robots disconnect from Orchestrator every night" in r.text
    assert "Insights dashboards show no data" not in r.text     # Globex's
    assert 'class="sup-count"' in r.text
    # older than six months is one click away
    r = bob.get("/support?older=1")
    assert "Request: SSO with Azure AD" in r.text
    assert "Request: SSO with Azure AD" not in bob.get("/support").text
    lst = api(bob, "GET", "/api/v1/cases?per_page=100&older=1").json()
    assert lst["total"] >= 15
    assert all(c["account"] == lst["cases"][0]["account"] for c in lst["cases"])


def test_create_case_form_and_page(srv):
    bob = signed(srv, "bob@acme.example")
    r = bob.get("/support/new")
    assert r.status_code == 200 and 'name="subject"' in r.text
    data = dict(NEW, _csrf=bob.tok)
    r = bob.post("/support/new", data=data)
    assert r.status_code == 303, r.text[:400]
    loc = r.headers["Location"]
    assert loc.startswith("/support/cases/CS-")
    page = bob.get(loc)
    assert page.status_code == 200
    assert "Robot crash in invoice flow" in page.text
    assert "The robot crashes on step 3." in page.text
    # the SLA for P2 is shown to the customer
    assert 'id="sup-sla"' in page.text and "24 h" in page.text
    # tag_by_keywords.lua (a case.creating filter) tagged it
    num = loc.split("/")[-1].split("?")[0]
    case = api(bob, "GET", "/api/v1/cases/" + num).json()
    assert "defect" in case["tags"]
    assert 'id="sup-tags"' in page.text
    assert case["status"] == "new" and case["priority"] == "P2"


def test_premium_case_auto_assigned_by_lua(srv):
    """auto_assign_premium.lua (a case.creating filter) assigns premium
    cases to the on-call agent with P1. Acme has Premium Care (licenses
    demo); alice, its Customer Admin, holds support.premium; bob does not."""
    alice = signed(srv, "alice@acme.example")
    switch(alice, accounts(alice)["Acme Corp"])
    r = api(alice, "POST", "/api/v1/cases", dict(NEW, premium=True, priority="P3"))
    assert r.status_code == 201, r.text
    c = r.json()
    assert c["premium"] is True and c["priority"] == "P1" and c["assignee_name"] == "Sam Agent"
    assert api(alice, "POST", "/api/v1/cases", dict(NEW, subject="plain")).json()["assignee"] is None
    bob = signed(srv, "bob@acme.example")
    r = api(bob, "POST", "/api/v1/cases", dict(NEW, premium=True))
    assert r.status_code == 403 and r.json()["error"]["field"] == "premium"
    carol = signed(srv, "carol@globex.example")   # Globex has no Premium Care
    assert api(carol, "POST", "/api/v1/cases", dict(NEW, premium=True)).status_code == 403


def test_create_bad_input_changes_nothing(srv):
    bob = signed(srv, "bob@acme.example")
    before = api(bob, "GET", "/api/v1/cases?older=1").json()["total"]
    for field, value in (("subject", ""), ("subject", "x" * 201), ("priority", "P9"),
                         ("environment", "staging"), ("description", ""), ("product", "")):
        body = dict(NEW)
        body[field] = value
        r = api(bob, "POST", "/api/v1/cases", body)
        assert r.status_code == 422, (field, r.text)
        assert r.json()["error"]["field"] == field
        assert r.json()["error"]["message"]
    r = api(bob, "POST", "/api/v1/cases", dict(NEW, subject=5))
    assert r.status_code == 422
    r = bob.post("/support/new", data=dict(NEW, subject="", _csrf=bob.tok))
    assert r.status_code == 422 and "Please enter a subject" in r.text
    assert api(bob, "GET", "/api/v1/cases?older=1").json()["total"] == before


def test_numbers_are_sequential(srv):
    bob = signed(srv, "bob@acme.example")
    a = api(bob, "POST", "/api/v1/cases", NEW).json()["number"]
    b = api(bob, "POST", "/api/v1/cases", NEW).json()["number"]
    assert int(b.split("-")[1]) == int(a.split("-")[1]) + 1


def test_other_account_case_is_404(srv):
    carol = signed(srv, "carol@globex.example")
    mine = api(carol, "POST", "/api/v1/cases", dict(NEW, subject="Globex only")).json()["number"]
    bob = signed(srv, "bob@acme.example")
    assert bob.get("/support/cases/" + mine).status_code == 404
    r = api(bob, "GET", "/api/v1/cases/" + mine)
    assert r.status_code == 404
    missing = api(bob, "GET", "/api/v1/cases/CS-999999")
    assert missing.status_code == 404
    assert r.json()["error"]["message"] == missing.json()["error"]["message"]
    r = api(bob, "POST", "/api/v1/cases/%s/messages" % mine, {"body": "hi"})
    assert r.status_code == 404
    r = api(bob, "PATCH", "/api/v1/cases/" + mine, {"status": "closed"})
    assert r.status_code == 404
    assert bob.get("/support/cases/%s/print" % mine).status_code == 404
    assert "Globex only" not in bob.get("/support").text


def test_agent_reply_mails_requester_and_customer_sees_it(srv):
    bob = signed(srv, "bob@acme.example")
    case = api(bob, "POST", "/api/v1/cases", dict(NEW, subject="Need help with queues")).json()
    num = case["number"]
    # bob adds alice in copy
    r = api(bob, "PATCH", "/api/v1/cases/" + num, {"cc_add": "alice@acme.example"})
    assert r.status_code == 200, r.text
    assert [c["email"] for c in r.json()["cc"]] == ["alice@acme.example"]
    assert 'id="sup-cc"' in bob.get("/support/cases/" + num).text
    # a Globex user cannot be put in copy of an Acme case
    r = api(bob, "PATCH", "/api/v1/cases/" + num, {"cc_add": "carol@globex.example"})
    assert r.status_code == 422 and r.json()["error"]["field"] == "cc_add"
    n_bob, n_alice = srv.sink.count("bob@acme.example"), srv.sink.count("alice@acme.example")
    agent = signed(srv, "agent@portico.example")
    accs = accounts(agent)
    switch(agent, accs["Acme Corp"])
    r = api(agent, "POST", "/api/v1/cases/%s/messages" % num,
            {"body": "x", "articles": [{"url": "https://evil.example/", "title": "x"}]})
    assert r.status_code == 422
    r = api(agent, "POST", "/api/v1/cases/%s/messages" % num,
            {"body": "Please restart the queue service.",
             "articles": [{"url": "/knowledge/articles/restart-queues", "title": "Restarting queues"}]})
    assert r.status_code == 201, r.text
    r = api(agent, "POST", "/api/v1/cases/%s/messages" % num,
            {"body": "Secret: customer runs an old build.", "internal": True})
    assert r.status_code == 201
    msg = srv.sink.wait_for("bob@acme.example", n_bob)
    assert num in msg["Subject"]
    # notify_on_reply.lua (a case.replied action) mails too: two mails for one reply
    srv.sink.wait_for("bob@acme.example", n_bob + 1)
    body = msg.get_body(preferencelist=("plain",)).get_content()
    assert "Please restart the queue service." in body
    assert "/support/cases/" + num in body
    srv.sink.wait_for("alice@acme.example", n_alice)
    notes = api(bob, "GET", "/api/v1/notifications").json()
    notes = notes.get("notifications", notes) if isinstance(notes, dict) else notes
    assert isinstance(notes, list) and any(n.get("href") == "/support/cases/" + num for n in notes), notes
    assert any(n["text"].startswith("New reply on case " + num + ": ") for n in notes), notes
    page = bob.get("/support/cases/" + num).text
    assert "Please restart the queue service." in page
    assert "Secret: customer runs an old build." not in page
    assert 'class="pt-card sup-article"' in page and "Restarting queues" in page
    got = api(bob, "GET", "/api/v1/cases/" + num).json()
    assert got["status"] == "in_progress"
    assert all(m["kind"] != "note" for m in got["messages"])
    assert "Secret" in agent.get("/support/cases/" + num).text
    # customers cannot write internal notes
    r = api(bob, "POST", "/api/v1/cases/%s/messages" % num, {"body": "x", "internal": True})
    assert r.status_code == 403
    r = api(bob, "POST", "/api/v1/cases/%s/messages" % num, {"body": ""})
    assert r.status_code == 422


def test_agent_desk_assign_status_priority(srv):
    bob = signed(srv, "bob@acme.example")
    num = api(bob, "POST", "/api/v1/cases", dict(NEW, subject="Assign me")).json()["number"]
    agent = signed(srv, "agent@portico.example")
    q = agent.get("/support/queue?assignee=unassigned")
    assert q.status_code == 200 and num in q.text
    assert "Insights dashboards show no data" in agent.get("/support/queue").text  # Globex too
    assert bob.get("/support/queue").status_code in (403, 404)
    switch(agent, accounts(agent)["Acme Corp"])
    n = srv.sink.count("bob@acme.example")
    r = api(agent, "PATCH", "/api/v1/cases/" + num,
            {"assignee": "me", "priority": "P1", "status": "waiting"})
    assert r.status_code == 200, r.text
    c = r.json()
    assert c["assignee_name"] == "Sam Agent" and c["priority"] == "P1" and c["status"] == "waiting"
    msg = srv.sink.wait_for("bob@acme.example", n)
    assert "Status" in msg["Subject"] or "status" in msg.get_body(preferencelist=("plain",)).get_content()
    assert num in agent.get("/support/queue?assignee=me").text
    for bad, field in (({"status": "done"}, "status"), ({"priority": "P0"}, "priority"),
                       ({"assignee": "bob@acme.example"}, "assignee"), ({"color": "red"}, "color")):
        r = api(agent, "PATCH", "/api/v1/cases/" + num, bad)
        assert r.status_code in (400, 422), r.text
        assert r.json()["error"]["field"] == field
    assert api(agent, "GET", "/api/v1/cases/" + num).json()["status"] == "waiting"
    # customers cannot change priority or assignee
    r = api(bob, "PATCH", "/api/v1/cases/" + num, {"priority": "P4"})
    assert r.status_code == 403
    r = api(bob, "PATCH", "/api/v1/cases/" + num, {"status": "resolved"})
    assert r.status_code == 403
    # a customer reply while waiting puts it back in progress
    api(bob, "POST", "/api/v1/cases/%s/messages" % num, {"body": "Here are the logs."})
    assert api(bob, "GET", "/api/v1/cases/" + num).json()["status"] == "in_progress"
    # the overdue filter and highlight
    r = agent.get("/support/queue?overdue=1&older=1")
    assert r.status_code == 200 and "sup-overdue" in r.text


def test_close_with_rating_and_reopen(srv):
    bob = signed(srv, "bob@acme.example")
    num = api(bob, "POST", "/api/v1/cases", dict(NEW, subject="Close me")).json()["number"]
    r = api(bob, "PATCH", "/api/v1/cases/" + num, {"status": "closed", "rating": 9})
    assert r.status_code == 400 and r.json()["error"]["field"] == "rating"
    assert api(bob, "GET", "/api/v1/cases/" + num).json()["status"] == "new"
    r = bob.post("/support/cases/%s/close" % num,
                 data={"rating": "5", "rating_comment": "Quick, thanks", "_csrf": bob.tok})
    assert r.status_code == 303
    c = api(bob, "GET", "/api/v1/cases/" + num).json()
    assert c["status"] == "closed" and c["rating"] == 5 and c["rating_comment"] == "Quick, thanks"
    r = api(bob, "POST", "/api/v1/cases/%s/messages" % num, {"body": "more"})
    assert r.status_code == 409
    r = bob.post("/support/cases/%s/reopen" % num, data={"_csrf": bob.tok})
    assert r.status_code == 303
    assert api(bob, "GET", "/api/v1/cases/" + num).json()["status"] == "in_progress"


def test_filters_sort_search_and_pagination(srv):
    bob = signed(srv, "bob@acme.example")
    all_ = api(bob, "GET", "/api/v1/cases?older=1&per_page=100").json()
    total = all_["total"]
    assert total == len(all_["cases"])
    p1 = api(bob, "GET", "/api/v1/cases?older=1&per_page=5&page=1").json()
    p2 = api(bob, "GET", "/api/v1/cases?older=1&per_page=5&page=2").json()
    assert len(p1["cases"]) == 5 and p1["pages"] == (total + 4) // 5
    assert not {c["id"] for c in p1["cases"]} & {c["id"] for c in p2["cases"]}
    beyond = api(bob, "GET", "/api/v1/cases?per_page=5&page=999")
    assert beyond.status_code == 200 and beyond.json()["cases"] == []
    for qs, field in (("per_page=0", "per_page"), ("per_page=101", "per_page"),
                      ("per_page=abc", "per_page"), ("page=0", "page"), ("page=-1", "page"),
                      ("status=bogus", "status"), ("priority=P7", "priority"),
                      ("sort=colour", "sort"), ("assignee=bob", "assignee"), ("color=red", "color")):
        r = api(bob, "GET", "/api/v1/cases?" + qs)
        assert r.status_code == 400, qs
        assert r.json()["error"]["field"] == field and r.json()["error"]["message"]
    closed = api(bob, "GET", "/api/v1/cases?status=closed&older=1&per_page=100").json()["cases"]
    assert closed and all(c["status"] == "closed" for c in closed)
    p1s = api(bob, "GET", "/api/v1/cases?priority=P1&older=1").json()["cases"]
    assert all(c["priority"] == "P1" for c in p1s)
    nums = [int(c["number"][3:]) for c in api(bob, "GET", "/api/v1/cases?sort=number&older=1&per_page=100").json()["cases"]]
    assert nums == sorted(nums)
    found = api(bob, "GET", "/api/v1/cases?q=disconnect").json()["cases"]
    assert [c["subject"] for c in found] == ["Robots disconnect from Orchestrator every night"]
    by_num = api(bob, "GET", "/api/v1/cases?q=" + found[0]["number"]).json()["cases"]
    assert [c["number"] for c in by_num] == [found[0]["number"]]
    mine = api(bob, "GET", "/api/v1/cases?requester=me&older=1&per_page=100").json()["cases"]
    assert mine and all(c["requester_email"] == "bob@acme.example" for c in mine)
    prod = api(bob, "GET", "/api/v1/cases?product=Studio&older=1").json()["cases"]
    assert prod and all(c["product"] == "Studio" for c in prod)
    # the page: counts by status and a 400 for a bad filter
    assert bob.get("/support?status=bogus").status_code == 400
    assert "Robots disconnect" in bob.get("/support?q=disconnect").text


def test_user_without_view_sees_only_own_cases(srv):
    """alice (Customer Admin of Acme) takes support.view away from Acme's
    Support users group: bob then sees only the cases he raised, and
    alice's case number answers 404 to him."""
    alice = signed(srv, "alice@acme.example")
    switch(alice, accounts(alice)["Acme Corp"])
    theirs = api(alice, "POST", "/api/v1/cases", dict(NEW, subject="Alice private")).json()["number"]
    users = api(alice, "GET", "/api/v1/users").json()["users"]
    bob_u = [u for u in users if u["email"] == "bob@acme.example"][0]
    old_groups = api(alice, "GET", "/api/v1/users/" + bob_u["id"]).json()["groups"]
    old_groups = [g if isinstance(g, str) else g["id"] for g in old_groups]
    g = api(alice, "POST", "/api/v1/groups", {"name": "Case raisers", "permissions": ["support.edit"]})
    assert g.status_code == 201, g.text
    r = api(alice, "PATCH", "/api/v1/users/" + bob_u["id"], {"groups": [g.json()["id"]]})
    assert r.status_code == 200, r.text
    try:
        bob = signed(srv, "bob@acme.example")
        cases = api(bob, "GET", "/api/v1/cases?older=1&per_page=100").json()["cases"]
        assert cases and all(c["requester_email"] == "bob@acme.example" for c in cases)
        assert api(bob, "GET", "/api/v1/cases/" + theirs).status_code == 404
        page = bob.get("/support")
        assert 'id="sup-own-only"' in page.text and "Alice private" not in page.text
        # he can still open cases
        assert api(bob, "POST", "/api/v1/cases", NEW).status_code == 201
    finally:
        r = api(alice, "PATCH", "/api/v1/users/" + bob_u["id"], {"groups": old_groups})
        assert r.status_code == 200, r.text


def test_permissions_anonymous_and_edit(srv):
    anon = Portico.__new__(Portico)
    anon.__dict__.update(srv.__dict__)
    anon.session = requests.Session()
    anon.session.verify = False
    assert anon.get("/support").status_code in (302, 303, 401)
    assert anon.get("/api/v1/cases").status_code == 401
    assert anon.post("/api/v1/cases", json=NEW).status_code in (401, 403)


def test_exports(srv):
    bob = signed(srv, "bob@acme.example")
    r = bob.get("/support/cases.csv?older=1")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8"))))
    assert rows[0][0] == "Case" and len(rows) > 10
    assert any(row[1] == "Robots disconnect from Orchestrator every night" for row in rows)
    assert not any("Insights dashboards" in row[1] for row in rows)
    num = [row[0] for row in rows if row[1] == "Robots disconnect from Orchestrator every night"][0]
    p = bob.get("/support/cases/%s/print" % num)
    assert p.status_code == 200 and "Robots disconnect" in p.text
    assert "Checked with engineering" not in p.text     # internal note


def test_german(srv):
    bob = signed(srv, "bob@acme.example")
    assert api(bob, "PATCH", "/api/v1/me", {"language": "de"}).status_code == 200
    try:
        r = bob.get("/support")
        assert "Fall eröffnen" in r.text
        r = api(bob, "GET", "/api/v1/cases?status=bogus")
        assert r.json()["error"]["message"].startswith("Unbekannter Status")
    finally:
        api(bob, "PATCH", "/api/v1/me", {"language": "en"})


def test_merge_duplicates(srv):
    bob = signed(srv, "bob@acme.example")
    a = api(bob, "POST", "/api/v1/cases", dict(NEW, subject="Original")).json()["number"]
    b = api(bob, "POST", "/api/v1/cases", dict(NEW, subject="Duplicate")).json()["number"]
    carol = signed(srv, "carol@globex.example")
    g = api(carol, "POST", "/api/v1/cases", dict(NEW, subject="Globex case")).json()["number"]
    r = api(bob, "PATCH", "/api/v1/cases/" + b, {"merge_into": a})
    assert r.status_code == 403
    agent = signed(srv, "agent@portico.example")
    for bad in (b, g, "CS-0", "nonsense"):
        r = api(agent, "PATCH", "/api/v1/cases/" + b, {"merge_into": bad})
        assert r.status_code == 422 and r.json()["error"]["field"] == "merge_into", bad
    assert api(agent, "GET", "/api/v1/cases/" + b).json()["status"] == "new"
    r = api(agent, "PATCH", "/api/v1/cases/" + b, {"merge_into": a})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "closed" and r.json()["merged_into"] == int(a[3:])
    target = api(bob, "GET", "/api/v1/cases/" + a).json()
    assert any(m.get("event") == "merged" and m["from"] == b for m in target["messages"])
    assert "Merged into" in bob.get("/support/cases/" + b).text


def test_public_request_form(srv):
    anon = Portico.__new__(Portico)
    anon.__dict__.update(srv.__dict__)
    anon.session = requests.Session()
    anon.session.verify = False
    page = anon.get("/support/request")
    assert page.status_code == 200 and 'name="license_key"' in page.text
    tok = anon.csrf()
    form = {"name": "Nora New", "email": "nora@acme.example", "license_key": "ACME-PROD-0001-0001",
            "product": "Orchestrator", "subject": "Public form case", "description": "Help please",
            "_csrf": tok}
    bad = anon.post("/support/request", data=dict(form, license_key="ACME-EUCL-0003-0001"))
    assert bad.status_code == 422 and "not valid or not active" in bad.text
    bad = anon.post("/support/request", data=dict(form, license_key="NOPE"))
    assert bad.status_code == 422
    n = srv.sink.count("nora@acme.example")
    r = anon.post("/support/request", data=form)
    assert r.status_code == 201, r.text[:500]
    import re
    num = re.search(r"CS-\d+", r.text).group(0)
    srv.sink.wait_for("nora@acme.example", n + 1)   # the case mail and the invitation
    mails = [m for m in srv.sink.messages() if "nora@acme.example" in str(m["To"])][n:]
    assert any(num in str(m["Subject"]) for m in mails)
    invite = [m for m in mails if "/invite/" in m.get_body(("plain",)).get_content()]
    assert invite, "the requester is invited to the portal"
    alice = signed(srv, "alice@acme.example")
    users = alice.get("/api/v1/users").json()["users"]
    nora = [u for u in users if u["email"] == "nora@acme.example"]
    assert nora and nora[0]["status"] == "Pending"
    bob = signed(srv, "bob@acme.example")
    c = api(bob, "GET", "/api/v1/cases/" + num).json()
    assert c["requester_email"] == "nora@acme.example" and c["source"] == "public_form"
    carol = signed(srv, "carol@globex.example")
    assert api(carol, "GET", "/api/v1/cases/" + num).status_code == 404
    # the limit is 4 attempts an hour (failed ones count): the fifth is refused
    assert anon.post("/support/request", data=form).status_code == 201
    r = anon.post("/support/request", data=form)
    assert r.status_code == 429 and r.headers.get("Retry-After")


def test_suggestions_and_deflection(srv):
    bob = signed(srv, "bob@acme.example")
    r = bob.get("/support/suggest?q=robot+crash")
    assert r.status_code == 200 and r.json() == {"available": False, "articles": []}
    import re
    page = bob.get("/support/new").text
    fid = re.search(r'name="form_id" value="([^"]+)"', page).group(1)
    agent = signed(srv, "agent@portico.example")
    before = api(agent, "GET", "/api/v1/support/deflection").json()
    assert api(bob, "POST", "/support/deflection", {"form": fid, "event": "opened"}).status_code == 200
    assert api(bob, "POST", "/support/deflection", {"form": "x", "event": "opened"}).status_code == 400
    assert api(bob, "POST", "/support/deflection", {"form": fid, "event": "boom"}).status_code == 400
    mid = api(agent, "GET", "/api/v1/support/deflection").json()
    assert mid["deflected"] == before["deflected"] + 1
    # submitting the form afterwards means it was not deflected
    r = bob.post("/support/new", data=dict(NEW, form_id=fid, _csrf=bob.tok))
    assert r.status_code == 303
    after = api(agent, "GET", "/api/v1/support/deflection").json()
    assert after["deflected"] == before["deflected"]
    assert after["submitted_after_article"] == before["submitted_after_article"] + 1
    assert api(bob, "GET", "/api/v1/support/deflection").status_code in (403, 404)
    assert 'id="sup-deflection"' in agent.get("/support/queue").text


def test_attachments_streamed(srv):
    bob = signed(srv, "bob@acme.example")
    num = api(bob, "POST", "/api/v1/cases", dict(NEW, subject="With a file")).json()["number"]
    data = b"log line\n" * 1000
    h = {"X-CSRF-Token": bob.tok, "Content-Type": "application/octet-stream",
         "Accept": "application/json"}
    r = bob.post("/api/v1/cases/%s/attachments?filename=server%%20log.txt" % num, data=data, headers=h)
    assert r.status_code == 201, r.text
    fid = r.json()["id"]
    assert r.json()["size"] == len(data)
    case = api(bob, "GET", "/api/v1/cases/" + num).json()
    assert [m["name"] for m in case["messages"] if m["kind"] == "attachment"] == ["server log.txt"]
    d = bob.get("/support/cases/%s/attachments/%s" % (num, fid))
    assert d.status_code == 200 and d.content == data
    assert d.headers["Content-Type"] == "application/octet-stream"
    assert "attachment" in d.headers["Content-Disposition"]
    page = bob.get("/support/cases/" + num).text
    assert "server log.txt" in page and "/support/cases/%s/attachments/%s" % (num, fid) in page
    carol = signed(srv, "carol@globex.example")
    assert carol.get("/support/cases/%s/attachments/%s" % (num, fid)).status_code == 404
    hc = dict(h, **{"X-CSRF-Token": carol.tok})
    assert carol.post("/api/v1/cases/%s/attachments?filename=x" % num, data=b"x", headers=hc).status_code == 404
    # no CSRF token: refused before the body is read
    r = bob.post("/api/v1/cases/%s/attachments?filename=x" % num, data=b"x",
                 headers={"Accept": "application/json"})
    assert r.status_code == 403
    assert bob.post("/api/v1/cases/%s/attachments?filename=a/b" % num, data=b"x", headers=h).status_code == 422
    assert bob.post("/api/v1/cases/%s/attachments?filename=e" % num, data=b"", headers=h).status_code == 422
    big = b"\0" * (25 * 1000 * 1000 + 1)
    try:
        r = bob.post("/api/v1/cases/%s/attachments?filename=big.bin" % num, data=big, headers=h, timeout=60)
        assert r.status_code == 413
    except requests.ConnectionError:
        pass  # the server may close before the client finished sending
    case = api(bob, "GET", "/api/v1/cases/" + num).json()
    assert len([m for m in case["messages"] if m["kind"] == "attachment"]) == 1
    left = [f for f in __import__("os").listdir(srv.data + "/support-attachments") if f.endswith(".part")]
    assert left == []


def test_premium_section(srv):
    alice = signed(srv, "alice@acme.example")
    switch(alice, accounts(alice)["Acme Corp"])
    r = alice.get("/support/premium")
    assert r.status_code == 200, r.text[:300]
    assert 'id="sup-premium-active"' in r.text and "+1 800 555 0100" in r.text
    assert 'id="sup-chart"' in r.text and r.text.count("<rect ") == 12
    r = alice.post("/support/new", data=dict(NEW, premium="1", callback="+49 30 1234", priority="P2",
                                            _csrf=alice.tok))
    assert r.status_code == 303
    num = r.headers["Location"].split("/")[-1].split("?")[0]
    c = api(alice, "GET", "/api/v1/cases/" + num).json()
    assert c["premium"] is True and c["callback"] == "+49 30 1234"
    bob = signed(srv, "bob@acme.example")
    assert bob.get("/support/premium").status_code == 403
    assert api(bob, "GET", "/api/v1/cases?premium=1&older=1").status_code == 200


def test_suggestions_with_knowledge_plugin(tmp_path, smtp_sink):
    """With the knowledge plugin loaded, suggestions come from its search."""
    import os
    from conftest import BUILD
    if not os.path.exists(os.path.join(BUILD, "plugins", "knowledge.so")):
        pytest.skip("knowledge plugin not built")
    p = Portico(str(tmp_path), extra_plugins=("team", "licenses", "knowledge", "support"),
                extra=TEAM_CONFIG.format(port=smtp_sink.port, team_extra="")).start()
    try:
        bob = signed(p, "bob@acme.example")
        r = bob.get("/support/suggest?q=license")
        assert r.status_code == 200
        j = r.json()
        assert j["available"] is True and isinstance(j["articles"], list)
        for a in j["articles"]:
            assert a["title"] and a["url"]
        assert 'id="sup-suggest"' in bob.get("/support/new").text
    finally:
        p.stop()


def test_account_manager_is_not_an_agent(srv):
    am = signed(srv, "am@portico.example")
    lst = api(am, "GET", "/api/v1/cases?older=1&per_page=100")
    assert lst.status_code == 200 and lst.json()["total"] > 0
    num = lst.json()["cases"][0]["number"]
    r = api(am, "POST", "/api/v1/cases/%s/messages" % num, {"body": "x", "internal": True})
    assert r.status_code in (403, 404)
    assert api(am, "PATCH", "/api/v1/cases/" + num, {"priority": "P1"}).status_code in (403, 404)


def test_dashboard_pagination(srv):
    agent = signed(srv, "agent@portico.example")
    r = agent.get("/support/queue?older=1")
    assert r.status_code == 200
    rows = r.text.count('class="sup-row')
    assert rows == 50 and 'rel="next"' in r.text
    r2 = agent.get("/support/queue?older=1&page=2")
    assert 'rel="prev"' in r2.text and 0 < r2.text.count('class="sup-row') <= 50
    assert agent.get("/support/queue?page=abc").status_code == 400


def test_case_events_reach_lua(srv):
    bob = signed(srv, "bob@acme.example")
    num = api(bob, "POST", "/api/v1/cases", dict(NEW, subject="Events")).json()["number"]
    agent = signed(srv, "agent@portico.example")
    assert api(agent, "PATCH", "/api/v1/cases/" + num,
               {"assignee": "me", "status": "waiting"}).status_code == 200
    assert api(agent, "POST", "/api/v1/cases/%s/messages" % num, {"body": "hi"}).status_code == 201
    texts = [n["text"] for n in api(bob, "GET", "/api/v1/notifications?limit=100").json()["notifications"]]
    for want in ("case.created %s" % num, "case.status_changed %s waiting" % num,
                 "case.assigned %s Sam Agent" % num, "case.replied %s" % num):
        assert any(t.startswith(want) for t in texts), (want, texts)


def test_numbers_unique_across_workers(tmp_path, smtp_sink):
    """Two workers, 24 cases created at once: every number once, no gaps."""
    from concurrent.futures import ThreadPoolExecutor
    p = Portico(str(tmp_path), workers=2, extra_plugins=PLUGINS,
                extra=TEAM_CONFIG.format(port=smtp_sink.port, team_extra="")).start()
    try:
        clients = [signed(p, "bob@acme.example") for _ in range(4)]

        def make(i):
            c = clients[i % 4]
            return api(c, "POST", "/api/v1/cases", dict(NEW, subject="Load %d" % i)).json()["number"]
        with ThreadPoolExecutor(8) as ex:
            nums = sorted(int(n[3:]) for n in ex.map(make, range(24)))
        assert len(set(nums)) == 24 and nums == list(range(nums[0], nums[0] + 24))
    finally:
        p.stop()


def test_queue_sorted_by_sla_due(srv):
    agent = signed(srv, "agent@portico.example")
    cases = api(agent, "GET", "/api/v1/cases?sort=due&status=open&per_page=100").json()["cases"]
    assert cases
    r = agent.get("/support/queue?status=open")
    order = re.findall(r'data-number="(CS-\d+)"', r.text)
    assert order[:len(cases)] == [c["number"] for c in cases][:len(order)]


# ---- files on the case forms without JavaScript (multipart, streamed) ------

ATTACH = "support-attachments"
BIG = 25 * 1000 * 1000 + 1


def attach_dir(srv):
    d = os.path.join(srv.data, ATTACH)
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


def attachments(c, num):
    return [m for m in api(c, "GET", "/api/v1/cases/" + num).json()["messages"] if m["kind"] == "attachment"]


def case_total(c):
    return api(c, "GET", "/api/v1/cases?older=1").json()["total"]


def form_new(c, **over):
    return dict(NEW, subject="Form with files", _csrf=c.tok, **over)


def test_new_case_form_takes_files(srv):
    bob = signed(srv, "bob@acme.example")
    page = bob.get("/support/new").text
    assert 'enctype="multipart/form-data"' in page and 'name="files"' in page
    files = [("files", ("server log.txt", b"line 1\nline 2\n", "text/plain")),
             ("files", ("empty.txt", b"", "text/plain")),                 # an empty file: ignored
             ("files", ("C:\\logs\\app.log", b"\x00\x01binary" * 1000, "application/octet-stream"))]
    r = bob.post("/support/new", data=form_new(bob), files=files)
    assert r.status_code == 303, r.text[:500]
    num = r.headers["Location"].split("/")[-1].split("?")[0]
    got = attachments(bob, num)
    assert [(a["name"], a["size"]) for a in got] == [("server log.txt", 14), ("app.log", 8000)]
    d = bob.get("/support/cases/%s/attachments/%s" % (num, got[1]["file"]))
    assert d.status_code == 200 and d.content == b"\x00\x01binary" * 1000
    assert "server log.txt" in bob.get("/support/cases/" + num).text
    # a file field with no file chosen, exactly as a browser sends it
    boundary = "----PorticoFormBoundaryNoFile"
    parts = [("_csrf", bob.tok)] + [(k, v) for k, v in NEW.items()]
    body = b"".join(b'--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n'
                    % (boundary.encode(), k.encode(), v.encode()) for k, v in parts)
    body += (b'--%s\r\nContent-Disposition: form-data; name="files"; filename=""\r\n'
             b'Content-Type: application/octet-stream\r\n\r\n\r\n--%s--\r\n'
             % (boundary.encode(), boundary.encode()))
    r = bob.post("/support/new", data=body,
                 headers={"Content-Type": "multipart/form-data; boundary=" + boundary})
    assert r.status_code == 303, r.text[:500]
    assert attachments(bob, r.headers["Location"].split("/")[-1].split("?")[0]) == []
    assert not [f for f in attach_dir(srv) if f.endswith(".part")]


def test_reply_form_takes_files(srv):
    bob = signed(srv, "bob@acme.example")
    num = api(bob, "POST", "/api/v1/cases", dict(NEW, subject="Reply with files")).json()["number"]
    page = bob.get("/support/cases/" + num).text
    assert 'id="sup-reply-form" enctype="multipart/form-data"' in page and 'id="sup-reply-files"' in page
    files = [("files", ("a.txt", b"aaa")), ("files", ("b.txt", b"bbbb")), ("files", ("none.txt", b""))]
    r = bob.post("/support/cases/%s/reply" % num, data={"_csrf": bob.tok, "body": "Logs attached."},
                 files=files)
    assert r.status_code == 303, r.text[:500]
    msgs = api(bob, "GET", "/api/v1/cases/" + num).json()["messages"]
    assert [m.get("body") for m in msgs if m["kind"] == "message"] == ["Logs attached."]
    assert [(a["name"], a["size"]) for a in attachments(bob, num)] == [("a.txt", 3), ("b.txt", 4)]
    # files alone are a reply too; nothing at all is not
    r = bob.post("/support/cases/%s/reply" % num, data={"_csrf": bob.tok, "body": ""},
                 files=[("files", ("c.txt", b"c"))])
    assert r.status_code == 303
    assert len(attachments(bob, num)) == 3
    assert len([m for m in api(bob, "GET", "/api/v1/cases/" + num).json()["messages"]
                if m["kind"] == "message"]) == 1
    r = bob.post("/support/cases/%s/reply" % num, data={"_csrf": bob.tok, "body": ""},
                 files=[("files", ("", b""))])
    assert r.status_code == 422 and "Please write a message" in r.text
    # an internal note cannot carry files (attachments are public)
    agent = signed(srv, "agent@portico.example")
    r = agent.post("/support/cases/%s/reply" % num, data={"_csrf": agent.tok, "body": "n", "internal": "1"},
                   files=[("files", ("secret.txt", b"s"))])
    assert r.status_code == 422 and "Internal notes cannot carry files" in r.text
    assert len(attachments(bob, num)) == 3
    # another account's case: 404 before a byte is stored
    carol = signed(srv, "carol@globex.example")
    before = attach_dir(srv)
    r = carol.post("/support/cases/%s/reply" % num, data={"_csrf": carol.tok, "body": "x"},
                   files=[("files", ("x.txt", b"x"))])
    assert r.status_code == 404 and attach_dir(srv) == before


def test_form_file_too_big_is_413_and_changes_nothing(srv):
    bob = signed(srv, "bob@acme.example")
    num = api(bob, "POST", "/api/v1/cases", dict(NEW, subject="Too big reply")).json()["number"]
    total, files_before = case_total(bob), attach_dir(srv)
    big = b"\0" * BIG
    for path, data in (("/support/new", form_new(bob)),
                       ("/support/cases/%s/reply" % num, {"_csrf": bob.tok, "body": "big"})):
        r = bob.post(path, data=data, files=[("files", ("small.txt", b"ok")), ("files", ("big.bin", big))],
                     timeout=60)
        assert r.status_code == 413, (path, r.status_code)
        assert "25 MB" in r.text
    assert case_total(bob) == total
    assert api(bob, "GET", "/api/v1/cases/" + num).json()["messages"] == []
    assert attach_dir(srv) == files_before
    r = bob.post("/support/new", data=form_new(bob), files=[("files", ("f%d.txt" % i, b"x")) for i in range(6)])
    assert r.status_code == 413 and "at most 5 files" in r.text
    assert case_total(bob) == total and attach_dir(srv) == files_before


def test_form_files_need_the_csrf_token(srv):
    bob = signed(srv, "bob@acme.example")
    total, files_before = case_total(bob), attach_dir(srv)
    f = [("files", ("x.txt", b"payload"))]
    no_token = dict(NEW)
    assert bob.post("/support/new", data=no_token, files=f).status_code == 403
    assert bob.post("/support/new", data=dict(NEW, _csrf="wrong" * 8), files=f).status_code == 403
    assert bob.post("/support/new", data=no_token).status_code == 403                 # urlencoded
    assert bob.post("/support/new", data=no_token, files={"x": ("", b"")}).status_code == 403
    r = bob.post("/support/new", data=form_new(bob), files=f,
                 headers={"Origin": "https://evil.example"})
    assert r.status_code == 403
    # the token must come before the files: a browser sends it first
    boundary = "----PorticoLateToken"
    body = (b'--%s\r\nContent-Disposition: form-data; name="files"; filename="x.txt"\r\n\r\npayload\r\n'
            % boundary.encode())
    for k, v in dict(NEW, _csrf=bob.tok).items():
        body += b'--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (
            boundary.encode(), k.encode(), v.encode())
    body += b"--%s--\r\n" % boundary.encode()
    r = bob.post("/support/new", data=body, headers={"Content-Type": "multipart/form-data; boundary=" + boundary})
    assert r.status_code == 403 and "security token" in r.text
    # the header works as for every other upload
    r = bob.post("/support/new", data=NEW, files=f, headers={"X-CSRF-Token": bob.tok})
    assert r.status_code == 303
    assert case_total(bob) == total + 1
    assert len(attach_dir(srv)) == len(files_before) + 1


def test_bad_multipart_is_400(srv):
    bob = signed(srv, "bob@acme.example")
    total = case_total(bob)
    h = {"Content-Type": "multipart/form-data; boundary=xyz"}
    cut = b'--xyz\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n' + bob.tok.encode() + b"\r\n--xyz\r\n"
    for body, hdrs in ((cut, h), (b"garbage", h), (b"a=b", {"Content-Type": "multipart/form-data"}),
                       (b"{}", {"Content-Type": "application/json", "X-CSRF-Token": bob.tok})):
        r = bob.post("/support/new", data=body, headers=hdrs)
        assert r.status_code == 400, body
    assert case_total(bob) == total


def test_form_upload_goes_to_disk_as_it_arrives(srv):
    """Half of a 3 MB file sent, the request not finished: the file is
    already on disk (a .part), not held in memory; then the rest."""
    import time
    from conftest import parse_responses, read_until_close
    bob = signed(srv, "bob@acme.example")
    boundary = b"----PorticoStreamCheck"
    head = b""
    for k, v in dict(NEW, subject="Streamed", _csrf=bob.tok).items():
        head += b'--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (boundary, k.encode(), v.encode())
    head += b'--%s\r\nContent-Disposition: form-data; name="files"; filename="big.log"\r\n\r\n' % boundary
    data, tail = b"x" * 3000000, b"\r\n--%s--\r\n" % boundary
    cookie = "; ".join("%s=%s" % (c.name, c.value) for c in bob.session.cookies)
    req = ("POST /support/new HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nCookie: %s\r\nConnection: close\r\n"
           "Content-Type: multipart/form-data; boundary=%s\r\nContent-Length: %d\r\n\r\n"
           % (srv.port, cookie, boundary.decode(), len(head) + len(data) + len(tail))).encode()
    s = srv.tls(timeout=10)
    try:
        s.sendall(req + head + data[:1500000])
        d = os.path.join(srv.data, ATTACH)
        grown, deadline = 0, time.time() + 5
        while time.time() < deadline and grown < 1000000:
            grown = max([os.path.getsize(os.path.join(d, f)) for f in os.listdir(d) if f.endswith(".part")] or [0])
            time.sleep(0.02)
        assert grown >= 1000000, grown
        s.sendall(data[1500000:] + tail)
        (status, headers, _), = parse_responses(read_until_close(s, 10))
    finally:
        s.close()
    assert status == 303 and "/support/cases/CS-" in headers["location"]
    num = headers["location"].split("/")[-1].split("?")[0]
    assert [(a["name"], a["size"]) for a in attachments(bob, num)] == [("big.log", 3000000)]
