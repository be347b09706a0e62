"""A minimal zrouter worker: the dispatch path only, one request at a time (docs/protocol.md 15).

It serves GET /hello and POST /echo (any body up to the 256 KiB window) and refuses what it
cannot serve: a request whose body continues beyond the dispatched message (the router sends
it again with more of its body), and one with an unknown protocol version.

    protoc -I proto/src/main/proto --python_out=. zrouter/v1/frames.proto
    python3 minimal_worker.py tcp://127.0.0.1:5555 [worker-id]
"""
import sys

import zmq
from zrouter.v1 import frames_pb2 as pb


def frame(stream_id, **kind):
    return pb.Frame(stream_id=stream_id, **kind).SerializeToString()


def refuse(stream_id, why):
    return frame(stream_id, reset=pb.Reset(reason=pb.RESET_REASON_REFUSED, message=why))


def answer(stream_id, status, body, worker_id):
    head = pb.ResponseHead(status=status, headers=[
        pb.Header(name="content-type", value="application/octet-stream"),
        pb.Header(name="content-length", value=str(len(body))),
        pb.Header(name="x-worker-id", value=worker_id)])
    return [frame(stream_id, response_head=head),
            frame(stream_id, body=pb.Body(data=body, end_stream=True))]


def serve(endpoint, worker_id):
    sock = zmq.Context().socket(zmq.ROUTER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.setsockopt(zmq.HEARTBEAT_IVL, 1000)
    sock.setsockopt(zmq.HEARTBEAT_TIMEOUT, 3000)
    sock.setsockopt(zmq.HANDSHAKE_IVL, 1000)
    sock.connect(endpoint)
    while True:
        router_id, *parts = sock.recv_multipart()  # no empty delimiter part
        try:
            frames = [pb.Frame.FromString(p) for p in parts]
        except Exception:
            continue  # malformed: drop the whole message (the router resends what nobody took)
        if not frames or frames[0].WhichOneof("kind") != "request_head":
            continue
        sid, head = frames[0].stream_id, frames[0].request_head
        last = frames[-1]
        ended = head.end_stream if len(frames) == 1 else last.body.end_stream
        if head.protocol_version != 1:
            sock.send_multipart([router_id, frame(sid, reset=pb.Reset(
                reason=pb.RESET_REASON_PROTOCOL_ERROR, message="unknown protocol version"))])
            continue
        if not ended:  # the rest of the body would come on the addressed path, which we lack
            sock.send_multipart([router_id, refuse(sid, "body continues")])
            continue
        # Acknowledge at once. An await_start request runs now too: without an addressed
        # connection no start can come, so a POST may run twice if this accept is lost.
        sock.send_multipart([router_id, frame(sid, accept=pb.Accept())])
        body = b"".join(f.body.data for f in frames[1:])
        path = head.path.split("?", 1)[0]
        if path == "/hello" and head.method == "GET":
            reply = answer(sid, 200, f"hello from {worker_id}\n".encode(), worker_id)
        elif path == "/echo" and head.method == "POST":
            reply = answer(sid, 200, body, worker_id)
        else:
            reply = answer(sid, 404, b"not found\n", worker_id)
        sock.send_multipart([router_id, *reply])


if __name__ == "__main__":
    serve(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "minimal")
