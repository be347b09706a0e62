#!/usr/bin/env python3
"""Side-by-side benchmark suite: zrouter against a direct backend, nginx and haproxy, on loopback.

Run from anywhere (as root, or with the tools already installed):

    python3 bench/suite.py [--quick] [--scenarios h1,h2c,bulk]
                           [--systems direct,nginx,haproxy,zrouter] [--warmup 30s] [--duration 15s]

It installs wrk, h2load (nghttp2-client), nginx, haproxy, curl and matplotlib with apt-get if
missing, builds the jars with Maven if missing, then starts every system once, all at the same
time (each idles while another is measured):

* direct:  one HelloBackend (bench/target/zrouter-bench.jar), hit directly: the ceiling;
* nginx:   proxy_pass to an upstream of 2 HelloBackends (keepalive 64), plus an h2c listener;
* haproxy: mode http, http-reuse always, round-robin to the same 2 HelloBackends, plus h2c;
* zrouter: the router plus 2 sample workers over ZeroMQ (h2c on the same port as HTTP/1.1).

Each scenario (h1, h2c, post1k, post64k, rate, conn; see SCENARIOS) runs, per system, a warm-up
load that is not recorded and then the measured load: 30 s and 15 s by default (the JVMs need
more than 25 s of load before C2 is done), 1 s and 2 s with --quick (a smoke test of every
scenario and system, about 90 s in all; its figures are JIT-bound, not comparable). Around the measured load it samples the
CPU time of every process behind the system (and of every zrouter thread) from /proc, and
reports it per request, next to the load average and the system-wide idle share.

The scenario families bulk (1 GiB each way), growth (workers and connections) and join (a new
worker's first request) live in bench/scenarios/ (see FAMILIES); they start zrouter processes
of their own where they need them. --quick leaves them out unless --scenarios names them, and
then runs small versions of them.

Output: a Markdown table per scenario on stdout; results.json (every raw figure), summary.md
(the tables plus per-process and per-thread CPU) and chart.png in bench/out/<timestamp>/.
Exit status: 0, or 1 if a system failed to start or a scenario produced no requests (HTTP and
socket errors are reported, not fatal), 130/143 on SIGINT/SIGTERM. Every process started is
stopped by PID on exit.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROUTER_JAR = ROOT / "router/target/zrouter-router.jar"
WORKER_JAR = ROOT / "sample-worker/target/zrouter-sample-worker.jar"
BENCH_JAR = ROOT / "bench/target/zrouter-bench.jar"
OUT_ROOT = ROOT / "bench/out"

JAVA = ["java", "-Xmx512m"]
BACKEND_THREADS = os.cpu_count() or 2
READY_TIMEOUT_S = 90
MAX_CLIENT_CONNECTIONS = 16384  # nginx worker_connections, haproxy maxconn: growth's 10,000 fit
IDLE_KEEPALIVE_S = 300  # idle client connections kept through growth's warm-up and measurement
STOP_GRACE_S = 5
CLK_TCK = os.sysconf("SC_CLK_TCK")
SYSTEMS = ("direct", "nginx", "haproxy", "zrouter")
PROXIES = ("nginx", "haproxy", "zrouter")
FAMILIES = ("bulk", "growth", "join")  # modules of bench/scenarios/
# The suite's running systems each family uses (it starts its own zrouter processes if needed).
FAMILY_SYSTEMS = {
    "bulk": ("direct", "nginx", "haproxy"),
    "growth": ("nginx", "haproxy", "zrouter"),
    "join": (),
}

# command -> Debian package; python3-matplotlib is checked by import.
TOOLS = {
    "wrk": "wrk",
    "h2load": "nghttp2-client",
    "nginx": "nginx",
    "haproxy": "haproxy",
    "curl": "curl",
}


def log(message: str) -> None:
    print(f"[suite] {message}", file=sys.stderr, flush=True)


class SuiteError(Exception):
    """A failure that ends the run (a system that did not start, a missing tool)."""


# ------------------------------------------------------------------------------ scenarios


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    tool: str  # "wrk" or "h2load"
    systems: tuple[str, ...] = SYSTEMS
    path: str = "/hello"
    connections: int = 64
    lua: str = ""  # extra wrk Lua, before the common done() hook
    headers: tuple[str, ...] = ()


def post_lua(size: int) -> str:
    return (
        'wrk.method = "POST"\n'
        f'wrk.body = string.rep("x", {size})\n'
        'wrk.headers["Content-Type"] = "application/octet-stream"\n'
    )


RATE_DELAY_MS = 4  # per connection, between a response and the next request: <= 250 req/s

SCENARIOS = (
    Scenario("h1", "GET /hello, HTTP/1.1 keep-alive, wrk -t2 -c64", "wrk"),
    Scenario(
        "h2c",
        "GET /hello, h2c prior knowledge, h2load -t2 -c8 -m32",
        "h2load",
        systems=PROXIES,
    ),
    Scenario(
        "post1k", "POST /echo, 1 KiB body, wrk -t2 -c64", "wrk", path="/echo", lua=post_lua(1024)
    ),
    Scenario(
        "post64k",
        "POST /echo, 64 KiB body, wrk -t2 -c64",
        "wrk",
        path="/echo",
        lua=post_lua(64 * 1024),
    ),
    Scenario(
        "rate",
        f"GET /hello at a fixed rate: wrk -t2 -c16, {RATE_DELAY_MS} ms between a response and the"
        " next request (<= 250 req/s per connection, ~4000 req/s)",
        "wrk",
        connections=16,
        lua=f"function delay() return {RATE_DELAY_MS} end\n",
    ),
    Scenario(
        "conn",
        "GET /hello, a new connection per request: wrk -t2 -c16 -H 'Connection: close'",
        "wrk",
        connections=16,
        headers=("Connection: close",),
    ),
)
SCENARIO_NAMES = tuple(s.name for s in SCENARIOS)

# Prints one line, SUITE_JSON {...}, with wrk's counts and latency percentiles (µs).
WRK_DONE_LUA = r"""
function done(summary, latency, requests)
  local e = summary.errors
  local mean = latency.mean
  if mean ~= mean then mean = 0 end
  io.write(string.format(
    'SUITE_JSON {"requests":%.0f,"duration_us":%.0f,"bytes":%.0f,' ..
    '"errors":{"connect":%.0f,"read":%.0f,"write":%.0f,"status":%.0f,"timeout":%.0f},' ..
    '"latency_us":{"p50":%.0f,"p99":%.0f,"p99.9":%.0f,"mean":%.1f,"max":%.0f}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), mean, latency.max))
end
"""

H2LOAD_MAIN_PHASE = "Main benchmark duration is started"


# ------------------------------------------------------------------------------ processes


def pid_alive(pid: int) -> bool:
    """True unless the process is gone or a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def proc_comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def stop_pid(pid: int, popen: subprocess.Popen | None = None) -> None:
    """SIGTERM, up to STOP_GRACE_S to exit, then SIGKILL; reaps popen."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + STOP_GRACE_S
    while time.monotonic() < deadline:
        if popen is not None and popen.poll() is not None:
            return
        if popen is None and not pid_alive(pid):
            return
        time.sleep(0.05)
    log(f"pid {pid} still alive after {STOP_GRACE_S} s, sending SIGKILL")
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    if popen is not None:
        popen.wait()


class Processes:
    """Every process the suite starts, with its log; all stopped by PID in stop_all()."""

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.running: dict[int, tuple[str, subprocess.Popen]] = {}
        self.descendants: dict[int, str] = {}  # pid -> comm, e.g. nginx workers

    def start(
        self, name: str, argv: list[str], stdout_file: Path | None = None
    ) -> subprocess.Popen:
        """Starts argv in its own session; stderr (and stdout unless stdout_file) to name.log."""
        log_path = self.log_dir / f"{name}.log"
        with open(log_path, "ab") as err, open(stdout_file or os.devnull, "wb") as out:
            popen = subprocess.Popen(
                argv,
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=out if stdout_file else err,
                stderr=err,
                start_new_session=True,
            )
        self.running[popen.pid] = (name, popen)
        return popen

    def start_piped(self, name: str, argv: list[str]) -> subprocess.Popen:
        """Starts a load generator whose stdout and stderr the caller reads."""
        popen = subprocess.Popen(
            argv,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.running[popen.pid] = (name, popen)
        return popen

    def forget(self, popen: subprocess.Popen) -> None:
        self.running.pop(popen.pid, None)

    def stop(self, popen: subprocess.Popen) -> None:
        """Stops one process now (unless it has exited) and forgets it."""
        if popen.poll() is None:
            stop_pid(popen.pid, popen)
        self.forget(popen)

    def remember_children(self, pid: int) -> None:
        """Records pid's children (nginx workers) so stop_all() can stop them if they outlive it."""
        for child in children_of(pid):
            self.descendants[child] = proc_comm(child)

    def require_alive(self, *popens: subprocess.Popen) -> None:
        for popen in popens:
            if popen.poll() is not None:
                name = self.running.get(popen.pid, ("?",))[0]
                raise SuiteError(f"{name} (pid {popen.pid}) exited with status {popen.returncode}")

    def stop_all(self) -> None:
        """Stops everything, newest first, then any recorded child still alive under its name."""
        for pid, (name, popen) in reversed(list(self.running.items())):
            if popen.poll() is None:
                stop_pid(pid, popen)
        self.running.clear()
        for pid, comm in self.descendants.items():
            if pid_alive(pid) and proc_comm(pid) == comm:
                stop_pid(pid)
        self.descendants.clear()

    def log_tails(self, lines: int = 25) -> str:
        parts = []
        for path in sorted(self.log_dir.glob("*.log")):
            tail = path.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"---- tail of {path.name}\n" + "\n".join(tail))
        return "\n".join(parts)


# ------------------------------------------------------------------------------ /proc sampling


def stat_fields(path: str) -> list[str]:
    """The fields of a /proc .../stat file after the command name; [0] is field 3 (state)."""
    return Path(path).read_text().rsplit(")", 1)[1].split()


def process_ticks(pid: int) -> int:
    """utime + stime of a process in clock ticks, 0 if it is gone."""
    try:
        fields = stat_fields(f"/proc/{pid}/stat")
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if int(stat_fields(f"/proc/{entry}/stat")[1]) == pid:
                    found.append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return found


def thread_ticks(pid: int) -> dict[int, tuple[str, int]]:
    """tid -> (thread name, utime + stime ticks) for every thread of pid."""
    threads = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return threads
    for tid in tids:
        try:
            comm = Path(f"/proc/{pid}/task/{tid}/comm").read_text().strip()
            fields = stat_fields(f"/proc/{pid}/task/{tid}/stat")
        except OSError:
            continue
        threads[int(tid)] = (comm, int(fields[11]) + int(fields[12]))
    return threads


def cpu_jiffies() -> tuple[int, int]:
    """(idle + iowait, total) jiffies of all CPUs, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return values[3] + values[4], sum(values[:8])


def thread_group(comm: str) -> str:
    """A thread name with trailing digits (and the separator before them) stripped."""
    return re.sub(r"[-_#. ]*\d+$", "", comm) or comm


# ------------------------------------------------------------------------------ systems


@dataclass
class System:
    name: str
    h1_url: str
    h2c_url: str | None
    pids: dict[str, int]  # role -> pid of every process behind this system
    with_children: tuple[str, ...] = ()  # roles whose child processes count too
    per_thread: bool = False
    h2c_error: str = ""  # why the h2c listener is not usable, if it is not
    popens: list[subprocess.Popen] = field(default_factory=list)


@dataclass
class Context:
    """What a scenario family (bench/scenarios/) is given."""

    procs: Processes
    tmp: Path  # scratch space, removed on exit
    timing: dict
    systems: dict[str, System]  # the suite's running systems
    wanted: list[str]  # --systems, in SYSTEMS order


@dataclass
class Snapshot:
    when: float
    cpu: tuple[int, int]
    ticks: dict[str, int]
    threads: dict[str, dict[int, tuple[str, int]]]


def snapshot(system: System) -> Snapshot:
    ticks = {}
    for role, pid in system.pids.items():
        pids = [pid] + (children_of(pid) if role in system.with_children else [])
        ticks[role] = sum(process_ticks(p) for p in pids)
    threads = (
        {role: thread_ticks(pid) for role, pid in system.pids.items()} if system.per_thread else {}
    )
    return Snapshot(time.monotonic(), cpu_jiffies(), ticks, threads)


def ticks_to_us_per_request(ticks: float, requests: int) -> float | None:
    return ticks / CLK_TCK * 1e6 / requests if requests else None


def thread_cpu(
    before: Snapshot, after: Snapshot, requests: int
) -> dict[str, dict[str, float | None]]:
    """role -> thread group -> µs of CPU per request, largest first."""
    result = {}
    for role, threads in after.threads.items():
        groups: dict[str, int] = {}
        for tid, (comm, ticks) in threads.items():
            delta = ticks - before.threads.get(role, {}).get(tid, (comm, 0))[1]
            groups[thread_group(comm)] = groups.get(thread_group(comm), 0) + delta
        ordered = sorted(groups.items(), key=lambda kv: -kv[1])
        result[role] = {g: ticks_to_us_per_request(t, requests) for g, t in ordered if t > 0}
    return result


def cpu_report(before: Snapshot, after: Snapshot, requests: int) -> dict:
    """CPU per request per process (and per thread), load average and idle share of the run."""
    deltas = {role: after.ticks[role] - before.ticks.get(role, 0) for role in after.ticks}
    per_process = {role: ticks_to_us_per_request(t, requests) for role, t in deltas.items()}
    idle = after.cpu[0] - before.cpu[0]
    total = after.cpu[1] - before.cpu[1]
    return {
        "cpu_seconds": {role: t / CLK_TCK for role, t in deltas.items()},
        "cpu_us_per_request": per_process,
        "cpu_us_per_request_total": ticks_to_us_per_request(sum(deltas.values()), requests),
        "thread_cpu_us_per_request": thread_cpu(before, after, requests) if after.threads else {},
        "loadavg": [float(v) for v in Path("/proc/loadavg").read_text().split()[:3]],
        "idle_share": idle / total if total > 0 else None,
        "sampled_seconds": after.when - before.when,
    }


def fd_limit() -> int:
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def raise_fd_limit() -> None:
    """Open-files soft limit up to the hard one, for this process and every child (growth holds
    10,000 connections); nginx and haproxy raise their own from there."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard < 12_000:
        log(f"warning: open-files limit {hard}: growth's 10,000 connections may not all open")


def free_ports(count: int) -> list[int]:
    """count distinct free loopback ports, chosen by the kernel."""
    socks = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def free_port_pair(avoid: set[int]) -> int:
    """A free port Z with Z+1 free too (the router binds both)."""
    for _ in range(100):
        with socket.socket() as first:
            first.bind(("127.0.0.1", 0))
            port = first.getsockname()[1]
            if port in avoid or port + 1 in avoid or port + 1 > 65535:
                continue
            with socket.socket() as second:
                try:
                    second.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
                return port
    raise SuiteError("no free port pair for the router's ZeroMQ binds")


def http_status(url: str, h2c: bool = False) -> str:
    argv = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "2", url]
    if h2c:
        argv.insert(1, "--http2-prior-knowledge")
    done = subprocess.run(argv, capture_output=True, text=True, timeout=10)
    return done.stdout.strip() or "none"


