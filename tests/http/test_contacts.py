"""The contacts plugin over real HTTPS with the team plugin's demo data:
the account's vendor contacts (page, JSON API, homepage widget),
permissions (403 without contacts.view), another account's contacts
never shown, the "contact me" form and API delivering mail through the
real SMTP sink with the user as Reply-To, its per-user rate limit, bad
input that sends nothing, and staff assigning contacts per account."""
import time

import pytest

from conftest import Portico, TEAM_CONFIG
from conftest import signed_in as signed, api_call as api

PW = "portico-demo"
PLUGINS = ("team", "licenses", "contacts", "quotes")


@pytest.fixture(scope="module")
def srv(tmp_path_factory, smtp_sink):
    p = Portico(str(tmp_path_factory.mktemp("contacts")), extra_plugins=PLUGINS,
                extra=TEAM_CONFIG.format(port=smtp_sink.port, team_extra="") +
                "licenses = { reminder_check_seconds = 0 }\ncontacts = { messages_per_hour = 3 }\n").start()
    p.sink = smtp_sink
    yield p
    p.stop()


def accounts(p):
    admin = signed(p, "admin@portico.example")
    return {a["name"]: a["id"] for a in admin.get("/api/v1/accounts").json()["accounts"]}


def test_contacts_page_api_and_widget(srv):
    alice = signed(srv, "alice@acme.example")
    r = alice.get("/api/v1/contacts")
    assert r.status_code == 200
    cs = {c["role"]: c for c in r.json()["contacts"]}
    assert list(cs) == ["account_manager", "customer_success_manager", "support_engineer",
                        "technical_account_manager"]
    am = cs["account_manager"]
    assert am["name"] == "Max Manager" and am["email"] == "am@portico.example"
    assert am["phone"] and am["tz"] == "America/Los_Angeles"
    page = alice.get("/contacts")
    assert page.status_code == 200
    for text in ("Max Manager", "Account manager", "Customer success manager", "Tomás Ortega",
                 "Europe/Madrid", "Contact me"):
        assert text in page.text
    home = alice.get("/").text
    assert "Your account manager" in home and "am@portico.example" in home


def test_permission_and_scoping(srv):
    bob = signed(srv, "bob@acme.example")     # Support users: no contacts.view
    assert bob.get("/contacts").status_code == 403
    assert bob.get("/api/v1/contacts").status_code == 403
    assert api(bob, "POST", "/api/v1/contacts/account_manager/message", {"message": "hi"}).status_code == 403
    acc = accounts(srv)
    admin = signed(srv, "admin@portico.example")
    r = admin.post("/account/switch", data={"account": acc["Globex"], "_csrf": admin.tok})
    assert r.status_code in (302, 303)
    admin.tok = admin.csrf()
    g = {c["role"]: c["name"] for c in admin.get("/api/v1/contacts").json()["contacts"]}
    assert g == {"account_manager": "Grace Hopper", "support_engineer": "Sam Agent"}
    assert "Max Manager" not in admin.get("/contacts").text


def test_contact_me_mail_and_rate_limit(srv):
    alice = signed(srv, "alice@acme.example")
    to = "priya.patel@portico.example"
    before = srv.sink.count(to)
    r = alice.post("/contacts/message", data={"role": "customer_success_manager",
                                              "message": "Please call me about the renewal, thanks.\nAlice",
                                              "_csrf": alice.tok})
    assert r.status_code == 303 and "sent=1" in r.headers["Location"]
    assert "Your message is on its way" in alice.get(r.headers["Location"]).text
    msg = srv.sink.wait_for(to, before)
    assert "alice@acme.example" in str(msg["Reply-To"])
    assert "Alice Anders" in str(msg["Subject"]) and "Acme Corp" in str(msg["Subject"])
    body = msg.get_body(preferencelist=("plain",)).get_content()
    assert "Please call me about the renewal" in body and "Priya Patel" in body
    # the API; messages_per_hour = 3 in this server's config
    r = api(alice, "POST", "/api/v1/contacts/customer_success_manager/message", {"message": "second"})
    assert r.status_code == 202, r.text
    assert api(alice, "POST", "/api/v1/contacts/customer_success_manager/message",
               {"message": "third"}).status_code == 202
    r = api(alice, "POST", "/api/v1/contacts/customer_success_manager/message", {"message": "fourth"})
    assert r.status_code == 429 and "Retry-After" in r.headers
    r = alice.post("/contacts/message", data={"role": "account_manager", "message": "x", "_csrf": alice.tok})
    assert r.status_code == 429 and "most messages" in r.text
    deadline = time.time() + 10
    while time.time() < deadline and srv.sink.count(to) < before + 3:
        time.sleep(0.1)
    time.sleep(0.5)
    assert srv.sink.count(to) == before + 3      # the refused one was never queued


