import threading
import unittest

from zrouter_worker import StreamCancelled
from zrouter_worker.flow import RequestBody, SendWindow
from zrouter_worker.frames import CREDIT_STEP

KIB = 1024


class RequestBodyTest(unittest.TestCase):
    def setUp(self):
        self.granted = []
        self.body = RequestBody(self.granted.append)

    def test_readingAStep_grantsItBack_includingBytesFromTheDispatchedMessage(self):
        for _ in range(4):  # the first window travelled in the dispatched message
            self.body.append(b"x" * (64 * KIB))
        self.assertEqual(len(self.body.read(100 * KIB)), 100 * KIB)
        self.assertEqual(self.granted, [CREDIT_STEP])
        self.body.read(28 * KIB)
        self.assertEqual(self.granted, [CREDIT_STEP, 64 * KIB])

    def test_noCreditOnceTheBodyEnded(self):
        self.body.append(b"x" * (128 * KIB))
        self.body.end()
        self.assertEqual(len(self.body.read()), 128 * KIB)
        self.assertEqual(self.granted, [])

    def test_iteration_yieldsChunksUntilTheEnd(self):
        self.body.append(b"ab")
        self.body.append(b"cd")
        self.body.end()
        self.assertEqual(list(self.body), [b"ab", b"cd"])
        self.assertEqual(self.body.read(), b"")

    def test_readN_splitsChunks(self):
        self.body.append(b"abcdef")
        self.body.end()
        self.assertEqual(self.body.read(4), b"abcd")
        self.assertEqual(self.body.read(4), b"ef")

    def test_readBlocksUntilDataArrives(self):
        got = []
        reader = threading.Thread(target=lambda: got.append(self.body.read1()))
        reader.start()
        self.body.append(b"late")
        reader.join(10)
        self.assertEqual(got, [b"late"])

    def test_abort_failsReads(self):
        self.body.append(b"part")
        self.body.abort("reset by router")
        with self.assertRaisesRegex(StreamCancelled, "reset by router"):
            self.body.read()

    def test_abortAfterTheEnd_keepsTheBodyReadable(self):
        self.body.append(b"whole")
        self.body.end()
        self.body.abort("reset by router")
        self.assertEqual(self.body.read(), b"whole")


class SendWindowTest(unittest.TestCase):
    def test_takeWaitsForCredit(self):
        window = SendWindow(256 * KIB)
        window.take(256 * KIB)
        taken = threading.Event()
        writer = threading.Thread(target=lambda: (window.take(64 * KIB), taken.set()))
        writer.start()
        self.assertFalse(taken.wait(0.05))  # out of credit: the writer waits
        window.grant(64 * KIB)
        self.assertTrue(taken.wait(10))
        writer.join(10)
        self.assertEqual(window.available, 0)

    def test_close_failsWaitersNowAndLater(self):
        window = SendWindow(0)
        failures = []

        def take():
            try:
                window.take(1)
            except StreamCancelled as e:
                failures.append(str(e))

        writer = threading.Thread(target=take)
        writer.start()
        window.close("cancelled")
        writer.join(10)
        self.assertEqual(failures, ["cancelled"])
        self.assertRaises(StreamCancelled, window.take, 0)

    def test_unlimited_neverWaits(self):
        window = SendWindow(None)
        window.take(1 << 40)


if __name__ == "__main__":
    unittest.main()