def wait_ready(procs: Processes, system: System) -> None:
    """Polls system's /hello until 200 (bounded), failing early if one of its processes dies."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    status = "none"
    while time.monotonic() < deadline:
        procs.require_alive(*system.popens)
        status = http_status(system.h1_url)
        if status == "200":
            log(f"{system.name} ready at {system.h1_url}")
            return
        time.sleep(0.25)
    raise SuiteError(
        f"{system.name} not ready at {system.h1_url} after {READY_TIMEOUT_S}s (last status {status})"
    )


def check_h2c(system: System) -> None:
    """Records in system.h2c_error why its h2c listener does not answer 200, if it does not."""
    if system.h2c_url is None:
        return
    status = "none"
    for _ in range(20):
        status = http_status(system.h2c_url, h2c=True)
        if status == "200":
            log(f"{system.name} h2c ready at {system.h2c_url}")
            return
        time.sleep(0.25)
    system.h2c_error = f"h2c listener {system.h2c_url} answered {status}"
    log(f"warning: {system.name}: {system.h2c_error}")


def start_backend(procs: Processes, name: str) -> subprocess.Popen:
    argv = JAVA + [
        "-jar",
        str(BENCH_JAR),
        "--listen",
        "127.0.0.1:0",
        "--threads",
        str(BACKEND_THREADS),
    ]
    return procs.start(name, argv, stdout_file=procs.log_dir / f"{name}.out")


def backend_port(procs: Processes, name: str, popen: subprocess.Popen) -> int:
    """Waits (bounded) for HelloBackend's `listening HOST:PORT` line and returns the port."""
    out = procs.log_dir / f"{name}.out"
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        procs.require_alive(popen)
        match = re.search(r"^listening \S+:(\d+)$", out.read_text(), re.M) if out.exists() else None
        if match:
            log(f"{name} listening on 127.0.0.1:{match.group(1)} (pid {popen.pid})")
            return int(match.group(1))
        time.sleep(0.1)
    raise SuiteError(f"{name} did not report its port within {READY_TIMEOUT_S}s")


