#!/usr/bin/env bash
# bench/run.sh - `make bench`: Portico against nginx (Debian nginx-light)
# serving a static 4 KiB file over TLS, side by side on loopback, the same
# number of worker processes, the same kind of certificate (ECDSA P-256).
# Runs alternate (nginx, portico, nginx, portico, ...) and the best of each
# is kept, so machine noise hits both. Prints one line per scenario:
#   ratio <scenario> <portico req/s / nginx req/s>
# and the raw numbers. nginx keeps its default TLS settings (the client's
# cipher order, AES-GCM with AES-NI); Portico prefers ChaCha20-Poly1305. Targets (docs/performance.md): static >= 1.2,
# healthz >= 1.0, handshake_full >= 0.35, handshake_resumed >= 1.0.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
WORKERS=${BENCH_WORKERS:-1}
DURATION=${BENCH_SECONDS:-5}
ROUNDS=${BENCH_ROUNDS:-5}
CONNS=${BENCH_CONNECTIONS:-50}
OUT=bench/results
mkdir -p "$OUT"
TMP=$(mktemp -d /tmp/portico-bench.XXXXXX)
PORTICO_PID=""; NGINX_PID=""
cleanup() {
  [ -n "$PORTICO_PID" ] && kill "$PORTICO_PID" 2>/dev/null || true
  [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
P_PORT=$(free_port); N_PORT=$(free_port)

# A theme that is the default one plus a 4 KiB asset.
mkdir -p "$TMP/themes/bench/static" "$TMP/www"
echo '{"name": "bench", "parent": "default"}' > "$TMP/themes/bench/theme.json"
cp -r themes/default "$TMP/themes/default"
head -c 4096 /dev/urandom | base64 -w 76 | head -c 4096 > "$TMP/themes/bench/static/asset-4k.txt"
cp "$TMP/themes/bench/static/asset-4k.txt" "$TMP/www/asset-4k.txt"

# Same kind of certificate for nginx: ECDSA P-256, self-signed.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
  -subj /CN=localhost -keyout "$TMP/nginx.key" -out "$TMP/nginx.crt" 2>/dev/null

cat > "$TMP/nginx.conf" <<NGX
worker_processes $WORKERS;
pid $TMP/nginx.pid;
error_log $TMP/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  default_type text/plain;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$N_PORT ssl reuseport;
    ssl_certificate $TMP/nginx.crt;
    ssl_certificate_key $TMP/nginx.key;
    ssl_protocols TLSv1.2;
    ssl_ecdh_curve X25519:prime256v1;
    ssl_session_tickets on;
    ssl_session_cache shared:SSL:10m;
    root $TMP/www;
  }
}
NGX

cat > "$TMP/portico.lua" <<CFG
workers = $WORKERS
plugins = {}
scripts = {}
themes_dir = "$TMP/themes"
theme = "bench"
log = { level = "warn", access = "" }
CFG

nginx -c "$TMP/nginx.conf" -g 'daemon off;' &
NGINX_PID=$!
"$BUILD/portico" serve --config "$TMP/portico.lua" --listen 127.0.0.1:$P_PORT --http-listen "" \
  --data-dir "$TMP/data" > "$TMP/portico.log" 2>&1 &
PORTICO_PID=$!
for i in $(seq 100); do
  curl -ksf "https://127.0.0.1:$P_PORT/healthz" >/dev/null 2>&1 && \
  curl -ksf "https://127.0.0.1:$N_PORT/asset-4k.txt" >/dev/null 2>&1 && break
  sleep 0.1
done

cpu_ticks() { # total utime+stime of a server's processes (parent and workers)
  local pid=$1 t=0
  for p in $pid $(pgrep -P "$pid"); do
    t=$((t + $(awk '{print $14 + $15}' /proc/$p/stat 2>/dev/null || echo 0)))
  done
  echo $t
}
TICK=$(getconf CLK_TCK)
LAST_EFF=0
wrk_rps() { # server_pid url [extra wrk args...]; prints req/s, sets LAST_EFF (req per CPU-second)
  local pid=$1 url=$2; shift 2
  local t0 out reqs t1
  t0=$(cpu_ticks "$pid")
  out=$(wrk -t1 -c"$CONNS" -d"${DURATION}s" "$@" "$url" 2>/dev/null)
  t1=$(cpu_ticks "$pid")
  reqs=$(echo "$out" | awk '/requests in/ {print $1}')
  echo "$reqs $((t1 - t0)) $TICK" >> "$TMP/eff.$pid"
  echo "$out" | awk '/Requests\/sec/ {print $2}'
}
stime_cps() { # port new|reuse
  openssl s_time -connect "127.0.0.1:$1" -"$2" -time "$DURATION" 2>/dev/null \
    | awk '/connections in [0-9]+ real seconds/ {print $1 / $4}' | head -1
}
best() { printf '%s\n' "$@" | sort -g | tail -1; }

