"""The dispatcher and the response driven without sockets: a scripted router on fake paths."""

import threading
import unittest

from zrouter_worker.dispatcher import Dispatcher, Slots
from zrouter_worker.frames import Reason, pb
from zrouter_worker.outbound import OutboundQueue, Wakeup

ROUTER = b"tcp://127.0.0.1:5555"
KIB = 1024


class FakeLink:
    addressed = True

    def __init__(self):
        self.router, self.identity, self.max_streams = ROUTER, b"w1/0000abcd", 0


class FakeRouterPath:
    addressed = False
    router = ROUTER


class FakeRouter:
    """The IO thread's side for the dispatcher: reply paths, and the frames it would send."""

    def __init__(self, path):
        self.path = path
        self.acknowledged = []

    def for_new_stream(self, router, port):
        return self.path

    def acknowledge_now(self, router, frame):
        self.acknowledged.append(pb.Frame.FromString(frame))
        return True


def request(stream_id, method="GET", path="/", body_frames=(), end=None, await_start=False,
            version=1):
    ends = not body_frames if end is None else end
    parts = [pb.Frame(stream_id=stream_id, request_head=pb.RequestHead(
        protocol_version=version, method=method, path=path, end_stream=not body_frames,
        request_id=f"r{stream_id}", await_start=await_start, addressed_port=5556))]
    offset = 0
    for i, data in enumerate(body_frames):
        last = ends and i == len(body_frames) - 1
        parts.append(pb.Frame(stream_id=stream_id, body=pb.Body(data=data, end_stream=last,
                                                                offset=offset)))
        offset += len(data)
    return [p.SerializeToString() for p in parts]


def follow_up(stream_id, **kind):
    return [pb.Frame(stream_id=stream_id, **kind).SerializeToString()]


class Harness(unittest.TestCase):
    def setUp(self):
        self.link = FakeLink()
        self.router = FakeRouter(self.link)
        self.wakeup = Wakeup()
        self.outbound = OutboundQueue(self.wakeup)
        self.tasks = []
        self.slots = Slots(2)
        self.handled = []
        self.dispatcher = Dispatcher(self.handle, self.tasks.append, self.outbound, self.slots,
                                     "w1")

    def tearDown(self):
        self.wakeup.close()

    def handle(self, request, response):
        self.handled.append(request)
        response.headers["content-type"] = "text/plain"
        response.write(b"ok\n")

    def send(self, parts):
        self.dispatcher.on_message(ROUTER, parts, self.router)

    def sent(self):
        """What the IO thread would send: (frame, via_router) in order."""
        out = []
        while (frame := self.outbound.poll()) is not None:
            out.append((pb.Frame.FromString(frame.data), frame.via_router))
        return out

    def run_tasks(self):
        tasks, self.tasks[:] = list(self.tasks), []
        for task in tasks:
            task()


