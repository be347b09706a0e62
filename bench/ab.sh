#!/usr/bin/env bash
# A/B of two zrouter builds (or two flag sets) side by side in one run, so one change is
# measured on its own as a ratio while the machine's drift hits both alike.
#
#   bash bench/ab.sh A_JARS_DIR B_JARS_DIR
#
# Each *_JARS_DIR holds zrouter-router.jar and zrouter-sample-worker.jar (copy them out of a
# build of each commit). Both systems (a router and two sample workers each) run at once; after
# a warm-up of each, ROUNDS rounds of wrk alternate A, B, A, B... on GET /hello. Prints req/s, p99
# and CPU per request (router, and router plus workers, from /proc/PID/stat: this drifts far less
# than req/s when other work shares the machine) per round, and the B/A ratios of the medians.
#
# Environment: WARMUP (30s), DURATION (10s), ROUNDS (3), CONNECTIONS (64),
#   A_ROUTER_FLAGS / B_ROUTER_FLAGS, A_WORKER_FLAGS / B_WORKER_FLAGS (extra flags), JAVA_OPTS (both),
#   A_ROUTER_JAVA_OPTS / B_ROUTER_JAVA_OPTS (JVM options of one side's router only),
#   REQUEST_PATH (/hello) and WRK_LUA (a wrk script, e.g. a POST body) for other requests:
#   REQUEST_PATH=/echo WRK_LUA=bench/post1k.lua bash bench/ab.sh A B
set -euo pipefail
# shellcheck source=ports.sh
. "$(dirname "${BASH_SOURCE[0]}")/ports.sh"

A_DIR="${1:?usage: ab.sh A_JARS_DIR B_JARS_DIR}"
B_DIR="${2:?usage: ab.sh A_JARS_DIR B_JARS_DIR}"
WARMUP="${WARMUP:-30s}"
DURATION="${DURATION:-10s}"
ROUNDS="${ROUNDS:-3}"
CONNECTIONS="${CONNECTIONS:-64}"
REQUEST_PATH="${REQUEST_PATH:-/hello}"
WRK_SCRIPT=()
if [[ -n "${WRK_LUA:-}" ]]; then
  WRK_SCRIPT=(-s "$WRK_LUA")
fi
read -r -a JAVA_ARGS <<<"-Xmx512m ${JAVA_OPTS:-}"

PIDS=()
TMP_DIR="$(mktemp -d "${TMPDIR:-/tmp}/zrouter-ab.XXXXXX")"
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    timeout 10 tail --pid="$pid" -f /dev/null 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  done
  rm -rf "$TMP_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log() { printf '[ab] %s\n' "$*" >&2; }

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}


# start NAME DIR ROUTER_FLAGS WORKER_FLAGS ROUTER_JAVA_OPTS: sets PORT_<NAME>
start() {
  local name="$1" dir="$2" rflags="$3" wflags="$4" rjava="$5" port zmq n i
  port="$(free_port)"
  zmq="$(free_port_pair)"
  # shellcheck disable=SC2086
  java "${JAVA_ARGS[@]}" $rjava -jar "$dir/zrouter-router.jar" --listen "127.0.0.1:$port" \
    --bind "tcp://127.0.0.1:$zmq" --admin-listen off $rflags >"$TMP_DIR/$name-router.log" 2>&1 &
  PIDS+=($!)
  for n in 1 2; do
    # shellcheck disable=SC2086
    java "${JAVA_ARGS[@]}" -jar "$dir/zrouter-sample-worker.jar" --connect "tcp://127.0.0.1:$zmq" \
      --id "$name-w$n" $wflags >"$TMP_DIR/$name-w$n.log" 2>&1 &
    PIDS+=($!)
  done
  for ((i = 0; i < 150; i++)); do
    curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$port/hello" && break
    sleep 0.2
  done
  curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$port/hello" || {
    tail -n 20 "$TMP_DIR/$name"-*.log >&2
    log "$name did not come up"
    exit 1
  }
  printf -v "PORT_$name" '%s' "$port"
  printf -v "PIDS_$name" '%s' "${PIDS[*]: -3}"
  log "$name ($dir) on 127.0.0.1:$port"
}

# cpu_ticks PID...: user + system clock ticks the processes used so far
cpu_ticks() {
  local pid total=0 stat fields
  for pid in "$@"; do
    stat="$(cat "/proc/$pid/stat")"
    read -r -a fields <<<"${stat##*) }"
    total=$((total + fields[11] + fields[12]))
  done
  echo "$total"
}

