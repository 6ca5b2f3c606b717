"""TLS as configured: 1.2 minimum, AEAD suites with ChaCha20 first, X25519,
ALPN http/1.1, resumption, and the generated certificate."""
import os
import re
import ssl
import stat
import subprocess
import socket


def s_client(portico, *args, data=b"", timeout=10):
    cmd = ["openssl", "s_client", "-connect", "127.0.0.1:%d" % portico.port,
           "-servername", "localhost"] + list(args)
    p = subprocess.run(cmd, input=data, capture_output=True, timeout=timeout)
    return p.stdout.decode("latin-1") + p.stderr.decode("latin-1")


def test_tls12_chacha_x25519_alpn(portico):
    out = s_client(portico, "-tls1_2", "-alpn", "http/1.1")
    assert "Protocol  : TLSv1.2" in out or "TLSv1.2" in out
    assert "ECDHE-ECDSA-CHACHA20-POLY1305" in out
    assert "X25519" in out
    assert "ALPN protocol: http/1.1" in out
    assert "Secure Renegotiation IS NOT supported" in out or "Renegotiation" in out


def test_old_protocols_refused(portico):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    except (ValueError, AttributeError):
        return
    s = socket.create_connection(("127.0.0.1", portico.port), timeout=5)
    try:
        ctx.wrap_socket(s, server_hostname="localhost")
        raise AssertionError("TLS 1.1 handshake succeeded")
    except (ssl.SSLError, ConnectionResetError, OSError):
        pass
    finally:
        s.close()


def test_aes_gcm_offered_too(portico):
    out = s_client(portico, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256")
    assert "ECDHE-ECDSA-AES128-GCM-SHA256" in out
    out = s_client(portico, "-tls1_2", "-cipher", "AES128-SHA")
    assert "Cipher is (NONE)" in out or "handshake failure" in out or "no peer certificate" in out


def test_p521_not_offered(portico):
    out = s_client(portico, "-tls1_2", "-curves", "P-521")
    assert "Server Temp Key: ECDH, P-521" not in out


def test_session_resumption(portico, tmp_path):
    sess = str(tmp_path / "sess.pem")
    first = s_client(portico, "-tls1_2", "-sess_out", sess, data=b"Q\n")
    assert "New," in first
    again = s_client(portico, "-tls1_2", "-sess_in", sess, data=b"Q\n")
    assert "Reused," in again


def test_self_signed_certificate_generated(portico):
    key = os.path.join(portico.data, "tls", "key.pem")
    cert = os.path.join(portico.data, "tls", "cert.pem")
    assert os.path.exists(cert)
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    out = subprocess.run(["openssl", "x509", "-in", cert, "-noout", "-text", "-fingerprint",
                          "-sha256"], capture_output=True, text=True).stdout
    assert "prime256v1" in out or "P-256" in out
    assert "DNS:localhost" in out
    fp = re.search(r"Fingerprint=([0-9A-F:]+)", out).group(1)
    assert fp in portico.stderr()   # printed at start
