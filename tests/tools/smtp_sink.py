#!/usr/bin/python3
"""tests/tools/smtp_sink.py - a real SMTP server for tests (Debian's
python3-aiosmtpd; run it with /usr/bin/python3, not a pyenv python).

It accepts mail on HOST:PORT and writes each message, byte for byte as
received (after SMTP dot-unstuffing), to DIR/NNNN.eml, with the envelope
in DIR/NNNN.json ({"mail_from", "rcpt_tos", "auth_user"}). Both files are
written under temporary names and renamed, the .json first, so a reader
that sees NNNN.eml sees complete files.

Options:
  --host H            address to listen on (127.0.0.1)
  --port N            port; 0 picks a free one (default 0)
  --dir D             where to write messages (required; created)
  --auth-user U       require AUTH (PLAIN or LOGIN, allowed without TLS)
  --auth-password P   ... with this password
  --reject-first N    answer the first N messages' DATA with a temporary
                      failure (to test retries)
  --reject-code C     the code for those (451; a 5xx tests bounces)

When it listens it prints "READY <port>" on stdout (flushed). SIGTERM or
SIGINT stop it cleanly (exit status 0).
"""
import argparse
import json
import logging
import os
import signal
import socket
import sys
import threading
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Sink:
    def __init__(self, folder, reject_first, reject_code):
        self.folder = folder
        self.reject_left = reject_first
        self.reject_code = reject_code
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.reject_left > 0:
                self.reject_left -= 1
                if self.reject_code >= 500:
                    return "%d 5.7.1 Rejected by the test sink" % self.reject_code
                return "%d 4.3.0 Try again later (test sink)" % self.reject_code
            self.count += 1
            n = self.count
        base = os.path.join(self.folder, "%04d" % n)
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "auth_user": (session.auth_data.login.decode("utf-8", "replace")
                          if isinstance(session.auth_data, LoginPassword) else None),
        }
        write_atomic(base + ".json", json.dumps(meta).encode())
        data = envelope.original_content
        if data is None:
            data = envelope.content if isinstance(envelope.content, bytes) else \
                envelope.content.encode("utf-8")
        write_atomic(base + ".eml", data)
        return "250 2.0.0 Message accepted"


class Auth:
    def __init__(self, user, password):
        self.user = user.encode()
        self.password = password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == self.user
              and auth_data.password == self.password)
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


def write_atomic(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, path)


def free_port(host):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((host, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    ap = argparse.ArgumentParser(description="SMTP sink for tests")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--auth-user")
    ap.add_argument("--auth-password", default="")
    ap.add_argument("--reject-first", type=int, default=0)
    ap.add_argument("--reject-code", type=int, default=451)
    a = ap.parse_args()
    # AUTH without TLS is the point here (loopback tests): keep it quiet.
    warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)
    os.makedirs(a.dir, exist_ok=True)

    port = a.port or free_port(a.host)
    kw = {}
    if a.auth_user:
        kw = dict(authenticator=Auth(a.auth_user, a.auth_password), auth_required=True,
                  auth_require_tls=False)
    handler = Sink(a.dir, a.reject_first, a.reject_code)
    ctl = Controller(handler, hostname=a.host, port=port, ready_timeout=10, **kw)

    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    ctl.start()
    print("READY %d" % port, flush=True)
    try:
        while not stop.wait(0.2):
            pass
    finally:
        ctl.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