declare -A P N
scenario() { # name portico_cmd nginx_cmd
  local name=$1 pc=$2 nc=$3 ps=() ns=()
  for r in $(seq "$ROUNDS"); do
    ns+=("$(eval "$nc")"); ps+=("$(eval "$pc")")
  done
  P[$name]=$(best "${ps[@]}"); N[$name]=$(best "${ns[@]}")
}

PU="https://127.0.0.1:$P_PORT"; NU="https://127.0.0.1:$N_PORT"
eff() { # pid: requests per CPU-second over the runs logged since the last call
  awk '{r += $1; t += $2; k = $3} END { if (t > 0) printf "%.0f", r / (t / k); else print 0 }' "$TMP/eff.$1"
  rm -f "$TMP/eff.$1"
}
declare -A PE NE
scenario static "wrk_rps $PORTICO_PID $PU/static/theme/asset-4k.txt" "wrk_rps $NGINX_PID $NU/asset-4k.txt"
PE[static]=$(eff $PORTICO_PID); NE[static]=$(eff $NGINX_PID)
scenario healthz "wrk_rps $PORTICO_PID $PU/healthz" "wrk_rps $NGINX_PID $NU/asset-4k.txt"
PE[healthz]=$(eff $PORTICO_PID); NE[healthz]=$(eff $NGINX_PID)
scenario handshake_full "stime_cps $P_PORT new" "stime_cps $N_PORT new"
scenario handshake_resumed "stime_cps $P_PORT reuse" "stime_cps $N_PORT reuse"

rss_kb() { ps -o rss= --ppid "$1" | awk '{s+=$1} END {print s+0}'; }
P_RSS=$(rss_kb $PORTICO_PID); N_RSS=$(rss_kb $NGINX_PID)
# Memory of an idle keep-alive TLS connection (after one request each).
IDLE_N=${BENCH_IDLE_CONNECTIONS:-1000}
P_IDLE=$(/usr/bin/python3 bench/idle_conns.py "$P_PORT" /static/theme/asset-4k.txt "$IDLE_N" $(pgrep -P "$PORTICO_PID") || echo 0)
N_IDLE=$(/usr/bin/python3 bench/idle_conns.py "$N_PORT" /asset-4k.txt "$IDLE_N" $(pgrep -P "$NGINX_PID") || echo 0)
{
  echo "# portico vs nginx, $WORKERS worker(s), ${DURATION}s x $ROUNDS rounds, $CONNS connections"
  for s in static healthz handshake_full handshake_resumed; do
    awk -v s="$s" -v p="${P[$s]:-0}" -v n="${N[$s]:-0}" \
      'BEGIN { r = (n > 0) ? p / n : 0; printf "ratio %s %.2f\n", s, r }'
  done
  for s in static healthz handshake_full handshake_resumed; do
    echo "# $s: portico ${P[$s]:-0}/s nginx ${N[$s]:-0}/s"
  done
  # Requests per second of server CPU: steadier than req/s on a shared
  # machine, since time stolen by other processes does not count.
  for s in static healthz; do
    awk -v s="$s" -v p="${PE[$s]:-0}" -v n="${NE[$s]:-0}" \
      'BEGIN { printf "# cpu_efficiency %s portico %d req/cpu-s nginx %d req/cpu-s ratio %.2f\n", s, p, n, (n > 0 ? p / n : 0) }'
  done
  echo "# rss after load: portico workers $P_RSS KiB, nginx workers $N_RSS KiB"
  echo "# memory per idle keep-alive TLS connection ($IDLE_N held): portico $P_IDLE KiB, nginx $N_IDLE KiB"
} | tee "$OUT/latest.txt"
