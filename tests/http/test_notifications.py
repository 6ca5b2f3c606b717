"""The notification bell end to end: a plugin posts (license renewal
reminders), the user sees the unread count on every page, lists them on
/notifications and through the API, and marks them read. Others see
nothing of it."""
import time

import pytest

from test_licenses import api, server, signed


@pytest.fixture(scope="module")
def srv(tmp_path_factory, smtp_sink):
    p = server(str(tmp_path_factory.mktemp("notify")), smtp_sink).start()
    p.sink = smtp_sink
    yield p
    p.stop()


def test_weekly_digest_mails_unread_notifications(srv):
    admin = signed(srv, "admin@portico.example")
    alice = signed(srv, "alice@acme.example")
    before = srv.sink.count("alice@acme.example")
    api(admin, "POST", "/licenses/reminders/run")
    assert alice.get("/api/v1/notifications").json()["unread"] >= 1
    # only portal admins may send it now
    assert api(alice, "POST", "/api/v1/admin/digest/run").status_code == 403
    r = api(admin, "POST", "/api/v1/admin/digest/run")
    assert r.status_code == 200 and r.json()["sent"] >= 1
    mail = srv.sink.wait_for("alice@acme.example", before)
    assert "weekly summary" in str(mail["Subject"]).lower()
    text = mail.get_body(("plain",)).get_content()
    assert "ends on" in text and "/profile" in text
    # with the digest switched off in the profile, nothing is sent to her
    r = alice.post("/profile/notifications", data={"_csrf": alice.tok})   # no "digest" box
    assert r.status_code == 303
    api(admin, "POST", "/api/v1/admin/digest/run")
    time.sleep(1.5)
    assert srv.sink.count("alice@acme.example") == before + 1


def test_bell_page_and_api(srv):
    admin = signed(srv, "admin@portico.example")
    alice = signed(srv, "alice@acme.example")
    bob = signed(srv, "bob@acme.example")
    assert api(admin, "POST", "/licenses/reminders/run").status_code == 200

    j = alice.get("/api/v1/notifications").json()
    assert j["unread"] >= 1
    item = j["notifications"][0]
    assert "ends on" in item["text"] and item["read"] is False
    page = alice.get("/notifications")
    assert page.status_code == 200 and "ends on" in page.text
    assert bob.get("/api/v1/notifications").json()["notifications"] == []

    # bad input: clear errors, nothing changes
    r = api(alice, "POST", "/api/v1/notifications/read", {"id": "zzzzzzzzzzzzz"})
    assert r.status_code == 404
    r = api(alice, "POST", "/api/v1/notifications/read", {"id": 5})
    assert r.status_code == 422 and r.json()["error"]["field"] == "id"
    assert alice.get("/api/v1/notifications?limit=0").status_code == 400
    assert alice.get("/api/v1/notifications").json()["unread"] == j["unread"]
    # bob cannot mark alice's notification
    api(bob, "POST", "/api/v1/notifications/read", {"id": item["id"]})
    assert alice.get("/api/v1/notifications").json()["unread"] == j["unread"]

    # one, then all
    r = api(alice, "POST", "/api/v1/notifications/read", {"id": item["id"]})
    assert r.status_code == 200 and r.json()["unread"] == j["unread"] - 1
    r = alice.post("/notifications/read", data={"_csrf": alice.tok})
    assert r.status_code == 303
    assert alice.get("/api/v1/notifications").json()["unread"] == 0


def test_anonymous_gets_401_or_sign_in(srv):
    import requests
    r = requests.get(srv.url("/api/v1/notifications"), verify=False)
    assert r.status_code == 401
    r = requests.get(srv.url("/notifications"), verify=False, allow_redirects=False)
    assert r.status_code in (302, 303) and r.headers["Location"].startswith("/signin")
