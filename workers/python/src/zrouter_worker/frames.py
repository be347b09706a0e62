"""Frames on the wire: every ZeroMQ message part is one serialized ``zrouter.v1.Frame``.

:func:`decode` validates what protobuf cannot express (docs/protocol.md, section 4,
"Validation"), as the Java ``FrameCodec`` does, so the rest of the package only ever sees
well-formed frames.
"""

from __future__ import annotations

import re
from typing import Iterable, Sequence

from google.protobuf.message import DecodeError

from . import frames_pb2 as pb  # generated from frames.proto at build time (setup.py)

PROTOCOL_VERSION = 1
INITIAL_WINDOW = 256 * 1024  # per-stream flow-control window in each direction (section 7a)
MAX_FRAME_DATA = 64 * 1024  # body bytes per frame this package sends
CREDIT_STEP = INITIAL_WINDOW // 4  # request-body credit goes back in steps of this many bytes read
Reason, Phase = pb.ResetReason, pb.WorkerState.Phase

_CONNECTION_KINDS = {"heartbeat", "worker_hello", "router_hello", "worker_state"}
_NEVER_FROM_ROUTER = {"response_head", "trailers", "accept", "reject", "worker_hello", "worker_state"}
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")
_BAD_VALUE = re.compile(r"[\x00\r\n]|[^\x00-\xff]")


class MalformedFrame(ValueError):
    """A message part that is not a valid frame."""


def decode(part: bytes) -> pb.Frame:
    frame = pb.Frame()
    try:
        frame.ParseFromString(part)
    except DecodeError as e:
        raise MalformedFrame(f"not a protobuf Frame: {e}") from None
    kind = frame.WhichOneof("kind")  # a kind this schema does not know reads as none
    if kind is None:
        raise MalformedFrame("frame has no kind (unknown or missing)")
    if (kind in _CONNECTION_KINDS) != (frame.stream_id == 0):
        raise MalformedFrame(f"{kind} frame with stream_id {frame.stream_id}")
    if kind == "request_head":
        if not _TOKEN.match(frame.request_head.method) or not frame.request_head.path:
            raise MalformedFrame("request method is not a token, or the path is empty")
        check_headers((h.name, h.value) for h in frame.request_head.headers)
    elif kind == "response_head":
        if frame.response_head.status != 101 and not 200 <= frame.response_head.status <= 599:
            raise MalformedFrame(f"response status out of range: {frame.response_head.status}")
        check_headers((h.name, h.value) for h in frame.response_head.headers)
    elif kind == "trailers":
        check_headers((h.name, h.value) for h in frame.trailers.headers)
    return frame


def check_headers(fields: Iterable[tuple[str, str]]) -> None:
    """Names are RFC 9110 tokens; values octets as code points U+0000..U+00FF (section 11),
    without NUL, CR or LF."""
    for name, value in fields:
        if not isinstance(name, str) or not _TOKEN.match(name):
            raise MalformedFrame(f"header name is not a token: {name!r}")
        if not isinstance(value, str) or _BAD_VALUE.search(value):
            raise MalformedFrame(f"illegal character in header {name}")


def layout_problem(before: Sequence[pb.Frame], frame: pb.Frame, index: int) -> str | None:
    """Why ``frame`` cannot be part ``index`` of a router message starting with ``before``."""
    kind = frame.WhichOneof("kind")
    if kind in _NEVER_FROM_ROUTER:
        return f"a router never sends {kind}"
    if kind == "request_head":
        return None if index == 0 else "request_head is not the first part"
    if not before or not before[0].HasField("request_head"):
        return None
    if kind != "body" or frame.stream_id != before[0].stream_id:
        return "a request message may only add body frames of its stream"
    return "body frame after end_stream" if ends_request(before[-1]) else None


def ends_request(frame: pb.Frame) -> bool:
    """Whether a request_head or body frame is the last of its request."""
    return frame.request_head.end_stream if frame.HasField("request_head") else frame.body.end_stream


def encode(stream_id: int, **kind: object) -> bytes:
    """One frame, e.g. ``encode(7, window_update=pb.WindowUpdate(increment=65536))``."""
    return pb.Frame(stream_id=stream_id, **kind).SerializeToString()


def reset(stream_id: int, reason: int, message: str) -> bytes:
    return encode(stream_id, reset=pb.Reset(reason=reason, message=message))


def headers(fields: Iterable[tuple[str, str]]) -> list[pb.Header]:
    return [pb.Header(name=n, value=v) for n, v in fields]