def nginx_version() -> tuple[int, ...]:
    text = subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr
    match = re.search(r"nginx/(\d+)\.(\d+)\.(\d+)", text)
    return tuple(int(v) for v in match.groups()) if match else (0, 0, 0)


def nginx_config(work: Path, ports: tuple[int, int], backends: list[int]) -> str:
    """nginx.conf: keep-alive upstream of the backends on ports[0], the same over h2c on ports[1]."""
    servers = "\n".join(f"    server 127.0.0.1:{p};" for p in backends)
    if nginx_version() >= (1, 25, 1):
        h2c_listen = f"listen 127.0.0.1:{ports[1]};\n    http2 on;"
    else:
        h2c_listen = f"listen 127.0.0.1:{ports[1]} http2;"
    # /bytes and /sha256 (the bulk scenario) stream both ways, as zrouter does, with 64 KiB buffers
    location = """location / {
      proxy_pass http://hello_backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
    location ~ ^/(bytes|sha256)$ {
      proxy_pass http://hello_backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_buffer_size 64k;
      proxy_buffers 4 64k;
      proxy_request_buffering off;
      client_max_body_size 0;
    }"""
    return f"""worker_processes auto;
worker_rlimit_nofile {fd_limit()};
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections {MAX_CLIENT_CONNECTIONS}; }}
http {{
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout {IDLE_KEEPALIVE_S}s;
  client_body_buffer_size 128k;
  client_body_temp_path {work}/client_body;
  proxy_temp_path {work}/proxy;
  fastcgi_temp_path {work}/fastcgi;
  uwsgi_temp_path {work}/uwsgi;
  scgi_temp_path {work}/scgi;
  upstream hello_backend {{
{servers}
    keepalive 64;
    keepalive_requests 1000000;
  }}
  server {{
    listen 127.0.0.1:{ports[0]};
    {location}
  }}
  server {{
    {h2c_listen}
    {location}
  }}
}}
"""


