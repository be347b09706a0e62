#!/usr/bin/env bash
# Chaos run: a router and sample workers as processes, GET+POST load, and on a schedule
# kill -9 / SIGTERM / add workers and restart the router. Prints the outcome table.
# Usage: bash bench/chaos.sh [--duration 5m] [--workers 4] [--clients 8] [--event-every 2s]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f bench/target/zrouter-bench.jar ] || [ ! -f router/target/zrouter-router.jar ] \
    || [ ! -f sample-worker/target/zrouter-sample-worker.jar ]; then
  mvn -B -q -DskipTests package -pl router,sample-worker,bench -am
fi
exec java -cp bench/target/zrouter-bench.jar io.zrouter.bench.chaos.ChaosHarness --repo . "$@"
