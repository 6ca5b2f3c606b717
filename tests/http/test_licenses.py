"""The licenses plugin over real HTTPS with the team plugin's demo data:
licenses grouped by orchestrator with status and the end date that follows
the orchestrator, nickname and notes (who and when), CSV download (RFC
4180: commas, quotes, newlines, UTF-8), the JSON API, account scoping
(another account's id answers 404), permissions (403 without
licenses.view / licenses.edit), staff management by form and CSV import
with a per-row report, the exported license-key lookup and Premium Care
APIs, and renewal reminders (run on demand and by the hourly timer,
idempotent)."""
import csv
import io
import re
import subprocess
import time

import requests

from conftest import Portico, TEAM_CONFIG
from conftest import signed_in as signed, api_call as api

PW = "portico-demo"
PLUGINS = ("team", "licenses", "contacts", "quotes")

import pytest


def server(tmp, sink, extra="licenses = { reminder_check_seconds = 0 }", workers=1):
    return Portico(tmp, workers=workers, extra_plugins=PLUGINS,
                   extra=TEAM_CONFIG.format(port=sink.port, team_extra="") + extra)


@pytest.fixture(scope="module")
def srv(tmp_path_factory, smtp_sink):
    p = server(str(tmp_path_factory.mktemp("licenses")), smtp_sink).start()
    yield p
    p.stop()


def accounts(p):
    admin = signed(p, "admin@portico.example")
    return {a["name"]: a["id"] for a in admin.get("/api/v1/accounts").json()["accounts"]}


def switch(c, account_id):
    r = c.post("/account/switch", data={"account": account_id, "_csrf": c.tok})
    assert r.status_code in (302, 303), r.text[:300]
    c.tok = c.csrf()


def by_key(lic):
    out = {}
    for top in lic["licenses"]:
        out[top["key"]] = top
        for p in top["products"]:
            out[p["key"]] = p
    return out


CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"


def user_id(c):
    n = 0
    for ch in c.get("/api/v1/me").json()["id"]:
        n = n * 32 + CROCKFORD.index(ch)
    return n


def unprint(line):
    """One line of `mdb_dump -p` back to bytes."""
    out, i = bytearray(), 0
    while i < len(line):
        if line[i] == "\\":
            if line[i + 1] == "\\":
                out.append(0x5C)
                i += 2
            else:
                out.append(int(line[i + 1:i + 3], 16))
                i += 3
        else:
            out += line[i].encode("latin-1")
            i += 1
    return bytes(out)


def notifications(p, c=None, word="ends on"):
    """Texts (bytes) of the stored notifications containing word, for the
    signed-in user c (all users when None): the bell's store, read with
    mdb_dump since the core has no notifications page yet."""
    dump = subprocess.run(["mdb_dump", "-p", "-s", "core.notifications", p.data],
                          capture_output=True, text=True).stdout.split("\n")
    body = dump[dump.index("HEADER=END") + 1:]
    uid = user_id(c) if c else None
    out = []
    for k, v in zip(body[0::2], body[1::2]):
        if not k.startswith(" "):
            break
        key, val = unprint(k[1:]), unprint(v[1:])
        if word.encode() in val and (uid is None or int.from_bytes(key[:8], "big") == uid):
            out.append(val)
    return out


def test_grouped_with_status_and_follow_note(srv):
    alice = signed(srv, "alice@acme.example")
    r = alice.get("/api/v1/licenses")
    assert r.status_code == 200
    lic = r.json()
    keys = by_key(lic)
    prod, test, eu = keys["ACME-PROD-0001-0001"], keys["ACME-TEST-0002-0001"], keys["ACME-EUCL-0003-0001"]
    assert prod["status"] == "active" and prod["kind"] == "orchestrator" and prod["type"] == "onprem"
    assert test["status"] == "expiring" and 0 < test["days_left"] <= 90
    assert eu["status"] == "expired"
    assert {p["sku"] for p in prod["products"]} == {"RBT-UNATT", "RBT-ATT", "STU-PRO", "DU-PAGES"}
    for p in prod["products"]:
        assert p["end"] == prod["end"] and p["follows_orchestrator"]
    # a product under the expired orchestrator is expired with it
    assert eu["products"][0]["status"] == "expired"
    robots = [p for p in prod["products"] if p["sku"] == "RBT-UNATT"][0]
    assert robots["quantity"] == 25 and robots["start"] and robots["key"] == "ACME-PROD-0001-0002"
    page = alice.get("/licenses")
    assert page.status_code == 200
    assert "follows the orchestrator" in page.text
    assert "Expires within 90 days" in page.text and "Expired" in page.text
    assert "orch-prod.acme.local" in page.text and "ACME-PROD-0001-0001" in page.text
    # the homepage widget lists the expiring and the expired one
    home = alice.get("/").text
    assert "Licenses expiring soon" in home and "orch-test.acme.local" in home
    # German, through the profile language
    assert api(alice, "PATCH", "/api/v1/me", {"language": "de"}).status_code == 200
    try:
        de = alice.get("/licenses").text
        assert "Läuft in 90 Tagen ab" in de and "folgt dem des Orchestrators" in de
    finally:
        assert api(alice, "PATCH", "/api/v1/me", {"language": "en"}).status_code == 200