def haproxy_config(ports: tuple[int, int], backends: list[int]) -> str:
    servers = "\n".join(f"    server b{i} 127.0.0.1:{p}" for i, p in enumerate(backends, 1))
    # haproxy reserves two descriptors per connection and will not start past its fd limit
    maxconn = min(MAX_CLIENT_CONNECTIONS, (fd_limit() - 64) // 2)
    return f"""global
    maxconn {maxconn}

defaults
    mode http
    timeout connect 5s
    timeout client {IDLE_KEEPALIVE_S}s
    timeout server 60s
    timeout http-keep-alive {IDLE_KEEPALIVE_S}s
    http-reuse always

frontend hello
    bind 127.0.0.1:{ports[0]}
    bind 127.0.0.1:{ports[1]} proto h2
    default_backend hello_backends

backend hello_backends
    balance roundrobin
{servers}
"""


def start_nginx(
    procs: Processes, tmp: Path, ports: tuple[int, int], backends: list[int]
) -> subprocess.Popen:
    work = tmp / "nginx"
    work.mkdir()
    conf = work / "nginx.conf"
    conf.write_text(nginx_config(work, ports, backends))
    argv = [
        "nginx",
        "-p",
        str(work),
        "-e",
        str(work / "error.log"),
        "-c",
        str(conf),
        "-g",
        "daemon off;",
    ]
    return procs.start("nginx", argv)


def start_haproxy(
    procs: Processes, tmp: Path, ports: tuple[int, int], backends: list[int]
) -> subprocess.Popen:
    conf = tmp / "haproxy.cfg"
    conf.write_text(haproxy_config(ports, backends))
    return procs.start("haproxy", ["haproxy", "-f", str(conf), "-db"])


def start_zrouter(procs: Processes, port: int, zmq_port: int) -> list[subprocess.Popen]:
    bind = f"tcp://127.0.0.1:{zmq_port}"
    router = procs.start(
        "router",
        JAVA
        + [
            "-jar",
            str(ROUTER_JAR),
            "--listen",
            f"127.0.0.1:{port}",
            "--bind",
            bind,
            "--admin-listen",
            "off",
        ],
    )
    workers = [
        procs.start(
            f"worker-{n}",
            JAVA + ["-jar", str(WORKER_JAR), "--connect", bind, "--id", f"bench-w{n}"],
        )
        for n in (1, 2)
    ]
    log(
        f"zrouter: router pid {router.pid} on 127.0.0.1:{port}, workers {[w.pid for w in workers]} via {bind}"
    )
    return [router] + workers


def proxy_system(
    name: str,
    proxy: subprocess.Popen,
    ports: tuple[int, int],
    backends: dict[str, subprocess.Popen],
    with_children: bool = False,
) -> System:
    """nginx or haproxy: HTTP/1.1 on ports[0], h2c on ports[1], in front of the shared backends."""
    return System(
        name,
        f"http://127.0.0.1:{ports[0]}/hello",
        f"http://127.0.0.1:{ports[1]}/hello",
        {name: proxy.pid, **{role: b.pid for role, b in backends.items()}},
        with_children=(name,) if with_children else (),
        popens=[proxy, *backends.values()],
    )


def start_systems(procs: Processes, tmp: Path, wanted: list[str]) -> dict[str, System]:
    """Starts every wanted system at once and waits until each answers 200 on /hello."""
    ports = free_ports(5)
    nginx_ports, haproxy_ports, zrouter_port = (ports[0], ports[1]), (ports[2], ports[3]), ports[4]
    zmq_port = free_port_pair(set(ports))
    systems: dict[str, System] = {}

    direct = start_backend(procs, "direct-backend") if "direct" in wanted else None
    shared = (
        [start_backend(procs, f"backend-{n}") for n in (1, 2)]
        if {"nginx", "haproxy"} & set(wanted)
        else []
    )
    zrouter = start_zrouter(procs, zrouter_port, zmq_port) if "zrouter" in wanted else []

    if direct:
        port = backend_port(procs, "direct-backend", direct)
        systems["direct"] = System(
            "direct",
            f"http://127.0.0.1:{port}/hello",
            None,
            {"backend": direct.pid},
            popens=[direct],
        )
    backend_ports = [backend_port(procs, f"backend-{n}", p) for n, p in enumerate(shared, 1)]
    backends = {f"backend-{n}": p for n, p in enumerate(shared, 1)}
    if "nginx" in wanted:
        nginx = start_nginx(procs, tmp, nginx_ports, backend_ports)
        systems["nginx"] = proxy_system("nginx", nginx, nginx_ports, backends, with_children=True)
    if "haproxy" in wanted:
        haproxy = start_haproxy(procs, tmp, haproxy_ports, backend_ports)
        systems["haproxy"] = proxy_system("haproxy", haproxy, haproxy_ports, backends)
    if zrouter:
        url = f"http://127.0.0.1:{zrouter_port}/hello"
        roles = {"router": zrouter[0].pid, "worker-1": zrouter[1].pid, "worker-2": zrouter[2].pid}
        systems["zrouter"] = System("zrouter", url, url, roles, per_thread=True, popens=zrouter)

    for name in wanted:
        wait_ready(procs, systems[name])
        check_h2c(systems[name])
    if "nginx" in systems:
        procs.remember_children(systems["nginx"].pids["nginx"])
    return {name: systems[name] for name in wanted}


# ------------------------------------------------------------------------------ load


def wrk_command(scenario: Scenario, url: str, seconds: int, script: Path) -> list[str]:
    argv = [
        "wrk",
        "-t2",
        f"-c{scenario.connections}",
        f"-d{seconds}s",
        "--timeout",
        "5s",
        "-s",
        str(script),
    ]
    for header in scenario.headers:
        argv += ["-H", header]
    return argv + [url]


def h2load_command(url: str, seconds: int, warm_up_s: int, log_file: Path | None) -> list[str]:
    argv = ["h2load", "-t2", "-c8", "-m32", "-D", str(seconds)]
    if warm_up_s:
        argv += ["--warm-up-time", str(warm_up_s)]
    if log_file is not None:
        argv.append(f"--log-file={log_file}")
    return argv + [url]


def run_load(
    procs: Processes, argv: list[str], seconds: int, system: System, marker: str | None = None
):
    """Runs a load generator, bounded in time; returns (output, CPU snapshot before, after).

    The before snapshot is taken at start, or when the output shows `marker` (h2load's end of
    warm-up); the after snapshot once the generator has exited.
    """
    before = snapshot(system)
    popen = procs.start_piped(argv[0], argv)
    watchdog = threading.Timer(seconds + 30, stop_pid, args=(popen.pid, popen))
    watchdog.start()
    lines = []
    marked = False
    try:
        for line in popen.stdout:
            lines.append(line)
            if marker and not marked and marker in line:
                before, marked = snapshot(system), True
        popen.wait()
    finally:
        watchdog.cancel()
        if popen.poll() is None:  # interrupted while reading: stop it here, by PID
            stop_pid(popen.pid, popen)
        procs.forget(popen)
    after = snapshot(system)
    if popen.returncode != 0:
        lines.append(f"[suite] {argv[0]} exited with status {popen.returncode}\n")
    return "".join(lines), before, after


def parse_wrk(output: str) -> dict:
    match = re.search(r"^SUITE_JSON (\{.*\})$", output, re.M)
    if not match:
        return {"requests": 0, "error": "no SUITE_JSON line from wrk"}
    raw = json.loads(match.group(1))
    errors = raw["errors"]
    seconds = raw["duration_us"] / 1e6
    return {
        "requests": int(raw["requests"]),
        "rps": raw["requests"] / seconds if seconds else 0.0,
        "latency_ms": {k: v / 1000 for k, v in raw["latency_us"].items()},
        "non2xx": int(errors["status"]),
        "socket_errors": int(
            errors["connect"] + errors["read"] + errors["write"] + errors["timeout"]
        ),
        "wrk": raw,
    }


def to_ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]


