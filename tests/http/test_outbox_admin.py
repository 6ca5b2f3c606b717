"""Mail that cannot be delivered is never lost and admins see it: with the
relay down, a password-reset mail fails, shows in the admin console and
/api/v1/admin/outbox with its error, and an admin can queue it again."""
import time

import requests

from conftest import Portico, free_port, team_server
from conftest import signed_in as signed


class DeadRelay:
    """A relay address where nothing listens."""
    def __init__(self):
        self.port = free_port()


def test_failed_mail_is_kept_shown_and_retried(tmp_path):
    p = team_server(str(tmp_path), DeadRelay()).start()
    try:
        anon = Portico.__new__(Portico)
        anon.__dict__.update(p.__dict__)
        anon.session = requests.Session()
        anon.session.verify = False
        r = anon.post("/password/reset", data={"email": "bob@acme.example", "_csrf": anon.csrf()})
        assert r.status_code in (200, 303)
        admin = signed(p, "admin@portico.example")
        failed = []
        deadline = time.time() + 10
        while time.time() < deadline and not failed:
            failed = admin.get("/api/v1/admin/outbox?status=failed").json()["messages"]
            time.sleep(0.2)
        assert failed, "the reset mail should have failed against a dead relay"
        msg = failed[0]
        assert msg["to"] == "bob@acme.example" and msg["error"]
        assert "bob@acme.example" in admin.get("/admin").text
        # customers cannot see or retry it
        alice = signed(p, "alice@acme.example")
        assert alice.get("/api/v1/admin/outbox").status_code == 403
        # retry queues it again; bad ids and statuses are clear errors
        h = {"X-CSRF-Token": admin.tok}
        r = admin.post("/api/v1/admin/outbox/%s/retry" % msg["id"], headers=h)
        assert r.status_code == 200 and r.json()["status"] == "queued"
        assert admin.post("/api/v1/admin/outbox/zzzzzzzzzzzzz/retry", headers=h).status_code == 404
        assert admin.get("/api/v1/admin/outbox?status=bogus").status_code == 400
    finally:
        p.stop()