def test_permissions(srv):
    bob = signed(srv, "bob@acme.example")          # Support users: no licenses.view
    for path in ("/licenses", "/api/v1/licenses", "/licenses/export.csv"):
        assert bob.get(path).status_code == 403, path
    assert 'href="/licenses"' not in bob.get("/").text   # no nav entry
    anon = Portico.__new__(Portico)
    anon.__dict__.update(srv.__dict__)
    anon.session = requests.Session()
    anon.session.verify = False
    assert anon.get("/api/v1/licenses").status_code == 401
    # licenses.view without licenses.edit: the agent
    agent = signed(srv, "agent@portico.example")
    lic = agent.get("/api/v1/licenses").json()
    some = lic["licenses"][0]["id"]
    assert api(agent, "PATCH", "/api/v1/licenses/" + some, {"nickname": "x"}).status_code == 403
    # staff-only routes refuse customers
    alice = signed(srv, "alice@acme.example")
    assert alice.get("/licenses/manage").status_code in (403, 404)
    assert api(alice, "POST", "/api/v1/license-lookup", {"key": "ACME-PROD-0001-0001"}).status_code in (403, 404)


def test_another_accounts_ids_answer_404(srv):
    acc = accounts(srv)
    admin = signed(srv, "admin@portico.example")
    switch(admin, acc["Acme Corp"])
    acme = by_key(admin.get("/api/v1/licenses").json())
    acme_id = acme["ACME-PROD-0001-0001"]["id"]
    assert admin.get("/api/v1/licenses/" + acme_id).status_code == 200
    switch(admin, acc["Globex"])
    g = admin.get("/api/v1/licenses").json()
    assert set(by_key(g)) == {"GLBX-CLOU-0001-0001", "GLBX-CLOU-0001-0002", "GLBX-CLOU-0001-0003"}
    r = admin.get("/api/v1/licenses/" + acme_id)
    missing = admin.get("/api/v1/licenses/0000000000001")
    assert r.status_code == 404 and missing.status_code == 404
    assert r.json()["error"]["message"] == missing.json()["error"]["message"]
    assert api(admin, "PATCH", "/api/v1/licenses/" + acme_id, {"nickname": "mine"}).status_code == 404
    r = admin.post("/licenses/%s/note" % acme_id, data={"nickname": "mine", "_csrf": admin.tok})
    assert r.status_code == 404
    assert "ACME-PROD" not in admin.get("/licenses").text
    assert "ACME-PROD" not in admin.get("/licenses/export.csv").text
    # nothing changed in Acme
    alice = signed(srv, "alice@acme.example")
    assert by_key(alice.get("/api/v1/licenses").json())["ACME-PROD-0001-0001"]["nickname"] == "Production"


def test_nickname_and_notes_with_who_and_when(srv):
    alice = signed(srv, "alice@acme.example")
    keys = by_key(alice.get("/api/v1/licenses").json())
    tid = keys["ACME-TEST-0002-0001"]["id"]
    before = int(time.time() * 1000)
    r = api(alice, "PATCH", "/api/v1/licenses/" + tid, {"nickname": "Staging", "notes": "Used by QA"})
    assert r.status_code == 200, r.text
    assert r.json()["nickname"] == "Staging" and r.json()["noted_by"] == "Alice Anders"
    assert r.json()["noted_at"] >= before
    # the form works too, for a product
    pid = keys["ACME-TEST-0002-0002"]["id"]
    r = alice.post("/licenses/%s/note" % pid, data={"nickname": "QA robots", "notes": "two bots",
                                                     "_csrf": alice.tok})
    assert r.status_code == 303 and "saved=1" in r.headers["Location"]
    # visible to every user of the account holding licenses.view (here the
    # account manager), with who changed it
    am = signed(srv, "am@portico.example")
    k = by_key(am.get("/api/v1/licenses").json())
    assert k["ACME-TEST-0002-0001"]["nickname"] == "Staging"
    assert k["ACME-TEST-0002-0001"]["notes"] == "Used by QA"
    assert k["ACME-TEST-0002-0002"]["noted_by"] == "Alice Anders"
    page = am.get("/licenses").text
    assert "Staging" in page and "Changed by Alice Anders" in page and "two bots" in page
    # bad input changes nothing
    r = api(alice, "PATCH", "/api/v1/licenses/" + tid, {"nickname": "x" * 121})
    assert r.status_code == 422 and r.json()["error"]["field"] == "nickname"
    r = api(alice, "PATCH", "/api/v1/licenses/" + tid, {"nickname": "bad\x01char"})
    assert r.status_code == 422
    assert by_key(alice.get("/api/v1/licenses").json())["ACME-TEST-0002-0001"]["nickname"] == "Staging"


