"""Request for Quote over real HTTPS with the team plugin's demo data:
the catalog and its compatibility with the chosen orchestrator (or a new
one), the no-script form flow from picking an orchestrator to "My quote
requests", the mail to the account's account manager through the real
SMTP sink, the quote.requested event reaching a Lua script
(lua/examples/quote_to_director.lua mails a sales director), bad input
that stores and sends nothing, staff status changes, permissions and
account scoping."""
import re
import time

import pytest

from conftest import Portico, TEAM_CONFIG
from conftest import signed_in as signed, api_call as api

PW = "portico-demo"
PLUGINS = ("team", "licenses", "contacts", "quotes")
DIRECTOR = "director@vendor.example"


@pytest.fixture(scope="module")
def srv(tmp_path_factory, smtp_sink):
    extra = (TEAM_CONFIG.format(port=smtp_sink.port, team_extra="") +
             "licenses = { reminder_check_seconds = 0 }\n"
             "quote_to_director = { threshold = 100000, director = \"%s\" }\n" % DIRECTOR)
    p = Portico(str(tmp_path_factory.mktemp("quotes")), extra_plugins=PLUGINS, extra=extra,
                scripts=("lua/examples/quote_to_director.lua",)).start()
    p.sink = smtp_sink
    yield p
    p.stop()


def accounts(p):
    admin = signed(p, "admin@portico.example")
    return {a["name"]: a["id"] for a in admin.get("/api/v1/accounts").json()["accounts"]}


def orchestrators(c):
    out = {}
    for top in c.get("/api/v1/licenses").json()["licenses"]:
        if top["kind"] == "orchestrator":
            out[top["server"]] = top["id"]
    return out


def why(r):
    m = re.search(r'id="quo-error">([^<]*)', r.text)
    return "%s %s" % (r.status_code, m.group(1) if m else r.text[:300])


def future(days=30):
    return time.strftime("%Y-%m-%d", time.gmtime(time.time() + days * 86400))


def test_catalog_and_compatibility(srv):
    alice = signed(srv, "alice@acme.example")
    cat = alice.get("/api/v1/catalog").json()["catalog"]
    assert len(cat) >= 10
    skus = {s["sku"]: s for s in cat}
    assert skus["RBT-UNATT"]["unit"] == "robot / year" and skus["RBT-UNATT"]["price"] == 8000
    assert skus["TRAINING-DAY"]["price"] is None          # no list price
    orch = orchestrators(alice)
    onprem = {s["sku"] for s in alice.get("/api/v1/catalog", params={"target": orch["orch-prod.acme.local"]}).json()["catalog"]}
    assert "HA-ADDON" in onprem and "INSIGHTS" not in onprem and "ORCH-ENT" not in onprem
    new = {s["sku"] for s in alice.get("/api/v1/catalog", params={"target": "new"}).json()["catalog"]}
    assert {"ORCH-ENT", "CLOUD-TENANT", "RBT-UNATT"} <= new and "HA-ADDON" not in new
    # another account's orchestrator is not a target
    acc = accounts(srv)
    admin = signed(srv, "admin@portico.example")
    admin.post("/account/switch", data={"account": acc["Globex"], "_csrf": admin.tok})
    assert admin.get("/api/v1/catalog", params={"target": orch["orch-prod.acme.local"]}).status_code == 404
    # the form offers only the fitting SKUs; the expired EU tenant is no target
    page = alice.get("/quotes/new", params={"target": orch["orch-prod.acme.local"]}).text
    assert 'value="HA-ADDON"' in page and 'value="INSIGHTS"' not in page
    assert "acme-eu.cloud.example" not in alice.get("/quotes/new").text


def test_form_journey_mail_to_account_manager(srv):
    alice = signed(srv, "alice@acme.example")
    orch = orchestrators(alice)["orch-prod.acme.local"]
    before = srv.sink.count("am@portico.example")
    form = [("_csrf", alice.tok), ("target", orch), ("sku", "RBT-UNATT"), ("qty", "5"),
            ("sku", "STU-PRO"), ("qty", ""), ("sku", "HA-ADDON"), ("qty", "1"),
            ("activation", future(20)), ("years", "3"), ("note", "Budget approved, Q3 please.")]
    r = alice.post("/quotes", data=form)
    assert r.status_code == 303, why(r)
    assert r.headers["Location"].startswith("/quotes?created=")
    page = alice.get(r.headers["Location"]).text
    assert "sent to your account manager" in page
    assert "5 × RBT-UNATT" in page and "1 × HA-ADDON" in page and "STU-PRO" not in page
    assert "Submitted" in page
    mine = alice.get("/api/v1/quotes").json()["quotes"]
    q = mine[0]
    assert q["status"] == "submitted" and q["years"] == 3 and q["target"] == orch
    assert [(l["sku"], l["quantity"]) for l in q["lines"]] == [("RBT-UNATT", 5), ("HA-ADDON", 1)]
    assert q["total"] == (5 * 8000 + 6000) * 3
    msg = srv.sink.wait_for("am@portico.example", before)
    assert "Acme Corp" in str(msg["Subject"]) and "alice@acme.example" in str(msg["Reply-To"])
    body = msg.get_body(preferencelist=("plain",)).get_content()
    assert "5 x RBT-UNATT" in body and "Budget approved" in body and "Max Manager" in body
    # the request's own page
    assert "HA-ADDON" in alice.get("/quotes/" + q["id"]).text


