"""The two reply paths to a router, and the socket options. IO thread only.

A router is known by its routing id on the worker's ROUTER socket, which is the endpoint the
worker connected to (``ZMQ_CONNECT_ROUTING_ID``), e.g. ``b"tcp://10.0.0.5:5555"``: so it also
names the host of the router's addressed socket (docs/protocol.md, section 2).
"""

from __future__ import annotations

import enum
import logging
import os
import time
from typing import Callable

import zmq
from zmq.utils.monitor import recv_monitor_message

log = logging.getLogger(__name__)

CLOSE_LINGER_MS = 1000  # how long frames handed to ZeroMQ may still go out once the worker closes


class SendResult(enum.Enum):
    SENT, FULL, UNREACHABLE = 1, 2, 3  # FULL: nothing taken, try later; UNREACHABLE: never


def apply_options(socket: zmq.Socket) -> None:
    """As the Java SDK's ``SocketOptions.applyToWorkerConnection``."""
    for option, value in ((zmq.LINGER, 0), (zmq.SNDHWM, 64), (zmq.HEARTBEAT_IVL, 1000),
                          (zmq.HEARTBEAT_TIMEOUT, 3000), (zmq.HEARTBEAT_TTL, 6000),
                          (zmq.RECONNECT_IVL, 100), (zmq.RECONNECT_IVL_MAX, 1000),
                          (zmq.HANDSHAKE_IVL, 1000)):  # a stalled handshake is redialled soon
        socket.setsockopt(option, value)


def addressed_endpoint(router_endpoint: str, port: int) -> str | None:
    """``tcp://HOST:port`` for a router reached at ``tcp://HOST:ANY`` (a source address before
    ';' left out); None when the endpoint is not tcp or the port is invalid."""
    if not router_endpoint.startswith("tcp://") or not 0 < port <= 65535:
        return None
    host, colon, _ = router_endpoint[len("tcp://"):].rpartition(";")[2].rpartition(":")
    return f"tcp://{host}:{port}" if colon and host else None


def _send(socket: zmq.Socket, parts: list[bytes]) -> SendResult:
    try:
        socket.send_multipart(parts, zmq.NOBLOCK)  # once the first part is taken, all are
        return SendResult.SENT
    except zmq.Again:
        return SendResult.FULL
    except zmq.ZMQError as e:  # EHOSTUNREACH: ROUTER_MANDATORY found no such router
        log.debug("send failed errno = %s", e.errno)
        return SendResult.UNREACHABLE


class RouterPath:
    """Replies on the ROUTER socket (ROUTER_MANDATORY: a full pipe answers EAGAIN, a router that
    went away EHOSTUNREACH, instead of the frames vanishing)."""

    addressed = False

    def __init__(self, socket: zmq.Socket, router: bytes) -> None:
        self.router, self._socket = router, socket

    def send(self, parts: list[bytes]) -> SendResult:
        return _send(self._socket, [self.router, *parts])

    def __repr__(self) -> str:
        return f"router socket to {self.router.decode(errors='replace')}"


class AddressedLink:
    """A DEALER connected to one router's addressed socket (at its dispatch port + 1), where the
    router sends follow-up frames (body, credit, ``start``, ``reset``) once it has the link's
    ``worker_hello``.

    The Java SDK makes that hello ZeroMQ's hello message, which ZeroMQ sends again on every
    reconnection; libzmq 4.3 has it only as a draft option. So the hello is queued right after
    ``connect`` and sent again after each later handshake, which a socket monitor reports.
    """

    addressed = True

    def __init__(self, context: zmq.Context, router: bytes, port: int, endpoint: str,
                 identity: bytes, hello: bytes) -> None:
        self.router, self.port, self.endpoint, self.identity = router, port, endpoint, identity
        self.max_streams = 0  # the router's limit for this worker, from its heartbeats; 0: none
        self.last_heard = time.monotonic()
        self._hello, self._handshakes = hello, 0
        self.socket = context.socket(zmq.DEALER)
        try:
            apply_options(self.socket)
            self.socket.setsockopt(zmq.ROUTING_ID, identity)
            self.monitor = self.socket.get_monitor_socket(zmq.EVENT_HANDSHAKE_SUCCEEDED)
            self.socket.connect(endpoint)
        except zmq.ZMQError:
            self.socket.close(0)
            raise
        self.send_control(hello)  # first in the pipe: it goes out as soon as the link is up

    def send(self, parts: list[bytes]) -> SendResult:
        return _send(self.socket, parts)

    def send_control(self, frame: bytes) -> None:
        """A connection-level frame; skipped when the pipe is full: the next heartbeat will do."""
        try:
            self.socket.send(frame, zmq.NOBLOCK)
        except zmq.ZMQError:
            log.debug("control frame skipped, pipe full link = %r", self)

    def receive(self) -> list[bytes] | None:
        try:
            parts = self.socket.recv_multipart(zmq.NOBLOCK)
        except zmq.Again:
            return None
        self.last_heard = time.monotonic()
        return parts

    def on_monitor(self) -> None:
        while self.monitor.poll(0):
            if recv_monitor_message(self.monitor)["event"] == zmq.EVENT_HANDSHAKE_SUCCEEDED:
                self._handshakes += 1
                if self._handshakes > 1:  # a reconnection: the router may be a new one
                    log.info("addressed link reconnected, saying hello again link = %r", self)
                    self.send_control(self._hello)

    def close(self, linger_ms: int = 0) -> None:
        self.socket.disable_monitor()
        self.monitor.close(0)
        self.socket.close(linger_ms)

    def __repr__(self) -> str:
        return f"addressed link {self.identity.decode(errors='replace')} to {self.endpoint}"


class AddressedLinks:
    """At most one link per router, kept in line with the ``addressed_port`` its requests name."""

    def __init__(self, context: zmq.Context, poller: zmq.Poller, worker_id: str, hello: bytes):
        self._context, self._poller, self._worker_id, self._hello = context, poller, worker_id, hello
        self._links: dict[bytes, AddressedLink] = {}
        self._warned: set[bytes] = set()

    def update(self, router: bytes, port: int,
               on_closed: Callable[[AddressedLink], None]) -> AddressedLink | None:
        """The router's link to ``port``, opened now if need be (one to another port is closed
        and handed to ``on_closed`` first); None when there can be none."""
        link = self._links.get(router)
        if link is not None and link.port == port:
            return link
        if link is not None:
            log.info("addressed port of router changed router = %s port = %s", router, port)
            self.close(link)
            on_closed(link)
        endpoint = addressed_endpoint(router.decode("ascii", "replace"), port)
        if endpoint is None:
            if port and router not in self._warned:
                self._warned.add(router)
                log.warning("no addressed link possible router = %s port = %s", router, port)
            return None
        identity = b"%s/%s" % (self._worker_id.encode()[:246], os.urandom(4).hex().encode())
        try:
            link = AddressedLink(self._context, router, port, endpoint, identity, self._hello)
        except zmq.ZMQError as e:
            log.warning("cannot connect to the addressed socket endpoint = %s cause = %s",
                        endpoint, e)
            return None
        self._links[router] = link
        self._poller.register(link.socket, zmq.POLLIN)
        self._poller.register(link.monitor, zmq.POLLIN)
        log.info("addressed link opened router = %s link = %r", router, link)
        return link

    def all(self) -> list[AddressedLink]:
        return list(self._links.values())

    def close(self, link: AddressedLink, linger_ms: int = 0) -> None:
        if self._links.get(link.router) is link:
            del self._links[link.router]
        self._poller.unregister(link.socket)
        self._poller.unregister(link.monitor)
        link.close(linger_ms)
