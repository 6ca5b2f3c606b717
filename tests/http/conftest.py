"""
tests/http/conftest.py - black-box HTTPS test harness.

Starts the real `portico serve` binary (from $PORTICO_BUILD, default
build/) on free loopback ports with a temporary data dir and a config
written for the test, waits for /healthz, and stops it with SIGTERM at the
end. Tests talk to it over real TLS: `requests` for ordinary calls, raw
`ssl` sockets for malformed or slow input.
"""
import re
import os
import signal
import socket
import ssl
import subprocess
import tempfile
import time

import pytest
import requests
import urllib3

urllib3.disable_warnings()

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.join(ROOT, os.environ.get("PORTICO_BUILD", "build"))
BIN = os.path.join(BUILD, "portico")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


DEFAULT_CONFIG = """
-- test config written by tests/http/conftest.py
workers = {workers}
public_url = "https://127.0.0.1:{port}"
plugins = {{ "hello" {extra_plugins} }}
plugin_dir = "{plugin_dir}"
scripts = {{ {scripts} }}
theme = "default"
log = {{ level = "info", access = "{data}/access.log" }}
limits = {{ header_timeout_ms = {header_timeout}, idle_timeout_ms = 5000 }}
{extra}
"""


class Portico:
    """A running portico server for one test module or test."""

    def __init__(self, tmp, workers=1, extra_plugins=(), scripts=(), extra="",
                 header_timeout=2000, demo=True, args=(), plugin_dir=None):
        self.tmp = tmp
        self.data = os.path.join(tmp, "data")
        self.port = free_port()
        self.http_port = free_port()
        self.base = "https://127.0.0.1:%d" % self.port
        self.config = os.path.join(tmp, "portico.lua")
        plugins = "".join(', "%s"' % p for p in extra_plugins)
        with open(self.config, "w") as f:
            f.write(DEFAULT_CONFIG.format(
                workers=workers, port=self.port, extra_plugins=plugins, build=BUILD, data=self.data,
                scripts=", ".join('"%s"' % os.path.join(ROOT, s) for s in scripts),
                header_timeout=header_timeout, extra=extra,
                plugin_dir=plugin_dir or os.path.join(BUILD, "plugins")))
        self.args = [BIN, "serve", "--config", self.config,
                     "--listen", "127.0.0.1:%d" % self.port,
                     "--http-listen", "127.0.0.1:%d" % self.http_port,
                     "--data-dir", self.data] + (["--demo"] if demo else []) + list(args)
        self.log_path = os.path.join(tmp, "stderr.log")
        self.proc = None
        self.session = requests.Session()
        self.session.verify = False

    def start(self, wait=True):
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.args, cwd=ROOT, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("portico exited (%s):\n%s" % (self.proc.returncode,
                                                                 self.stderr()))
            try:
                r = requests.get(self.base + "/healthz", verify=False, timeout=1)
                if r.status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise RuntimeError("portico did not become ready:\n" + self.stderr())

    def stderr(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "log", None):
            self.log.close()
        # Under the sanitizer build a worker that hits a bug prints a report
        # and dies (and is restarted): the test may still pass, so fail here.
        out = self.stderr()
        for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                       "died (signal"):
            if marker in out:
                raise AssertionError("server log shows '%s':\n%s" % (marker, out[-4000:]))
        return self.proc.returncode if self.proc else None

    # -- requests helpers -------------------------------------------------
    def url(self, path):
        return self.base + path

    def get(self, path, **kw):
        kw.setdefault("allow_redirects", False)
        kw.setdefault("timeout", 10)
        kw.setdefault("verify", False)
        return self.session.get(self.url(path), **kw)

    def post(self, path, **kw):
        kw.setdefault("allow_redirects", False)
        kw.setdefault("timeout", 10)
        kw.setdefault("verify", False)
        return self.session.post(self.url(path), **kw)

    def request(self, method, path, **kw):
        kw.setdefault("allow_redirects", False)
        kw.setdefault("timeout", 10)
        kw.setdefault("verify", False)
        return self.session.request(method, self.url(path), **kw)

    def csrf(self):
        """The CSRF token of this requests.Session: the pt_csrf cookie an
        anonymous visitor gets with the first page, or the session's token
        after a sign-in (read from a rendered form)."""
        r = self.get("/")
        m = re.search(r'name="_csrf" value="([^"]+)"', r.text)
        if m:
            return m.group(1)
        return self.session.cookies.get("pt_csrf")

    def signin_fixture(self, who):
        """Sign in through the fixture_identity test plugin (tests only)."""
        tok = self.csrf()
        r = self.post("/fixture/signin", data={"user": who, "_csrf": tok})
        assert r.status_code in (303, 302), r.text
        return self.csrf()

    # -- raw TLS ----------------------------------------------------------
    def tls(self, timeout=5):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        s = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        return ctx.wrap_socket(s, server_hostname="localhost")

    def raw(self, data, timeout=5, read_all=True):
        """Send raw bytes over TLS, return everything the server sends back
        until it closes (or the timeout)."""
        s = self.tls(timeout)
        try:
            s.sendall(data)
            return read_until_close(s, timeout)
        finally:
            s.close()


def read_until_close(s, timeout=5):
    s.settimeout(timeout)
    out = b""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            chunk = s.recv(65536)
        except (socket.timeout, ssl.SSLError, ConnectionResetError):
            break
        if not chunk:
            break
        out += chunk
    return out


