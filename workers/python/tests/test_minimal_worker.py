"""The real router jar and only the minimal worker (examples/minimal_worker.py, docs/protocol.md 15).

The minimal worker has the dispatch path only: it refuses a request whose body continues past
the dispatched message, and the router sends it again with the body that arrived meanwhile, up
to the 256 KiB window. The test generates the ``zrouter.v1.frames_pb2`` module it imports with
``protoc`` (``PROTOC`` names it, as for setup.py).
"""

import http.client
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from router_process import REPO, RouterTestCase, needs_router_jar, until

MINIMAL_WORKER = REPO / "workers/python/examples/minimal_worker.py"
WORKER_ID = "py-minimal"
WINDOW = 256 << 10


@needs_router_jar
class MinimalWorkerTest(RouterTestCase):
    @classmethod
    def setUpClass(cls):
        generated = tempfile.TemporaryDirectory(prefix="zrouter-py-minimal-pb2-")
        cls.addClassCleanup(generated.cleanup)
        subprocess.run([os.environ.get("PROTOC", "protoc"), f"-I{REPO / 'proto/src/main/proto'}",
                        f"--python_out={generated.name}", "zrouter/v1/frames.proto"], check=True)
        for package in ("zrouter", "zrouter/v1"):
            Path(generated.name, package, "__init__.py").touch()

        cls.start_router(worker_wait="1s")
        env = dict(os.environ, PYTHONPATH=generated.name)
        cls.start([sys.executable, str(MINIMAL_WORKER), cls.endpoint, WORKER_ID],
                  Path(cls.logs.name, "minimal-worker.log"), env=env)
        # it sends nothing until it gets a request: it is there once it answers one (before it
        # connected, the router answers 503 after --worker-wait)
        until(lambda: cls.fetch("GET", "/hello")[0].status == 200, 30, "the minimal worker")

    def test_getHello(self):
        response, body = self.fetch("GET", "/hello")
        self.assertEqual(response.status, 200)
        self.assertEqual(body, f"hello from {WORKER_ID}\n".encode())
        self.assertEqual(response.getheader("x-worker-id"), WORKER_ID)

    def test_postEcho_ofABodyThatArrivesAfterTheHead_isServedWhole(self):
        data = os.urandom(100 << 10)
        response, body = self.post_after_continue("/echo", data)
        self.assertEqual(response.status, 200)
        self.assertEqual(response.getheader("content-length"), str(len(data)))
        self.assertTrue(body == data, "echoed body differs")
        # The body comes only after the router's 100. The router waits 500 us for a body still
        # arriving before it dispatches; when that is not enough (a busy machine), the worker
        # refuses the head and the router sends it again with the body that arrived meanwhile.
        # Either way the minimal worker gets it whole: WholeBodyWorkerTest (router) pins down
        # the resend path step by step.

    def test_postEcho_overTheWindow_isRefusedEveryTime_andGets503AtWorkerWait(self):
        before = self.admin_workers()
        data = os.urandom(300 << 10)
        self.assertGreater(len(data), WINDOW)
        started = time.monotonic()
        status = self.post_status_while_sending("/echo", data)
        self.assertEqual(status, 503)
        self.assertLess(time.monotonic() - started, 3.0)  # --worker-wait 1s
        self.assertGreater(self.admin_workers()["refusals"], before["refusals"])

    def post_after_continue(self, path, data):
        """POSTs ``data`` with ``Expect: 100-continue``, sending it only after the 100 came."""
        conn = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=30)
        try:
            conn.putrequest("POST", path)
            conn.putheader("content-type", "application/octet-stream")
            conn.putheader("content-length", str(len(data)))
            conn.putheader("expect", "100-continue")
            conn.endheaders()
            self.assertEqual(read_head(conn.sock), b"HTTP/1.1 100 Continue\r\n\r\n")
            conn.send(data)
            response = conn.getresponse()
            return response, response.read()
        finally:
            conn.close()

    def post_status_while_sending(self, path, data):
        """POSTs ``data`` from another thread and returns the response's status code.

        The router stops reading at the window, so the sender may never finish; the status line
        is read while it sends, and closing the socket ends the sender.
        """
        head = (f"POST {path} HTTP/1.1\r\nhost: 127.0.0.1\r\n"
                f"content-type: application/octet-stream\r\ncontent-length: {len(data)}\r\n"
                "\r\n").encode()
        with socket.create_connection(("127.0.0.1", self.http_port), timeout=10) as sock:
            def send():
                try:
                    sock.sendall(head + data)
                except OSError:
                    pass  # ignored: the test shuts the socket down while this still sends
            sender = threading.Thread(target=send)
            sender.start()
            try:
                status_line = read_head(sock).split(b"\r\n", 1)[0]
            finally:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass  # ignored: the router closed or reset the connection already
                sender.join(10)
        return int(status_line.split(b" ")[1])


def read_head(sock):
    """Reads a response head up to its blank line, one byte at a time (nothing after it)."""
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        byte = sock.recv(1)
        if not byte:
            raise AssertionError(f"connection closed after {head!r}")
        head += byte
    return head
