"""HTTP/1.1 over TLS as a client sees it: keep-alive, pipelining, HEAD,
chunked bodies, 100-continue, limits and malformed input answered with a
proper status and our headers, and slow clients cut off."""
import time

from conftest import parse_responses, read_until_close

SECURITY_HEADERS = ["strict-transport-security", "content-security-policy",
                    "x-content-type-options", "referrer-policy", "x-frame-options"]


def csrf_cookie(portico):
    """Fetch a page; return (cookie header, token) for raw requests."""
    data = portico.raw(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    (status, headers, body), = parse_responses(data)
    # Only the last Set-Cookie survives in the dict: search the raw bytes.
    text = data.decode("latin-1")
    tok = text.split("pt_csrf=", 1)[1].split(";", 1)[0]
    return "pt_csrf=" + tok, tok


def assert_security_headers(headers):
    for h in SECURITY_HEADERS:
        assert h in headers, h
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"


def test_keep_alive_two_requests_one_connection(portico):
    s = portico.tls()
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    first = s.recv(65536)
    assert first.startswith(b"HTTP/1.1 200")
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    rest = read_until_close(s)
    s.close()
    assert rest.startswith(b"HTTP/1.1 200")


def test_pipelined_requests_answer_in_order(portico):
    req = (b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
           b"GET /nope HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\n\r\n"
           b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    out = parse_responses(portico.raw(req))
    assert [r[0] for r in out] == [200, 404, 200]


def test_head_has_headers_but_no_body(portico):
    get = portico.get("/static/theme/portico.css")
    head = portico.request("HEAD", "/static/theme/portico.css")
    assert head.status_code == 200
    assert head.headers["Content-Length"] == get.headers["Content-Length"]
    assert head.content == b""


def test_security_headers_everywhere(portico):
    for path in ["/", "/healthz", "/nope", "/static/theme/portico.css"]:
        r = portico.get(path)
        assert_security_headers({k.lower(): v for k, v in r.headers.items()})
    data = portico.raw(b"GET / HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n")
    (status, headers, _), = parse_responses(data)
    assert status == 400
    assert_security_headers(headers)


def test_chunked_request_body(portico):
    cookie, tok = csrf_cookie(portico)
    body = b'{"name": "Chunky"}'
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in [body[:5], body[5:]]) + b"0\r\n\r\n"
    req = (b"POST /api/v1/hello HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
           b"Content-Type: application/json\r\nCookie: " + cookie.encode() +
           b"\r\nX-CSRF-Token: " + tok.encode() + b"\r\nConnection: close\r\n\r\n" + chunks)
    (status, headers, rbody), = parse_responses(portico.raw(req))
    assert status == 201, rbody
    assert b"Chunky" in rbody


def test_chunked_response_is_parsed_by_clients(portico):
    # /healthz is a small JSON; requests handles both framings: just check
    # that the JSON API works with keep-alive through requests.
    for _ in range(3):
        assert portico.get("/healthz").json()["status"] == "ok"


def test_expect_100_continue_after_checks(portico):
    cookie, tok = csrf_cookie(portico)
    body = b'{"name": "Patient"}'
    s = portico.tls()
    s.sendall(b"POST /api/v1/hello HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Content-Length: %d\r\nExpect: 100-continue\r\nCookie: %s\r\nX-CSRF-Token: %s\r\n"
              b"Connection: close\r\n\r\n" % (len(body), cookie.encode(), tok.encode()))
    interim = s.recv(4096)
    assert interim.startswith(b"HTTP/1.1 100 Continue"), interim
    s.sendall(body)
    rest = read_until_close(s)
    s.close()
    final = (interim + rest).split(b"\r\n\r\n", 1)[1]
    assert final.startswith(b"HTTP/1.1 201"), final[:100]


def test_expect_100_refused_route_gets_final_status_without_continue(portico):
    s = portico.tls()
    # no CSRF token: the gate refuses before any body is read
    s.sendall(b"POST /api/v1/hello HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Content-Length: 100000\r\nExpect: 100-continue\r\n\r\n")
    data = read_until_close(s, 5)
    s.close()
    assert not data.startswith(b"HTTP/1.1 100")
    assert data.startswith(b"HTTP/1.1 403") or data.startswith(b"HTTP/1.1 413"), data[:80]


def test_body_over_route_limit_is_413(portico):
    cookie, tok = csrf_cookie(portico)
    s = portico.tls()
    s.sendall(b"POST /hello HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
              b"Content-Length: 100000\r\nCookie: %s\r\nX-CSRF-Token: %s\r\n\r\n"
              % (cookie.encode(), tok.encode()))
    data = read_until_close(s, 5)
    s.close()
    assert data.startswith(b"HTTP/1.1 413"), data[:100]


def test_malformed_requests_get_clear_statuses(portico):
    cases = [
        (b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400),
        (b"GET / HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n", 400),
        (b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
        (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
        (b"GET /" + b"a" * 10000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", (400, 414)),
        (b"GET / HTTP/1.1\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(100)) + b"\r\n", 431),
        (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"v" * 20000 + b"\r\n\r\n", 431),
    ]
    for raw, want in cases:
        data = portico.raw(raw)
        assert data, raw[:60]
        status = int(data.split(b" ", 2)[1])
        if isinstance(want, tuple):
            assert status in want, (raw[:60], data[:200])
        else:
            assert status == want, (raw[:60], data[:200])
        assert b"connection: close" in data.lower().split(b"\r\n\r\n")[0]
    # and the server still serves
    assert portico.get("/healthz").status_code == 200


def test_unknown_method_and_wrong_method(portico):
    r = portico.request("POST", "/healthz", headers={"Accept": "application/json"})
    assert r.status_code in (403, 405)  # the CSRF gate or 405; never 200
    r = portico.request("PUT", "/healthz", headers={"X-CSRF-Token": "x", "Accept": "application/json"})
    assert r.status_code in (403, 405)
    data = portico.raw(b"BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n")
    assert int(data.split(b" ", 2)[1]) in (400, 501)


def test_errors_are_json_for_api_and_html_for_pages(portico):
    r = portico.get("/api/v1/nope")
    assert r.status_code == 404
    assert r.json()["error"]["status"] == 404
    assert r.json()["error"]["message"]
    r = portico.get("/nope")
    assert r.status_code == 404
    assert r.headers["Content-Type"].startswith("text/html")
    assert "<html" in r.text.lower()
    r = portico.get("/nope", headers={"Accept": "application/json"})
    assert r.json()["error"]["status"] == 404


def test_slowloris_header_is_cut_off(portico):
    s = portico.tls(timeout=10)
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    start = time.time()
    data = read_until_close(s, 8)
    s.close()
    elapsed = time.time() - start
    # header_timeout_ms is 2000 in the test config
    assert elapsed < 6, elapsed
    if data:
        assert data.startswith(b"HTTP/1.1 408") or data.startswith(b"HTTP/1.1 400")


def test_redirect_from_plain_http(portico):
    import socket
    s = socket.create_connection(("127.0.0.1", portico.http_port), timeout=5)
    s.sendall(b"GET /hello?x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    data = read_until_close(s)
    s.close()
    (status, headers, _), = parse_responses(data)
    assert status == 301
    assert headers["location"] == portico.base + "/hello?x=1"


def test_error_messages_follow_the_language(portico):
    r = portico.get("/api/v1/nope", headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert r.status_code == 404
    assert r.json()["error"]["message"].startswith("Diese Seite gibt es nicht")
    r = portico.get("/api/v1/nope", headers={"Accept-Language": "fr"})
    assert r.json()["error"]["message"].startswith("This page does not exist")