def percentile(sorted_values: list[float], pct: float) -> float | None:
    if not sorted_values:
        return None
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * pct / 100))]


def h2load_log_latencies(log_file: Path) -> dict:
    """p50/p99/p99.9 (ms) from h2load's per-request log (start µs, status, duration µs)."""
    durations = []
    if log_file.exists():
        for row in log_file.read_text().splitlines():
            cols = row.split("\t")
            if len(cols) >= 3 and cols[2].isdigit():
                durations.append(int(cols[2]) / 1000)
    durations.sort()
    return {
        "p50": percentile(durations, 50),
        "p99": percentile(durations, 99),
        "p99.9": percentile(durations, 99.9),
        "logged": len(durations),
    }


def parse_h2load(output: str, log_file: Path | None) -> dict:
    finished = re.search(r"finished in [\d.]+\w+, ([\d.]+) req/s", output)
    counts = re.search(
        r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout",
        output,
    )
    codes = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", output)
    times = re.search(r"time for request:\s+(\S+)\s+(\S+)\s+(\S+)", output)
    if not (finished and counts):
        return {"requests": 0, "error": "could not parse h2load output"}
    total, started, done, ok, failed, errored, timeout = (int(v) for v in counts.groups())
    latency = h2load_log_latencies(log_file) if log_file else {}
    if times:
        latency.update(
            {
                "min": to_ms(times.group(1)),
                "max": to_ms(times.group(2)),
                "mean": to_ms(times.group(3)),
            }
        )
    return {
        "requests": done,
        "rps": float(finished.group(1)),
        "latency_ms": latency,
        "non2xx": sum(int(v) for v in codes.groups()[1:]) if codes else 0,
        "socket_errors": errored + timeout,
        "h2load": {
            "total": total,
            "started": started,
            "done": done,
            "succeeded": ok,
            "failed": failed,
            "errored": errored,
            "timeout": timeout,
        },
    }


def measure(procs: Processes, tmp: Path, scenario: Scenario, system: System, timing: dict) -> dict:
    """One warm-up load (discarded), then the measured load with CPU sampled around it."""
    warmup, duration = timing["warmup_s"], timing["duration_s"]
    if scenario.tool == "h2load":
        url = system.h2c_url
        log_file = tmp / f"h2load-{system.name}.log"
        if warmup:
            run_load(procs, h2load_command(url, warmup, 0, None), warmup, system)
        argv = h2load_command(url, duration, timing["h2load_warm_up_s"], log_file)
        output, before, after = run_load(
            procs, argv, duration + timing["h2load_warm_up_s"], system, H2LOAD_MAIN_PHASE
        )
        result = parse_h2load(output, log_file)
        log_file.unlink(missing_ok=True)
    else:
        script = tmp / f"{scenario.name}.lua"
        script.write_text(scenario.lua + WRK_DONE_LUA)
        url = system.h1_url.replace("/hello", scenario.path)
        if warmup:
            run_load(procs, wrk_command(scenario, url, warmup, script), warmup, system)
        argv = wrk_command(scenario, url, duration, script)
        output, before, after = run_load(procs, argv, duration, system)
        result = parse_wrk(output)
    result.update(cpu_report(before, after, result["requests"]))
    result["command"] = argv
    result["raw_output"] = output
    return result