def parse_responses(data):
    """Split raw HTTP/1.1 bytes into [(status, headers(dict lower), body)]."""
    out = []
    while data:
        head, sep, rest = data.partition(b"\r\n\r\n")
        if not sep:
            break
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        if "content-length" in headers:
            n = int(headers["content-length"])
            body, data = rest[:n], rest[n:]
        elif headers.get("transfer-encoding") == "chunked":
            body = b""
            while True:
                size_line, _, rest = rest.partition(b"\r\n")
                n = int(size_line.split(b";")[0], 16)
                if n == 0:
                    _, _, rest = rest.partition(b"\r\n")
                    break
                body += rest[:n]
                rest = rest[n + 2:]
            data = rest
        else:
            body, data = rest, b""
        out.append((status, headers, body))
    return out


@pytest.fixture(scope="module")
def portico(tmp_path_factory):
    tmp = str(tmp_path_factory.mktemp("portico"))
    p = Portico(tmp).start()
    yield p
    p.stop()


@pytest.fixture
def make_portico(tmp_path):
    started = []

    def make(**kw):
        d = tempfile.mkdtemp(dir=str(tmp_path))
        p = Portico(d, **kw)
        started.append(p)
        return p

    yield make
    for p in started:
        p.stop()


def plugin_dir_with(tmp, names):
    """A folder holding links to the named .so files from build/plugins
    and build/test-plugins (fixtures), for configs that load fixtures."""
    d = os.path.join(tmp, "plugins")
    os.makedirs(d, exist_ok=True)
    for n in names:
        for sub in ("plugins", "test-plugins"):
            src = os.path.join(BUILD, sub, n + ".so")
            if os.path.exists(src):
                dst = os.path.join(d, n + ".so")
                if not os.path.exists(dst):
                    os.symlink(src, dst)
    return d


@pytest.fixture(scope="module")
def identity(tmp_path_factory):
    """A server with the fixture_identity plugin (three fixed users)."""
    tmp = str(tmp_path_factory.mktemp("identity"))
    p = Portico(tmp, extra_plugins=("fixture_identity",),
                plugin_dir=plugin_dir_with(tmp, ["hello", "fixture_identity"])).start()
    yield p
    p.stop()


# ---- team plugin (identity) fixtures ---------------------------------------
# Appended for tests/http/test_team_identity.py: a real SMTP server
# (tests/tools/smtp_sink.py, Debian's aiosmtpd) and a server with the team
# plugin whose mail goes to it.

class SmtpSink:
    """tests/tools/smtp_sink.py on a free loopback port; messages() reads
    what it received."""

    def __init__(self, folder):
        self.dir = folder
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", os.path.join(ROOT, "tests", "tools", "smtp_sink.py"),
             "--port", "0", "--dir", folder], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        line = self.proc.stdout.readline().decode()
        assert line.startswith("READY "), line
        self.port = int(line.split()[1])

    def messages(self):
        import email
        import email.policy
        out = []
        for name in sorted(os.listdir(self.dir)):
            if name.endswith(".eml"):
                with open(os.path.join(self.dir, name), "rb") as f:
                    out.append(email.message_from_bytes(f.read(), policy=email.policy.default))
        return out

    def wait_for(self, to, count_before=0, timeout=15):
        """The newest message to `to` once more than count_before such
        messages arrived."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            mine = [m for m in self.messages() if to.lower() in str(m["To"]).lower()]
            if len(mine) > count_before:
                return mine[-1]
            time.sleep(0.1)
        raise AssertionError("no mail to %s within %ss" % (to, timeout))

    def count(self, to):
        return len([m for m in self.messages() if to.lower() in str(m["To"]).lower()])

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@pytest.fixture(scope="module")
def smtp_sink(tmp_path_factory):
    s = SmtpSink(str(tmp_path_factory.mktemp("smtp")))
    yield s
    s.stop()


TEAM_CONFIG = """
team = {{ lockout_after = 3, lockout_seconds = 2, ip_lockout_after = 1000 {team_extra} }}
mail = {{ smtp_url = "smtp://127.0.0.1:{port}", poll_ms = 100, from = "Portico <portico@portico.example>" }}
"""


def team_server(tmp, sink, team_extra=""):
    """A Portico with the team plugin and the demo data, mail to sink."""
    return Portico(tmp, extra_plugins=("team",),
                   extra=TEAM_CONFIG.format(port=sink.port, team_extra=team_extra))


@pytest.fixture(scope="module")
def team(tmp_path_factory, smtp_sink):
    p = team_server(str(tmp_path_factory.mktemp("team")), smtp_sink).start()
    p.sink = smtp_sink
    yield p
    p.stop()


def client(p):
    """A fresh browser-like client (own cookies) for the running server p."""
    c = Portico.__new__(Portico)
    c.__dict__.update(p.__dict__)
    c.session = requests.Session()
    c.session.verify = False
    c.session.trust_env = False
    return c


def signed_in(p, email, password="portico-demo"):
    """A client signed in through /signin (team plugin); c.tok is its CSRF
    token."""
    c = client(p)
    r = c.post("/signin", data={"email": email, "password": password, "_csrf": c.csrf()})
    assert r.status_code == 303, r.text[:300]
    c.tok = c.csrf()
    return c


def api_call(c, method, path, body=None):
    """A JSON API call with the client's CSRF token."""
    return c.request(method, path, json=body,
                     headers={"X-CSRF-Token": c.tok, "Accept": "application/json"})