def test_contact_me_bad_input_sends_nothing(srv):
    alice = signed(srv, "alice@acme.example")   # her own quota is spent in the test above? use am role
    bob_like = signed(srv, "am@portico.example")  # staff with contacts.view in Acme, fresh quota
    to = "tomas.ortega@portico.example"
    before = srv.sink.count(to)
    r = api(bob_like, "POST", "/api/v1/contacts/technical_account_manager/message", {"message": ""})
    assert r.status_code == 422 and r.json()["error"]["field"] == "message"
    r = api(bob_like, "POST", "/api/v1/contacts/technical_account_manager/message", {"message": "x" * 4001})
    assert r.status_code == 422
    r = api(bob_like, "POST", "/api/v1/contacts/ceo/message", {"message": "hello"})
    assert r.status_code == 404
    time.sleep(1)
    assert srv.sink.count(to) == before
    assert alice.get("/contacts").status_code == 200


def test_staff_assign_contacts(srv):
    acc = accounts(srv)
    am = signed(srv, "am@portico.example")
    assert am.get("/contacts/manage").status_code == 200
    assert am.get("/contacts/manage/" + acc["Globex"]).status_code == 404    # not their account
    page = am.get("/contacts/manage/" + acc["Acme Corp"])
    assert page.status_code == 200 and "Tomás Ortega" in page.text
    r = am.post("/contacts/manage/" + acc["Acme Corp"],
                data={"role": "technical_account_manager", "name": "Nadia Novak",
                      "email": "nadia.novak@portico.example", "phone": "+44 20 5555 0104",
                      "photo": "https://cdn.example.com/nadia.jpg", "tz": "Europe/London", "_csrf": am.tok})
    assert r.status_code == 303, r.text[:400]
    alice = signed(srv, "alice@acme.example")
    cs = {c["role"]: c for c in alice.get("/api/v1/contacts").json()["contacts"]}
    assert cs["technical_account_manager"]["name"] == "Nadia Novak"
    assert cs["technical_account_manager"]["photo"] == "https://cdn.example.com/nadia.jpg"
    # bad input: nothing changes
    r = am.post("/contacts/manage/" + acc["Acme Corp"],
                data={"role": "technical_account_manager", "name": "X", "email": "not-an-email",
                      "_csrf": am.tok})
    assert r.status_code == 422 and "valid email" in r.text
    r = am.post("/contacts/manage/" + acc["Acme Corp"],
                data={"role": "technical_account_manager", "name": "X", "email": "x@example.com",
                      "photo": "javascript:alert(1)", "_csrf": am.tok})
    assert r.status_code == 422
    cs = {c["role"]: c for c in alice.get("/api/v1/contacts").json()["contacts"]}
    assert cs["technical_account_manager"]["name"] == "Nadia Novak"
    # an empty name removes the contact
    r = am.post("/contacts/manage/" + acc["Acme Corp"],
                data={"role": "technical_account_manager", "name": "", "_csrf": am.tok})
    assert r.status_code == 303
    assert "technical_account_manager" not in {c["role"] for c in alice.get("/api/v1/contacts").json()["contacts"]}
    # the JSON API (the account the staff member acts in); customers are refused
    r = api(am, "PUT", "/api/v1/contacts/technical_account_manager",
            {"name": "Tomás Ortega", "email": "tomas.ortega@portico.example", "tz": "Europe/Madrid"})
    assert r.status_code == 200 and r.json()["name"] == "Tomás Ortega"
    assert api(alice, "PUT", "/api/v1/contacts/account_manager",
               {"name": "Me", "email": "alice@acme.example"}).status_code in (403, 404)
    assert alice.get("/contacts/manage").status_code in (403, 404)
    # portal admins manage every account
    admin = signed(srv, "admin@portico.example")
    assert admin.get("/contacts/manage/" + acc["Globex"]).status_code == 200