class DispatcherTest(Harness):
    def test_request_isAcceptedAtOnce_thenRunsOnAHandlerThread(self):
        self.send(request(7, path="/hello?x=1"))
        self.assertEqual([f.accept.addressed_id for f in self.router.acknowledged], [b"w1/0000abcd"])
        self.assertEqual(self.handled, [])
        self.run_tasks()
        self.assertEqual(self.handled[0].path, "/hello")
        self.assertEqual(self.handled[0].param("x"), "1")
        head, body = [f for f, _ in self.sent()]
        self.assertEqual(head.response_head.status, 200)
        self.assertIn(pb.Header(name="content-length", value="3"), head.response_head.headers)
        self.assertEqual((body.body.data, body.body.end_stream), (b"ok\n", True))

    def test_atCapacity_refusedWithREFUSED(self):
        self.send(request(1))
        self.send(request(2))
        self.send(request(3))
        self.assertEqual(len(self.tasks), 2)
        (reset, _), = self.sent()
        self.assertEqual((reset.stream_id, reset.reset.reason), (3, Reason.RESET_REASON_REFUSED))
        self.assertIn("at capacity", reset.reset.message)
        self.run_tasks()  # both handlers done: their slots are free again
        self.sent()
        self.send(request(4))
        self.assertEqual(len(self.tasks), 1)

    def test_awaitStart_runsOnlyOnTheRoutersStart(self):
        self.send(request(5, method="POST", await_start=True))
        self.assertEqual(len(self.router.acknowledged), 1)
        self.assertEqual(self.tasks, [])
        self.dispatcher.on_addressed_message(self.link, follow_up(5, start=pb.Start()))
        self.assertEqual(len(self.tasks), 1)

    def test_awaitStart_withoutAnAddressedLink_isRefused(self):
        self.router.path = FakeRouterPath()
        self.send(request(5, method="POST", await_start=True))
        (reset, _), = self.sent()
        self.assertEqual(reset.reset.reason, Reason.RESET_REASON_REFUSED)
        self.assertEqual(self.slots.busy, 0)

    def test_bodyThatContinues_withoutAnAddressedLink_isRefused(self):
        self.router.path = FakeRouterPath()
        self.send(request(6, method="PUT", body_frames=[b"x"], end=False))
        (reset, _), = self.sent()
        self.assertIn("body continues", reset.reset.message)

    def test_resetWhileAwaitingStart_freesTheSlot(self):
        self.send(request(5, method="POST", await_start=True))
        self.assertEqual(self.slots.busy, 1)
        self.dispatcher.on_addressed_message(self.link, follow_up(
            5, reset=pb.Reset(reason=Reason.RESET_REASON_CANCEL)))
        self.assertEqual(self.slots.busy, 0)
        self.assertEqual(self.dispatcher.streams, {})

    def test_drainGivesUpWhatAwaitsItsStart_behindTheAccept(self):
        self.send(request(5, method="POST", await_start=True))
        self.dispatcher.give_up_awaiting()
        (reset, via_router), = self.sent()
        self.assertEqual(reset.reset.reason, Reason.RESET_REASON_REFUSED)
        self.assertTrue(via_router)
        self.assertEqual(self.slots.busy, 0)

    def test_routersStreamLimit_refuses(self):
        self.link.max_streams = 1
        self.send(request(1))
        self.send(request(2))
        (reset, _), = self.sent()
        self.assertIn("streams its router allows", reset.reset.message)

    def test_draining_refuses(self):
        self.dispatcher.draining = True
        self.send(request(1))
        (reset, _), = self.sent()
        self.assertEqual(reset.reset.reason, Reason.RESET_REASON_REFUSED)

    def test_unknownProtocolVersion_isAProtocolError(self):
        self.send(request(1, version=2))
        (reset, _), = self.sent()
        self.assertEqual(reset.reset.reason, Reason.RESET_REASON_PROTOCOL_ERROR)
        self.assertEqual(self.slots.busy, 0)

    def test_malformedMessage_isDroppedWhole(self):
        with self.assertLogs("zrouter_worker.dispatcher", "WARNING"):
            self.send(request(1) + [b"\xff\xff"])
        self.assertEqual((self.router.acknowledged, self.tasks, self.sent()), ([], [], []))

    def test_requestBodyWithAGap_isResetAsAProtocolError(self):
        self.send(request(9, method="PUT", body_frames=[b"abc"], end=False))
        self.sent()
        gap = pb.Body(data=b"x", offset=10, end_stream=True)
        with self.assertLogs("zrouter_worker.dispatcher", "WARNING"):
            self.dispatcher.on_addressed_message(self.link, follow_up(9, body=gap))
        (reset, _), = self.sent()
        self.assertEqual(reset.reset.reason, Reason.RESET_REASON_PROTOCOL_ERROR)

    def test_requestCredit_grantedAsTheHandlerReads(self):
        window = [b"x" * (64 * KIB)] * 4  # the first 256 KiB come in the dispatched message
        self.dispatcher = Dispatcher(lambda req, resp: req.body.read(192 * KIB), self.tasks.append,
                                     self.outbound, self.slots, "w1")
        self.send(request(4, method="PUT", body_frames=window, end=False))
        self.run_tasks()
        updates = [f.window_update.increment for f, _ in self.sent() if f.HasField("window_update")]
        self.assertEqual(updates, [64 * KIB] * 3)