def test_csv_quoting_and_utf8(srv):
    alice = signed(srv, "alice@acme.example")
    keys = by_key(alice.get("/api/v1/licenses").json())
    pid = keys["ACME-PROD-0001-0001"]["id"]
    nick = 'Prod, "main"\nZürich ✓'
    notes = 'renew via "PO 12,345"; contact: Jörg'
    assert api(alice, "PATCH", "/api/v1/licenses/" + pid, {"nickname": nick, "notes": notes}).status_code == 200
    formula = keys["ACME-PROD-0001-0003"]["id"]
    assert api(alice, "PATCH", "/api/v1/licenses/" + formula, {"nickname": "=HYPERLINK(1)"}).status_code == 200
    r = alice.get("/licenses/export.csv")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/csv") and "charset=utf-8" in r.headers["Content-Type"]
    assert "attachment" in r.headers["Content-Disposition"]
    raw = r.content
    text = raw.decode("utf-8")                      # valid UTF-8
    assert "\r\n" in text and text.endswith("\r\n")
    assert '"Prod, ""main""\nZürich ✓"' in text      # RFC 4180 quoting: "" doubled, newline inside quotes
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    by = {row["license_key"]: row for row in rows}
    assert by["ACME-PROD-0001-0001"]["nickname"] == nick
    assert by["ACME-PROD-0001-0001"]["notes"] == notes
    assert by["ACME-PROD-0001-0002"]["server_nickname"] == nick   # products carry their server
    assert by["ACME-PROD-0001-0003"]["nickname"] == "'=HYPERLINK(1)"  # formula defused
    assert by["ACME-TEST-0002-0001"]["status"] == "expiring"
    assert by["ACME-EUCL-0003-0001"]["status"] == "expired"
    assert len(rows) == len(keys)
    assert api(alice, "PATCH", "/api/v1/licenses/" + pid, {"nickname": "Production", "notes": ""}).status_code == 200


def test_key_lookup_through_the_export(srv):
    acc = accounts(srv)
    admin = signed(srv, "admin@portico.example")

    def look(key):
        return api(admin, "POST", "/api/v1/license-lookup", {"key": key})

    r = look("  acme-prod-0001-0001 ")
    assert r.status_code == 200, r.text
    assert r.json()["account"] == acc["Acme Corp"] and r.json()["active"] is True
    assert r.json()["account_name"] == "Acme Corp"
    assert look("ACME-TEST-0002-0003").json()["active"] is True     # expiring is still active
    assert look("ACME-EUCL-0003-0001").json()["active"] is False    # expired orchestrator
    assert look("ACME-EUCL-0003-0002").json()["active"] is False    # its product follows it
    assert look("GLBX-CLOU-0001-0002").json()["account"] == acc["Globex"]
    assert look("NOPE-NOPE-NOPE").status_code == 404
    assert look("x").status_code == 404


def test_premium_care(srv):
    acc = accounts(srv)
    alice = signed(srv, "alice@acme.example")
    prem = alice.get("/api/v1/licenses").json()["premium"]
    assert prem["active"] is True and prem["starts"] < prem["ends"]
    assert "Premium Care is active" in alice.get("/licenses").text
    admin = signed(srv, "admin@portico.example")
    switch(admin, acc["Globex"])
    assert admin.get("/api/v1/licenses").json()["premium"] is None


