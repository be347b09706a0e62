"""What the scenario families share: zrouter processes on ephemeral ports, the router's admin
API, peak sampling of RSS (or anything else) from a thread, and a few statistics."""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from suite import (
    JAVA,
    READY_TIMEOUT_S,
    ROUTER_JAR,
    WORKER_JAR,
    Processes,
    SuiteError,
    children_of,
    log,
)

# "zrouter ready: http = 127.0.0.1:PORT, workers = tcp://127.0.0.1:PORT, ..., admin = HOST:PORT"
READY_LINE = re.compile(r"zrouter ready: http = \S+:(\d+), workers = (\S+), .*admin = \S+:(\d+)")

# The admin API is on loopback: never through an http_proxy from the environment.
_LOOPBACK = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True)
class Router:
    popen: subprocess.Popen
    port: int  # HTTP
    bind: str  # the ZeroMQ endpoint workers connect to
    admin_port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def start_router(
    procs: Processes, name: str, java: list[str] = JAVA, flags: tuple[str, ...] = ()
) -> Router:
    """A router on ephemeral ports (HTTP, ZeroMQ, admin), read back from its ready line."""
    popen = procs.start(
        name,
        java
        + [
            "-jar",
            str(ROUTER_JAR),
            "--listen",
            "127.0.0.1:0",
            "--bind",
            "tcp://127.0.0.1:*",
            "--admin-listen",
            "127.0.0.1:0",
            *flags,
        ],
    )
    log_path = procs.log_dir / f"{name}.log"
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        procs.require_alive(popen)
        match = READY_LINE.search(log_path.read_text(errors="replace"))
        if match:
            router = Router(popen, int(match.group(1)), match.group(2), int(match.group(3)))
            log(f"{name}: pid {popen.pid}, {router.url}, workers via {router.bind}")
            return router
        time.sleep(0.1)
    raise SuiteError(f"{name} did not log its ready line within {READY_TIMEOUT_S}s")


def start_worker(
    procs: Processes,
    name: str,
    router: Router,
    java: list[str] = JAVA,
    flags: tuple[str, ...] = (),
) -> subprocess.Popen:
    """A sample worker with id `name`, connected to router."""
    argv = java + ["-jar", str(WORKER_JAR), "--connect", router.bind, "--id", name, *flags]
    return procs.start(name, argv)


def admin(router: Router, path: str) -> dict:
    with _LOOPBACK.open(f"http://127.0.0.1:{router.admin_port}{path}", timeout=5) as response:
        return json.loads(response.read())


def wait_workers(procs: Processes, router: Router, count: int, *popens) -> list[dict]:
    """Sends GET /hello until the router lists exactly `count` ready workers; returns them.

    A worker is listed once it has said hello on the router's addressed socket, which it opens
    when its first request names it: the requests are what make new workers appear. Bounded by
    READY_TIMEOUT_S plus 3 s a worker (32 JVMs starting at once on two cores take a while).
    """
    timeout_s = READY_TIMEOUT_S + 3 * count
    deadline = time.monotonic() + timeout_s
    workers: list[dict] = []
    while time.monotonic() < deadline:
        procs.require_alive(router.popen, *popens)
        try:
            workers = admin(router, "/_zrouter/workers")["workers"]
            if len(workers) == count and all(w["state"] == "ready" for w in workers):
                return workers
            with _LOOPBACK.open(f"{router.url}/hello", timeout=5) as response:
                response.read()
        except OSError:  # no worker yet (503), or all still starting: try again until the deadline
            time.sleep(0.1)
    raise SuiteError(f"router lists {len(workers)} workers, not {count}, after {timeout_s} s")


# ------------------------------------------------------------------------------ /proc memory


def status_kib(pid: int, key: str) -> int | None:
    """A `kB` line of /proc/PID/status (VmRSS, VmHWM), or None if the process is gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(rf"^{key}:\s+(\d+) kB$", text, re.M)
    return int(match.group(1)) if match else None


def rss_mib(pid: int, with_children: bool = False) -> float | None:
    """VmRSS in MiB of pid, plus its children's (nginx workers) when asked."""
    return rss_probe(pid, with_children)()


def rss_probe(pid: int, with_children: bool = False) -> Callable[[], float | None]:
    """A probe for PeakSampler: VmRSS in MiB of pid and, when asked, of the children it has now
    (looked up once, not at every sample); None once pid is gone."""
    pids = [pid] + (children_of(pid) if with_children else [])

    def probe() -> float | None:
        values = [status_kib(p, "VmRSS") for p in pids]
        return None if values[0] is None else sum(v for v in values if v) / 1024

    return probe


def hwm_mib(pid: int) -> float | None:
    """VmHWM (peak RSS over the process's life) in MiB."""
    value = status_kib(pid, "VmHWM")
    return None if value is None else value / 1024


class PeakSampler:
    """Samples named probes from a thread every `interval` s while in a `with` block.

    peaks[name] is the largest value seen, last[name] the value at the end; a probe returning
    None (a process gone, an admin API not answering) is skipped for that sample.
    """

    def __init__(self, probes: dict[str, Callable[[], float | None]], interval: float = 0.1):
        self.probes = probes
        self.interval = interval
        self.peaks: dict[str, float] = {}
        self.last: dict[str, float] = {}
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="peak-sampler", daemon=True)

    def sample(self) -> None:
        for name, probe in self.probes.items():
            try:
                value = probe()
            except OSError:  # the admin API busy or gone: this sample has no value
                value = None
            if value is not None:
                self.last[name] = value
                self.peaks[name] = max(value, self.peaks.get(name, value))
        self.samples += 1

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def __enter__(self) -> "PeakSampler":
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()


# ------------------------------------------------------------------------------ statistics


def spread(values: list[float]) -> dict:
    """p50 (the median), min, max and count of values; None figures when there are none."""
    if not values:
        return {"p50": None, "min": None, "max": None, "n": 0}
    return {
        "p50": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "n": len(values),
    }