def test_api_and_quote_requested_event_reaches_lua(srv):
    alice = signed(srv, "alice@acme.example")
    before_dir = srv.sink.count(DIRECTOR)
    small = {"target": "new", "lines": [{"sku": "RBT-ATT", "quantity": 2}], "activation": future(5), "years": 1}
    r = api(alice, "POST", "/api/v1/quotes", small)
    assert r.status_code == 201, r.text
    big = {"target": "new", "lines": [{"sku": "ORCH-ENT", "quantity": 1}, {"sku": "RBT-UNATT", "quantity": 20}],
           "activation": future(10), "years": 2, "note": "new region"}
    r = api(alice, "POST", "/api/v1/quotes", big)
    assert r.status_code == 201, r.text
    q = r.json()
    assert q["total"] == (24000 + 20 * 8000) * 2 and q["status"] == "submitted"
    # the Lua action got id, total, account and lines and mailed the director (only the big one)
    msg = srv.sink.wait_for(DIRECTOR, before_dir)
    assert "Acme Corp" in str(msg["Subject"])
    assert "ORCH-ENT" in msg.get_body(preferencelist=("plain",)).get_content()
    assert "large quote " + q["id"] in srv.stderr()
    time.sleep(0.5)
    assert srv.sink.count(DIRECTOR) == before_dir + 1
    assert alice.get("/api/v1/quotes/" + q["id"]).json()["lines"][1]["sku"] == "RBT-UNATT"


BAD = [
    ({"lines": [{"sku": "NOPE-1", "quantity": 1}]}, "lines", "no product NOPE-1"),
    ({"lines": [{"sku": "HA-ADDON", "quantity": 1}]}, "lines", "does not fit"),      # on-prem add-on, new target
    ({"lines": [{"sku": "RBT-UNATT", "quantity": 0}]}, "quantity", "whole number"),
    ({"lines": [{"sku": "RBT-UNATT", "quantity": -3}]}, "quantity", "whole number"),
    ({"lines": [{"sku": "RBT-UNATT", "quantity": 100001}]}, "quantity", "100,000"),
    ({"lines": [{"sku": "RBT-UNATT", "quantity": "5"}]}, "quantity", "whole number"),
    ({"lines": []}, "lines", "cart is empty"),
    ({"activation": "2020-01-01"}, "activation", "today or later"),
    ({"activation": "2026-02-30"}, "activation", "YYYY-MM-DD"),
    ({"years": 0}, "years", "1 to 5"),
    ({"years": 6}, "years", "1 to 5"),
    ({"target": "0000000000001"}, "target", "Choose one of your orchestrators"),
    ({"lines": [{"sku": "RBT-UNATT", "quantity": 1}, {"sku": "RBT-UNATT", "quantity": 2}]}, "lines", "twice"),
    ({"note": "x" * 2001}, "note", "2000"),
]


@pytest.mark.parametrize("change,field,text", BAD)
def test_bad_input_stores_and_sends_nothing(srv, change, field, text):
    alice = signed(srv, "alice@acme.example")
    body = {"target": "new", "lines": [{"sku": "RBT-UNATT", "quantity": 1}], "activation": future(3), "years": 1}
    body.update(change)
    n = len(alice.get("/api/v1/quotes").json()["quotes"])
    mails = srv.sink.count("am@portico.example")
    r = api(alice, "POST", "/api/v1/quotes", body)
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["field"] == field and text in err["message"], err
    assert len(alice.get("/api/v1/quotes").json()["quotes"]) == n
    time.sleep(0.3)
    assert srv.sink.count("am@portico.example") == mails


