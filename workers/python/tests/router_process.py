"""The real router jar as a process, for the tests that run workers against it over real sockets.

The router binds its ports itself (``--listen 127.0.0.1:0``, ``--bind tcp://127.0.0.1:*``, which
takes two free consecutive ports for the dispatch and addressed sockets) and a test reads them
from its ready line. ``ZROUTER_ROUTER_JAR`` names the jar (the Maven build sets it); without it,
``router/target/zrouter-router.jar`` is used if built, else the tests are skipped.
"""

import http.client
import json
import os
import re
import subprocess
import tempfile
import time
import unittest
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
JAR = Path(os.environ.get("ZROUTER_ROUTER_JAR", REPO / "router/target/zrouter-router.jar"))
READY = re.compile(r"zrouter ready: http = ([\d.]+):(\d+), workers = (tcp://[\d.]+:\d+),.*"
                   r"admin = [\d.]+:(\d+)")

needs_router_jar = unittest.skipUnless(JAR.is_file() or "ZROUTER_ROUTER_JAR" in os.environ,
                                       f"router jar not built: {JAR}")


def until(condition, timeout=20.0, what="condition"):
    """Polls ``condition`` until it returns something true, or fails after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)  # a poll interval, not a synchronization


class RouterTestCase(unittest.TestCase):
    """A test class with one router for all its tests; every process it starts is stopped after.

    ``start_router`` sets ``logs`` (a temporary directory), ``http_port``, ``endpoint`` (the
    workers' ZeroMQ endpoint) and ``admin_port``.
    """

    @classmethod
    def start_router(cls, worker_wait="10s"):
        cls.logs = tempfile.TemporaryDirectory(prefix=f"zrouter-py-{cls.__name__}-")
        cls.addClassCleanup(cls.logs.cleanup)
        log = Path(cls.logs.name, "router.log")
        cls.router = cls.start(["java", "-Xmx128m", "-jar", str(JAR), "--listen", "127.0.0.1:0",
                                "--bind", "tcp://127.0.0.1:*", "--admin-listen", "127.0.0.1:0",
                                "--worker-wait", worker_wait], log)
        ready = until(lambda: READY.search(log.read_text()), 60, "the router")
        cls.http_port, cls.endpoint, cls.admin_port = int(ready[2]), ready[3], int(ready[4])

    @classmethod
    def start(cls, argv, log_path, env=None):
        """Starts a process that is stopped (SIGTERM, then SIGKILL) after the class's tests."""
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env)
        cls.addClassCleanup(cls.stop, proc)
        return proc

    @staticmethod
    def stop(proc):
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    @classmethod
    def fetch(cls, method, path, body=None, headers=None, port=None):
        conn = http.client.HTTPConnection("127.0.0.1", port or cls.http_port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response, response.read()
        finally:
            conn.close()

    @classmethod
    def admin_workers(cls):
        """The router's ``/_zrouter/workers`` view, as JSON."""
        _, body = cls.fetch("GET", "/_zrouter/workers", port=cls.admin_port)
        return json.loads(body)
