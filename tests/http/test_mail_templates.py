"""Portal admins edit the mails the portal sends: list, read, preview with
sample data, save (syntax errors refused with the line), the next mail uses
the edited version, reset brings the shipped one back. Only admins."""
import requests

from conftest import Portico
from conftest import signed_in as signed

API = "/api/v1/admin/mail-templates"


def ask_reset(p, email):
    anon = Portico.__new__(Portico)
    anon.__dict__.update(p.__dict__)
    anon.session = requests.Session()
    anon.session.verify = False
    r = anon.post("/password/reset", data={"email": email, "_csrf": anon.csrf()})
    assert r.status_code in (200, 303)


def test_edit_preview_save_and_reset(team):
    admin = signed(team, "admin@portico.example")
    h = {"X-CSRF-Token": admin.tok}
    names = [t["name"] for t in admin.get(API).json()["templates"]]
    assert "team/mail/reset" in names
    cur = admin.get(API + "/template?name=team/mail/reset").json()
    assert cur["overridden"] is False and cur["subject"] and cur["txt"]

    # preview with sample data, nothing stored
    r = admin.post(API + "/preview", headers=h, json={
        "name": "team/mail/reset", "subject": "Hi {{name}} from {{site.name}}",
        "data": {"name": "Zed"}})
    assert r.status_code == 200 and r.json()["subject"] == "Hi Zed from Portico"
    assert admin.get(API + "/template?name=team/mail/reset").json()["overridden"] is False

    # a syntax error is refused with its line, nothing stored
    r = admin.request("PUT", API + "/template?name=team/mail/reset", headers=h,
                      json={"subject": "x", "txt": "line one\n{{#open}}never closed\n"})
    assert r.status_code == 422 and "team/mail/reset.txt:2" in r.json()["error"]["message"]
    r = admin.request("PUT", API + "/template?name=team/mail/reset", headers=h,
                      json={"subject": 5, "txt": "x"})
    assert r.status_code == 422 and r.json()["error"]["field"] == "subject"
    assert admin.request("PUT", API + "/template?name=team/mail/nope", headers=h,
                         json={"subject": "a", "txt": "b"}).status_code == 404

    # save: the next reset mail uses it
    r = admin.request("PUT", API + "/template?name=team/mail/reset", headers=h,
                      json={"subject": "EDITED reset for {{name}}", "txt": cur["txt"],
                            "html": cur["html"]})
    assert r.status_code == 200
    before = team.sink.count("bob@acme.example")
    ask_reset(team, "bob@acme.example")
    mail = team.sink.wait_for("bob@acme.example", before)
    assert str(mail["Subject"]).startswith("EDITED reset for")
    assert "/password/reset/" in mail.get_body(("plain",)).get_content()

    # pages render for admins
    assert "team/mail/reset" in admin.get("/admin/mail-templates").text
    page = admin.get("/admin/mail-templates/edit?name=team/mail/reset")
    assert page.status_code == 200 and "EDITED reset for" in page.text
    r = admin.post("/admin/mail-templates/edit", data={
        "_csrf": admin.tok, "name": "team/mail/reset", "action": "preview",
        "subject": "P {{name}}", "txt": "T", "html": "", "data": '{"name": "Q"}'})
    assert r.status_code == 200 and "P Q" in r.text

    # reset: shipped version again
    assert admin.request("DELETE", API + "/template?name=team/mail/reset",
                         headers=h).status_code == 200
    before = team.sink.count("bob@acme.example")
    ask_reset(team, "bob@acme.example")
    mail = team.sink.wait_for("bob@acme.example", before)
    assert not str(mail["Subject"]).startswith("EDITED")


def test_only_admins(team):
    alice = signed(team, "alice@acme.example")
    assert alice.get(API).status_code == 403
    assert alice.get("/admin/mail-templates").status_code == 403
    r = requests.get(team.url(API), verify=False)
    assert r.status_code == 401
