#!/usr/bin/env bash
# Slow-worker share: a router, three fast sample workers and one that adds DELAY_MS (50) to
# every request, under wrk -t2 -c64 for DURATION (20s). Prints each worker's share of the
# requests and p50/p95/p99, for four set-ups in one run:
#   zrouter - workers run CONCURRENCY (4) requests at once and refuse the rest; the router
#             limits the streams of the slow one
#   refuse only - the same with the router's limit off
#   blind   - workers take everything (concurrency 1000), router limits off: blind round-robin
#   fast    - four fast workers, the baseline
# Usage: bash bench/slow-worker.sh   (needs wrk, curl, python3; builds the jars if missing)
set -euo pipefail
# shellcheck source=ports.sh
. "$(dirname "${BASH_SOURCE[0]}")/ports.sh"
cd "$(dirname "$0")/.."
DURATION="${DURATION:-20s}"
DELAY_MS="${DELAY_MS:-50}"
CONCURRENCY="${CONCURRENCY:-4}"
ROUTER_JAR=router/target/zrouter-router.jar
WORKER_JAR=sample-worker/target/zrouter-sample-worker.jar
[ -f "$ROUTER_JAR" ] && [ -f "$WORKER_JAR" ] || mvn -B -q -DskipTests package -pl router,sample-worker -am

pids=()
stop_all() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}
trap stop_all EXIT INT TERM

free_ports() { # two loopback ports chosen by the kernel (the router's HTTP and ZeroMQ ports)
  python3 -c 'import socket
s=[socket.socket() for _ in range(2)]
[x.bind(("127.0.0.1",0)) for x in s]
print(*[x.getsockname()[1] for x in s])'
}


run() { # name slow-delay concurrency slow-worker-limit
  read -r http zmq < <(free_ports)
  zmq="$(free_port_pair)"
  java -jar "$ROUTER_JAR" --listen "127.0.0.1:$http" --bind "tcp://127.0.0.1:$zmq" --admin-listen off \
    --slow-worker-limit "$4" >/dev/null 2>&1 &
  pids+=($!)
  for i in 1 2 3; do
    java -jar "$WORKER_JAR" --connect "tcp://127.0.0.1:$zmq" --id "fast$i" --concurrency "$3" >/dev/null 2>&1 &
    pids+=($!)
  done
  java -jar "$WORKER_JAR" --connect "tcp://127.0.0.1:$zmq" --id "other" --concurrency "$3" --delay-ms "$2" >/dev/null 2>&1 &
  pids+=($!)
  for _ in $(seq 1 150); do curl -fs "http://127.0.0.1:$http/hello" >/dev/null && break; sleep 0.1; done
  wrk -t2 -c64 -d3s "http://127.0.0.1:$http/hello" >/dev/null # warm-up
  echo "== $1"
  wrk -t2 -c64 -d"$DURATION" --latency -s bench/worker-share.lua "http://127.0.0.1:$http/hello" \
    | grep -E '^share|^p50'
  stop_all
}

run "zrouter: 'other' adds ${DELAY_MS} ms, concurrency ${CONCURRENCY}" "$DELAY_MS" "$CONCURRENCY" on
run "refuse only: as above, router's slow-worker limit off" "$DELAY_MS" "$CONCURRENCY" off
run "blind: 'other' adds ${DELAY_MS} ms, concurrency 1000, limit off" "$DELAY_MS" 1000 off
run "fast: four fast workers, concurrency ${CONCURRENCY}" 0 "$CONCURRENCY" on