def test_staff_manage_by_form(srv):
    acc = accounts(srv)
    am = signed(srv, "am@portico.example")
    assert am.get("/licenses/manage").status_code == 200
    assert am.get("/licenses/manage/" + acc["Globex"]).status_code == 404   # not their account
    page = am.get("/licenses/manage/" + acc["Acme Corp"])
    assert page.status_code == 200 and "ACME-PROD-0001-0001" in page.text
    form = {"kind": "orchestrator", "server": "orch-dr.acme.local", "type": "onprem",
            "product": "Orchestrator Standard", "sku": "ORCH-STD", "quantity": "1",
            "start": "2026-01-01", "end": "2030-12-31", "key": "ACME-DRDR-0005-0001", "_csrf": am.tok}
    r = am.post("/licenses/manage/" + acc["Acme Corp"], data=form)
    assert r.status_code == 303, r.text[:500]
    # the same key again: refused, nothing stored
    r = am.post("/licenses/manage/" + acc["Acme Corp"], data=form)
    assert r.status_code == 422 and "already in use" in r.text
    bad = dict(form, key="", end="2020-01-01")
    r = am.post("/licenses/manage/" + acc["Acme Corp"], data=bad)
    assert r.status_code == 422 and "end date must not be before" in r.text
    alice = signed(srv, "alice@acme.example")
    keys = by_key(alice.get("/api/v1/licenses").json())
    assert "ACME-DRDR-0005-0001" in keys
    dr = keys["ACME-DRDR-0005-0001"]
    r = am.post("/licenses/manage/" + acc["Acme Corp"],
                data={"kind": "product", "parent": dr["id"], "product": "Unattended Robot",
                      "sku": "RBT-UNATT", "quantity": "3", "start": "2026-01-01", "_csrf": am.tok})
    assert r.status_code == 303
    keys = by_key(alice.get("/api/v1/licenses").json())
    kids = keys["ACME-DRDR-0005-0001"]["products"]
    assert len(kids) == 1 and kids[0]["end"] == "2030-12-31" and re.match(r"^[0-9A-Z]{5}(-[0-9A-Z]{5}){3}$", kids[0]["key"])
    # delete the orchestrator: its product goes with it
    r = am.post("/licenses/manage/%s/%s/delete" % (acc["Acme Corp"], dr["id"]), data={"_csrf": am.tok})
    assert r.status_code == 303
    keys = by_key(alice.get("/api/v1/licenses").json())
    assert "ACME-DRDR-0005-0001" not in keys and kids[0]["key"] not in keys


IMPORT_OK = (
    "kind,server,server_type,product,sku,quantity,start,end,license_key\r\n"
    "orchestrator,orch-lab.acme.local,onprem,Orchestrator Standard,ORCH-STD,1,2026-02-01,2031-01-31,ACME-LABB-0006-0001\r\n"
    "product,orch-lab.acme.local,,\"Studio Pro, lab\",STU-PRO,4,2026-02-01,,ACME-LABB-0006-0002\r\n"
    "standalone,Acme training,,\"Training \"\"Advanced\"\"\",TRAINING-DAY,2,2026-02-01,2031-01-31,\r\n"
)


def test_staff_csv_import_with_report(srv):
    acc = accounts(srv)
    am = signed(srv, "am@portico.example")
    url = "/licenses/manage/%s/import" % acc["Acme Corp"]
    bad = IMPORT_OK.replace("ORCH-STD,1,", "ORCH-STD,0,") + "product,no-such-server,,X,X-1,1,2026-01-01,,\r\n"
    r = am.post(url, data={"_csrf": am.tok}, files={"file": ("l.csv", bad.encode(), "text/csv")},
                headers={"Accept": "application/json"})
    assert r.status_code == 422, r.text
    rep = r.json()
    assert rep["imported"] == 0 and rep["errors"] >= 2
    rows = {row["row"]: row for row in rep["rows"]}
    assert rows[2]["status"] == "error" and "quantity" in rows[2]["message"].lower()
    assert rows[5]["status"] == "error" and "orchestrator" in rows[5]["message"].lower()
    alice = signed(srv, "alice@acme.example")
    assert "ACME-LABB-0006-0001" not in by_key(alice.get("/api/v1/licenses").json())   # all or nothing
    # the HTML report
    page = am.post(url, data={"_csrf": am.tok}, files={"file": ("l.csv", bad.encode(), "text/csv")})
    assert page.status_code == 422 and "Import report" in page.text and "Nothing was imported" in page.text
    r = am.post(url, data={"_csrf": am.tok}, files={"file": ("l.csv", IMPORT_OK.encode(), "text/csv")},
                headers={"Accept": "application/json"})
    assert r.status_code == 200, r.text
    assert r.json()["imported"] == 3 and r.json()["errors"] == 0
    keys = by_key(alice.get("/api/v1/licenses").json())
    lab = keys["ACME-LABB-0006-0001"]
    assert lab["products"][0]["product"] == "Studio Pro, lab" and lab["products"][0]["end"] == "2031-01-31"
    assert any(v["product"] == 'Training "Advanced"' for v in keys.values())
    # malformed CSV and missing columns
    r = am.post(url, data={"_csrf": am.tok}, files={"file": ("l.csv", b'kind,product\r\n"open', "text/csv")},
                headers={"Accept": "application/json"})
    assert r.status_code == 422
    r = am.post(url, data={"_csrf": am.tok}, files={"file": ("l.csv", b"a,b\r\n1,2\r\n", "text/csv")},
                headers={"Accept": "application/json"})
    assert r.status_code == 422 and "columns" in r.json()["error"]["message"]


