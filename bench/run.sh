#!/usr/bin/env bash
# Benchmarks zrouter against nginx in one run, on loopback: the same wrk load against
#   A: nginx (keep-alive upstream) -> HelloBackend (bench/target/zrouter-bench.jar)
#   B: zrouter router -> two sample workers over ZeroMQ, GET /hello
# then prints requests/s, p50, p99 and errors per system, and the zrouter/nginx ratios.
# Raw wrk output goes to bench/out/. See bench/README.md.
#
# Environment: DURATION (10s), CONNECTIONS (64), WRK_THREADS (2), WARMUP (3s),
#              BACKEND_THREADS (nproc), READY_TIMEOUT (30, seconds), JAVA_OPTS (extra JVM flags),
#              SYSTEMS ("nginx zrouter"; set to one of them to run only that half).
set -euo pipefail
# shellcheck source=ports.sh
. "$(dirname "${BASH_SOURCE[0]}")/ports.sh"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-64}"
WRK_THREADS="${WRK_THREADS:-2}"
WARMUP="${WARMUP:-3s}"
BACKEND_THREADS="${BACKEND_THREADS:-$(nproc)}"
READY_TIMEOUT="${READY_TIMEOUT:-30}"
SYSTEMS="${SYSTEMS:-nginx zrouter}"
read -r -a JAVA_ARGS <<<"-Xmx512m ${JAVA_OPTS:-}"

ROUTER_JAR="$ROOT/router/target/zrouter-router.jar"
WORKER_JAR="$ROOT/sample-worker/target/zrouter-sample-worker.jar"
BENCH_JAR="$ROOT/bench/target/zrouter-bench.jar"
OUT_DIR="$ROOT/bench/out"

