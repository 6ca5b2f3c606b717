"""The server's life: several workers, SIGHUP reload without dropping
connections (and keeping the old script when the new one is broken),
SIGTERM draining an in-flight request, and a backup/restore round trip."""
import signal
import subprocess
import time

from conftest import BIN, Portico, read_until_close, parse_responses

SCRIPT_V1 = 'portico.route("GET", "/version", function(req) return "v1" end)\n'
SCRIPT_V2 = 'portico.route("GET", "/version", function(req) return "v2" end)\n'
SCRIPT_BROKEN = 'portico.route("GET", "/version", function(req) return "v3" end\n'


def test_workers_and_healthz(make_portico):
    p = make_portico(workers=2).start()
    pids = set()
    for _ in range(40):
        r = requests_get(p, "/healthz")
        pids.add(r["pid"])
        assert r["workers"] == 2
    assert len(pids) >= 1
    h = requests_get(p, "/healthz")
    assert h["version"] and h["uptime_s"] >= 0
    assert "store" in h and h["store"]


def requests_get(p, path):
    import requests
    return requests.get(p.url(path), verify=False, timeout=5).json()


def test_sighup_reloads_scripts_and_keeps_connections(make_portico, tmp_path):
    script = tmp_path / "version.lua"
    script.write_text(SCRIPT_V1)
    p = make_portico(extra='scripts = { "%s" }' % script)
    p.start()
    s = p.tls()
    s.sendall(b"GET /version HTTP/1.1\r\nHost: x\r\n\r\n")
    first = s.recv(65536)
    assert first.endswith(b"v1")
    script.write_text(SCRIPT_V2)
    p.proc.send_signal(signal.SIGHUP)
    deadline = time.time() + 10
    body = b""
    while time.time() < deadline:
        s.sendall(b"GET /version HTTP/1.1\r\nHost: x\r\n\r\n")   # same connection
        body = s.recv(65536)
        if body.endswith(b"v2"):
            break
        time.sleep(0.2)
    assert body.endswith(b"v2")
    # a broken script keeps the previous version and says why
    script.write_text(SCRIPT_BROKEN)
    p.proc.send_signal(signal.SIGHUP)
    time.sleep(1.5)
    s.sendall(b"GET /version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    last = read_until_close(s)
    s.close()
    assert last.endswith(b"v2")
    assert "version.lua" in p.stderr()


def test_sighup_with_bad_config_keeps_running(make_portico):
    p = make_portico().start()
    with open(p.config, "a") as f:
        f.write("\nworkers = 'many'\n")
    p.proc.send_signal(signal.SIGHUP)
    time.sleep(1)
    assert p.proc.poll() is None
    assert p.get("/healthz").status_code == 200
    assert "workers" in p.stderr()


def test_sigterm_drains_in_flight_request(make_portico):
    p = make_portico().start()
    tok = p.csrf()
    cookie = "pt_csrf=" + p.session.cookies.get("pt_csrf")
    body = b'{"name": "Draining"}'
    s = p.tls(timeout=15)
    s.sendall(b"POST /api/v1/hello HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Content-Length: %d\r\nCookie: %s\r\nX-CSRF-Token: %s\r\n\r\n"
              % (len(body), cookie.encode(), tok.encode()) + body[:5])
    time.sleep(0.3)
    p.proc.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    # new connections are refused while the old one finishes
    s.sendall(body[5:])
    data = read_until_close(s, 10)
    s.close()
    (status, headers, rbody), = parse_responses(data)
    assert status == 201, data[:200]
    assert headers.get("connection") == "close"
    assert p.proc.wait(15) == 0


def test_backup_and_restore_round_trip(make_portico, tmp_path):
    p = make_portico().start()
    tok = p.csrf()
    r = p.post("/api/v1/hello", json={"name": "Backed up"}, headers={"X-CSRF-Token": tok})
    assert r.status_code == 201
    dest = str(tmp_path / "backup")
    out = subprocess.run([BIN, "backup", "--config", p.config, "--data-dir", p.data, dest],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    # after the backup: another greeting that the restore must not have
    p.post("/api/v1/hello", json={"name": "After backup"}, headers={"X-CSRF-Token": tok})
    p.stop()
    out = subprocess.run([BIN, "restore", "--config", p.config, "--data-dir", p.data, dest],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    p2 = Portico(p.tmp, demo=False)
    p2.data = p.data
    p2.args[p2.args.index("--data-dir") + 1] = p.data
    p2.start()
    try:
        names = [g["name"] for g in p2.get("/api/v1/hello").json()["greetings"]]
        assert "Backed up" in names and "After backup" not in names
    finally:
        p2.stop()


def test_restore_refuses_garbage(tmp_path):
    bad = tmp_path / "notabackup"
    bad.mkdir()
    (bad / "data.mdb").write_bytes(b"garbage" * 100)
    out = subprocess.run([BIN, "restore", "--data-dir", str(tmp_path / "d"), str(bad)],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 1 and out.stderr.strip()
