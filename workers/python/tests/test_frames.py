import unittest

from zrouter_worker import frames
from zrouter_worker.frames import MalformedFrame, pb


def part(stream_id=0, **kind):
    return pb.Frame(stream_id=stream_id, **kind).SerializeToString()


def head(stream_id=7, end=True, method="GET", path="/x", headers=()):
    return pb.Frame(stream_id=stream_id, request_head=pb.RequestHead(
        protocol_version=1, method=method, path=path, end_stream=end,
        headers=[pb.Header(name=n, value=v) for n, v in headers]))


def body(stream_id=7, data=b"", end=False):
    return pb.Frame(stream_id=stream_id, body=pb.Body(data=data, end_stream=end))


class DecodeTest(unittest.TestCase):
    def test_bodyWithOffset_roundTrips(self):
        frame = frames.decode(part(7, body=pb.Body(data=b"hi", end_stream=True, offset=3)))
        self.assertEqual((frame.stream_id, frame.body.data, frame.body.offset), (7, b"hi", 3))
        self.assertTrue(frame.body.end_stream)

    def test_latin1HeaderValue_isValid(self):
        frame = frames.decode(head(headers=[("x-name", "caf\u00e9")]).SerializeToString())
        self.assertEqual(frame.request_head.headers[0].value.encode("latin-1"), b"caf\xe9")

    def test_garbage_isMalformed(self):
        with self.assertRaises(MalformedFrame):
            frames.decode(b"\xff\xff\xff")

    def test_noKind_isMalformed(self):
        with self.assertRaisesRegex(MalformedFrame, "no kind"):
            frames.decode(part(7))

    def test_unknownKind_readsAsNoKind(self):
        unknown = part(7) + bytes([0x9A, 0x06, 0x00])  # field 99, empty, unknown to v1
        with self.assertRaisesRegex(MalformedFrame, "no kind"):
            frames.decode(unknown)

    def test_streamKindWithIdZero_isMalformed(self):
        with self.assertRaises(MalformedFrame):
            frames.decode(part(0, body=pb.Body(data=b"x")))

    def test_connectionKindWithStreamId_isMalformed(self):
        with self.assertRaises(MalformedFrame):
            frames.decode(part(5, heartbeat=pb.Heartbeat(sent_unix_ms=1)))

    def test_badRequestHeads_areMalformed(self):
        for bad in (head(method=""), head(method="GE T"), head(path=""),
                    head(headers=[("x", "a\r\nb")]), head(headers=[("x y", "a")]),
                    head(headers=[("x", "\u0100")]), head(headers=[("x", "a\x00")])):
            with self.subTest(bad=bad), self.assertRaises(MalformedFrame):
                frames.decode(bad.SerializeToString())

    def test_responseStatus_mustBe101Or200To599(self):
        for status, ok in ((101, True), (200, True), (599, True), (100, False), (600, False)):
            data = part(1, response_head=pb.ResponseHead(status=status))
            with self.subTest(status=status):
                if ok:
                    frames.decode(data)
                else:
                    self.assertRaises(MalformedFrame, frames.decode, data)


class LayoutTest(unittest.TestCase):
    def test_requestWithItsBodyFrames_isFine(self):
        msg = [head(end=False), body(data=b"a"), body(data=b"b", end=True)]
        for i, frame in enumerate(msg):
            self.assertIsNone(frames.layout_problem(msg[:i], frame, i))

    def test_bodyOfAnotherStream_isAProblem(self):
        self.assertIn("only add body", frames.layout_problem([head(end=False)], body(8), 1))

    def test_bodyAfterEndStream_isAProblem(self):
        msg = [head(end=False), body(end=True)]
        self.assertIn("after end_stream", frames.layout_problem(msg, body(), 2))
        self.assertIn("after end_stream", frames.layout_problem([head(end=True)], body(), 1))

    def test_requestHeadNotFirst_isAProblem(self):
        self.assertIn("not the first", frames.layout_problem([body()], head(), 1))

    def test_framesARouterNeverSends_areAProblem(self):
        for kind in (dict(response_head=pb.ResponseHead(status=200)), dict(accept=pb.Accept()),
                     dict(trailers=pb.Trailers())):
            self.assertIn("never sends", frames.layout_problem([], pb.Frame(stream_id=1, **kind), 0))

    def test_followUpFrames_areFine(self):
        reset = pb.Frame(stream_id=3, reset=pb.Reset(reason=frames.Reason.RESET_REASON_CANCEL))
        self.assertIsNone(frames.layout_problem([], reset, 0))


if __name__ == "__main__":
    unittest.main()