log() { printf '[bench] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---------------------------------------------------------------- process bookkeeping

PIDS=()
TMP_DIR=""

# Stops the given PIDs: SIGTERM, up to 5 s to exit, then SIGKILL.
stop_pids() {
  local pid i
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "$@"; do
    for ((i = 0; i < 50; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "pid $pid still alive after 5 s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
}

cleanup() {
  local rc="${1:-$?}"
  trap - EXIT INT TERM
  if ((${#PIDS[@]} > 0)); then
    stop_pids "${PIDS[@]}"
  fi
  if [[ -n "$TMP_DIR" && -d "$TMP_DIR" ]]; then
    rm -rf "$TMP_DIR"
  fi
  exit "$rc"
}
trap 'cleanup' EXIT
trap 'cleanup 130' INT
trap 'cleanup 143' TERM

# Prints the tail of every log in TMP_DIR, for diagnosing a failed start.
dump_logs() {
  local f
  for f in "$TMP_DIR"/*.log; do
    [[ -e "$f" ]] || continue
    log "---- tail of $(basename "$f")"
    tail -n 30 "$f" >&2 || true
  done
}

# ---------------------------------------------------------------- prerequisites

if [[ "$(id -u)" -eq 0 ]]; then SUDO=(); else SUDO=(sudo); fi

find_nginx() { command -v nginx 2>/dev/null || { [[ -x /usr/sbin/nginx ]] && echo /usr/sbin/nginx; } || true; }

missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
[[ -n "$(find_nginx)" ]] || missing+=(nginx)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if ((${#missing[@]} > 0)); then
  log "installing ${missing[*]} with apt-get"
  "${SUDO[@]}" apt-get update -qq
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
NGINX="$(find_nginx)"
[[ -n "$NGINX" ]] || die "nginx not found after install"
command -v java >/dev/null 2>&1 || die "java not found"
command -v python3 >/dev/null 2>&1 || die "python3 not found (used to pick free ports for nginx and zrouter)"

want() { [[ " $SYSTEMS " == *" $1 "* ]]; }
want nginx || want zrouter || die "SYSTEMS must name nginx and/or zrouter, got '$SYSTEMS'"

jars=()
want nginx && jars+=("$BENCH_JAR")
want zrouter && jars+=("$ROUTER_JAR" "$WORKER_JAR")
for jar in "${jars[@]}"; do
  if [[ ! -f "$jar" ]]; then
    if want zrouter; then
      log "building jars: mvn -B -q -DskipTests package -pl router,sample-worker -am"
      (cd "$ROOT" && mvn -B -q -DskipTests package -pl router,sample-worker -am)
    else
      log "building the bench jar: mvn -B -q -pl bench -am -DskipTests package"
      (cd "$ROOT" && mvn -B -q -pl bench -am -DskipTests package)
    fi
    break
  fi
done
for jar in "${jars[@]}"; do
  [[ -f "$jar" ]] || die "missing $jar after build"
done

TMP_DIR="$(mktemp -d "${TMPDIR:-/tmp}/zrouter-bench.XXXXXX")"
mkdir -p "$OUT_DIR"
STAMP="$(date +%Y%m%d-%H%M%S)"

# ---------------------------------------------------------------- helpers

# Prints N free loopback TCP ports, chosen by the kernel (bind to port 0), one per line.
# Only for programs that cannot report a port they bound themselves (nginx; the router's
# two listeners); HelloBackend binds port 0 and prints its port.
free_ports() {
  python3 - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
for s in socks:
    print(s.getsockname()[1])
    s.close()
EOF
}

# Fails unless every given PID is alive.
require_alive() {
  local pid
  for pid in "$@"; do
    kill -0 "$pid" 2>/dev/null || { dump_logs; die "process $pid exited during startup"; }
  done
}

# wait_http NAME URL PID...: polls URL until it answers 200, at most READY_TIMEOUT seconds,
# failing early if one of the PIDs dies.
wait_http() {
  local name="$1" url="$2" deadline=$((SECONDS + READY_TIMEOUT)) code
  shift 2
  while ((SECONDS < deadline)); do
    require_alive "$@"
    code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" || true)"
    [[ "$code" == 200 ]] && { log "$name ready at $url"; return 0; }
    sleep 0.2
  done
  dump_logs
  die "$name not ready at $url after ${READY_TIMEOUT}s (last status: ${code:-none})"
}

# start_backend: starts HelloBackend on port 0 and sets BACKEND_PORT from its "listening" line.
start_backend() {
  local deadline=$((SECONDS + READY_TIMEOUT)) line
  java "${JAVA_ARGS[@]}" -jar "$BENCH_JAR" --listen 127.0.0.1:0 --threads "$BACKEND_THREADS" \
    >"$TMP_DIR/backend.out" 2>"$TMP_DIR/backend.log" &
  BACKEND_PID=$!
  PIDS+=("$BACKEND_PID")
  while ((SECONDS < deadline)); do
    require_alive "$BACKEND_PID"
    line="$(grep -m1 '^listening ' "$TMP_DIR/backend.out" || true)"
    if [[ -n "$line" ]]; then
      BACKEND_PORT="${line##*:}"
      log "HelloBackend listening on 127.0.0.1:$BACKEND_PORT (pid $BACKEND_PID)"
      return 0
    fi
    sleep 0.1
  done
  dump_logs
  die "HelloBackend did not report its port within ${READY_TIMEOUT}s"
}

start_nginx() {
  NGINX_PORT="$(free_ports 1)"
  mkdir -p "$TMP_DIR/nginx"
  cat >"$TMP_DIR/nginx/nginx.conf" <<EOF
worker_processes auto;
pid $TMP_DIR/nginx/nginx.pid;
error_log $TMP_DIR/nginx.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $TMP_DIR/nginx/client_body;
  proxy_temp_path $TMP_DIR/nginx/proxy;
  fastcgi_temp_path $TMP_DIR/nginx/fastcgi;
  uwsgi_temp_path $TMP_DIR/nginx/uwsgi;
  scgi_temp_path $TMP_DIR/nginx/scgi;
  upstream hello_backend {
    server 127.0.0.1:$BACKEND_PORT;
    keepalive 64;
  }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / {
      proxy_pass http://hello_backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
EOF
  "$NGINX" -p "$TMP_DIR/nginx" -e "$TMP_DIR/nginx.log" -c "$TMP_DIR/nginx/nginx.conf" -g 'daemon off;' \
    >"$TMP_DIR/nginx-stdout.log" 2>&1 &
  NGINX_PID=$!
  PIDS+=("$NGINX_PID")
  wait_http nginx "http://127.0.0.1:$NGINX_PORT/hello" "$NGINX_PID" "$BACKEND_PID"
}


start_zrouter() {
  local ports n pid
  mapfile -t ports < <(free_ports 1)
  ZROUTER_PORT="${ports[0]}"
  local zmq_port
  zmq_port="$(free_port_pair)"
  java "${JAVA_ARGS[@]}" -jar "$ROUTER_JAR" --listen "127.0.0.1:$ZROUTER_PORT" --bind "tcp://127.0.0.1:$zmq_port" --admin-listen off \
    >"$TMP_DIR/router.log" 2>&1 &
  ROUTER_PID=$!
  PIDS+=("$ROUTER_PID")
  WORKER_PIDS=()
  for n in 1 2; do
    java "${JAVA_ARGS[@]}" -jar "$WORKER_JAR" --connect "tcp://127.0.0.1:$zmq_port" --id "bench-w$n" \
      >"$TMP_DIR/worker-$n.log" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    WORKER_PIDS+=("$pid")
  done
  log "zrouter router pid $ROUTER_PID on 127.0.0.1:$ZROUTER_PORT, workers ${WORKER_PIDS[*]} via tcp://127.0.0.1:$zmq_port"
  wait_http zrouter "http://127.0.0.1:$ZROUTER_PORT/hello" "$ROUTER_PID" "${WORKER_PIDS[@]}"
}

# drive NAME URL: warm-up, then the measured wrk run, raw output to bench/out/.
drive() {
  local name="$1" url="$2" out="$OUT_DIR/$STAMP-$1.txt"
  log "$name: warm-up wrk -t$WRK_THREADS -c$CONNECTIONS -d$WARMUP"
  wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$WARMUP" "$url" >/dev/null
  log "$name: wrk -t$WRK_THREADS -c$CONNECTIONS -d$DURATION --latency $url"
  wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$url" >"$out"
}

# parse_wrk FILE: prints "requests/s p50_ms p99_ms non2xx socket_errors".
parse_wrk() {
  awk '
    function ms(v) {
      if (v ~ /us$/) return v / 1000
      if (v ~ /ms$/) return v + 0
      if (v ~ /m$/)  return v * 60000
      if (v ~ /s$/)  return v * 1000
      return v + 0
    }
    $1 == "50%"               { p50 = ms($2) }
    $1 == "99%"               { p99 = ms($2) }
    /^Requests\/sec:/         { rps = $2 }
    /Non-2xx or 3xx responses/ { non2xx = $NF }
    /Socket errors:/          { errs = ($4 + 0) + ($6 + 0) + ($8 + 0) + ($10 + 0) }
    END { printf "%.2f %.3f %.3f %d %d\n", rps, p50, p99, non2xx, errs }
  ' "$1"
}

# ---------------------------------------------------------------- run

log "systems: $SYSTEMS; raw output: $OUT_DIR/$STAMP-*.txt"
if want nginx; then
  start_backend
  start_nginx
fi
if want zrouter; then
  start_zrouter
fi
want nginx && drive nginx "http://127.0.0.1:$NGINX_PORT/hello"
want zrouter && drive zrouter "http://127.0.0.1:$ZROUTER_PORT/hello"

row() { printf '%-8s %12s %10s %10s %16s\n' "$@"; }
{
  echo "wrk -t$WRK_THREADS -c$CONNECTIONS -d$DURATION --latency, GET /hello on 127.0.0.1, $(nproc) CPUs"
  row system 'requests/s' 'p50 ms' 'p99 ms' 'non-2xx/errors'
  if want nginx; then
    read -r n_rps n_p50 n_p99 n_non2xx n_errs < <(parse_wrk "$OUT_DIR/$STAMP-nginx.txt")
    row nginx "$n_rps" "$n_p50" "$n_p99" "$n_non2xx/$n_errs"
  fi
  if want zrouter; then
    read -r z_rps z_p50 z_p99 z_non2xx z_errs < <(parse_wrk "$OUT_DIR/$STAMP-zrouter.txt")
    row zrouter "$z_rps" "$z_p50" "$z_p99" "$z_non2xx/$z_errs"
  fi
  if want nginx && want zrouter; then
    awk -v zr="$z_rps" -v nr="$n_rps" -v zp="$z_p99" -v np="$n_p99" 'BEGIN {
      printf "zrouter/nginx: requests/s %s, p99 %s\n",
        (nr > 0 ? sprintf("%.2fx", zr / nr) : "n/a"), (np > 0 ? sprintf("%.2fx", zp / np) : "n/a")
    }'
  fi
} | tee "$OUT_DIR/$STAMP-summary.txt"