# measure PORT DURATION [ROUTER_PID WORKER_PID...]: prints "req/s p99_ms router_us total_us"
# (CPU microseconds per request; 0 without PIDs)
measure() {
  local port="$1" duration="$2" out r0 t0 r1 t1
  shift 2
  if [ $# -gt 0 ]; then r0="$(cpu_ticks "$1")" t0="$(cpu_ticks "$@")"; fi
  out="$(wrk -t2 -c"$CONNECTIONS" -d"$duration" --latency "${WRK_SCRIPT[@]}" "http://127.0.0.1:$port$REQUEST_PATH")"
  if [ $# -gt 0 ]; then r1="$(cpu_ticks "$1")" t1="$(cpu_ticks "$@")"; else r0=0 t0=0 r1=0 t1=0; fi
  awk -v dr=$((r1 - r0)) -v dt=$((t1 - t0)) -v tck="$(getconf CLK_TCK)" '
    $2 == "requests" && $3 == "in" { n = $1 }
    function ms(v) {
      if (v ~ /us$/) return v / 1000
      if (v ~ /ms$/) return v + 0
      if (v ~ /s$/) return v * 1000
      return v + 0
    }
    $1 == "99%" { p99 = ms($2) }
    /^Requests\/sec:/ { rps = $2 }
    END { printf "%.0f %.2f %.1f %.1f\n", rps, p99, n ? dr / tck * 1e6 / n : 0, n ? dt / tck * 1e6 / n : 0 }' <<<"$out"
}

start A "$A_DIR" "${A_ROUTER_FLAGS:-}" "${A_WORKER_FLAGS:-}" "${A_ROUTER_JAVA_OPTS:-}"
start B "$B_DIR" "${B_ROUTER_FLAGS:-}" "${B_WORKER_FLAGS:-}" "${B_ROUTER_JAVA_OPTS:-}"
log "warm-up $WARMUP each"
measure "$PORT_A" "$WARMUP" >/dev/null
measure "$PORT_B" "$WARMUP" >/dev/null

a_rps=() b_rps=() a_p99=() b_p99=() a_cpu=() b_cpu=() a_rcpu=() b_rcpu=()
printf '%-6s %10s %9s %16s   %10s %9s %16s\n' round 'A req/s' 'A p99' 'A µs/req r+w' \
  'B req/s' 'B p99' 'B µs/req r+w'
for ((r = 1; r <= ROUNDS; r++)); do
  # shellcheck disable=SC2086
  read -r ar ap arc ac < <(measure "$PORT_A" "$DURATION" $PIDS_A)
  # shellcheck disable=SC2086
  read -r br bp brc bc < <(measure "$PORT_B" "$DURATION" $PIDS_B)
  a_rps+=("$ar") b_rps+=("$br") a_p99+=("$ap") b_p99+=("$bp")
  a_cpu+=("$ac") b_cpu+=("$bc") a_rcpu+=("$arc") b_rcpu+=("$brc")
  printf '%-6s %10s %9s %16s   %10s %9s %16s\n' "$r" "$ar" "${ap}ms" "$arc+$(awk -v t="$ac" -v r="$arc" 'BEGIN { printf "%.1f", t - r }')" \
    "$br" "${bp}ms" "$brc+$(awk -v t="$bc" -v r="$brc" 'BEGIN { printf "%.1f", t - r }')"
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
awk -v ar="$(median "${a_rps[@]}")" -v br="$(median "${b_rps[@]}")" \
  -v ap="$(median "${a_p99[@]}")" -v bp="$(median "${b_p99[@]}")" 'BEGIN {
    printf "median: A %.0f req/s p99 %.2f ms; B %.0f req/s p99 %.2f ms; B/A req/s %.2fx, p99 %.2fx\n",
      ar, ap, br, bp, br / ar, bp / ap }'
awk -v ac="$(median "${a_cpu[@]}")" -v bc="$(median "${b_cpu[@]}")" \
  -v arc="$(median "${a_rcpu[@]}")" -v brc="$(median "${b_rcpu[@]}")" 'BEGIN {
    printf "CPU per request: A router %.1f µs, all %.1f µs; B router %.1f µs, all %.1f µs; B/A router %.2fx, all %.2fx\n",
      arc, ac, brc, bc, brc / arc, bc / ac }'