def test_renewal_reminders_on_demand_are_idempotent(srv):
    acc = accounts(srv)
    admin = signed(srv, "admin@portico.example")
    alice = signed(srv, "alice@acme.example")
    bob = signed(srv, "bob@acme.example")
    alice_before, bob_before = len(notifications(srv, alice)), len(notifications(srv, bob))
    r = api(admin, "POST", "/licenses/reminders/run")
    assert r.status_code == 200, r.text
    sent = r.json()["sent"]
    test_id = by_key(alice.get("/api/v1/licenses").json())["ACME-TEST-0002-0001"]["id"]
    assert {"id": test_id, "threshold": 90} in sent
    # the expired and the far-away ones get nothing
    assert all(s["threshold"] in (7, 30, 90) for s in sent)
    mine = notifications(srv, alice)
    assert len(mine) == alice_before + 1            # licenses.view holder notified
    assert any(b"(ORCH-STD) ends on" in m for m in mine)   # named by its nickname when set
    assert len(notifications(srv, bob)) == bob_before   # no licenses.view: nothing
    # again: nothing new
    assert api(admin, "POST", "/licenses/reminders/run").json()["sent"] == []
    assert len(notifications(srv, alice)) == alice_before + 1
    # a license ending in 20 days gets the 30-day reminder only, once
    am = signed(srv, "am@portico.example")
    end = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 20 * 86400))
    r = am.post("/licenses/manage/" + acc["Acme Corp"],
                data={"kind": "standalone", "server": "soon.acme.local", "product": "Test Suite",
                      "sku": "TEST-SUITE", "quantity": "1", "start": "2025-01-01", "end": end,
                      "key": "ACME-SOON-0007-0001", "_csrf": am.tok})
    assert r.status_code == 303
    sid = by_key(alice.get("/api/v1/licenses").json())["ACME-SOON-0007-0001"]["id"]
    sent = api(admin, "POST", "/licenses/reminders/run").json()["sent"]
    assert sent == [{"id": sid, "threshold": 30}]
    assert api(admin, "POST", "/licenses/reminders/run").json()["sent"] == []
    assert len(notifications(srv, alice)) == alice_before + 2
    # each reader sees the reminder in their own language: the bell's API
    # renders the stored catalog message for the profile's language
    texts = [n["text"] for n in alice.get("/api/v1/notifications").json()["notifications"]
             if n["kind"] == "licenses.renewal"]
    assert any("(TEST-SUITE) ends on " + end + " (20 days left)" in t for t in texts), texts
    assert api(alice, "PATCH", "/api/v1/me", {"language": "de"}).status_code == 200
    try:
        texts = [n["text"] for n in alice.get("/api/v1/notifications").json()["notifications"]
                 if n["kind"] == "licenses.renewal"]
        assert any("(TEST-SUITE) endet am " + end + " (noch 20 Tage)" in t for t in texts), texts
    finally:
        assert api(alice, "PATCH", "/api/v1/me", {"language": "en"}).status_code == 200
    # customers cannot trigger it
    assert api(alice, "POST", "/licenses/reminders/run").status_code in (403, 404)


def test_reminder_timer_runs_once_across_workers(tmp_path, smtp_sink):
    p = server(str(tmp_path), smtp_sink, extra="licenses = { reminder_check_seconds = 1 }", workers=2).start()
    try:
        alice = signed(p, "alice@acme.example")
        deadline = time.time() + 15
        while time.time() < deadline and not notifications(p, alice):
            time.sleep(0.3)
        n = notifications(p, alice)
        assert len(n) == 1, n            # the 45-day orchestrator, 90-day threshold
        time.sleep(3)                    # several more timer ticks in both workers
        assert len(notifications(p)) == 1
    finally:
        p.stop()
