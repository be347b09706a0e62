#!/usr/bin/env python3
"""Holds COUNT idle HTTP/1.1 keep-alive connections to 127.0.0.1:PORT, each after one GET PATH.

    python3 bench/hold_connections.py --port PORT --count COUNT [--path /hello]

Opens them one after the other, each with one request whose 200 response it reads, stopping at
the first that fails (a server at its connection limit lets the next ones hang), then prints
`holding OPENED of COUNT, failed FAILED` and waits for SIGTERM or SIGINT; then prints
`open OPEN of OPENED` (the connections the server has not closed meanwhile) and exits 0.
bench/scenarios/growth.py runs it next to wrk. It raises its own open-files limit to the hard
limit; the kernel closes every socket when it exits.
"""

from __future__ import annotations

import argparse
import re
import resource
import select
import signal
import socket
import sys

STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}
TIMEOUT_S = 5


def read_response(sock: socket.socket) -> bool:
    """Reads one response with a Content-Length (or chunked) body; True if it is a 200."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return False
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    while (len(body) < int(length.group(1))) if length else not body.endswith(b"0\r\n\r\n"):
        chunk = sock.recv(65536)
        if not chunk:
            return False
        body += chunk
    return head.startswith(b"HTTP/1.1 200")


def open_connections(port: int, path: str, count: int) -> tuple[list[socket.socket], int]:
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    held = []
    for _ in range(count):
        if STOP_SIGNALS & signal.sigpending():
            break
        sock = None
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT_S)
            sock.sendall(request)
            ok = read_response(sock)
        except OSError:
            ok = False
        if not ok:
            if sock is not None:
                sock.close()
            return held, 1
        held.append(sock)
    return held, 0


def still_open(held: list[socket.socket]) -> int:
    """How many of held the server has not closed: an idle socket that polls readable is at EOF."""
    poller = select.poll()
    for sock in held:
        poller.register(sock, select.POLLIN)
    return len(held) - len(poller.poll(0))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--path", default="/hello")
    args = parser.parse_args()
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)  # taken by sigwait below
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    held, failed = open_connections(args.port, args.path, args.count)
    print(f"holding {len(held)} of {args.count}, failed {failed}", flush=True)
    signal.sigwait(STOP_SIGNALS)
    print(f"open {still_open(held)} of {len(held)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
