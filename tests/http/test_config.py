"""The configuration file as an operator meets it: errors name file:line
and the key, flags override the file, nothing starts on a bad file."""
import subprocess

from conftest import BIN, ROOT


def check(tmp_path, text):
    cfg = tmp_path / "portico.lua"
    cfg.write_text(text)
    return subprocess.run([BIN, "check-config", str(cfg)], capture_output=True, text=True,
                          cwd=ROOT)


def test_shipped_config_is_valid():
    r = subprocess.run([BIN, "check-config", "config/portico.lua"], capture_output=True,
                       text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr


def test_unknown_key(tmp_path):
    r = check(tmp_path, 'listen = "127.0.0.1:1"\ntls = { certt = "x" }\n')
    assert r.returncode == 1
    assert "portico.lua:2" in r.stderr and "tls.certt" in r.stderr


def test_wrong_type(tmp_path):
    r = check(tmp_path, 'workers = "four"\n')
    assert r.returncode == 1
    assert "portico.lua:1" in r.stderr and "workers" in r.stderr and "integer" in r.stderr


def test_no_libraries_in_config(tmp_path):
    for text in ['os.exit(1)\n', 'x = io.open("/etc/passwd")\n', 'while true do end\n',
                 'x = string.rep("a", 10)\n']:
        r = check(tmp_path, text)
        assert r.returncode == 1, text
        assert "portico.lua" in r.stderr


def test_serve_refuses_bad_config(tmp_path):
    cfg = tmp_path / "bad.lua"
    cfg.write_text('limits = { body_max = "big" }\n')
    r = subprocess.run([BIN, "serve", "--config", str(cfg), "--data-dir", str(tmp_path / "d")],
                       capture_output=True, text=True, timeout=20)
    assert r.returncode == 1
    assert "limits.body_max" in r.stderr


def test_help_and_unknown_flags():
    for cmd in (["--help"], ["serve", "--help"], ["backup", "--help"], ["restore", "--help"],
                ["check-config", "--help"]):
        r = subprocess.run([BIN] + cmd, capture_output=True, text=True)
        assert r.returncode == 0 and "usage" in r.stdout
    r = subprocess.run([BIN, "serve", "--bogus"], capture_output=True, text=True)
    assert r.returncode == 2 and "unknown option" in r.stderr
    r = subprocess.run([BIN, "version"], capture_output=True, text=True)
    assert r.stdout.startswith("portico ")