# ------------------------------------------------------------------------------ report


def fmt(value, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def ratio(a, b) -> str:
    return f"{a / b:.2f}x" if a is not None and b else "n/a"


def latency(result: dict, key: str):
    return result.get("latency_ms", {}).get(key)


def added_over_direct(results: dict[str, dict]) -> None:
    """rate scenario: each system's p50 and p99 minus direct's, in ms."""
    direct = results.get("direct")
    for result in results.values():
        if direct and "latency_ms" in direct and "latency_ms" in result:
            result["added_over_direct_ms"] = {
                k: latency(result, k) - latency(direct, k)
                for k in ("p50", "p99")
                if latency(result, k) is not None
            }


def scenario_table(scenario: Scenario, results: dict[str, dict]) -> list[str]:
    extra = []
    if scenario.tool == "h2load":
        extra = [
            ("mean ms", 2, lambda r: latency(r, "mean")),
            ("max ms", 2, lambda r: latency(r, "max")),
        ]
    if scenario.name == "rate":
        extra = [
            ("+p50 ms vs direct", 2, lambda r: r.get("added_over_direct_ms", {}).get("p50")),
            ("+p99 ms vs direct", 2, lambda r: r.get("added_over_direct_ms", {}).get("p99")),
        ]
    columns = [
        ("req/s", 0, lambda r: r.get("rps")),
        ("p50 ms", 2, lambda r: latency(r, "p50")),
        ("p99 ms", 2, lambda r: latency(r, "p99")),
        ("p99.9 ms", 2, lambda r: latency(r, "p99.9")),
        *extra,
        ("non-2xx", 0, lambda r: r.get("non2xx")),
        ("socket errors", 0, lambda r: r.get("socket_errors")),
        ("CPU µs/req", 1, lambda r: r.get("cpu_us_per_request_total")),
        ("load 1m", 2, lambda r: (r.get("loadavg") or [None])[0]),
        ("idle %", 1, lambda r: None if r.get("idle_share") is None else 100 * r["idle_share"]),
    ]
    lines = [
        "| system | " + " | ".join(c for c, _, _ in columns) + " |",
        "|---|" + "---:|" * len(columns),
    ]
    for name, result in results.items():
        if "skipped" in result:
            lines.append(f"| {name} | skipped: {result['skipped']} |" + " |" * (len(columns) - 1))
            continue
        lines.append(
            f"| {name} | "
            + " | ".join(fmt(get(result), digits) for _, digits, get in columns)
            + " |"
        )
    return lines


def ratio_line(results: dict[str, dict]) -> str:
    z = results.get("zrouter", {})
    parts = []
    for base in ("nginx", "direct"):
        b = results.get(base)
        if b and "rps" in b and "rps" in z:
            parts.append(
                f"zrouter/{base}: req/s {ratio(z.get('rps'), b.get('rps'))}, p99 {ratio(latency(z, 'p99'), latency(b, 'p99'))}"
            )
    return "; ".join(parts)


def cpu_detail(scenario: Scenario, results: dict[str, dict]) -> list[str]:
    lines = [
        f"CPU per request, {scenario.name} (µs):",
        "",
        "| system | process | µs/req | CPU s |",
        "|---|---|---:|---:|",
    ]
    for name, result in results.items():
        for role, us in result.get("cpu_us_per_request", {}).items():
            lines.append(f"| {name} | {role} | {fmt(us)} | {fmt(result['cpu_seconds'][role], 3)} |")
    threads = results.get("zrouter", {}).get("thread_cpu_us_per_request", {})
    if threads:
        lines += ["", "| zrouter process | thread group | µs/req |", "|---|---|---:|"]
        for role, groups in threads.items():
            lines += [f"| {role} | {group} | {fmt(us)} |" for group, us in groups.items()]
    return lines


def header(timing: dict, versions: dict[str, str]) -> list[str]:
    return [
        f"# zrouter benchmark suite, {timing['started']}",
        "",
        f"warm-up {timing['warmup_s']} s (not recorded), measured {timing['duration_s']} s per scenario and system"
        + (
            f"; h2load --warm-up-time {timing['h2load_warm_up_s']} s"
            if timing["h2load_warm_up_s"]
            else ""
        )
        + f"; {os.cpu_count()} CPUs, loopback, load generator on the same machine",
        "",
        "versions: " + "; ".join(f"{k}: {v}" for k, v in versions.items()),
        "",
    ]


def markdown(
    scenarios: list[Scenario],
    all_results: dict,
    timing: dict,
    versions: dict,
    detail: bool,
    families: dict | None = None,
) -> str:
    lines = header(timing, versions)
    for scenario in scenarios:
        results = all_results[scenario.name]
        lines += [f"## {scenario.name}: {scenario.title}", ""] + scenario_table(scenario, results)
        if ratio_line(results):
            lines += ["", ratio_line(results)]
        if detail:
            lines += [""] + cpu_detail(scenario, results)
        lines.append("")
    for name, module in (families or {}).items():
        results = all_results[name]
        table = [f"failed: {results['error']}"] if "error" in results else module.table(results)
        load = (
            f"load average (1m) {results['loadavg_before'][0]:.2f} before,"
            f" {results['loadavg_after'][0]:.2f} after"
        )
        lines += [f"## {name}: {module.TITLE}", "", load, ""] + table + [""]
    return "\n".join(lines)


def load_panels(axes, scenarios: list[Scenario], all_results: dict, systems: list[str]) -> None:
    """req/s and p99 latency, grouped by scenario, one bar per system."""
    width = 0.8 / len(systems)
    panels = (
        (axes[0], "req/s", lambda r: r.get("rps")),
        (axes[1], "p99 latency, ms (log)", lambda r: latency(r, "p99")),
    )
    for ax, label, get in panels:
        for i, system in enumerate(systems):
            xs, ys = [], []
            for x, scenario in enumerate(scenarios):
                value = get(all_results[scenario.name].get(system, {}))
                if value:
                    xs.append(x + (i - (len(systems) - 1) / 2) * width)
                    ys.append(value)
            ax.bar(xs, ys, width, label=system)
        ax.set_xticks(range(len(scenarios)), [s.name for s in scenarios])
        ax.set_ylabel(label)
        ax.grid(axis="y", alpha=0.3)
    axes[1].set_yscale("log")
    axes[0].legend(ncols=len(systems))


def chart(
    path: Path,
    scenarios: list[Scenario],
    all_results: dict,
    systems: list[str],
    timing: dict,
    families: dict,
) -> None:
    """The two load panels (if a load scenario ran), then one panel per scenario family."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    first_family = 2 if scenarios else 0
    rows = first_family + len(families)
    fig, axes = plt.subplots(rows, 1, figsize=(11, 4 * rows), squeeze=False)
    axes = list(axes[:, 0])
    if scenarios:
        load_panels(axes, scenarios, all_results, systems)
    for ax, (name, module) in zip(axes[first_family:], families.items()):
        if "error" not in all_results[name]:
            module.plot(ax, all_results[name])
        ax.set_title(f"{name}: {module.TITLE}", fontsize="small")
    fig.suptitle(
        f"zrouter suite {timing['started']}: warm-up {timing['warmup_s']} s, measured {timing['duration_s']} s"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ------------------------------------------------------------------------------ setup


SYSTEM_PYTHON = "/usr/bin/python3"  # where apt-get's python3-matplotlib is importable


def matplotlib_python() -> str | None:
    """This interpreter if it can import matplotlib, else the system one if it can, else None."""
    for python in (sys.executable, SYSTEM_PYTHON):
        if python and Path(python).exists():
            done = subprocess.run([python, "-c", "import matplotlib"], capture_output=True)
            if done.returncode == 0:
                return python
    return None


def missing_packages() -> list[str]:
    missing = [pkg for tool, pkg in TOOLS.items() if shutil.which(tool) is None]
    if matplotlib_python() is None:
        missing.append("python3-matplotlib")
    return missing


def install_prerequisites() -> None:
    missing = missing_packages()
    if not missing:
        return
    if os.geteuid() != 0:
        raise SuiteError(f"missing {' '.join(missing)}; run as root or install them with apt-get")
    log(f"installing {' '.join(missing)} with apt-get")
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", *missing],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    if missing_packages():
        raise SuiteError(f"still missing after apt-get: {' '.join(missing_packages())}")


def reexec_with_matplotlib(argv: list[str]) -> None:
    """Re-runs the suite under the system python when only that one has matplotlib (e.g. pyenv).

    Called before anything is started, so there is nothing to stop.
    """
    python = matplotlib_python()
    if python and python != sys.executable:
        log(f"matplotlib is importable only by {python}; re-running the suite with it")
        sys.stdout.flush()
        os.execv(python, [python, str(Path(__file__).resolve()), *argv])


def build_jars() -> None:
    jars = (ROUTER_JAR, WORKER_JAR, BENCH_JAR)
    if all(j.is_file() for j in jars):
        return
    modules = "router,sample-worker,bench"  # Java only: the Python worker needs its own packages
    log(f"building jars: mvn -B -q -DskipTests package -pl {modules} -am")
    subprocess.run(["mvn", "-B", "-q", "-DskipTests", "package", "-pl", modules, "-am"],
                   cwd=ROOT, check=True)
    missing = [str(j) for j in jars if not j.is_file()]
    if missing:
        raise SuiteError(f"missing after build: {', '.join(missing)}")


def tool_versions() -> dict[str, str]:
    commands = {
        "java": ["java", "-version"],
        "wrk": ["wrk", "-v"],
        "h2load": ["h2load", "--version"],
        "nginx": ["nginx", "-v"],
        "haproxy": ["haproxy", "-v"],
    }
    versions = {}
    for name, argv in commands.items():
        done = subprocess.run(argv, capture_output=True, text=True, timeout=20)
        versions[name] = ((done.stdout + done.stderr).strip().splitlines() or ["?"])[0]
    return versions


def parse_seconds(text: str) -> int:
    match = re.fullmatch(r"(\d+)(s|m)?", text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"expected whole seconds like 30s or 2m, got {text!r}")
    return int(match.group(1)) * (60 if match.group(2) == "m" else 1)


def name_list(allowed: tuple[str, ...]):
    def parse(text: str) -> list[str]:
        names = [n.strip() for n in text.split(",") if n.strip()]
        unknown = [n for n in names if n not in allowed]
        if unknown or not names:
            raise argparse.ArgumentTypeError(f"unknown {unknown}; choose from {','.join(allowed)}")
        return [n for n in allowed if n in names]

    return parse


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="smoke test: warm-up 1s, measured 2s (under 2 minutes)"
    )
    parser.add_argument(
        "--scenarios",
        type=name_list(SCENARIO_NAMES + FAMILIES),
        help="default: all; with --quick, all but " + ",".join(FAMILIES),
    )
    parser.add_argument("--systems", type=name_list(SYSTEMS), default=list(SYSTEMS))
    parser.add_argument(
        "--warmup", type=parse_seconds, help="warm-up load per scenario and system (default 30s)"
    )
    parser.add_argument(
        "--duration", type=parse_seconds, help="measured load per scenario and system (default 15s)"
    )
    args = parser.parse_args(argv)
    if args.warmup is None:
        args.warmup = 1 if args.quick else 30
    if args.duration is None:
        args.duration = 2 if args.quick else 15
    if args.duration < 1:
        parser.error("--duration must be at least 1s")
    if args.scenarios is None:
        args.scenarios = list(SCENARIO_NAMES if args.quick else SCENARIO_NAMES + FAMILIES)
    return args


def systems_needed(args: argparse.Namespace) -> list[str]:
    """The --systems that a chosen scenario runs against (families start their own zrouter)."""
    if set(args.scenarios) & set(SCENARIO_NAMES):
        return args.systems
    used = {s for family in args.scenarios for s in FAMILY_SYSTEMS[family]}
    return [s for s in args.systems if s in used]


# ------------------------------------------------------------------------------ main


def run_scenarios(
    procs: Processes, tmp: Path, scenarios: list[Scenario], systems: dict[str, System], timing: dict
):
    """Runs every scenario on its systems, one after the other; returns results and failures."""
    all_results, failures = {}, []
    for scenario in scenarios:
        results = {}
        for name in (s for s in systems if s in scenario.systems):
            system = systems[name]
            if scenario.tool == "h2load" and system.h2c_error:
                results[name] = {"skipped": system.h2c_error, "requests": 0}
                failures.append(f"{scenario.name}/{name}: {system.h2c_error}")
                continue
            log(
                f"{scenario.name}: {name} (warm-up {timing['warmup_s']} s, measured {timing['duration_s']} s)"
            )
            procs.require_alive(*system.popens)
            results[name] = measure(procs, tmp, scenario, system, timing)
            if not results[name]["requests"]:
                failures.append(f"{scenario.name}/{name}: no requests completed")
                log(
                    f"{scenario.name}/{name}: no requests; output:\n{results[name]['raw_output'][-2000:]}"
                )
        if scenario.name == "rate":
            added_over_direct(results)
        all_results[scenario.name] = results
    return all_results, failures


def family_modules(names: list[str]) -> dict:
    """name -> module of bench/scenarios/, imported before anything starts."""
    import importlib

    return {name: importlib.import_module(f"scenarios.{name}") for name in names}


def run_families(ctx: Context, families: dict) -> tuple[dict, list[str]]:
    """Runs each scenario family; one that fails is reported and the next one still runs."""
    all_results, failures = {}, []
    for name, module in families.items():
        log(f"{name}: {module.TITLE}")
        for system in ctx.systems.values():
            ctx.procs.require_alive(*system.popens)
        loadavg = Path("/proc/loadavg").read_text().split()[:3]
        try:
            all_results[name], failed = module.run(ctx)
        except SuiteError as e:
            log(f"error: {name}: {e}\n{ctx.procs.log_tails()}")
            all_results[name], failed = {"error": str(e)}, [f"{name}: {e}"]
        all_results[name]["loadavg_before"] = [float(v) for v in loadavg]
        all_results[name]["loadavg_after"] = [
            float(v) for v in Path("/proc/loadavg").read_text().split()[:3]
        ]
        failures += failed
    return all_results, failures


def write_outputs(
    out_dir: Path, scenarios, all_results, systems, timing, versions, failures, families
) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    document = {
        "timing": timing,
        "host": {"cpus": os.cpu_count(), "clk_tck": CLK_TCK, "backend_threads": BACKEND_THREADS},
        "versions": versions,
        "systems": {
            n: {"h1_url": s.h1_url, "h2c_url": s.h2c_url, "pids": s.pids, "h2c_error": s.h2c_error}
            for n, s in systems.items()
        },
        "scenarios": {
            s.name: {
                "title": s.title,
                "wrk_lua": s.lua + WRK_DONE_LUA if s.tool == "wrk" else None,
                "results": all_results[s.name],
            }
            for s in scenarios
        }
        | {name: {"title": m.TITLE, "results": all_results[name]} for name, m in families.items()},
        "failures": failures,
    }
    (out_dir / "results.json").write_text(json.dumps(document, indent=2) + "\n")
    (out_dir / "summary.md").write_text(
        markdown(scenarios, all_results, timing, versions, detail=True, families=families)
    )
    try:
        chart(out_dir / "chart.png", scenarios, all_results, list(systems), timing, families)
    except Exception as e:  # the numbers are already saved; a chart failure is reported only
        log(f"warning: chart not written: {e}")


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    os.environ["PATH"] += ":/usr/sbin:/sbin"  # nginx and haproxy live there on Debian
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    timing = {
        "started": stamp,
        "warmup_s": args.warmup,
        "duration_s": args.duration,
        "h2load_warm_up_s": 1,  # connection set-up, inside the measured h2load run, not counted
        "quick": args.quick,
    }
    scenarios = [s for s in SCENARIOS if s.name in args.scenarios]
    families = family_modules([f for f in FAMILIES if f in args.scenarios])
    install_prerequisites()
    reexec_with_matplotlib(argv)
    build_jars()
    raise_fd_limit()
    versions = tool_versions()
    tmp = Path(tempfile.mkdtemp(prefix="zrouter-suite."))
    procs = Processes(tmp)
    try:
        try:
            systems = start_systems(procs, tmp, systems_needed(args))
        except SuiteError as e:
            log(f"error: {e}\n{procs.log_tails()}")
            return 1
        try:
            all_results, failures = run_scenarios(procs, tmp, scenarios, systems, timing)
        except SuiteError as e:
            log(f"error: {e}\n{procs.log_tails()}")
            return 1
        ctx = Context(procs, tmp, timing, systems, args.systems)
        family_results, family_failures = run_families(ctx, families)
        all_results |= family_results
        failures += family_failures
        out_dir = OUT_ROOT / stamp
        write_outputs(
            out_dir, scenarios, all_results, systems, timing, versions, failures, families
        )
        print(markdown(scenarios, all_results, timing, versions, detail=False, families=families))
        log(f"results: {out_dir}/results.json, summary.md, chart.png")
        for failure in failures:
            log(f"failed: {failure}")
        return 1 if failures else 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        procs.stop_all()
        shutil.rmtree(tmp, ignore_errors=True)


def exit_on_signal(signum, frame):
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    sys.modules.setdefault("suite", sys.modules[__name__])  # bench/scenarios/ imports it by name
    signal.signal(signal.SIGINT, exit_on_signal)
    signal.signal(signal.SIGTERM, exit_on_signal)
    signal.signal(signal.SIGHUP, exit_on_signal)
    try:
        sys.exit(main(sys.argv[1:]))
    except SuiteError as e:
        log(f"error: {e}")
        sys.exit(1)
