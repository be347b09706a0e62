"""join: how soon a new sample worker serves a request that was already waiting for it.

A router of its own, with no workers and --worker-wait 120s. Each round: a client connection
sends GET /hello and the router holds it (its admin API shows the stream in flight); a sample
worker is spawned; the time to the response's head is taken from four starts:

* spawn:   just before the worker process is started (fork and exec included);
* JVM up:  the worker's `-Xlog:startuptime` line `Create VM` (the JVM is created and about to load
           the main class), stamped in ms since the epoch by the `tm` decorator;
* main:    the worker's main() entered, and
* connect: just before it starts the SDK (connects to the router), both from its `connecting:`
           log line;

and two of the router's own: its log line `worker connected` (the worker's dispatch connection),
and `joined_at_unix_ms` of /_zrouter/workers (the worker's hello on the addressed socket, which a
worker opens once its first request names it, so after the held request reached it). The worker
is then stopped and the router left with none before the next round. Every stamp is the same
machine's wall clock (CLOCK_REALTIME), in whole ms on the JVM side.
"""

from __future__ import annotations

import datetime
import re
import socket
import time
from pathlib import Path

from suite import JAVA, Context, SuiteError, fmt, log

from scenarios.common import admin, spread, start_router, start_worker

NAME = "join"
TITLE = "a new worker's first request: spawn and JVM up to the response of a held GET /hello"

ROUNDS = 7
QUICK_ROUNDS = 2
WORKER_WAIT = "120s"
HELD_TIMEOUT_S = 10
RESPONSE_TIMEOUT_S = 60
STAMPS = ("spawn", "jvm_up", "main", "connect", "connected", "joined")

CONNECTING_LINE = r"connecting: worker = {}, main_unix_ms = (\d+), connect_unix_ms = (\d+)"
CREATE_VM_LINE = re.compile(r"^\[(\d+)ms\].*\bCreate VM\b", re.M)
CONNECTED_LINE = re.compile(r"^(\S+Z) \[INFO\] ConnectionLog - worker connected:", re.M)


def router_connected_ms(router_log: Path, since_ms: float) -> float | None:
    """The first `worker connected` the router logged at or after since_ms, in ms since the epoch."""
    for match in CONNECTED_LINE.finditer(router_log.read_text(errors="replace")):
        stamp = datetime.datetime.fromisoformat(match.group(1)).timestamp() * 1000
        if stamp >= since_ms:
            return stamp
    return None


