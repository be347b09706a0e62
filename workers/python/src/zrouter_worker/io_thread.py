"""The one thread that owns the worker's ZeroMQ sockets (pyzmq sockets are not thread-safe).

Each cycle it blocks in a ``zmq.Poller`` on the ROUTER socket (requests), the addressed links
(follow-up frames) and the wake-up pipe (handler threads queued frames), hands what arrived to the
:class:`~zrouter_worker.dispatcher.Dispatcher`, then drains the outbound queue and sends the frames
grouped by reply path, up to 64 parts or 320 KiB per message, as the Java SDK's
``WorkerIoThread`` does. It polls with a timeout only for heartbeats, full pipes and a drain.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from typing import Any, Sequence

import zmq

from . import frames
from .dispatcher import START_WAIT_S, Dispatcher
from .frames import Phase, pb
from .link import CLOSE_LINGER_MS, AddressedLink, AddressedLinks, RouterPath, SendResult
from .link import apply_options
from .outbound import OutboundFrame, OutboundQueue, Wakeup

log = logging.getLogger(__name__)

MAX_PARTS, MAX_BYTES = 64, 320 * 1024  # per message sent
MAX_IN, MAX_OUT = 256, 4096  # messages read per socket, frames taken from the queue, per cycle
FULL_PIPE_RETRY_MS = 10  # ZeroMQ has no writable event for ROUTER: retry while a pipe is full
ROUTER_SILENCE_S = 5.0  # a router silent this long on its link (it heartbeats every second) is dead
START_GRACE_S = 0.5  # a drain waits this long for the starts of requests it acknowledged


class IoThread:
    def __init__(self, worker_id: str, endpoints: Sequence[str], concurrency: int,
                 dispatcher: Dispatcher, outbound: OutboundQueue, wakeup: Wakeup) -> None:
        self._dispatcher, self._outbound, self._wakeup = dispatcher, outbound, wakeup
        self._context = zmq.Context(1)
        self._socket = self._context.socket(zmq.ROUTER)
        self._poller = zmq.Poller()
        hello = frames.encode(0, worker_hello=pb.WorkerHello(
            protocol_version=frames.PROTOCOL_VERSION, worker_id=worker_id, concurrency=concurrency))
        self._links = AddressedLinks(self._context, self._poller, worker_id, hello)
        try:
            apply_options(self._socket)
            self._socket.setsockopt(zmq.ROUTING_ID, worker_id.encode())
            self._socket.setsockopt(zmq.ROUTER_MANDATORY, 1)
            for endpoint in endpoints:
                # messages from this router arrive with the endpoint as routing id: it names the host
                self._socket.setsockopt(zmq.CONNECT_ROUTING_ID, endpoint.encode("ascii"))
                self._socket.connect(endpoint)
        except (zmq.ZMQError, UnicodeError) as e:
            self._close_sockets(0)
            raise ValueError(f"cannot connect to {list(endpoints)}: {e}") from e
        self._poller.register(self._socket, zmq.POLLIN)
        self._poller.register(wakeup.fd, zmq.POLLIN)
        self._router_paths: dict[bytes, RouterPath] = {}
        self._unsent: dict[Any, deque[OutboundFrame]] = {}  # taken from the queue, per path
        self._drain_requested, self._drain_acknowledged = threading.Event(), threading.Event()
        self._stop_requested = threading.Event()
        self._draining, self._drain_started = False, 0.0
        self._next_heartbeat = time.monotonic()
        self._thread = threading.Thread(target=self._run, name=f"zrouter-io-{worker_id}",
                                        daemon=True)

    def start(self) -> None:
        self._thread.start()

    def start_draining(self) -> None:
        """Any thread: refuse new requests; returns once no more are handed to handlers."""
        self._drain_requested.set()
        self._wakeup.signal()
        if not self._drain_acknowledged.wait(2.0):
            log.warning("IO thread did not acknowledge the drain in time")

    def stop(self, timeout: float) -> bool:
        """Any thread: send what is queued, say LEAVING, close the sockets, end the thread."""
        self._stop_requested.set()
        self._wakeup.signal()
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        try:
            while not self._stop_requested.is_set():
                self._cycle(dict(self._poller.poll(self._poll_timeout())))
            self._flush_before_close()
        except Exception:
            log.exception("worker IO thread failed")
        finally:
            self._drain_acknowledged.set()  # nothing is dispatched any more either way
            self._close_everything()

    def _poll_timeout(self) -> int | None:
        if self._outbound:
            return 0  # a flush was capped: go on at once
        timeout = FULL_PIPE_RETRY_MS if self._unsent else None
        if self._draining and not self._drain_acknowledged.is_set():
            timeout = 5
        if self._links.all():
            until = max(0, int((self._next_heartbeat - time.monotonic()) * 1000) + 1)
            timeout = until if timeout is None else min(timeout, until)
        return timeout

    def _cycle(self, events: dict[Any, int]) -> None:
        now = time.monotonic()
        if self._drain_requested.is_set() and not self._draining:
            self._draining, self._drain_started = True, now
            self._dispatcher.draining = True
            self._announce(Phase.PHASE_DRAINING)
        if self._draining and not self._drain_acknowledged.is_set():
            # let the starts of what this worker acknowledged come (a round trip) before the
            # handler pool closes; give up only what still waits after that
            if not self._dispatcher.awaiting_start or now - self._drain_started > START_GRACE_S:
                self._dispatcher.give_up_awaiting()
                self._drain_acknowledged.set()
        if self._wakeup.fd in events:
            self._wakeup.acknowledge()  # before the queue is drained below
        if self._socket in events:
            self._receive()
        for link in self._links.all():  # a link opened in this cycle has no events yet
            if link.monitor in events:
                link.on_monitor()
            if link.socket in events:
                self._receive_link(link)
        self._dispatcher.give_up_awaiting(now - START_WAIT_S, "no start from the router in time")
        self._flush()
        if now >= self._next_heartbeat:
            self._next_heartbeat = now + 1.0
            self._heartbeat(now)

    def _receive(self) -> None:
        for _ in range(MAX_IN):
            try:
                router, *parts = self._socket.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return
            try:
                self._dispatcher.on_message(router, parts, self)
            except Exception:
                log.exception("failed to handle a message from a router")

    def _receive_link(self, link: AddressedLink) -> None:
        for _ in range(MAX_IN):
            parts = link.receive()
            if parts is None:
                return
            try:
                self._dispatcher.on_addressed_message(link, parts)
            except Exception:
                log.exception("failed to handle a message on an addressed link")

    # the dispatcher's reply paths

    def for_new_stream(self, router: bytes, addressed_port: int) -> Any:
        link = self._links.update(router, addressed_port,
                                  lambda old: self._link_closed(old, "addressed link replaced"))
        return link or self._router_path(router)

    def acknowledge_now(self, router: bytes, frame: bytes) -> bool:
        return self._router_path(router).send([frame]) is SendResult.SENT

    def _router_path(self, router: bytes) -> RouterPath:
        if router not in self._router_paths:
            self._router_paths[router] = RouterPath(self._socket, router)
        return self._router_paths[router]

    # sending

    def _flush(self) -> None:
        for _ in range(MAX_OUT):
            frame = self._outbound.poll()
            if frame is None:
                break
            path = self._router_path(frame.stream.key[0]) if frame.via_router else frame.stream.path
            self._unsent.setdefault(path, deque()).append(frame)
        for path, queue in list(self._unsent.items()):
            self._send_on(path, queue)
            if not queue:
                self._unsent.pop(path, None)

    def _send_on(self, path: Any, queue: deque[OutboundFrame]) -> None:
        while queue:
            message: list[OutboundFrame] = []
            size = 0
            while queue and len(message) < MAX_PARTS:
                if message and size + len(queue[0].data) > MAX_BYTES:
                    break
                frame = queue.popleft()
                if frame.stream.cancelled.is_set() and not frame.even_if_cancelled:
                    self._sent(frame)  # reset, or unreachable: nothing more goes on the stream
                    continue
                message.append(frame)
                size += len(frame.data)
            if not message:
                return
            result = path.send([f.data for f in message])
            if result is SendResult.FULL:
                queue.extendleft(reversed(message))
                return
            if result is SendResult.UNREACHABLE:
                log.warning("router unreachable, dropping its frames path = %r frames = %s",
                            path, len(message) + len(queue))
                for frame in [*message, *queue]:
                    self._dispatcher.forget(frame.stream, "router unreachable")
                queue.clear()
                return
            for frame in message:
                self._sent(frame)

    def _sent(self, frame: OutboundFrame) -> None:
        if frame.ends:
            self._dispatcher.stream_ended(frame.stream)

    # links

    def _heartbeat(self, now: float) -> None:
        """Every second on each link, so the router can tell an idle worker from a dead one."""
        heartbeat = frames.encode(0, heartbeat=pb.Heartbeat(sent_unix_ms=int(time.time() * 1000)))
        for link in self._links.all():
            link.send_control(heartbeat)
            if now - link.last_heard > ROUTER_SILENCE_S:  # its next request opens a fresh link
                log.warning("router silent, closing its link link = %r", link)
                self._links.close(link)
                self._link_closed(link, "router silent on its addressed link")

    def _link_closed(self, link: AddressedLink, reason: str) -> None:
        """A closed link's router is gone: so are its streams and what they still had to send."""
        self._dispatcher.cancel_on(link, reason)
        self._unsent.pop(link, None)

    def _announce(self, phase: int) -> None:
        for link in self._links.all():
            link.send_control(frames.encode(0, worker_state=pb.WorkerState(
                phase=phase, in_flight=self._dispatcher.open_on(link))))

    # closing

    def _flush_before_close(self) -> None:
        """Gives the frames still queued (the last handlers' ends) a bounded chance to go out."""
        deadline = time.monotonic() + CLOSE_LINGER_MS / 1000
        self._cycle({})
        while (self._unsent or self._outbound) and time.monotonic() < deadline:
            self._cycle(dict(self._poller.poll(FULL_PIPE_RETRY_MS)))
        if self._unsent:
            log.warning("closing with frames a router did not take")

    def _close_everything(self) -> None:
        self._announce(Phase.PHASE_LEAVING)  # after every stream's last frame
        self._dispatcher.cancel_on(None, "worker closed")
        self._unsent.clear()
        self._close_sockets(CLOSE_LINGER_MS)  # what ZeroMQ holds gets a bounded time to go out

    def _close_sockets(self, linger_ms: int) -> None:
        for link in self._links.all():
            self._links.close(link, linger_ms)
        self._socket.close(linger_ms)
        self._context.term()
