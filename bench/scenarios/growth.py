"""growth: req/s, p99 and RSS as zrouter's workers grow, and as client connections grow.

workers: one router of its own and 1, 2, 4, 8, 32 sample workers (added between levels, the
router never restarted), each level GET /hello with wrk -t2 -c64 after the warm-up load.

connections: 10, 100, 1,000 and 10,000 client connections to nginx, haproxy and zrouter (the
suite's running systems): min(N, 64) of them under wrk (GET /hello), the rest idle keep-alive
connections held by bench/hold_connections.py, each after one request. RSS of the front process
(nginx master and workers, haproxy, the router) is read with the idle connections open, at the
end of the measured load; the idle connections still open then are counted.
"""

from __future__ import annotations

import re
import sys
import time

from suite import (
    READY_TIMEOUT_S,
    ROOT,
    WRK_DONE_LUA,
    Context,
    Scenario,
    SuiteError,
    System,
    cpu_report,
    fmt,
    latency,
    log,
    parse_wrk,
    ratio,
    run_load,
    wrk_command,
)

from scenarios.common import (
    PeakSampler,
    rss_mib,
    rss_probe,
    start_router,
    start_worker,
    wait_workers,
)

NAME = "growth"
TITLE = "GET /hello as workers (1 to 32) and client connections (10 to 10,000, most idle) grow"

WORKER_LEVELS = (1, 2, 4, 8, 32)
CONNECTION_LEVELS = (10, 100, 1_000, 10_000)
QUICK_WORKER_LEVELS = (1, 2)
QUICK_CONNECTION_LEVELS = (10, 200)
ACTIVE = 64  # connections under wrk; the rest of a level are idle
CONNECTION_SYSTEMS = ("nginx", "haproxy", "zrouter")
HOLDER = ROOT / "bench/hold_connections.py"


def load(ctx: Context, system: System, connections: int, probes: dict) -> dict:
    """The warm-up load, then the measured one with probes sampled and CPU read around it."""
    scenario = Scenario(NAME, TITLE, "wrk", connections=connections)
    script = ctx.tmp / "growth.lua"
    script.write_text(WRK_DONE_LUA)
    warmup, duration = ctx.timing["warmup_s"], ctx.timing["duration_s"]
    if warmup:
        run_load(ctx.procs, wrk_command(scenario, system.h1_url, warmup, script), warmup, system)
    argv = wrk_command(scenario, system.h1_url, duration, script)
    with PeakSampler(probes, interval=0.25) as sampler:
        output, before, after = run_load(ctx.procs, argv, duration, system)
    result = parse_wrk(output)
    result.update(cpu_report(before, after, result["requests"]))
    result.update({"peak": sampler.peaks, "after": sampler.last, "command": argv})
    result["raw_output"] = output
    return result


# ------------------------------------------------------------------------------ workers


def run_workers(ctx: Context, levels: tuple[int, ...]) -> dict:
    router = start_router(ctx.procs, "growth-router")
    workers = []
    results = {}
    try:
        for level in levels:
            while len(workers) < level:
                workers.append(start_worker(ctx.procs, f"growth-w{len(workers) + 1}", router))
            wait_workers(ctx.procs, router, level, *workers)
            log(f"{NAME}: {level} workers (warm-up {ctx.timing['warmup_s']} s)")
            pids = {"router": router.popen.pid} | {
                f"worker-{i}": w.pid for i, w in enumerate(workers, 1)
            }
            system = System(
                "zrouter", f"{router.url}/hello", None, pids, popens=[router.popen, *workers]
            )
            probes = {
                "rss_mib/router": rss_probe(router.popen.pid),
                "rss_mib/workers": lambda: sum(rss_mib(w.pid) or 0 for w in workers),
            }
            results[str(level)] = load(ctx, system, ACTIVE, probes)
    finally:
        for popen in reversed(workers):
            ctx.procs.stop(popen)
        ctx.procs.stop(router.popen)
    return results


# ------------------------------------------------------------------------------ connections


def start_holder(ctx: Context, port: int, count: int):
    """hold_connections.py with `count` idle connections, once they are open; (popen, its output)."""
    out = ctx.tmp / f"holder-{port}-{count}.out"
    argv = [sys.executable, str(HOLDER), "--port", str(port), "--count", str(count)]
    popen = ctx.procs.start(f"holder-{port}-{count}", argv, stdout_file=out)
    deadline = time.monotonic() + READY_TIMEOUT_S + count / 100
    while time.monotonic() < deadline:
        ctx.procs.require_alive(popen)
        match = re.search(r"^holding (\d+) of \d+, failed (\d+)$", out.read_text(), re.M)
        if match:
            return popen, out, int(match.group(1)), int(match.group(2))
        time.sleep(0.2)
    ctx.procs.stop(popen)
    raise SuiteError(f"{count} idle connections to port {port} not open in time")


def run_connections(ctx: Context, system: System, levels: tuple[int, ...]) -> dict:
    front = next(iter(system.pids))  # nginx, haproxy or router
    kids = front in system.with_children
    probes = {f"rss_mib/{front}": rss_probe(system.pids[front], kids)}
    port = int(system.h1_url.split(":")[2].split("/")[0])
    results = {}
    for level in levels:
        active, idle = min(level, ACTIVE), max(0, level - ACTIVE)
        log(f"{NAME}: {system.name}, {level} connections ({idle} idle)")
        rss_before = rss_mib(system.pids[front], kids)
        holder = start_holder(ctx, port, idle) if idle else None
        try:
            rss_idle = rss_mib(system.pids[front], kids)
            result = load(ctx, system, active, probes)
        finally:
            if holder:
                ctx.procs.stop(holder[0])
        result.update(
            {
                "active": active,
                "idle": idle,
                "front": front,
                "rss_mib_before_idle": rss_before,
                "rss_mib_idle_open": rss_idle,
                "rss_mib": result["after"].get(f"rss_mib/{front}"),
            }
        )
        if holder:
            _, out, opened, failed = holder
            match = re.search(r"^open (\d+) of \d+$", out.read_text(), re.M)
            result.update(
                {
                    "idle_opened": opened,
                    "idle_failed": failed,
                    "idle_open_at_end": int(match.group(1)) if match else None,
                }
            )
        results[str(level)] = result
    return results


