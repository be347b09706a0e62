package io.zrouter.worker;

import static io.zrouter.worker.testing.FakeRouter.DEFAULT_WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zrouter.proto.Frame;
import io.zrouter.proto.Header;
import io.zrouter.proto.ResetReason;
import io.zrouter.worker.testing.FakeRouter;
import io.zrouter.worker.testing.NoLeakedThreads;
import io.zrouter.worker.testing.ReceivedResponse;
import io.zrouter.worker.testing.Requests;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@Timeout(30)
@ExtendWith(NoLeakedThreads.class)
class WorkerTest {
  private FakeRouter router;
  private Worker worker;

  @BeforeEach
  void startRouter() {
    router = new FakeRouter();
  }

  @AfterEach
  void stopAll() {
    if (worker != null) {
      worker.close();
    }
    router.close();
  }

  private Worker start(Handler handler) {
    worker =
        Worker.builder()
            .connect(router.endpoint())
            .id("test-worker")
            .concurrency(4)
            .handler(handler)
            .start();
    return worker;
  }

  @Test
  void hello_sendsHeadBodyAndEnd() {
    start((req, res) -> res.header("X-Custom", "yes").send("hello\n"));

    router.send(Requests.get(1, "/hello"));
    ReceivedResponse response = router.takeStream(1);

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.header("x-custom")).isEqualTo("yes");
    assertThat(response.header("content-type")).isEqualTo("text/plain; charset=utf-8");
    assertThat(response.header("content-length")).isEqualTo("6");
    assertThat(response.bodyText()).isEqualTo("hello\n");
    assertThat(response.resetReason()).isNull();
    assertThat(response.frames()).hasSize(2);
    assertThat(router.wasAccepted(1)).isTrue();
  }

  @Test
  void aRequestTheHandlerRunsInline_isServedOnTheIoThread_othersOnHandlerThreads() {
    Map<String, String> threads = new ConcurrentHashMap<>();
    start(
        new Handler() {
          @Override
          public void handle(Request request, Response response) {
            threads.put(request.path(), Thread.currentThread().getName());
            response.send("served " + request.path());
          }

          @Override
          public boolean runsInline(Request request) {
            if (request.path().equals("/broken")) {
              throw new IllegalStateException("runsInline failed");
            }
            return request.path().equals("/inline");
          }
        });

    router.send(Requests.get(1, "/inline"));
    router.send(Requests.get(2, "/pooled"));
    router.send(Requests.get(3, "/broken"));

    assertThat(router.takeStream(1).bodyText()).isEqualTo("served /inline");
    assertThat(router.takeStream(2).bodyText()).isEqualTo("served /pooled");
    assertThat(router.takeStream(3).bodyText()).isEqualTo("served /broken");
    assertThat(threads.get("/inline")).isEqualTo("zrouter-io-test-worker");
    assertThat(threads.get("/pooled")).startsWith("zrouter-handler-");
    assertThat(threads.get("/broken")).startsWith("zrouter-handler-");
  }

  @Test
  void requestHead_isExposedToTheHandler() throws Exception {
    CompletableFuture<Request> seen = new CompletableFuture<>();
    start(
        (req, res) -> {
          seen.complete(req);
          res.end();
        });

    router.send(
        Requests.frame(
            7,
            Requests.head("GET", "/a/b?x=1&name=J%C3%B6rg+M&x=2&flag", true)
                .addHeaders(Header.newBuilder().setName("accept").setValue("text/html"))
                .addHeaders(Header.newBuilder().setName("x-multi").setValue("one"))
                .addHeaders(Header.newBuilder().setName("x-multi").setValue("two"))));
    ReceivedResponse response = router.takeStream(7);
    Request req = seen.get(5, TimeUnit.SECONDS);

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.header("content-length")).isEqualTo("0");
    assertThat(req.method()).isEqualTo("GET");
    assertThat(req.target()).isEqualTo("/a/b?x=1&name=J%C3%B6rg+M&x=2&flag");
    assertThat(req.path()).isEqualTo("/a/b");
    assertThat(req.query()).isEqualTo("x=1&name=J%C3%B6rg+M&x=2&flag");
    assertThat(req.queryParam("x")).isEqualTo("1");
    assertThat(req.queryParam("name")).isEqualTo("Jörg M");
    assertThat(req.queryParam("flag")).isEmpty();
    assertThat(req.queryParam("missing")).isNull();
    assertThat(req.header("Accept")).isEqualTo("text/html");
    assertThat(req.headers("X-MULTI")).containsExactly("one", "two");
    assertThat(req.headers("nope")).isEmpty();
    assertThat(req.headers())
        .containsExactly(
            Map.entry("accept", List.of("text/html")), Map.entry("x-multi", List.of("one", "two")));
    assertThat(req.requestId()).startsWith("req-");
    assertThat(req.scheme()).isEqualTo("http");
    assertThat(req.authority()).isEqualTo("example.test");
    assertThat(req.httpVersion()).isEqualTo("HTTP/1.1");
    assertThat(req.remoteAddress()).isEqualTo("127.0.0.1:50000");
    assertThat(req.contentLength()).isZero();
    assertThat(req.bodyBytes()).isEmpty();
  }

  @Test
  void requestBody_inSeveralFrames_isStreamedToTheHandler() {
    start((req, res) -> res.send(req.bodyBytes()));

    Frame head = Requests.post(3, "/echo", "x")[0];
    router.send(
        head,
        Requests.body(3, "abc".getBytes(StandardCharsets.UTF_8), false),
        Requests.body(3, new byte[0], false),
        Requests.body(3, "def".getBytes(StandardCharsets.UTF_8), true));

    assertThat(router.takeStream(3).bodyText()).isEqualTo("abcdef");
  }

  @Test
  void requestPastItsDeadline_isNotStarted_andReportedAsTimeout() {
    java.util.concurrent.atomic.AtomicBoolean ran = new java.util.concurrent.atomic.AtomicBoolean();
    start(
        (req, res) -> {
          ran.set(true);
          res.send("too late");
        });

    router.send(
        Requests.frame(
            1,
            Requests.head("GET", "/late", true)
                .setDeadlineUnixMs(System.currentTimeMillis() - 1000)));
    ReceivedResponse response = router.takeStream(1);

    assertThat(response.resetReason()).isEqualTo(io.zrouter.proto.ResetReason.RESET_REASON_TIMEOUT);
    assertThat(ran).isFalse();
  }

  @Test
  void handlerException_becomes500WithRequestId() {
    start(
        (req, res) -> {
          res.header("x-lost", "1");
          throw new IllegalStateException("boom");
        });

    router.send(Requests.get(1, "/fail"));
    ReceivedResponse response = router.takeStream(1);

    assertThat(response.status()).isEqualTo(500);
    assertThat(response.bodyText()).isEqualTo("internal error\n");
    assertThat(response.header("x-request-id")).isEqualTo("req-" + "/fail".hashCode());
    assertThat(response.header("x-worker-id")).isEqualTo("test-worker");
    assertThat(response.header("x-lost")).isNull();
  }

  @Test
  void handlerExceptionAfterFlush_resetsTheStream() {
    start(
        (req, res) -> {
          OutputStream body = res.body();
          body.write("partial".getBytes(StandardCharsets.UTF_8));
          body.flush();
          throw new IOException("backend went away");
        });

    router.send(Requests.get(1, "/x"));
    ReceivedResponse response = router.takeStream(1);

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.bodyText()).isEqualTo("partial");
    assertThat(response.resetReason()).isEqualTo(ResetReason.RESET_REASON_INTERNAL_ERROR);
  }

  @Test
  void forgottenEnd_isEndedForTheHandler() {
    start(
        (req, res) -> {
          res.status(201).header("content-type", "text/plain");
          res.body().write("not closed".getBytes(StandardCharsets.UTF_8));
        });

    router.send(Requests.get(1, "/x"));
    ReceivedResponse response = router.takeStream(1);

    assertThat(response.status()).isEqualTo(201);
    assertThat(response.bodyText()).isEqualTo("not closed");
    // a body that never left the buffer goes out with its length, head and body in one batch
    assertThat(response.header("content-length")).isEqualTo("10");
    assertThat(response.frames()).hasSize(2);
  }

  @Test
  void flush_sendsFramesBeforeTheHandlerReturns() throws Exception {
    CountDownLatch firstChunkSeen = new CountDownLatch(1);
    start(
        (req, res) -> {
          OutputStream body = res.body();
          body.write("one ".getBytes(StandardCharsets.UTF_8));
          body.flush();
          if (!firstChunkSeen.await(5, TimeUnit.SECONDS)) {
            throw new IllegalStateException("router never saw the first chunk");
          }
          body.write("two".getBytes(StandardCharsets.UTF_8));
          body.close();
        });

    router.send(Requests.get(1, "/stream"));
    Frame head = router.takeFrame(1, DEFAULT_WAIT);
    Frame first = router.takeFrame(1, DEFAULT_WAIT);
    firstChunkSeen.countDown();
    ReceivedResponse rest = router.takeStream(1);

    assertThat(head.getResponseHead().getEndStream()).isFalse();
    assertThat(head.getResponseHead().getHeadersList())
        .noneMatch(h -> h.getName().equals("content-length"));
    assertThat(first.getBody().getData().toStringUtf8()).isEqualTo("one ");
    assertThat(first.getBody().getEndStream()).isFalse();
    assertThat(rest.bodyText()).isEqualTo("two");
    assertThat(rest.frames().get(rest.frames().size() - 1).getBody().getEndStream()).isTrue();
  }

  @Test
  void largeSend_isChunkedAndBatchedIntoFewMessages() {
    byte[] data = new byte[512 * 1024];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) i;
    }
    start((req, res) -> res.send(data));

    router.send(Requests.get(1, "/big"));
    ReceivedResponse response = router.takeStream(1);

    assertThat(response.body()).isEqualTo(data);
    assertThat(response.bodyFrames()).isEqualTo(8);
    assertThat(response.header("content-length")).isEqualTo(Integer.toString(data.length));
    // head + 8 body frames queued together leave in a couple of multipart messages, not nine
    assertThat(router.messageSizes()).hasSizeLessThanOrEqualTo(3);
    assertThat(router.messageSizes().stream().mapToInt(Integer::intValue).sum()).isEqualTo(9);
  }

  @Test
  void malformedParts_areDroppedAndTheWorkerKeepsServing() {
    start((req, res) -> res.send("ok"));

    router.sendRaw("definitely not protobuf".getBytes(StandardCharsets.UTF_8));
    router.sendRaw(new byte[] {(byte) 0xFF, 0x01});
    // a well-formed frame a router never sends, and a request whose second part is garbage
    router.send(
        Frame.newBuilder()
            .setStreamId(5)
            .setResponseHead(io.zrouter.proto.ResponseHead.newBuilder().setStatus(200))
            .build());
    router.sendRaw(
        io.zrouter.proto.FrameCodec.encode(Requests.get(6, "/x")), new byte[] {0x7F, 0x7F});
    router.send(Requests.get(9, "/after"));

    ReceivedResponse response = router.takeStream(9);
    assertThat(response.status()).isEqualTo(200);
    assertThat(response.bodyText()).isEqualTo("ok");
    assertThat(router.isQuietFor(java.time.Duration.ofMillis(200))).isTrue();
  }

  @Test
  void routerReset_cancelsTheStream() throws Exception {
    CountDownLatch running = new CountDownLatch(1);
    CompletableFuture<Throwable> writeFailure = new CompletableFuture<>();
    start(
        (req, res) -> {
          if (req.path().equals("/wait")) {
            running.countDown();
            while (!req.isCancelled()) {
              java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
            }
            try {
              res.body().write(1);
              res.body().flush();
              writeFailure.complete(null);
            } catch (IOException e) {
              writeFailure.complete(e);
              throw e;
            }
          } else {
            res.send("still alive");
          }
        });

    router.send(Requests.get(1, "/wait"));
    assertThat(running.await(5, TimeUnit.SECONDS)).isTrue();
    router.send(Requests.reset(1));

    assertThat(writeFailure.get(5, TimeUnit.SECONDS))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("reset by router");
    router.send(Requests.get(2, "/other"));
    assertThat(router.takeStream(2).bodyText()).isEqualTo("still alive");
    // nothing is ever sent for the cancelled stream
    assertThat(router.isQuietFor(java.time.Duration.ofMillis(200))).isTrue();
  }

  @Test
  void aRequestInAnUnknownProtocolVersion_isAProtocolError_andNeverRuns() {
    AtomicInteger ran = new AtomicInteger();
    start(
        (req, res) -> {
          ran.incrementAndGet();
          res.send("ran");
        });

    router.send(Requests.frame(1, Requests.head("GET", "/", true).setProtocolVersion(2)));
    ReceivedResponse answer = router.takeStream(1);

    assertThat(answer.resetReason()).isEqualTo(ResetReason.RESET_REASON_PROTOCOL_ERROR);
    assertThat(answer.frames()).noneMatch(Frame::hasAccept).noneMatch(Frame::hasResponseHead);
    assertThat(ran).hasValue(0);
  }

  @Test
  void bodyThatContinues_withoutAnAddressedLink_isRefused() {
    start((req, res) -> res.send(new String(req.bodyBytes())));

    // this fake router has no addressed socket: the rest of the body could never arrive
    router.send(Requests.frame(1, Requests.head("POST", "/upload", false)));

    assertThat(router.takeStream(1).resetReason()).isEqualTo(ResetReason.RESET_REASON_REFUSED);
  }

  @Test
  void sameStreamIdFromTwoRouters_areSeparateStreams() {
    try (FakeRouter second = new FakeRouter()) {
      worker =
          Worker.builder()
              .connect(router.endpoint())
              .connect(second.endpoint())
              .handler((req, res) -> res.send(req.header("x-from")))
              .start();

      router.send(
          Requests.frame(
              1,
              Requests.head("GET", "/", true)
                  .addHeaders(Header.newBuilder().setName("x-from").setValue("first"))));
      second.send(
          Requests.frame(
              1,
              Requests.head("GET", "/", true)
                  .addHeaders(Header.newBuilder().setName("x-from").setValue("second"))));

      assertThat(router.takeStream(1).bodyText()).isEqualTo("first");
      assertThat(second.takeStream(1).bodyText()).isEqualTo("second");
      worker.close();
    }
  }

  @Test
  void sameEndpointTwice_isConnectedOnce() {
    worker =
        Worker.builder()
            .connect(router.endpoint())
            .connect(router.endpoint())
            .handler((req, res) -> res.send("once"))
            .start();

    router.send(Requests.get(1, "/"));

    assertThat(router.takeStream(1).bodyText()).isEqualTo("once");
    assertThat(worker.toString()).containsOnlyOnce(router.endpoint());
  }

  @Test
  void close_letsInFlightHandlersFinishAndRefusesNewRequests() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    start(
        (req, res) -> {
          started.countDown();
          release.await();
          res.send("finished");
        });
    router.send(Requests.get(1, "/slow"));
    assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();

    Thread closer = new Thread(worker::close, "test-closer");
    closer.start();
    // close() asks the IO thread to drain before it waits for the handlers
    await().atMost(DEFAULT_WAIT).until(() -> closer.getState() == Thread.State.TIMED_WAITING);
    router.send(Requests.get(2, "/late"));
    ReceivedResponse refused = router.takeStream(2);
    release.countDown();
    ReceivedResponse finished = router.takeStream(1);
    closer.join(DEFAULT_WAIT.toMillis());

    assertThat(refused.resetReason()).isEqualTo(ResetReason.RESET_REASON_REFUSED);
    assertThat(finished.bodyText()).isEqualTo("finished");
    assertThat(closer.isAlive()).isFalse();
  }

  @Test
  void close_stopsEveryThreadAndIsIdempotent() {
    start((req, res) -> res.send("ok"));
    router.send(Requests.get(1, "/"));
    router.takeStream(1);
    assertThat(NoLeakedThreads.zrouterThreads()).contains("zrouter-io-test-worker");
    if (Runtime.version().feature() < 21) {
      // From Java 21 on handlers run on virtual threads, which no thread listing shows.
      assertThat(NoLeakedThreads.zrouterThreads()).contains("zrouter-handler-1");
    }

    worker.close();
    worker.close();

    assertThat(NoLeakedThreads.zrouterThreads()).isEmpty();
  }

  @Test
  void close_interruptsHandlersThatOutliveTheDrainTimeoutAndRefusesQueuedOnes() {
    AtomicReference<Throwable> interrupted = new AtomicReference<>();
    CountDownLatch started = new CountDownLatch(1);
    worker =
        Worker.builder()
            .connect(router.endpoint())
            .concurrency(1)
            .drainTimeout(java.time.Duration.ofMillis(200))
            .handler(
                (req, res) -> {
                  started.countDown();
                  try {
                    new CountDownLatch(1).await();
                  } catch (InterruptedException e) {
                    interrupted.set(e);
                    throw e;
                  }
                })
            .start();
    router.send(Requests.get(1, "/stuck"));
    await().atMost(DEFAULT_WAIT).until(() -> started.getCount() == 0);
    router.send(Requests.get(2, "/queued")); // waits behind the stuck one: concurrency is 1

    long t0 = System.nanoTime();
    worker.close();

    assertThat(interrupted.get()).isInstanceOf(InterruptedException.class);
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(3000);
    // the handler was interrupted before it answered, so the stream got its 500
    assertThat(router.takeStream(1).status()).isEqualTo(500);
    // the queued request never started, so the router may retry it elsewhere
    assertThat(router.takeStream(2).resetReason()).isEqualTo(ResetReason.RESET_REASON_REFUSED);
    assertThat(NoLeakedThreads.zrouterThreads()).isEmpty();
  }

  @Test
  void closeFromAHandler_sendsThatResponseThenStops() {
    AtomicReference<Worker> self = new AtomicReference<>();
    self.set(
        start(
            (req, res) -> {
              res.send("bye");
              self.get().close();
            }));

    router.send(Requests.get(1, "/quit"));

    assertThat(router.takeStream(1).bodyText()).isEqualTo("bye");
    await().atMost(DEFAULT_WAIT).until(() -> NoLeakedThreads.zrouterThreads().isEmpty());
  }

  @Test
  void builder_rejectsMissingEndpointHandlerAndBadEndpoint() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> Worker.builder().handler((q, r) -> r.end()).start())
        .isInstanceOf(IllegalStateException.class);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> Worker.builder().connect(router.endpoint()).start())
        .isInstanceOf(IllegalStateException.class);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> Worker.builder().connect("nonsense").handler((q, r) -> r.end()).start())
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(NoLeakedThreads.zrouterThreads()).isEmpty();
  }

  @Test
  void aRejectedHeader_isLeftOut_andTheResponseStillGoes() {
    start(
        (req, res) -> {
          for (String[] bad : new String[][] {{"x-bad", "a\r\nb"}, {"bad name", "v"}}) {
            try {
              res.header(bad[0], bad[1]);
            } catch (IllegalArgumentException expected) {
              // the handler leaves it out and goes on
            }
          }
          res.header("x-good", "1");
          res.send("ok");
        });

    router.send(Requests.get(1, "/"));

    ReceivedResponse response = router.takeStream(1);
    assertThat(response.status()).isEqualTo(200);
    assertThat(response.bodyText()).isEqualTo("ok");
    assertThat(response.header("x-good")).isEqualTo("1");
    assertThat(response.header("x-bad")).isNull();
    assertThat(response.header("content-length")).isEqualTo("2");
  }

  @Test
  void defaultId_isGenerated() {
    Worker w = start((req, res) -> res.end());
    assertThat(w.id()).isEqualTo("test-worker");
    worker.close();
    worker = Worker.builder().connect(router.endpoint()).handler((q, r) -> r.end()).start();
    assertThat(worker.id()).matches("worker-[0-9a-f]{8}");
  }
}
