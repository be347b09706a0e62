#!/usr/bin/env bash
# One router, 2 default workers and 2 workers of service /svc; alternates wrk on /hello
# (default service) and /svc/hello (the service) to compare them side by side.
set -euo pipefail
# shellcheck source=ports.sh
. "$(dirname "${BASH_SOURCE[0]}")/ports.sh"
cd "$(dirname "$0")/.."
R=router/target/zrouter-router.jar; W=sample-worker/target/zrouter-sample-worker.jar
P=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
Z=$(free_port_pair)
pids=()
trap 'kill ${pids[@]} 2>/dev/null; wait 2>/dev/null' EXIT
java -Xmx512m -jar $R --listen 127.0.0.1:$P --bind tcp://127.0.0.1:$Z --admin-listen off > ${TMPDIR:-/tmp}/zrouter-svc-router.log 2>&1 & pids+=($!)
for i in 1 2; do java -Xmx512m -jar $W --connect tcp://127.0.0.1:$Z --id d$i > ${TMPDIR:-/tmp}/zrouter-svc-d$i.log 2>&1 & pids+=($!); done
for i in 1 2; do java -Xmx512m -jar $W --connect tcp://127.0.0.1:$Z --id s$i --route /svc > ${TMPDIR:-/tmp}/zrouter-svc-s$i.log 2>&1 & pids+=($!); done
for i in $(seq 100); do curl -sf http://127.0.0.1:$P/hello >/dev/null && curl -sf http://127.0.0.1:$P/svc/hello >/dev/null && break; sleep 0.2; done
wrk -t2 -c64 -d15s http://127.0.0.1:$P/hello >/dev/null; wrk -t2 -c64 -d15s http://127.0.0.1:$P/svc/hello >/dev/null
for r in 1 2 3; do
  for path in /hello /svc/hello; do
    out=$(wrk -t2 -c64 -d10s --latency http://127.0.0.1:$P$path)
    echo "round $r $path $(echo "$out" | awk '/Requests\/sec/{print $2}') req/s p99 $(echo "$out" | awk '$1=="99%"{print $2}') non2xx $(echo "$out" | awk '/Non-2xx/{print $NF}')"
  done
done