def run(ctx: Context) -> tuple[dict, list[str]]:
    quick = ctx.timing["quick"]
    results: dict = {"workers": {}, "connections": {}}
    if "zrouter" in ctx.wanted:
        results["workers"] = run_workers(ctx, QUICK_WORKER_LEVELS if quick else WORKER_LEVELS)
    for name in (n for n in ctx.wanted if n in CONNECTION_SYSTEMS):
        levels = QUICK_CONNECTION_LEVELS if quick else CONNECTION_LEVELS
        results["connections"][name] = run_connections(ctx, ctx.systems[name], levels)
    failures = []
    parts = {"workers": results["workers"]}
    parts.update({f"connections/{n}": r for n, r in results["connections"].items()})
    for part, levels in parts.items():
        for level, r in levels.items():
            if not r["requests"]:
                failures.append(f"{NAME}/{part}/{level}: no requests completed")
            if r.get("idle_failed"):
                failures.append(
                    f"{NAME}/{part}/{level}: only {r['idle_opened']} of {r['idle']} idle"
                    " connections opened"
                )
    return results, failures


# ------------------------------------------------------------------------------ report


def difference(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def table(results: dict) -> list[str]:
    lines = []
    workers = results["workers"]
    if workers:
        lines += [
            "Workers behind one router, wrk -t2 -c64:",
            "",
            "| workers | req/s | p50 ms | p99 ms | non-2xx | socket errors | router RSS MiB"
            " | router peak MiB | workers RSS MiB | CPU µs/req | idle % |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for level, r in workers.items():
            lines.append(
                f"| {level} | {fmt(r.get('rps'), 0)} | {fmt(latency(r, 'p50'))}"
                f" | {fmt(latency(r, 'p99'))} | {fmt(r.get('non2xx'))} | {fmt(r.get('socket_errors'))}"
                f" | {fmt(r['after'].get('rss_mib/router'), 0)} | {fmt(r['peak'].get('rss_mib/router'), 0)}"
                f" | {fmt(r['after'].get('rss_mib/workers'), 0)}"
                f" | {fmt(r.get('cpu_us_per_request_total'), 1)}"
                f" | {fmt(None if r.get('idle_share') is None else 100 * r['idle_share'], 1)} |"
            )
        levels = list(workers)
        if "2" in workers:
            lines += [
                "",
                "req/s relative to 2 workers: "
                + ", ".join(
                    f"{l}: {ratio(workers[l].get('rps'), workers['2'].get('rps'))}" for l in levels
                ),
            ]
        lines.append("")
    connections = results["connections"]
    if connections:
        lines += [
            f"Client connections, {ACTIVE} (or fewer) under wrk, the rest idle keep-alive:",
            "",
            "| system | connections | idle open at end | req/s | p99 ms | socket errors"
            " | front RSS MiB | + MiB vs fewest | + MiB opening the idle | peak MiB |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for name, levels in connections.items():
            base = next(iter(levels.values())).get("rss_mib")
            for level, r in levels.items():
                idle = f"{r['idle_open_at_end']} of {r['idle']}" if r["idle"] else "–"
                added = difference(r["rss_mib"], base)
                opening = difference(r["rss_mib_idle_open"], r["rss_mib_before_idle"])
                peak = r["peak"].get(f"rss_mib/{r['front']}")
                lines.append(
                    f"| {name} | {int(level):,} | {idle} | {fmt(r.get('rps'), 0)}"
                    f" | {fmt(latency(r, 'p99'))} | {fmt(r.get('socket_errors'))}"
                    f" | {fmt(r['rss_mib'], 0)} | {fmt(added, 0)} | {fmt(opening, 0)}"
                    f" | {fmt(peak, 0)} |"
                )
        z = connections.get("zrouter", {})
        for base_name in ("nginx", "haproxy"):
            b = connections.get(base_name, {})
            if z and b:
                lines += [
                    "",
                    f"zrouter/{base_name} per level, req/s and p99: "
                    + "; ".join(
                        f"{int(l):,}: {ratio(z[l].get('rps'), b[l].get('rps'))},"
                        f" {ratio(latency(z[l], 'p99'), latency(b[l], 'p99'))}"
                        for l in z
                        if l in b
                    ),
                ]
    return lines


def plot(ax, results: dict) -> None:
    """req/s against workers (zrouter) and against connections (each system), log x."""
    workers = results["workers"]
    if workers:
        ax.plot(
            [int(l) for l in workers],
            [r.get("rps") for r in workers.values()],
            "o-",
            label="zrouter, by workers",
        )
    for name, levels in results["connections"].items():
        ax.plot(
            [int(l) for l in levels],
            [r.get("rps") for r in levels.values()],
            "s--",
            label=f"{name}, by connections",
        )
    ax.set_xscale("log")
    ax.set_xlabel("workers or client connections (log)")
    ax.set_ylabel("growth req/s")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