def wait_until(predicate, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise SuiteError(f"{NAME}: {what} not within {timeout_s} s")
        time.sleep(0.02)


def read_head(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data.split(b"\r\n\r\n", 1)[0]


def one_join(ctx: Context, router, n: int) -> dict:
    name = f"join-w{n}"
    startup_log = ctx.tmp / f"{name}.startup"
    with socket.create_connection(("127.0.0.1", router.port), timeout=RESPONSE_TIMEOUT_S) as sock:
        sock.sendall(b"GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        wait_until(
            lambda: admin(router, "/_zrouter/workers")["streams_in_flight"] >= 1,
            HELD_TIMEOUT_S,
            "the request held by the router",
        )
        spawn = time.time()
        worker = start_worker(
            ctx.procs,
            name,
            router,
            java=JAVA + [f"-Xlog:startuptime:file={startup_log}:tm"],
            flags=("--drain-timeout", "1s"),
        )
        head = read_head(sock)
        response = time.time()
    try:
        workers = admin(router, "/_zrouter/workers")["workers"]
        joined = next((w["joined_at_unix_ms"] for w in workers if w["id"] == name), None)
        worker_log = (ctx.procs.log_dir / f"{name}.log").read_text(errors="replace")
        connecting = re.search(CONNECTING_LINE.format(re.escape(name)), worker_log)
        create_vm = CREATE_VM_LINE.search(startup_log.read_text()) if startup_log.exists() else None
    finally:
        ctx.procs.stop(worker)
    wait_until(
        lambda: not admin(router, "/_zrouter/workers")["workers"], HELD_TIMEOUT_S, "worker gone"
    )
    stamps_ms = {
        "spawn": spawn * 1000,
        "jvm_up": int(create_vm.group(1)) if create_vm else None,
        "main": int(connecting.group(1)) if connecting else None,
        "connect": int(connecting.group(2)) if connecting else None,
        "connected": router_connected_ms(ctx.procs.log_dir / "join-router.log", spawn * 1000),
        "joined": joined,
    }
    response_ms = response * 1000
    result = {
        "worker": name,
        "status_line": head.split(b"\r\n", 1)[0].decode(errors="replace"),
        "stamps_unix_ms": stamps_ms,
        "response_unix_ms": response_ms,
        "to_response_ms": {k: None if v is None else response_ms - v for k, v in stamps_ms.items()},
    }
    if stamps_ms["jvm_up"] is not None:
        result["spawn_to_jvm_up_ms"] = stamps_ms["jvm_up"] - stamps_ms["spawn"]
    log(
        f"{NAME}: {name}: {result['status_line']}, spawn -> response"
        f" {result['to_response_ms']['spawn']:.0f} ms, JVM up -> response"
        f" {fmt(result['to_response_ms']['jvm_up'], 0)} ms"
    )
    return result


def run(ctx: Context) -> tuple[dict, list[str]]:
    if "zrouter" not in ctx.wanted:
        return {"skipped": "zrouter not among --systems", "rounds": []}, []
    router = start_router(ctx.procs, "join-router", flags=("--worker-wait", WORKER_WAIT))
    rounds = []
    try:
        for n in range(1, (QUICK_ROUNDS if ctx.timing["quick"] else ROUNDS) + 1):
            rounds.append(one_join(ctx, router, n))
    finally:
        ctx.procs.stop(router.popen)
    summary = {
        k: spread([r["to_response_ms"][k] for r in rounds if r["to_response_ms"][k] is not None])
        for k in STAMPS
    }
    summary["spawn_to_jvm_up"] = spread(
        [r["spawn_to_jvm_up_ms"] for r in rounds if "spawn_to_jvm_up_ms" in r]
    )
    failures = [
        f"{NAME}/{r['worker']}: {r['status_line'] or 'no response'}"
        for r in rounds
        if " 200 " not in r["status_line"] + " "
    ]
    return {"worker_wait": WORKER_WAIT, "rounds": rounds, "summary": summary}, failures


# ------------------------------------------------------------------------------ report

LABELS = {
    "spawn": "process spawned -> response",
    "jvm_up": "JVM up (Create VM) -> response",
    "main": "main() entered -> response",
    "connect": "SDK start (connect) -> response",
    "connected": "router logged the worker's connection -> response",
    "joined": "router listed the worker (addressed hello) -> response",
    "spawn_to_jvm_up": "process spawned -> JVM up",
}


def table(results: dict) -> list[str]:
    if "skipped" in results:
        return [f"skipped: {results['skipped']}"]
    lines = [
        f"{len(results['rounds'])} rounds, each a new worker for a request already held",
        "",
        "| interval | p50 ms | min ms | max ms |",
        "|---|---:|---:|---:|",
    ]
    for key, label in LABELS.items():
        s = results["summary"][key]
        lines.append(f"| {label} | {fmt(s['p50'], 0)} | {fmt(s['min'], 0)} | {fmt(s['max'], 0)} |")
    return lines


# the chart's ticks: from what to the response, except the last
TICKS = {
    "spawn": "spawn",
    "jvm_up": "JVM up",
    "main": "main()",
    "connect": "SDK start",
    "connected": "router: conn.",
    "joined": "router: listed",
    "spawn_to_jvm_up": "spawn to\nJVM up",
}


def plot(ax, results: dict) -> None:
    if "skipped" in results:
        return
    summary = results["summary"]
    xs = range(len(TICKS))
    ax.bar([x - 0.2 for x in xs], [summary[k]["p50"] or 0 for k in TICKS], 0.4, label="p50")
    ax.bar([x + 0.2 for x in xs], [summary[k]["max"] or 0 for k in TICKS], 0.4, label="max")
    ax.set_xticks(xs, list(TICKS.values()), fontsize="small")
    ax.set_ylabel("join: ms from ... to the response")
    ax.legend()
    ax.grid(axis="y", alpha=0.3)
