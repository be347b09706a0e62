"""Frames on their way from handler threads to the IO thread, which alone touches the sockets:
a thread-safe deque plus a :class:`Wakeup`, a pipe the IO thread's ``zmq.Poller`` watches."""

from __future__ import annotations

import os
import threading
from collections import deque
from typing import TYPE_CHECKING, NamedTuple

from .flow import StreamCancelled

if TYPE_CHECKING:
    from .stream import Stream


class Wakeup:
    """A self-pipe: any thread signals; the IO thread polls the read end and acknowledges."""

    def __init__(self) -> None:
        self.fd, self._write_fd = os.pipe()
        os.set_blocking(self.fd, False)
        os.set_blocking(self._write_fd, False)
        self._pending = False
        self._lock = threading.Lock()

    def signal(self) -> None:
        with self._lock:
            if self._pending:
                return  # not acknowledged yet: the IO thread will see this frame too
            self._pending = True
        try:
            os.write(self._write_fd, b"\0")
        except BlockingIOError:
            pass  # ignored: the pipe is full of wake-ups already

    def acknowledge(self) -> None:
        """IO thread, before it drains the queue, so that a signal sent meanwhile counts."""
        with self._lock:
            self._pending = False
        try:
            while os.read(self.fd, 4096):
                pass
        except BlockingIOError:
            pass  # ignored: drained

    def close(self) -> None:
        os.close(self.fd)
        os.close(self._write_fd)


class OutboundFrame(NamedTuple):
    """An encoded frame of ``stream``. ``via_router``: on the ROUTER socket even when the stream
    takes an addressed link (an ``accept``, and a refusal that must follow it).
    ``even_if_cancelled``: the reset telling the router why this worker abandoned the stream."""

    stream: Stream
    data: bytes
    ends: bool = False
    via_router: bool = False
    even_if_cancelled: bool = False


class OutboundQueue:
    """Unbounded: the router's credit bounds what a stream on an addressed link queues. (The
    Java SDK also caps all streams together at 8 MiB; not done here.)"""

    def __init__(self, wakeup: Wakeup) -> None:
        self._frames: deque[OutboundFrame] = deque()
        self._wakeup = wakeup
        self._closed = False

    def offer(self, frame: OutboundFrame) -> None:
        """Raises once the worker closed, or the stream was cancelled (unless the frame goes
        even then)."""
        if self._closed:
            raise StreamCancelled("worker closed")
        if not frame.even_if_cancelled:
            frame.stream.ensure_open()
        self._frames.append(frame)
        self._wakeup.signal()

    def poll(self) -> OutboundFrame | None:
        """IO thread: the next frame, or None."""
        return self._frames.popleft() if self._frames else None

    def __bool__(self) -> bool:
        return bool(self._frames)

    def close(self) -> None:
        self._closed = True
