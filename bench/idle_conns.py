#!/usr/bin/python3
"""bench/idle_conns.py PORT PATH N PID... : open N keep-alive TLS connections
that each made one request, hold them, and print the growth of the resident
memory of the given server processes per connection in KiB."""
import socket
import ssl
import sys
import time

port, path, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
pids = [int(p) for p in sys.argv[4:]]


def rss_kib():
    total = 0
    for pid in pids:
        try:
            with open("/proc/%d/status" % pid) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
request = ("GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n" % path).encode()


def one():
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)))
    s.sendall(request)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    return s


held = [one() for _ in range(20)]   # warm the allocators first
time.sleep(0.3)
before = rss_kib()
held += [one() for _ in range(n)]
time.sleep(0.5)
after = rss_kib()
print("%.1f" % ((after - before) / n))
