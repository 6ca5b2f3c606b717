"""Theme assets: validators, caching, ranges, gzip, and no path traversal."""
import gzip


def test_css_served_with_validators(portico):
    r = portico.get("/static/theme/portico.css")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/css")
    assert r.headers["ETag"]
    assert r.headers["Last-Modified"]
    assert "max-age" in r.headers["Cache-Control"]
    r2 = portico.get("/static/theme/portico.css", headers={"If-None-Match": r.headers["ETag"]})
    assert r2.status_code == 304
    assert r2.content == b""
    r3 = portico.get("/static/theme/portico.css",
                     headers={"If-Modified-Since": r.headers["Last-Modified"]})
    assert r3.status_code == 304


def test_versioned_asset_is_immutable(portico):
    r = portico.get("/static/theme/portico.css?v=abc")
    assert "immutable" in r.headers["Cache-Control"]


def test_gzip_variant(portico):
    plain = portico.get("/static/theme/portico.css", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    raw = portico.session.get(portico.url("/static/theme/portico.css"),
                              headers={"Accept-Encoding": "gzip"}, stream=True, verify=False)
    assert raw.headers.get("Content-Encoding") == "gzip"
    assert "Accept-Encoding" in raw.headers.get("Vary", "")
    body = raw.raw.read()
    assert gzip.decompress(body) == plain.content


def test_range_requests(portico):
    full = portico.get("/static/theme/portico.css", headers={"Accept-Encoding": "identity"}).content
    r = portico.get("/static/theme/portico.css", headers={"Range": "bytes=0-9"})
    assert r.status_code == 206
    assert r.content == full[:10]
    assert r.headers["Content-Range"] == "bytes 0-9/%d" % len(full)
    r = portico.get("/static/theme/portico.css", headers={"Range": "bytes=-5"})
    assert r.status_code == 206 and r.content == full[-5:]
    r = portico.get("/static/theme/portico.css", headers={"Range": "bytes=%d-" % (len(full) + 10)})
    assert r.status_code == 416
    assert r.headers["Content-Range"] == "bytes */%d" % len(full)


def test_no_path_traversal(portico):
    for path in ["/static/theme/../../config/portico.lua",
                 "/static/theme/%2e%2e/%2e%2e/config/portico.lua",
                 "/static/theme/..%2f..%2fconfig%2fportico.lua",
                 "/static/theme/.%2e/theme.json",
                 "/static/theme//etc/passwd",
                 "/static/theme/%2fetc%2fpasswd",
                 "/static/vendor/htmx/../../../package.json",
                 "/static/theme/.hidden"]:
        r = portico.get(path)
        assert r.status_code in (400, 404), path
        assert "Portico configuration" not in r.text
        assert "root:" not in r.text


def test_missing_static_file_is_404(portico):
    assert portico.get("/static/theme/nope.css").status_code == 404


def test_vendored_htmx(portico):
    r = portico.get("/static/vendor/htmx/htmx.min.js")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/javascript")


def test_assets_get_the_resource_policy_pages_the_page_policy(portico):
    """A CSS file, a script or JSON is not a page: it gets the short, stricter
    policy; HTML (and a 304 of a static file, which names its type) keeps
    the page policy a browser needs to render it."""
    for path in ["/static/theme/portico.css", "/static/vendor/htmx/htmx.min.js", "/healthz"]:
        h = portico.get(path).headers
        assert h["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'", path
        assert h["Referrer-Policy"] == "no-referrer", path
        assert h["X-Frame-Options"] == "DENY" and h["X-Content-Type-Options"] == "nosniff"
        assert h["Strict-Transport-Security"].startswith("max-age=")
    page = portico.get("/").headers
    assert "script-src 'self'" in page["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]
    assert page["Referrer-Policy"] == "strict-origin-when-cross-origin"
    missing = portico.get("/static/theme/nope.css")   # an HTML error page
    assert "script-src 'self'" in missing.headers["Content-Security-Policy"]


def test_hot_path_and_conditional_path_send_the_same_headers(portico):
    """A plain GET of a cached file takes the prepared-headers path; a
    request with a Range takes the general one: the validators, type and
    caching headers must not differ, and nothing is sent twice."""
    plain = portico.get("/static/theme/portico.css", headers={"Accept-Encoding": "identity"})
    ranged = portico.get("/static/theme/portico.css",
                         headers={"Accept-Encoding": "identity", "Range": "bytes=0-"})
    assert ranged.status_code == 206
    for name in ["Content-Type", "ETag", "Last-Modified", "Cache-Control", "Accept-Ranges",
                 "Content-Security-Policy"]:
        assert plain.headers[name] == ranged.headers[name], name
    raw = portico.raw(b"GET /static/theme/portico.css HTTP/1.1\r\nHost: x\r\n"
                      b"Connection: close\r\n\r\n").decode("latin-1")
    head = raw.split("\r\n\r\n", 1)[0].lower()
    for name in ["content-type:", "etag:", "cache-control:", "content-length:",
                 "content-security-policy:"]:
        assert head.count("\r\n" + name) == 1, name
