"""One request and its response: the :class:`Stream` the IO thread owns, and the handler's
:class:`Request` and :class:`Response`.

A stream is made by the IO thread from a ``request_head``, with the reply path all its frames
take: chosen once and never switched, since the two paths are not ordered with respect to each
other (docs/protocol.md, section 2). The handler's frames are encoded on its own thread.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable, Iterator
from urllib.parse import parse_qs

from . import frames
from .flow import RequestBody, SendWindow, StreamCancelled
from .frames import INITIAL_WINDOW, MAX_FRAME_DATA, Reason, pb
from .outbound import OutboundFrame, OutboundQueue

log = logging.getLogger(__name__)

TEXT = "text/plain; charset=utf-8"
_INTERNAL_ERROR = b"internal error\n"


class Stream:
    def __init__(self, key: tuple[bytes, int], path: Any, request_id: str, outbound: OutboundQueue):
        self.key, self.id, self.path = key, key[1], path  # key: (router routing id, stream_id)
        self.request_id, self.outbound = request_id, outbound
        # credit needs the addressed path: the router can send it nowhere else
        self.window = SendWindow(INITIAL_WINDOW if path.addressed else None)
        self.body = RequestBody(
            lambda n: self.queue(frames.encode(self.id, window_update=pb.WindowUpdate(increment=n))))
        self.cancelled = threading.Event()
        self.cancel_reason = ""
        self.request_ended, self.received = False, 0  # IO thread only: the request body so far

    def cancel(self, reason: str) -> None:
        """Any thread: reads and writes fail from now on, and queued frames are dropped."""
        if not self.cancelled.is_set():
            self.cancel_reason = reason
            self.cancelled.set()
            self.body.abort(f"stream {self.id} cancelled: {reason}")
            self.window.close(f"stream {self.id} cancelled: {reason}")

    def ensure_open(self) -> None:
        if self.cancelled.is_set():
            raise StreamCancelled(f"stream {self.id} cancelled: {self.cancel_reason}")

    def queue(self, data: bytes, ends: bool = False, **flags: bool) -> None:
        """Queues a control frame; on a stream already gone it is only logged."""
        try:
            self.outbound.offer(OutboundFrame(self, data, ends, **flags))
        except StreamCancelled as e:
            log.debug("frame not queued stream = %s cause = %s", self.id, e)

    def refuse(self, why: str) -> None:
        """The request will never run: REFUSED, so the router may send it elsewhere."""
        self.queue(frames.reset(self.id, Reason.RESET_REASON_REFUSED, why), True)

    def refuse_acknowledged(self, why: str) -> None:
        """Gives up an acknowledged request that never started. On the ROUTER socket, behind the
        ``accept``: overtaking it on the addressed link, it would make the router take the late
        acknowledgement for a new one (section 7)."""
        self.queue(frames.reset(self.id, Reason.RESET_REASON_REFUSED, why), True, via_router=True,
                   even_if_cancelled=True)
        self.cancel(why)

    def abandon(self, reason: int, why: str) -> None:
        self.queue(frames.reset(self.id, reason, why), True, even_if_cancelled=True)
        self.cancel(why)


class Headers(dict):
    """Header fields by lower-case name; a value is a str, or a list of str for a repeated field."""

    def __setitem__(self, name: str, value: str | list[str]) -> None:
        super().__setitem__(name.lower(), value)

    def __getitem__(self, name: str) -> Any:
        return super().__getitem__(name.lower())

    def __delitem__(self, name: str) -> None:
        super().__delitem__(name.lower())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and super().__contains__(name.lower())

    def get(self, name: str, default: Any = None) -> Any:
        return super().get(name.lower(), default)

    def fields(self) -> list[tuple[str, str]]:
        """The wire form, checked (values are octets as ISO-8859-1 code points, section 11)."""
        out = [(n.lower(), v) for n, vs in self.items() for v in ([vs] if isinstance(vs, str) else vs)]
        try:
            frames.check_headers(out)
        except frames.MalformedFrame as e:
            raise ValueError(str(e)) from None
        return out


class Request:
    """The request head, its body (a blocking :class:`~zrouter_worker.RequestBody`; iterating the
    request iterates it), and whether the stream was cancelled."""

    def __init__(self, head: pb.RequestHead, stream: Stream) -> None:
        self.method: str = head.method
        self.target: str = head.path  # origin form, percent-encoding kept
        self.path, _, self.query = head.path.partition("?")
        self.header_list = [(h.name, h.value) for h in head.headers]
        self.headers = Headers()
        for name, value in self.header_list:  # a repeated field reads as one list (RFC 9110)
            self.headers[name] = f"{self.headers[name]}, {value}" if name in self.headers else value
        self.scheme, self.authority, self.http_version = head.scheme, head.authority, head.http_version
        self.remote_address, self.request_id = head.remote_address, head.request_id
        self.content_length: int = head.content_length  # -1: a chunked upload
        self.deadline_unix_ms: int = head.deadline_unix_ms
        self.websocket: bool = head.websocket  # not served here: a non-101 answer refuses it
        self.body = stream.body
        self._cancelled = stream.cancelled
        self._params: dict[str, list[str]] | None = None

    def param(self, name: str, default: str | None = None) -> str | None:
        """The first value of a query parameter, decoded."""
        if self._params is None:
            self._params = parse_qs(self.query, keep_blank_values=True)
        return self._params.get(name, [default])[0]

    def read(self) -> bytes:
        return self.body.read()

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.body)

    @property
    def cancelled(self) -> bool:
        """The router reset the stream (the client went away), or the worker closed."""
        return self._cancelled.is_set()

    def wait_cancelled(self, timeout: float | None = None) -> bool:
        """Sleeps up to ``timeout`` seconds, waking when cancelled; returns :attr:`cancelled`."""
        return self._cancelled.wait(timeout)

    def __repr__(self) -> str:
        return f"<Request {self.method} {self.target}>"


class Response:
    """Set ``status``, ``headers`` and ``trailers``; ``write()`` the body.

    ``write()`` buffers up to 64 KiB and sends a frame whenever that fills; ``flush()`` sends what
    is buffered now, the head first. ``end()``, or the handler returning, ends the response: a
    body that never left the buffer goes out with a ``content-length``. Writing to a cancelled
    stream raises :class:`~zrouter_worker.StreamCancelled`. Safe to share between threads.
    """

    def __init__(self, stream: Stream, worker_id: str, head_request: bool) -> None:
        self.status = 200
        self.headers, self.trailers = Headers(), Headers()
        self.committed = False  # the head was sent
        self._stream, self._worker_id, self._head_request = stream, worker_id, head_request
        self._buffer = b""
        self._ended = False
        self._lock = threading.RLock()

    def write(self, data: bytes | str) -> None:
        with self._lock:
            self._check_open()
            buf = self._buffer + (data.encode() if isinstance(data, str) else bytes(data))
            full = len(buf) - len(buf) % MAX_FRAME_DATA
            for off in range(0, full, MAX_FRAME_DATA):
                self._send(buf[off : off + MAX_FRAME_DATA], False)
            self._buffer = buf[full:]

    def flush(self) -> None:
        with self._lock:
            self._check_open()
            if self._buffer or not self.committed:
                data, self._buffer = self._buffer, b""
                self._send(data, False)

    def end(self) -> None:
        """Idempotent; does nothing on a cancelled stream."""
        with self._lock:
            if self._ended or self._stream.cancelled.is_set():
                return
            data, self._buffer = self._buffer, b""
            with_body = not self.trailers
            if not self.committed and self._may_add_content_length(len(data)):
                self.headers["content-length"] = str(len(data))
            if data or with_body:
                self._send(data, with_body)
            elif not self.committed:
                self._send_head(False)
            if not with_body:
                trailers = pb.Trailers(headers=frames.headers(self.trailers.fields()))
                self._stream.outbound.offer(OutboundFrame(
                    self._stream, frames.encode(self._stream.id, trailers=trailers), True))
            self._ended = True

    def fail(self) -> None:
        """The handler raised: a 500 when nothing was sent yet, else a reset."""
        with self._lock:
            if self._ended:
                return
            self._ended, self._buffer = True, b""
            if self.committed:
                self._stream.queue(frames.reset(
                    self._stream.id, Reason.RESET_REASON_INTERNAL_ERROR, "handler failed"), True)
                return
            self.status = 500
            self.headers = Headers({"content-type": TEXT, "content-length": str(len(_INTERNAL_ERROR))})
            if self._stream.request_id:
                self.headers["x-request-id"] = self._stream.request_id
            self.headers["x-worker-id"] = self._worker_id
            self._send(_INTERNAL_ERROR, True)

    def _check_open(self) -> None:
        if self._ended:
            raise RuntimeError("response already ended")
        self._stream.ensure_open()

    def _may_add_content_length(self, length: int) -> bool:
        """A HEAD response gets the length of what its handler wrote, as the Java SDK's
        ``send()`` does; none when it wrote nothing, as the Java SDK's body stream."""
        return (not self.trailers and (length > 0 or not self._head_request)
                and self.status not in (204, 304)
                and "content-length" not in self.headers and "transfer-encoding" not in self.headers)

    def _send_head(self, end: bool) -> None:
        if not 200 <= self.status <= 599:  # no 101: WebSocket is not served here
            raise ValueError(f"status must be in 200..599: {self.status}")
        head = pb.ResponseHead(status=self.status, headers=frames.headers(self.headers.fields()),
                               end_stream=end)
        self._stream.outbound.offer(
            OutboundFrame(self._stream, frames.encode(self._stream.id, response_head=head), end))
        self.committed = True

    def _send(self, data: bytes, end: bool) -> None:
        """The head first if it is pending (ending the stream if nothing follows), then
        ``data`` under the router's credit."""
        if not self.committed:
            self._send_head(end and not data)
            if not data:
                return
        if data:
            self._stream.window.take(len(data))
        body = frames.encode(self._stream.id, body=pb.Body(data=data, end_stream=end))
        self._stream.outbound.offer(OutboundFrame(self._stream, body, end))


def serve(handler: Callable[[Request, Response], object], stream: Stream, request: Request,
          response: Response) -> None:
    """Handler thread: runs the handler and makes sure the stream ends."""
    if stream.cancelled.is_set():
        return
    if 0 < request.deadline_unix_ms < time.time() * 1000:
        # the router has answered 504 already: running it now would only waste work
        log.info("not starting a request past its deadline request_id = %s", request.request_id)
        stream.queue(frames.reset(stream.id, Reason.RESET_REASON_TIMEOUT, "deadline passed"), True)
        return
    try:
        handler(request, response)
        response.end()
    except Exception:
        if stream.cancelled.is_set():
            log.debug("handler stopped on cancelled stream = %s", stream.id, exc_info=True)
            return
        log.warning("handler failed request_id = %s request = %r", request.request_id, request,
                    exc_info=True)
        try:
            response.fail()
        except StreamCancelled:
            pass  # ignored: the stream went away meanwhile, there is no one to tell
