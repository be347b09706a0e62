"""The real router jar and the sample worker, over real sockets.

The router binds its ports itself (``--listen 127.0.0.1:0``, ``--bind tcp://127.0.0.1:*``, which
takes two free consecutive ports for the dispatch and addressed sockets) and the test reads them
from its ready line. ``ZROUTER_ROUTER_JAR`` names the jar (the Maven build sets it); without it,
``router/target/zrouter-router.jar`` is used if built, else the test is skipped.
"""

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
JAR = Path(os.environ.get("ZROUTER_ROUTER_JAR", REPO / "router/target/zrouter-router.jar"))
READY = re.compile(r"zrouter ready: http = ([\d.]+):(\d+), workers = (tcp://[\d.]+:\d+),.*"
                   r"admin = [\d.]+:(\d+)")


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


@unittest.skipUnless(JAR.is_file() or "ZROUTER_ROUTER_JAR" in os.environ,
                     f"router jar not built: {JAR}")
class EndToEndTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.logs = tempfile.TemporaryDirectory(prefix="zrouter-py-e2e-")
        cls.router_log = Path(cls.logs.name, "router.log")
        cls.addClassCleanup(cls.logs.cleanup)
        cls.router = cls.start(["java", "-Xmx128m", "-jar", str(JAR), "--listen", "127.0.0.1:0",
                                "--bind", "tcp://127.0.0.1:*", "--admin-listen", "127.0.0.1:0",
                                "--worker-wait", "10s"], cls.router_log)
        ready = until(lambda: READY.search(cls.router_log.read_text()), 60, "the router")
        cls.http_port, cls.endpoint, cls.admin_port = int(ready[2]), ready[3], int(ready[4])
        cls.start_worker("py-e2e")

    @classmethod
    def start(cls, argv, log_path):
        """Starts a process that is stopped (SIGTERM, then SIGKILL) after the class's tests."""
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        cls.addClassCleanup(cls.stop, proc)
        return proc

    @classmethod
    def start_worker(cls, worker_id):
        """A sample worker, once it answered a request (its addressed link opens with the first)."""
        log = Path(cls.logs.name, f"{worker_id}.log")
        proc = cls.start([sys.executable, "-m", "zrouter_worker.sample", "--connect",
                          cls.endpoint, "--id", worker_id, "--concurrency", "4"], log)
        until(lambda: cls.fetch("GET", "/hello")[0].getheader("x-worker-id") == worker_id, 30,
              f"{worker_id} to answer")
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
    def workers(cls):
        """The router's view (a worker shows up once its worker_hello came), [] until it answers."""
        try:
            _, body = cls.fetch("GET", "/_zrouter/workers", port=cls.admin_port)
            return json.loads(body)["workers"]
        except OSError:
            return []

    @classmethod
    def fetch(cls, method, path, body=None, headers=None, port=None):
        conn = http.client.HTTPConnection("127.0.0.1", port or cls.http_port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response, response.read()
        finally:
            conn.close()

    def test_getHello(self):
        response, body = self.fetch("GET", "/hello")
        worker_id = response.getheader("x-worker-id")
        self.assertEqual(response.status, 200)
        self.assertEqual(body, f"hello from {worker_id}\n".encode())
        self.assertEqual(response.getheader("content-type"), "text/plain; charset=utf-8")
        self.assertEqual(response.getheader("content-length"), str(len(body)))

    def test_postEcho_of1MiB_comesBackWhole(self):
        data = os.urandom(1 << 20)
        response, body = self.fetch("POST", "/echo", body=data,
                                    headers={"content-type": "application/octet-stream"})
        self.assertEqual(response.status, 200)
        self.assertEqual(response.getheader("content-length"), str(len(data)))
        self.assertEqual(response.getheader("content-type"), "application/octet-stream")
        self.assertTrue(body == data, "echoed body differs")

    def test_streamAndMethodAndNotFound(self):
        response, body = self.fetch("GET", "/stream?n=3&interval_ms=10")
        self.assertEqual((response.status, body), (200, b"chunk 0\nchunk 1\nchunk 2\n"))
        self.assertIsNone(response.getheader("content-length"))
        response, _ = self.fetch("POST", "/hello")
        self.assertEqual((response.status, response.getheader("allow")), (405, "GET"))
        response, _ = self.fetch("GET", "/nowhere")
        self.assertEqual(response.status, 404)

    def test_clientGoingAway_cancelsTheEndlessStream(self):
        _, before = self.fetch("GET", "/stats")
        conn = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=30)
        conn.request("GET", "/stream?n=0&interval_ms=20")
        response = conn.getresponse()
        self.assertEqual(response.fp.readline(), b"8\r\n")  # chunked: "chunk 0\n"
        conn.close()  # the router resets the stream on the worker's addressed link

        def cancelled():
            stats = json.loads(self.fetch("GET", "/stats")[1])
            return stats["cancelled"] > json.loads(before)["cancelled"] and stats["active"] == 0
        until(cancelled, what="the stream to be cancelled")

    def test_sigterm_drainsInFlightRequests_andExits0(self):
        proc = self.start_worker("py-drain")
        results = []
        # GETs are dispatched round-robin: several, so that the draining worker holds some
        clients = [threading.Thread(target=lambda: results.append(
            self.fetch("GET", "/sleep?ms=1500")[0].status)) for _ in range(4)]
        for client in clients:
            client.start()
        until(lambda: any(w["id"] == "py-drain" and w["in_flight"] > 0 for w in self.workers()),
              what="py-drain to hold a request")
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(20), 0)
        for client in clients:
            client.join(30)
        self.assertEqual(results, [200] * 4)
        until(lambda: "py-drain" not in [w["id"] for w in self.workers()], what="py-drain to leave")
