"""The real router jar and the sample worker, over real sockets (router_process has the router)."""

import http.client
import json
import os
import signal
import sys
import threading
from pathlib import Path

from router_process import RouterTestCase, needs_router_jar, until


@needs_router_jar
class EndToEndTest(RouterTestCase):
    @classmethod
    def setUpClass(cls):
        cls.start_router(worker_wait="10s")
        cls.start_worker("py-e2e")

    @classmethod
    def start_worker(cls, worker_id):
        """A sample worker, once it answered a request (its addressed link opens with the first)."""
        log = Path(cls.logs.name, f"{worker_id}.log")
        proc = cls.start([sys.executable, "-m", "zrouter_worker.sample", "--connect",
                          cls.endpoint, "--id", worker_id, "--concurrency", "4"], log)
        until(lambda: cls.fetch("GET", "/hello")[0].getheader("x-worker-id") == worker_id, 30,
              f"{worker_id} to answer")
        return proc

    @classmethod
    def workers(cls):
        """The router's view (a worker shows up once its worker_hello came), [] until it answers."""
        try:
            return cls.admin_workers()["workers"]
        except OSError:
            return []

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
