"""The sample worker: the conformance endpoints of the Java sample worker (SampleHandler), with
the same bytes. Every response carries ``x-worker-id`` (and ``x-service: default``, as there).

    python -m zrouter_worker.sample --connect tcp://127.0.0.1:5555 --id py1 --concurrency 64

SIGTERM drains and exits 0; bad flags exit 2.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
import threading
from typing import Callable, Sequence

from . import Request, Response, StreamCancelled, Worker

TEXT = "text/plain; charset=utf-8"


class BadRequest(Exception):
    """A parameter the endpoint cannot use: 400."""


class SampleHandler:
    def __init__(self, worker_id: str) -> None:
        self.worker_id = worker_id
        self.cancelled = 0  # endless streams ended by cancellation
        self.active = 0  # endless streams running now
        self._lock = threading.Lock()
        self.routes: dict[str, tuple[str, Callable[[Request, Response], None]]] = {
            "/hello": ("GET", self.hello),
            "/echo": ("POST", self.echo),
            "/stream": ("GET", self.stream),
            "/stats": ("GET", self.stats),
            "/sleep": ("GET, POST", self.sleep),
        }

    def __call__(self, request: Request, response: Response) -> None:
        response.headers["x-worker-id"] = self.worker_id
        response.headers["x-service"] = "default"
        route = self.routes.get(request.path)
        if route is None:
            send_text(response, 404, "not found\n")
        elif request.method not in route[0].split(", "):
            response.headers["allow"] = route[0]
            send_text(response, 405, "method not allowed\n")
        else:
            try:
                route[1](request, response)
            except BadRequest as e:
                send_text(response, 400, f"bad request: {e}\n")

    def hello(self, request: Request, response: Response) -> None:
        send_text(response, 200, f"hello from {self.worker_id}\n")

    def echo(self, request: Request, response: Response) -> None:
        if "content-type" in request.headers:
            response.headers["content-type"] = request.headers["content-type"]
        if request.content_length >= 0:
            response.headers["content-length"] = str(request.content_length)
        for chunk in request.body:
            response.write(chunk)

    def stream(self, request: Request, response: Response) -> None:
        n = int_param(request, "n", 10, 0, 1_000_000)
        interval = int_param(request, "interval_ms", 100, 0, 60_000) / 1000
        response.headers["content-type"] = TEXT
        response.flush()  # the head goes out at once, before the first line
        if n == 0:
            self.stream_until_cancelled(request, response, interval)
            return
        for i in range(n):
            if i > 0 and interval > 0 and request.wait_cancelled(interval):
                return
            response.write(f"chunk {i}\n")
            response.flush()

    def stream_until_cancelled(self, request: Request, response: Response, interval: float) -> None:
        with self._lock:
            self.active += 1
        sent = 0
        try:
            try:
                while sent == 0 or not request.wait_cancelled(interval):
                    response.write(f"chunk {sent}\n")
                    response.flush()
                    sent += 1
            except StreamCancelled:
                if not request.cancelled:
                    raise
            with self._lock:
                self.cancelled += 1
            logging.info("stream cancelled after %s chunks request_id = %s", sent,
                         request.request_id)
        finally:
            with self._lock:
                self.active -= 1

    def stats(self, request: Request, response: Response) -> None:
        response.headers["content-type"] = "application/json"
        response.write(f'{{"cancelled": {self.cancelled}, "active": {self.active}}}\n')

    def sleep(self, request: Request, response: Response) -> None:
        ms = int_param(request, "ms", 1000, 0, 600_000)
        if not request.wait_cancelled(ms / 1000):
            send_text(response, 200, f"slept {ms} ms\n")


def send_text(response: Response, status: int, text: str) -> None:
    response.status = status
    if "content-type" not in response.headers:
        response.headers["content-type"] = TEXT
    response.write(text)  # ends with the handler, with a content-length


def int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    text = request.param(name)
    if text is None:
        return default
    if not re.fullmatch(r"-?\d+", text):
        raise BadRequest(f"{name} is not a number: {text}")
    value = int(text)
    if not low <= value <= high:
        raise BadRequest(f"{name} must be in {low}..{high}: {value}")
    return value


def duration(text: str) -> float:
    """``500ms``, ``30s``, ``2m`` in seconds."""
    match = re.fullmatch(r"(\d+)(ms|s|m)", text)
    if not match:
        raise argparse.ArgumentTypeError(f"must look like 500ms, 30s or 2m: {text}")
    return int(match[1]) * {"ms": 0.001, "s": 1, "m": 60}[match[2]]


def positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer: {text}")
    return int(text)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="zrouter-python-sample", description=__doc__.split("\n")[0])
    parser.add_argument("--connect", action="append", required=True, metavar="ENDPOINT",
                        help="router endpoint (its --bind), repeatable")
    parser.add_argument("--id", help="worker id (default: a random one)")
    parser.add_argument("--concurrency", type=positive, default=64, help="handlers at once")
    parser.add_argument("--drain-timeout", type=duration, default=30.0, metavar="DUR",
                        help="on SIGTERM, how long in-flight requests may finish (default 30s)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    worker_id = args.id or f"sample-{os.urandom(4).hex()}"
    try:
        worker = Worker(args.connect, SampleHandler(worker_id), worker_id=worker_id,
                        concurrency=args.concurrency, drain_timeout=args.drain_timeout)
    except ValueError as e:
        print(f"zrouter-python-sample: {e}", file=sys.stderr)
        return 2
    worker.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
