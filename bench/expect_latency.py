"""Latency of POSTs sent with Expect: 100-continue, as curl sends them, over one keep-alive connection.

    python3 bench/expect_latency.py PORT [COUNT=3000] [BODY_BYTES=10240]

The client sends the head, waits for the router's 100, then the body, and checks the echo
(POST /echo of the sample worker or HelloBackend). Prints p50, p90 and p99 of the last four
fifths (the first fifth warms up). Run it against two routers side by side to compare builds.
"""
import os
import socket
import sys
import time


def main():
    port = int(sys.argv[1])
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    size = int(sys.argv[3]) if len(sys.argv) > 3 else 10240
    body = os.urandom(size)
    conn = socket.create_connection(("127.0.0.1", port), timeout=10)
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    buf = bytearray()

    def read_until(marker):
        while marker not in buf:
            data = conn.recv(65536)
            if not data:
                raise SystemExit("connection closed")
            buf.extend(data)
        end = buf.index(marker) + len(marker)
        out = bytes(buf[:end])
        del buf[:end]
        return out

    def read_exactly(n):
        while len(buf) < n:
            data = conn.recv(65536)
            if not data:
                raise SystemExit("connection closed")
            buf.extend(data)
        out = bytes(buf[:n])
        del buf[:n]
        return out

    head = b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n" % size
    latencies = []
    for _ in range(count):
        start = time.perf_counter()
        conn.sendall(head)
        if not read_until(b"\r\n\r\n").startswith(b"HTTP/1.1 100"):
            raise SystemExit("no 100 Continue")
        conn.sendall(body)
        response = read_until(b"\r\n\r\n")
        length = next(int(line.split(b":", 1)[1]) for line in response.split(b"\r\n")
                      if line.lower().startswith(b"content-length:"))
        if read_exactly(length) != body:
            raise SystemExit("echo differs")
        latencies.append(time.perf_counter() - start)
    conn.close()
    measured = sorted(latencies[count // 5:])

    def pct(p):
        return measured[min(len(measured) - 1, int(len(measured) * p))] * 1e6

    print(f"p50 {pct(0.5):.0f} us  p90 {pct(0.9):.0f} us  p99 {pct(0.99):.0f} us")


if __name__ == "__main__":
    main()
