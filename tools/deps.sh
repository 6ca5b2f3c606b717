#!/usr/bin/env bash
# tools/deps.sh - install what Portico needs on Debian 12, skipping what is
# present: the compiler and pkg-config, every -dev library, the test tools
# (pytest, requests, aiosmtpd, chromium, nginx-light and wrk for the
# benchmark, sqlite3), Node.js/npm, then the front-end packages from the
# committed lock file (npm ci). Safe to run again: it only acts on what is
# missing. Run as root (CI and `make run` do) or with sudo available.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(
  build-essential pkg-config clang libclang-rt-14-dev
  libevent-dev libhttp-parser-dev libmbedtls-dev liblmdb-dev liblua5.4-dev libmsgpack-dev
  libjansson-dev libcurl4-openssl-dev libargon2-dev libcmark-gfm-dev
  libcmark-gfm-extensions-dev libstemmer-dev libcsv-dev zlib1g-dev libcmocka-dev
  python3 python3-pytest python3-requests python3-aiosmtpd
  nodejs npm chromium nginx-light wrk sqlite3 lmdb-utils openssl curl ca-certificates tzdata
)

missing=()
for p in "${PKGS[@]}"; do
  # node/npm may come from elsewhere (e.g. nodesource): accept the commands.
  case "$p" in
    nodejs) command -v node >/dev/null 2>&1 && continue ;;
    npm) command -v npm >/dev/null 2>&1 && continue ;;
  esac
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
  # nginx-light starts a service on install on some systems; the benchmark
  # starts its own on loopback, so make sure the default one is not running.
  if [[ " ${missing[*]} " == *" nginx-light "* ]]; then
    ($SUDO systemctl stop nginx || $SUDO service nginx stop || $SUDO pkill -x nginx) >/dev/null 2>&1 || true
  fi
fi

# Front-end packages, exactly as locked.
if [ -f package-lock.json ]; then
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "deps: npm ci"
    npm ci --no-audit --no-fund --loglevel=error
  fi
fi
