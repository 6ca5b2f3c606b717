"""The plugin loader as an operator sees it: a good plugin works end to end,
a wrong ABI, a failing init and a missing dependency are reported and
skipped (rolled back), and a required plugin that fails stops the start."""
import subprocess

from conftest import BIN, Portico, plugin_dir_with


def test_hello_plugin_end_to_end(portico):
    assert "hello" in [p["name"] for p in portico.get("/healthz").json()["plugins"]]
    page = portico.get("/hello")
    assert page.status_code == 200
    assert "Ada" in page.text            # demo data
    tok = portico.csrf()
    r = portico.post("/hello", data={"name": "Zoë <b>", "_csrf": tok})
    assert r.status_code == 303 and r.headers["Location"] == "/hello?saved=1"
    page = portico.get("/hello")
    assert "Zoë &lt;b&gt;" in page.text and "Zoë <b>" not in page.text
    api = portico.get("/api/v1/hello").json()["greetings"]
    assert api[0]["name"] == "Zoë <b>"
    one = portico.get("/api/v1/hello/" + api[0]["id"]).json()
    assert one["name"] == "Zoë <b>"
    # homepage widget and navigation entry registered by the plugin
    home = portico.get("/").text
    assert 'href="/hello"' in home


def test_hello_bad_input(portico):
    tok = portico.csrf()
    r = portico.post("/hello", data={"name": "", "_csrf": tok})
    assert r.status_code == 422 and "Please enter a name" in r.text
    r = portico.post("/api/v1/hello", data="{not json", headers={
        "X-CSRF-Token": tok, "Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["message"]
    r = portico.post("/api/v1/hello", json={"name": 5}, headers={"X-CSRF-Token": tok})
    assert r.status_code == 422 and r.json()["error"]["field"] == "name"
    r = portico.post("/api/v1/hello", json={"name": "x" * 81}, headers={"X-CSRF-Token": tok})
    assert r.status_code == 422
    assert portico.get("/api/v1/hello/zzzz").status_code == 404
    before = len(portico.get("/api/v1/hello").json()["greetings"])
    assert before == len(portico.get("/api/v1/hello").json()["greetings"])


def test_broken_plugins_are_skipped_and_rolled_back(tmp_path):
    names = ["hello", "bad_abi", "failing_init", "missing_dep"]
    p = Portico(str(tmp_path), extra_plugins=names[1:],
                plugin_dir=plugin_dir_with(str(tmp_path), names))
    p.start()
    try:
        health = p.get("/healthz").json()
        assert [x["name"] for x in health["plugins"]] == ["hello"]
        assert health["plugins_failed"] == 3
        assert p.get("/failing").status_code == 404       # route rolled back
        assert 'href="/failing"' not in p.get("/").text    # nav rolled back
        log = p.stderr()
        assert "bad_abi.so was built for plugin ABI 3.x, this portico provides 1.x" in log
        assert "the database it needs is not configured" in log
        assert "requires plugin 'does_not_exist'" in log
    finally:
        p.stop()


def test_required_plugin_failure_stops_start(tmp_path):
    p = Portico(str(tmp_path), extra_plugins=(),
                plugin_dir=plugin_dir_with(str(tmp_path), ["hello", "failing_init"]),
                extra='plugins = { "hello", { name = "failing_init", required = true } }')
    p.start(wait=False)
    rc = p.proc.wait(20)
    assert rc != 0
    assert "required plugin failing_init" in p.stderr()


def test_check_config_reports_plugins(tmp_path):
    cfg = tmp_path / "c.lua"
    cfg.write_text('plugins = { "hello" }\nhello = { greeting = 5 }\n')
    r = subprocess.run([BIN, "check-config", str(cfg)], capture_output=True, text=True)
    assert r.returncode == 1
    assert "c.lua:2" in r.stderr and "hello.greeting" in r.stderr


def test_out_of_tree_plugin_build(tmp_path):
    """A third party builds a plugin with pkg-config only, and it loads."""
    import os
    import shutil
    from conftest import BUILD, ROOT
    src = tmp_path / "src" / "hello"
    shutil.copytree(os.path.join(ROOT, "plugins", "hello"), src)
    env = dict(os.environ, PKG_CONFIG_PATH=os.path.join(BUILD, "pkgconfig"))
    cflags = subprocess.run(["pkg-config", "--cflags", "portico-plugin-uninstalled"],
                            capture_output=True, text=True, env=env, check=True).stdout.split()
    out = tmp_path / "so"
    out.mkdir()
    cfiles = [str(p) for p in src.glob("*.c")]
    subprocess.run(["cc", "-std=c11", "-shared", "-fPIC", "-Wall", "-Werror"] + cflags +
                   ["-o", str(out / "hello.so")] + cfiles, check=True)
    p = Portico(str(tmp_path), plugin_dir=str(out),
                extra='plugin_src = "%s"' % (tmp_path / "src"))
    p.start()
    try:
        assert p.get("/hello").status_code == 200
        assert p.get("/healthz").json()["plugins"][0]["name"] == "hello"
    finally:
        p.stop()
