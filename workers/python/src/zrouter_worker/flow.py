"""Flow control of a stream's bodies (docs/protocol.md, section 7a): 256 KiB each way.

The router grants response credit with ``window_update`` as its client takes the bytes
(:class:`SendWindow`); the worker grants request credit as the handler reads the body
(:class:`RequestBody`), the bytes that came in the dispatched message included.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from typing import Callable, Iterator

from .frames import CREDIT_STEP


class StreamCancelled(ConnectionError):
    """The stream is gone: the router reset it, became unreachable, or the worker closed."""


class SendWindow:
    """Response credit; a handler writing faster than its client reads waits in :meth:`take`."""

    def __init__(self, initial: int | None) -> None:
        """``None``: the router cannot send credit (no addressed link): never wait."""
        self.available: float = math.inf if initial is None else initial
        self._closed: str | None = None
        self._cond = threading.Condition()

    def take(self, n: int) -> None:
        with self._cond:
            self._cond.wait_for(lambda: self._closed is not None or self.available >= n)
            if self._closed is not None:
                raise StreamCancelled(self._closed)
            self.available -= n

    def grant(self, n: int) -> None:
        with self._cond:
            self.available += n
            self._cond.notify_all()

    def close(self, why: str) -> None:
        """Fails every waiter, now and later."""
        with self._cond:
            self._closed = self._closed or why
            self._cond.notify_all()


class RequestBody:
    """The request body as a blocking, iterable stream of bytes, fed by the IO thread.

    Reads block until bytes arrive, the body ends (``b""``) or the stream is cancelled
    (:class:`StreamCancelled`). Each :data:`~zrouter_worker.frames.CREDIT_STEP` bytes read go back
    to the router as credit while more body may come, as in the Java SDK's ``RequestBodyStream``.
    """

    def __init__(self, grant: Callable[[int], None]) -> None:
        self._grant = grant
        self._chunks: deque[bytes] = deque()
        self._cond = threading.Condition()
        self._ended = False
        self._failure: str | None = None
        self._since_credit = 0

    def append(self, data: bytes) -> None:
        """IO thread."""
        with self._cond:
            if data and self._failure is None:
                self._chunks.append(data)
                self._cond.notify_all()

    def end(self) -> None:
        """IO thread: the body is complete."""
        with self._cond:
            self._ended = True
            self._cond.notify_all()

    def abort(self, why: str) -> None:
        """Reads fail from now on, unless the whole body is here already (it stays readable)."""
        with self._cond:
            if not self._ended and self._failure is None:
                self._failure = why
                self._chunks.clear()
                self._cond.notify_all()

    def read1(self, n: int = -1) -> bytes:
        """Up to ``n`` bytes (-1: the next chunk) once any are there; ``b""`` at the end."""
        with self._cond:
            self._cond.wait_for(lambda: self._chunks or self._failure or self._ended)
            if not self._chunks:
                if self._failure is not None:
                    raise StreamCancelled(self._failure)
                return b""
            chunk = self._chunks.popleft()
            if 0 <= n < len(chunk):
                chunk, rest = chunk[:n], chunk[n:]
                self._chunks.appendleft(rest)
            self._since_credit += len(chunk)
            credit = 0
            if self._since_credit >= CREDIT_STEP and not self._ended:
                credit, self._since_credit = self._since_credit, 0
        if credit:
            self._grant(credit)
        return chunk

    def read(self, n: int = -1) -> bytes:
        """``n`` bytes (fewer only at the end), or all of the body for -1."""
        parts = []
        while n != 0 and (chunk := self.read1(n)):
            parts.append(chunk)
            n = n - len(chunk) if n > 0 else n
        return b"".join(parts)

    def __iter__(self) -> Iterator[bytes]:
        """The body chunk by chunk, as it arrives (at most 64 KiB each)."""
        while chunk := self.read1():
            yield chunk
