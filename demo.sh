#!/usr/bin/env bash
# Starts a zrouter demo on the default ports: a router on 127.0.0.1:8080 (workers connect
# to tcp://127.0.0.1:5555), two sample workers for the default service, one serving the
# path /billing and one serving the host api.localhost. Builds the jars first when needed.
# Ctrl-C stops them all.
set -euo pipefail
cd "$(dirname "$0")"

ROUTER_JAR=router/target/zrouter-router.jar
WORKER_JAR=sample-worker/target/zrouter-sample-worker.jar
HTTP=127.0.0.1:8080
ZMQ=tcp://127.0.0.1:5555

stale() {
  [ ! -f "$ROUTER_JAR" ] || [ ! -f "$WORKER_JAR" ] && return 0
  [ -n "$(find proto transport router worker-sdk sample-worker pom.xml -newer "$ROUTER_JAR" \
      \( -name '*.java' -o -name '*.proto' -o -name 'pom.xml' -o -name '*.properties' \) \
      -not -path '*/target/*' -print -quit)" ]
}
if stale; then
  # the router and the sample worker only: the Python worker's build needs Python packages
  echo "building zrouter (mvn -B -q -DskipTests package -pl router,sample-worker -am)..."
  mvn -B -q -DskipTests package -pl router,sample-worker -am
fi

pids=()
stop_all() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_all EXIT INT TERM

java -jar "$ROUTER_JAR" --listen "$HTTP" --bind "$ZMQ" &
pids+=($!)
java -jar "$WORKER_JAR" --connect "$ZMQ" --id w1 &
pids+=($!)
java -jar "$WORKER_JAR" --connect "$ZMQ" --id w2 &
pids+=($!)
java -jar "$WORKER_JAR" --connect "$ZMQ" --id billing1 --route /billing &
pids+=($!)
java -jar "$WORKER_JAR" --connect "$ZMQ" --id api1 --route api.localhost &
pids+=($!)

for _ in $(seq 1 100); do
  if curl -fsS "http://$HTTP/hello" >/dev/null 2>&1; then
    cat <<TXT

zrouter is up: router on http://$HTTP, workers w1 and w2 on $ZMQ, billing1 serving
/billing and api1 serving the host api.localhost. Try:

  curl -i http://$HTTP/hello                          # x-service: default
  curl -i http://$HTTP/billing/hello                  # x-service: /billing
  curl -i -H 'Host: api.localhost' http://$HTTP/hello # x-service: api.localhost
  curl -N 'http://$HTTP/stream?n=5&interval_ms=500'
  curl --http2-prior-knowledge http://$HTTP/hello
  curl -X POST --data-binary @README.md http://$HTTP/sha256
  curl http://127.0.0.1:9090/_zrouter/workers      # admin: connected workers

Ctrl-C stops the router and the workers.
TXT
    wait
    exit 0
  fi
  for pid in "${pids[@]}"; do
    kill -0 "$pid" 2>/dev/null || { echo "demo: a process exited early (see above)" >&2; exit 1; }
  done
  sleep 0.1
done
echo "demo: router did not answer within 10 s" >&2
exit 1
