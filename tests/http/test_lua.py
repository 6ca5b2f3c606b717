"""Lua scripts end to end: example routes and filters work; a script that
loops, eats memory or fails is contained, answered with an error, reported
with script:line, and the server keeps serving."""
import time

import pytest
import requests

from conftest import Portico, plugin_dir_with

SCRIPTS = ("lua/examples/status_page.lua", "lua/examples/maintenance_banner.lua",
           "lua/examples/hello_shout.lua", "lua/examples/json_echo.lua",
           "tests/lua/misbehaving.lua")

EXTRA = '''
status_page = { title = "Acme status", components = { "Portal", "Support desk" } }
maintenance_banner = { always = true, windows = {
  { starts = "2026-01-01T00:00:00Z", ends = "2026-01-02T00:00:00Z",
    message = "Planned maintenance tonight" } } }
lua = { time_ms = 300, memory_mb = 8 }
'''


@pytest.fixture(scope="module")
def lua_server(tmp_path_factory):
    tmp = str(tmp_path_factory.mktemp("lua"))
    p = Portico(tmp, scripts=SCRIPTS, extra=EXTRA, extra_plugins=("fixture_identity",),
                plugin_dir=plugin_dir_with(tmp, ["hello", "fixture_identity"])).start()
    yield p
    p.stop()


def test_status_page(lua_server):
    r = lua_server.get("/status")
    assert r.status_code == 200
    assert "Acme status" in r.text and "Support desk" in r.text
    j = lua_server.get("/status.json").json()
    assert j["status"] == "ok" and [c["name"] for c in j["components"]] == ["Portal", "Support desk"]
    v1 = j["views"]
    assert lua_server.get("/status.json").json()["views"] == v1 + 1   # portico.kv persists


def test_banner_filter(lua_server):
    assert "Planned maintenance tonight" in lua_server.get("/").text


def test_filter_changes_plugin_data(lua_server):
    tok = lua_server.csrf()
    r = lua_server.post("/api/v1/hello", json={"name": "quiet!"}, headers={"X-CSRF-Token": tok})
    assert r.status_code == 201 and r.json()["name"] == "QUIET!"
    assert lua_server.get("/api/v1/hello-stats").json()["greetings_seen"] >= 1


def test_json_route(lua_server):
    tok = lua_server.csrf()
    r = lua_server.post("/api/v1/echo", json={"a": [1, 2, {"b": None}]},
                        headers={"X-CSRF-Token": tok})
    assert r.status_code == 200
    assert r.json()["received"] == {"a": [1, 2, {"b": None}]}


def test_sandbox_has_no_escape(lua_server):
    j = lua_server.get("/bomb/escape").json()
    assert j["found"] == []
    assert j["bytecode"] == "refused"
    assert j["custom_env"] is False


@pytest.mark.parametrize("path", ["/bomb/loop", "/bomb/pcall-loop", "/bomb/memory",
                                  "/bomb/error"])
def test_misbehaving_script_is_contained(lua_server, path):
    start = time.time()
    r = lua_server.get(path)
    assert r.status_code in (500, 503)
    assert time.time() - start < 5
    assert "escaped" not in r.text
    assert lua_server.get("/healthz").status_code == 200


def test_errors_logged_and_shown_to_admin(lua_server):
    lua_server.get("/bomb/error")
    assert "misbehaving.lua:" in lua_server.stderr()
    admin = requests.Session()
    admin.verify = False
    p = Portico.__new__(Portico)
    p.__dict__.update(lua_server.__dict__)
    p.session = admin
    p.signin_fixture("admin")
    errors = p.get("/api/v1/admin/script-errors").json()["errors"]
    assert any("misbehaving.lua:" in (e.get("message", "") + e.get("script", "")) for e in errors)
    page = p.get("/admin")
    assert "misbehaving.lua" in page.text
