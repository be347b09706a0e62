"""bulk: 1 GiB down (GET /bytes?n=) and 1 GiB up (POST /sha256) through each system, with curl.

direct, nginx and haproxy are the suite's running systems (HelloBackend streams both endpoints
as the sample worker does); zrouter is a router of its own started with -Xmx64m plus one sample
worker, so its heap can be read against a small limit. Per system and direction: up to
WARMUP_TRANSFERS unrecorded transfers within the warm-up time, then ROUNDS measured ones, one
at a time, while a thread samples the RSS of every process behind the system (and the router's
heap and Netty direct memory from its admin API). Downloads are checked for their size, uploads
for their SHA-256. The upload is a sparse file of zeros (read from the page cache, no disk I/O)
sent with its Content-Length; curl's own CPU share is recorded to show it is not the bottleneck.
"""

from __future__ import annotations

import hashlib
import re
import resource
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from suite import Context, fmt, log, ratio

from scenarios.common import (
    PeakSampler,
    admin,
    hwm_mib,
    rss_probe,
    start_router,
    start_worker,
    wait_workers,
)

NAME = "bulk"
TITLE = "1 GiB download (GET /bytes) and upload (POST /sha256), curl, one transfer at a time"

SIZE = 1 << 30
QUICK_SIZE = 64 << 20
ROUNDS = 3
QUICK_ROUNDS = 1
WARMUP_TRANSFERS = 4  # at most, within the warm-up time
TRANSFER_TIMEOUT_S = 120  # curl --max-time: 1 GiB at under 9 MB/s is a failure anyway
ROUTER_JAVA = ["java", "-Xmx64m"]
DIRECTIONS = ("download", "upload")

CURL_FORMAT = (
    "\nSUITE_CURL %{http_code} %{size_download} %{size_upload} %{speed_download}"
    " %{speed_upload} %{time_total}\n"
)
MIB = 1024 * 1024


