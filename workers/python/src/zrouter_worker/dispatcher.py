"""Turns messages from routers into streams and handler runs. IO thread only, but :class:`Slots`.

As in the Java SDK's ``RequestDispatcher``: a message on the ROUTER socket starting with a
``request_head`` is a dispatched request (head plus body frames of one stream); anything else,
there or on an addressed link, is follow-up frames (``body``, ``reset``, ``start``,
``window_update``) or connection-level ones. A message with a malformed part, a frame a router
never sends, or a broken request layout is dropped whole, with one warning.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from typing import Any, Callable

from . import frames
from .frames import PROTOCOL_VERSION, Reason, pb
from .outbound import OutboundQueue
from .stream import Request, Response, Stream, serve

log = logging.getLogger(__name__)

START_WAIT_S = 10.0  # an await_start request whose start never came is given up (the router died)


class Slots:
    """Handlers running or about to, at most ``capacity``: the worker only takes what it can run
    now, so no request waits here behind slow ones (section 7). Any thread."""

    def __init__(self, capacity: int) -> None:
        self.capacity, self.busy = capacity, 0
        self._cond = threading.Condition()

    def try_take(self) -> bool:
        with self._cond:
            if self.busy >= self.capacity:
                return False
            self.busy += 1
            return True

    def release(self) -> None:
        with self._cond:
            self.busy -= 1
            self._cond.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: self.busy == 0, timeout)


class Dispatcher:
    """``paths``, given per message by the IO thread: ``for_new_stream(router, port)`` picks a new
    stream's reply path (the router's addressed link, opened now if need be, or else the ROUTER
    socket) and ``acknowledge_now(router, frame)`` hands an ``accept`` to ZeroMQ at once."""

    def __init__(self, handler: Callable[[Request, Response], object],
                 submit: Callable[[Callable[[], None]], None], outbound: OutboundQueue,
                 slots: Slots, worker_id: str) -> None:
        self._handler, self._submit, self._outbound = handler, submit, outbound
        self._slots, self._worker_id = slots, worker_id
        self.streams: dict[tuple[bytes, int], Stream] = {}  # accepted, not yet answered in full
        self._per_path: Counter[Any] = Counter()
        # await_start requests accepted, waiting for their start: (stream, task, since)
        self._awaiting: dict[tuple[bytes, int], tuple[Stream, Callable[[], None], float]] = {}
        self.draining = False

    def on_message(self, router: bytes, parts: list[bytes], paths: Any) -> None:
        """One message on the ROUTER socket, routing id split off."""
        msg = self._decode(router, parts, "router socket")
        if msg and msg[0].HasField("request_head"):
            self._on_request(router, msg, paths)
        else:
            for frame in msg or ():
                self._on_follow_up(router, frame)

    def on_addressed_message(self, link: Any, parts: list[bytes]) -> None:
        msg = self._decode(link.router, parts, "addressed link")
        if msg and msg[0].HasField("request_head"):
            log.warning("dropping a request sent on the addressed link router = %s", link.router)
            return
        for frame in msg or ():
            if frame.HasField("heartbeat"):
                link.max_streams = frame.heartbeat.max_streams
            elif frame.HasField("router_hello") and frame.router_hello.refusal:
                log.error("router refused this worker router = %s reason = %s", link.router,
                          frame.router_hello.refusal)
            else:
                self._on_follow_up(link.router, frame)

    def _decode(self, router: bytes, parts: list[bytes], via: str) -> list[pb.Frame] | None:
        msg: list[pb.Frame] = []
        for i, part in enumerate(parts):
            try:
                frame = frames.decode(part)
                problem = frames.layout_problem(msg, frame, i)
            except frames.MalformedFrame as e:
                problem = str(e)
            if problem:
                log.warning("dropping malformed message from router router = %s via = %s "
                            "part = %s reason = %s", router, via, i, problem)
                return None
            msg.append(frame)
        return msg

    def _on_request(self, router: bytes, msg: list[pb.Frame], paths: Any) -> None:
        head, key = msg[0].request_head, (router, msg[0].stream_id)
        # first: a link this request opens carries the whole stream, a refusal included
        path = paths.for_new_stream(router, head.addressed_port)
        if key in self.streams:
            log.warning("dropping request for a stream already in use stream = %s", key[1])
            return
        stream = Stream(key, path, head.request_id, self._outbound)
        if head.protocol_version != PROTOCOL_VERSION:  # section 12; the Java SDK does not check
            stream.queue(frames.reset(key[1], Reason.RESET_REASON_PROTOCOL_ERROR,
                                      f"unknown protocol_version {head.protocol_version}"), True)
            return
        refusal = self.refusal(head, msg[-1], path)
        if refusal:
            log.debug("refusing stream = %s: %s", key[1], refusal)
            stream.refuse(refusal)
            return
        for frame in msg:
            self._feed(stream, frame)
        self.streams[key] = stream
        self._per_path[path] += 1
        # Acknowledge straight into ZeroMQ before the handler can start: were this worker to die
        # once the request had effects, the router must not send it to a second one.
        accept = frames.encode(key[1], accept=pb.Accept(
            addressed_id=path.identity if path.addressed else b""))
        if not paths.acknowledge_now(router, accept):
            stream.queue(accept, via_router=True)
        request = Request(head, stream)
        response = Response(stream, self._worker_id, head.method == "HEAD")

        def task() -> None:
            try:
                serve(self._handler, stream, request, response)
            finally:
                self._slots.release()

        if head.await_start:  # it must not run twice: only on the router's start
            self._awaiting[key] = (stream, task, time.monotonic())
        else:
            self._submit(task)

    def refusal(self, head: pb.RequestHead, last: pb.Frame, path: Any) -> str | None:
        """Why a request is refused (REFUSED: it never ran, the router sends it elsewhere), or
        None; on None a handler slot is taken."""
        if self.draining:
            return "worker is shutting down"
        if not path.addressed and not frames.ends_request(last):
            return "request body continues, and there is no addressed link to this router"
        if not path.addressed and head.await_start:
            return "request awaits its start, and there is no addressed link to this router"
        if path.addressed and 0 < path.max_streams <= self._per_path[path]:
            # the router finds this worker far slower than the others and limits its share
            return f"worker holds the {path.max_streams} streams its router allows"
        if not self._slots.try_take():
            return "worker is at capacity"  # every handler thread is busy
        return None

    def _on_follow_up(self, router: bytes, frame: pb.Frame) -> None:
        key, kind = (router, frame.stream_id), frame.WhichOneof("kind")
        stream = self.streams.get(key)
        if kind == "start" and key in self._awaiting:
            self._submit(self._awaiting.pop(key)[1])
        elif stream is None:
            log.debug("ignoring %s for no open stream = %s", kind, key[1])
        elif kind == "body":
            if stream.request_ended:
                log.warning("ignoring body after end of request stream = %s", key[1])
            else:
                self._feed(stream, frame)
        elif kind == "reset":
            self.forget(stream, f"reset by router ({Reason.Name(frame.reset.reason)})")
        elif kind == "window_update":
            stream.window.grant(frame.window_update.increment)
        else:
            log.debug("ignoring %s frame stream = %s", kind, key[1])

    @staticmethod
    def _feed(stream: Stream, frame: pb.Frame) -> None:
        if stream.cancelled.is_set():
            return
        if frame.HasField("body"):
            body = frame.body
            if body.HasField("offset") and body.offset != stream.received:
                # a frame went missing or came twice: better no request than a corrupt one
                log.warning("request body has a gap, resetting stream = %s expected = %s "
                            "offset = %s", stream.id, stream.received, body.offset)
                stream.abandon(Reason.RESET_REASON_PROTOCOL_ERROR, "request body has a gap")
                return
            stream.received += len(body.data)
            stream.body.append(body.data)
        if frames.ends_request(frame):
            stream.request_ended = True
            stream.body.end()

    def forget(self, stream: Stream, reason: str) -> None:
        """The stream is gone (reset, router unreachable, link closed): cancel it, and free the
        slot of a request still waiting for its start."""
        self.stream_ended(stream)
        stream.cancel(reason)
        waiting = self._awaiting.pop(stream.key, None)
        if waiting is not None:
            waiting[1]()  # finds the stream cancelled: only frees the slot

    def stream_ended(self, stream: Stream) -> None:
        """The worker's side of the stream was sent in full (or dropped)."""
        if self.streams.get(stream.key) is stream:
            del self.streams[stream.key]
            self._per_path[stream.path] -= 1
            if self._per_path[stream.path] <= 0:
                del self._per_path[stream.path]

    def cancel_on(self, path: Any, reason: str) -> None:
        for stream in [s for s in self.streams.values() if path is None or s.path is path]:
            self.forget(stream, reason)

    def open_on(self, path: Any) -> int:
        return self._per_path[path]

    @property
    def awaiting_start(self) -> bool:
        return bool(self._awaiting)

    def give_up_awaiting(self, since_before: float = float("inf"),
                         why: str = "worker is shutting down") -> None:
        """Refuses what has waited for its start since before ``since_before`` (monotonic s)."""
        for key, (stream, task, since) in list(self._awaiting.items()):
            if since < since_before:
                log.info("giving up a request that awaits its start stream = %s: %s", key[1], why)
                del self._awaiting[key]
                self.stream_ended(stream)
                stream.refuse_acknowledged(why)
                task()  # finds the stream cancelled: only frees the slot