def test_form_bad_input_shows_message_and_keeps_input(srv):
    alice = signed(srv, "alice@acme.example")
    n = len(alice.get("/api/v1/quotes").json()["quotes"])
    r = alice.post("/quotes", data=[("_csrf", alice.tok), ("target", "new"), ("sku", "RBT-UNATT"), ("qty", ""),
                                    ("activation", future(3)), ("years", "2"), ("note", "keep me")])
    assert r.status_code == 422 and "cart is empty" in r.text and "keep me" in r.text
    r = alice.post("/quotes", data=[("_csrf", alice.tok), ("target", "new"), ("sku", "RBT-UNATT"), ("qty", "abc"),
                                    ("activation", future(3)), ("years", "2")])
    assert r.status_code == 422 and "whole number" in r.text and 'value="abc"' in r.text
    r = alice.post("/quotes", data=[("_csrf", alice.tok), ("target", "new"), ("sku", "RBT-UNATT"), ("qty", "2"),
                                    ("activation", "2001-01-01"), ("years", "2")])
    assert r.status_code == 422 and "today or later" in r.text
    assert len(alice.get("/api/v1/quotes").json()["quotes"]) == n


def test_staff_status_and_permissions(srv):
    acc = accounts(srv)
    alice = signed(srv, "alice@acme.example")
    q = alice.get("/api/v1/quotes").json()["quotes"][0]
    am = signed(srv, "am@portico.example")
    page = am.get("/quotes/manage")
    assert page.status_code == 200 and q["id"] in page.text
    r = am.post("/quotes/manage/%s/status" % q["id"], data={"status": "in_review", "_csrf": am.tok})
    assert r.status_code == 303
    assert alice.get("/api/v1/quotes/" + q["id"]).json()["status"] == "in_review"
    assert "In review" in alice.get("/quotes").text
    r = api(am, "PATCH", "/api/v1/quotes/" + q["id"], {"status": "quoted"})
    assert r.status_code == 200 and r.json()["status"] == "quoted"
    assert api(am, "PATCH", "/api/v1/quotes/" + q["id"], {"status": "won"}).status_code == 422
    # customers cannot change the status
    assert api(alice, "PATCH", "/api/v1/quotes/" + q["id"], {"status": "closed"}).status_code in (403, 404)
    assert alice.get("/api/v1/quotes/" + q["id"]).json()["status"] == "quoted"
    # without quotes.request
    bob = signed(srv, "bob@acme.example")
    assert bob.get("/quotes").status_code == 403
    assert api(bob, "POST", "/api/v1/quotes", {"target": "new"}).status_code == 403
    # another account's request answers 404
    admin = signed(srv, "admin@portico.example")
    admin.post("/account/switch", data={"account": acc["Globex"], "_csrf": admin.tok})
    assert admin.get("/api/v1/quotes/" + q["id"]).status_code == 404
    assert admin.get("/quotes/" + q["id"]).status_code == 404
    assert admin.get("/api/v1/quotes/0000000000001").status_code == 404


def test_staff_catalog(srv):
    admin = signed(srv, "admin@portico.example")
    alice = signed(srv, "alice@acme.example")
    r = api(admin, "PUT", "/api/v1/catalog/PROC-MINING", {"name": "Process Mining", "unit": "tenant / year",
                                                           "price": 9900, "types": ["cloud", "new"],
                                                           "description": "Find automation candidates."})
    assert r.status_code == 200, r.text
    assert "PROC-MINING" in {s["sku"] for s in alice.get("/api/v1/catalog", params={"target": "new"}).json()["catalog"]}
    assert api(admin, "PUT", "/api/v1/catalog/bad sku", {"name": "x", "unit": "u", "types": ["new"]}).status_code == 422
    assert api(admin, "PUT", "/api/v1/catalog/X-1", {"name": "x", "unit": "u", "types": ["mars"]}).status_code == 422
    assert api(alice, "PUT", "/api/v1/catalog/HACK", {"name": "x", "unit": "u", "types": ["new"]}).status_code in (403, 404)
    r = admin.post("/quotes/catalog", data=[("_csrf", admin.tok), ("sku", "PROC-MINING"), ("name", "Process Mining"),
                                            ("unit", "tenant / year"), ("types", "cloud"), ("active", "")])
    assert r.status_code == 303
    assert "PROC-MINING" not in {s["sku"] for s in alice.get("/api/v1/catalog").json()["catalog"]}   # inactive
    assert "Process Mining" in admin.get("/quotes/catalog").text
    assert api(admin, "DELETE", "/api/v1/catalog/PROC-MINING").status_code == 200
    assert api(admin, "DELETE", "/api/v1/catalog/PROC-MINING").status_code == 404