@dataclass(frozen=True)
class Payload:
    size: int
    upload: Path  # a sparse file of `size` zeros: read from the page cache, no disk I/O
    digest: str  # its SHA-256, hex

    @staticmethod
    def of_zeros(size: int, path: Path) -> "Payload":
        with open(path, "wb") as f:
            f.truncate(size)
        digest, block = hashlib.sha256(), bytes(MIB)
        for _ in range(size // MIB):
            digest.update(block)
        digest.update(bytes(size % MIB))
        return Payload(size, path, digest.hexdigest())


def curl_command(direction: str, base_url: str, payload: Payload) -> list[str]:
    argv = ["curl", "-sS", "--max-time", str(TRANSFER_TIMEOUT_S), "-w", CURL_FORMAT]
    if direction == "download":
        return argv + ["-o", "/dev/null", f"{base_url}/bytes?n={payload.size}"]
    return argv + [
        "-X",
        "POST",
        "-T",
        str(payload.upload),
        "-H",
        "Content-Type: application/octet-stream",
        f"{base_url}/sha256",
    ]


def transfer(ctx: Context, argv: list[str]) -> dict:
    """One curl run: status, bytes, bytes/s and seconds as curl reports them, its CPU share."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    popen = ctx.procs.start_piped("curl", argv)
    try:
        output, _ = popen.communicate(timeout=TRANSFER_TIMEOUT_S + 10)
    except subprocess.TimeoutExpired:
        output = ""
    finally:
        ctx.procs.stop(popen)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    match = re.search(r"^SUITE_CURL (\d+) (\d+) (\d+) ([\d.]+) ([\d.]+) ([\d.]+)$", output, re.M)
    if not match:
        return {"ok": False, "error": output[-500:] or "no output from curl"}
    status, down, up, speed_down, speed_up, seconds = match.groups()
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {
        "status": int(status),
        "bytes_down": int(down),
        "bytes_up": int(up),
        "mb_per_s": float(speed_down if int(down) > int(up) else speed_up) / 1e6,
        "seconds": float(seconds),
        "client_cpu_share": cpu / float(seconds) if float(seconds) else None,
        "body": output[: match.start()].strip()[-200:],
    }


def checked(direction: str, t: dict, payload: Payload) -> dict:
    """t with ok and, if it is not ok, why: a status other than 200, a short body, a bad digest."""
    if "status" not in t:
        return t
    if t["status"] != 200:
        t["error"] = f"HTTP {t['status']}"
    elif direction == "download" and t["bytes_down"] != payload.size:
        t["error"] = f"{t['bytes_down']} bytes, not {payload.size}"
    elif direction == "upload" and t["body"] != payload.digest:
        t["error"] = f"digest {t['body']!r}, expected {payload.digest}"
    t["ok"] = "error" not in t
    return t


def measure(
    ctx: Context,
    base_url: str,
    roles: dict[str, tuple[int, bool]],
    payload: Payload,
    extra_probes: dict | None = None,
) -> dict:
    """Both directions on one system; roles: role -> (pid, count its children too)."""
    rounds = QUICK_ROUNDS if ctx.timing["quick"] else ROUNDS
    probes = {f"rss_mib/{role}": rss_probe(pid, kids) for role, (pid, kids) in roles.items()}
    probes.update(extra_probes or {})
    result: dict = {"front": next(iter(roles))}
    for direction in DIRECTIONS:
        argv = curl_command(direction, base_url, payload)
        deadline = time.monotonic() + ctx.timing["warmup_s"]
        warm = 0
        while warm < WARMUP_TRANSFERS and time.monotonic() < deadline:
            transfer(ctx, argv)
            warm += 1
        with PeakSampler(probes) as sampler:
            measured = [checked(direction, transfer(ctx, argv), payload) for _ in range(rounds)]
        speeds = sorted(t["mb_per_s"] for t in measured if t.get("ok"))
        result[direction] = {
            "mb_per_s": speeds[len(speeds) // 2] if speeds else None,  # the median round
            "rounds": measured,
            "errors": [t["error"] for t in measured if not t.get("ok")],
            "warmup_transfers": warm,
            "peak": sampler.peaks,
            "after": sampler.last,
            "samples": sampler.samples,
            "command": argv,
        }
    result["vm_hwm_mib"] = {role: hwm_mib(pid) for role, (pid, _) in roles.items()}
    return result


def heap_info(pid: int) -> dict:
    """jcmd PID GC.heap_info: the heap's total and used MiB, and the raw text."""
    if shutil.which("jcmd") is None:
        return {"error": "no jcmd"}
    done = subprocess.run(
        ["jcmd", str(pid), "GC.heap_info"], capture_output=True, text=True, timeout=60
    )
    match = re.search(r"heap\s+total (\d+)K, used (\d+)K", done.stdout)
    info = {"raw": done.stdout.strip()}
    if match:
        info.update(
            {"total_mib": int(match.group(1)) / 1024, "used_mib": int(match.group(2)) / 1024}
        )
    return info


def memory_mib(router, key: str) -> float:
    return admin(router, "/_zrouter/memory")[key] / MIB


def measure_zrouter(ctx: Context, payload: Payload) -> dict:
    """A router at -Xmx64m with one sample worker, both started and stopped here."""
    router = start_router(ctx.procs, "bulk-router", java=ROUTER_JAVA)
    worker = start_worker(ctx.procs, "bulk-worker", router)
    try:
        wait_workers(ctx.procs, router, 1, worker)
        heap_probes = {
            "heap_used_mib/router": lambda: memory_mib(router, "heap_used_bytes"),
            "direct_used_mib/router": lambda: memory_mib(router, "direct_used_bytes"),
        }
        before = admin(router, "/_zrouter/memory")
        roles = {"router": (router.popen.pid, False), "worker": (worker.pid, False)}
        result = measure(ctx, router.url, roles, payload, heap_probes)
        result["router_java"] = ROUTER_JAVA
        result["memory_before"] = before
        result["memory_after"] = admin(router, "/_zrouter/memory")
        result["heap_info_after"] = heap_info(router.popen.pid)
        router_log = ctx.procs.log_dir / "bulk-router.log"
        result["out_of_memory"] = "OutOfMemoryError" in router_log.read_text(errors="replace")
        return result
    finally:
        ctx.procs.stop(worker)
        ctx.procs.stop(router.popen)


def run(ctx: Context) -> tuple[dict, list[str]]:
    size = QUICK_SIZE if ctx.timing["quick"] else SIZE
    payload = Payload.of_zeros(size, ctx.tmp / "bulk-upload.bin")
    results: dict = {"size_bytes": size, "systems": {}}
    for name in ctx.wanted:
        log(f"{NAME}: {name}, {size // MIB} MiB each way (warm-up: up to {WARMUP_TRANSFERS})")
        if name == "zrouter":
            results["systems"][name] = measure_zrouter(ctx, payload)
        else:
            system = ctx.systems[name]
            base_url = system.h1_url.rsplit("/", 1)[0]
            roles = {r: (pid, r in system.with_children) for r, pid in system.pids.items()}
            results["systems"][name] = measure(ctx, base_url, roles, payload)
    payload.upload.unlink()
    failures = [
        f"{NAME}/{name}/{d}: {error}"
        for name, r in results["systems"].items()
        for d in DIRECTIONS
        for error in r[d]["errors"]
    ]
    return results, failures


# ------------------------------------------------------------------------------ report


def _front_peak(r: dict, direction: str):
    return r[direction]["peak"].get(f"rss_mib/{r['front']}")


def _client_cpu(r: dict):
    shares = [t.get("client_cpu_share") for d in DIRECTIONS for t in r[d]["rounds"]]
    shares = [s for s in shares if s is not None]
    return 100 * max(shares) if shares else None


def table(results: dict) -> list[str]:
    systems = results["systems"]
    direct = systems.get("direct", {})
    rows = [
        "| system | front process | down MB/s | up MB/s | down vs direct | up vs direct"
        " | peak RSS MiB down | peak RSS MiB up | curl CPU % (max) | errors |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in systems.items():
        down, up = r["download"]["mb_per_s"], r["upload"]["mb_per_s"]
        errors = sum(len(r[d]["errors"]) for d in DIRECTIONS)
        rows.append(
            f"| {name} | {r['front']} | {fmt(down, 0)} | {fmt(up, 0)}"
            f" | {ratio(down, direct.get('download', {}).get('mb_per_s'))}"
            f" | {ratio(up, direct.get('upload', {}).get('mb_per_s'))}"
            f" | {fmt(_front_peak(r, 'download'), 0)} | {fmt(_front_peak(r, 'upload'), 0)}"
            f" | {fmt(_client_cpu(r), 0)} | {errors} |"
        )
    lines = [f"{results['size_bytes'] // MIB} MiB each way; MB = 10^6 bytes", ""] + rows
    z, n = systems.get("zrouter"), systems.get("nginx")
    if z and n:
        lines += [
            "",
            f"zrouter/nginx: down {ratio(z['download']['mb_per_s'], n['download']['mb_per_s'])},"
            f" up {ratio(z['upload']['mb_per_s'], n['upload']['mb_per_s'])}",
        ]
    if z:
        heap = z.get("heap_info_after", {})
        peak = {d: z[d]["peak"] for d in DIRECTIONS}
        lines += [
            "",
            f"zrouter router at {' '.join(z['router_java'][1:])}: heap used before"
            f" {fmt(z['memory_before']['heap_used_bytes'] / MIB, 1)} MiB, peak sampled"
            f" {fmt(peak['download'].get('heap_used_mib/router'), 1)} (down) /"
            f" {fmt(peak['upload'].get('heap_used_mib/router'), 1)} (up) MiB, after"
            f" {fmt(heap.get('used_mib'), 1)} of {fmt(heap.get('total_mib'), 1)} MiB committed"
            f" (jcmd GC.heap_info); Netty direct memory peak"
            f" {fmt(peak['download'].get('direct_used_mib/router'), 1)} /"
            f" {fmt(peak['upload'].get('direct_used_mib/router'), 1)} MiB; router VmHWM"
            f" {fmt(z['vm_hwm_mib'].get('router'), 0)} MiB"
            + ("; OutOfMemoryError in its log" if z["out_of_memory"] else ""),
        ]
    return lines


def plot(ax, results: dict) -> None:
    systems = list(results["systems"])
    for i, direction in enumerate(DIRECTIONS):
        values = [results["systems"][s][direction]["mb_per_s"] or 0 for s in systems]
        ax.bar([x + (i - 0.5) * 0.4 for x in range(len(systems))], values, 0.4, label=direction)
    ax.set_xticks(range(len(systems)), systems)
    ax.set_ylabel("bulk MB/s")
    ax.legend()
    ax.grid(axis="y", alpha=0.3)