class ResponseTest(Harness):
    """Response framing and credit, through the dispatcher's streams."""

    def serve(self, handler, method="GET"):
        self.dispatcher = Dispatcher(handler, self.tasks.append, self.outbound, self.slots, "w1")
        self.send(request(3, method=method))
        return [f for f, _ in self.sent()]

    def test_flush_sendsTheHeadWithoutALength(self):
        def handler(req, resp):
            resp.flush()
            resp.write("a")
            resp.flush()
        self.serve(handler)
        self.run_tasks()
        head, a, end = [f for f, _ in self.sent()]
        self.assertNotIn("content-length", [h.name for h in head.response_head.headers])
        self.assertEqual([a.body.data, end.body.data, end.body.end_stream], [b"a", b"", True])

    def test_emptyResponse_isAHeadThatEndsTheStream(self):
        def handler(req, resp):
            resp.status = 204
        self.serve(handler)
        self.run_tasks()
        (head, _), = self.sent()
        self.assertTrue(head.response_head.end_stream)
        self.assertEqual(list(head.response_head.headers), [])

    def test_trailers_endTheStream(self):
        def handler(req, resp):
            resp.trailers["X-Checksum"] = "abc"
            resp.write(b"body")
        self.serve(handler)
        self.run_tasks()
        head, body, trailers = [f for f, _ in self.sent()]
        self.assertFalse(body.body.end_stream)
        self.assertEqual(list(trailers.trailers.headers), [pb.Header(name="x-checksum", value="abc")])

    def test_handlerFailure_beforeTheHead_isA500(self):
        def handler(req, resp):
            raise RuntimeError("boom")
        self.serve(handler)
        with self.assertLogs("zrouter_worker.stream", "WARNING"):
            self.run_tasks()
        head, body = [f for f, _ in self.sent()]
        self.assertEqual(head.response_head.status, 500)
        self.assertIn(pb.Header(name="x-worker-id", value="w1"), head.response_head.headers)
        self.assertEqual(body.body.data, b"internal error\n")

    def test_handlerFailure_afterTheHead_isAReset(self):
        def handler(req, resp):
            resp.flush()
            raise RuntimeError("boom")
        self.serve(handler)
        with self.assertLogs("zrouter_worker.stream", "WARNING"):
            self.run_tasks()
        head, reset = [f for f, _ in self.sent()]
        self.assertEqual(reset.reset.reason, Reason.RESET_REASON_INTERNAL_ERROR)

    def test_writesWaitForTheRoutersCredit(self):
        written = threading.Event()

        def handler(req, resp):
            resp.write(b"x" * (320 * KIB))  # five frames; the window holds four
            written.set()
        self.serve(handler)
        worker = threading.Thread(target=self.run_tasks)
        worker.start()
        self.assertFalse(written.wait(0.05))
        self.dispatcher.on_addressed_message(self.link, follow_up(
            3, window_update=pb.WindowUpdate(increment=64 * KIB)))
        self.assertTrue(written.wait(10))
        worker.join(10)

    def test_resetFromTheRouter_cancelsTheRequest_andWritesRaise(self):
        failures = []
        started, cancelled = threading.Event(), threading.Event()

        def handler(req, resp):
            started.set()
            if req.wait_cancelled(10):
                cancelled.set()
            try:
                resp.write(b"x" * (64 * KIB))
            except ConnectionError as e:
                failures.append(e)
                raise
        self.serve(handler)
        worker = threading.Thread(target=self.run_tasks)
        worker.start()
        self.assertTrue(started.wait(10))
        self.dispatcher.on_addressed_message(self.link, follow_up(
            3, reset=pb.Reset(reason=Reason.RESET_REASON_CANCEL)))
        worker.join(10)
        self.assertTrue(cancelled.is_set())
        self.assertEqual(len(failures), 1)
        self.assertEqual(self.sent(), [])  # nothing more goes out on a reset stream

    def test_headRequest_getsTheLengthOfWhatWasWritten_orNone(self):
        for data, lengths in ((b"abc", ["3"]), (b"", [])):
            self.serve(lambda req, resp: resp.write(data), method="HEAD")
            self.run_tasks()
            head = self.sent()[0][0]
            with self.subTest(data=data):
                self.assertEqual([h.value for h in head.response_head.headers
                                  if h.name == "content-length"], lengths)


if __name__ == "__main__":
    unittest.main()
