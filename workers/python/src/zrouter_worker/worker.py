"""The public entry point: :class:`Worker` connects to routers and serves requests with a handler."""

from __future__ import annotations

import logging
import os
import queue
import signal
import threading
from typing import Callable, Sequence

from .dispatcher import Dispatcher, Slots
from .io_thread import IoThread
from .outbound import OutboundQueue, Wakeup
from .stream import Request, Response

log = logging.getLogger(__name__)

Handler = Callable[[Request, Response], object]


class _HandlerPool:
    """``concurrency`` daemon threads: a handler stuck past the drain timeout cannot keep the
    process alive. Tasks never queue here, as the dispatcher refuses requests at capacity."""

    def __init__(self, size: int, name: str) -> None:
        self._tasks: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._threads = [threading.Thread(target=self._loop, name=f"{name}-{i}", daemon=True)
                         for i in range(1, size + 1)]
        for thread in self._threads:
            thread.start()

    def submit(self, task: Callable[[], None]) -> None:
        self._tasks.put(task)

    def _loop(self) -> None:
        while (task := self._tasks.get()) is not None:
            task()

    def shutdown(self) -> None:
        for _ in self._threads:
            self._tasks.put(None)


class Worker:
    """A zrouter worker.

    ``connect``: router endpoints (``tcp://HOST:PORT``, each router's ``--bind``). ``handler``:
    called as ``handler(request, response)`` on one of ``concurrency`` handler threads; with all
    of them busy, further requests are refused and go to other workers. ``drain_timeout``: how
    long :meth:`close` lets running handlers finish. (Routes, docs/services.md, are not served
    yet: this worker belongs to the default service.)
    """

    def __init__(self, connect: str | Sequence[str], handler: Handler, *, concurrency: int = 64,
                 worker_id: str | None = None, drain_timeout: float = 30.0) -> None:
        endpoints = list(dict.fromkeys([connect] if isinstance(connect, str) else connect))
        if not endpoints:
            raise ValueError("at least one router endpoint is required")
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1: {concurrency}")
        self.id = worker_id or f"worker-{os.urandom(4).hex()}"
        if not 0 < len(self.id.encode()) <= 255:
            raise ValueError("worker id must be 1 to 255 bytes")
        self._drain_timeout = drain_timeout
        self._stopping = threading.Event()
        self._slots = Slots(concurrency)
        self._pool = _HandlerPool(concurrency, f"zrouter-handler-{self.id}")
        self._wakeup = Wakeup()
        self._outbound = OutboundQueue(self._wakeup)
        dispatcher = Dispatcher(handler, self._pool.submit, self._outbound, self._slots, self.id)
        try:
            self._io = IoThread(self.id, endpoints, concurrency, dispatcher, self._outbound,
                                self._wakeup)
        except Exception:
            self._pool.shutdown()
            self._wakeup.close()
            raise
        self._started = self._closed = False
        self._lock = threading.Lock()
        log.info("worker created id = %s endpoints = %s concurrency = %s", self.id, endpoints,
                 concurrency)

    def start(self) -> Worker:
        """Starts the IO thread and returns; ZeroMQ connects (and reconnects) in the background."""
        with self._lock:
            if not self._started:
                self._started = True
                self._io.start()
        return self

    def run(self) -> None:
        """Starts, serves until SIGTERM or SIGINT (or :meth:`stop`), then drains: blocks."""
        self.start()
        previous = {}
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                previous[sig] = signal.signal(sig, lambda *_: self._stopping.set())
        try:
            while not self._stopping.wait(0.5):  # a short wait keeps signals prompt everywhere
                pass
        finally:
            self.close()  # a second signal meanwhile is ignored: the drain is bounded anyway
            for sig, old in previous.items():
                signal.signal(sig, old)

    def stop(self) -> None:
        """Any thread: makes :meth:`run` return (after draining)."""
        self._stopping.set()

    def close(self) -> None:
        """Drains: refuses new requests (REFUSED, so routers send them elsewhere), lets running
        handlers finish within the drain timeout, sends their last frames, says LEAVING to every
        router and closes the sockets. Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if not self._started:
                self._started = True
                self._io.start()  # so that it closes the sockets it owns, on its own thread
        log.info("worker stopping id = %s in_flight = %s", self.id, self._slots.busy)
        self._io.start_draining()
        if not self._slots.wait_idle(self._drain_timeout):
            log.warning("handlers still running after the drain timeout id = %s running = %s;"
                        " their streams are cancelled", self.id, self._slots.busy)
        if self._io.stop(5.0):
            self._wakeup.close()
        else:
            log.warning("IO thread did not stop in time id = %s", self.id)
        self._outbound.close()
        self._slots.wait_idle(1.0)  # cancelled handlers fail at their next read or write
        self._pool.shutdown()
        log.info("worker stopped id = %s", self.id)

    def __enter__(self) -> Worker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = ["Worker", "Handler"]
