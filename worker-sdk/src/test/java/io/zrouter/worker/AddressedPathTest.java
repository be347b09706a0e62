package io.zrouter.worker;

import static io.zrouter.worker.testing.FakeRouter.DEFAULT_WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zrouter.proto.Frame;
import io.zrouter.proto.FrameCodec;
import io.zrouter.proto.ResetReason;
import io.zrouter.proto.WorkerHello;
import io.zrouter.worker.testing.FakeAddressedSocket;
import io.zrouter.worker.testing.FakeRouter;
import io.zrouter.worker.testing.NoLeakedThreads;
import io.zrouter.worker.testing.ReceivedResponse;
import io.zrouter.worker.testing.Requests;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The addressed path: a router that names its addressed socket in a request gets a DEALER from the
 * worker, every frame of that stream (accept included) on it, and can cancel the stream through it.
 */
@Timeout(30)
@ExtendWith(NoLeakedThreads.class)
class AddressedPathTest {
  private static final Duration QUIET = Duration.ofMillis(200);

  private FakeRouter router;
  private FakeAddressedSocket addressed;
  private Worker worker;

  @BeforeEach
  void startRouter() {
    router = new FakeRouter();
    addressed = router.bindAddressed();
  }

  @AfterEach
  void stopAll() {
    if (worker != null) {
      worker.close();
    }
    router.close();
  }

  private Worker start(Handler handler) {
    return start(3, handler);
  }

  private Worker start(int concurrency, Handler handler) {
    worker =
        Worker.builder()
            .connect(router.endpoint())
            .id("test-worker")
            .concurrency(concurrency)
            .handler(handler)
            .start();
    return worker;
  }

  @Test
  void addressedPort_opensALinkWithHello_andTheWholeStreamTakesIt() {
    start((req, res) -> res.send("via " + req.path()));

    router.send(Requests.get(1, "/first", addressed.port()));
    FakeAddressedSocket.Received hello = addressed.takeHello(DEFAULT_WAIT);
    ReceivedResponse first = addressed.takeStream(1, DEFAULT_WAIT);
    router.send(Requests.get(2, "/second", addressed.port()));
    ReceivedResponse second = addressed.takeStream(2, DEFAULT_WAIT);

    WorkerHello workerHello = hello.frame().getWorkerHello();
    assertThat(hello.frame().getStreamId()).isZero();
    assertThat(workerHello.getProtocolVersion()).isEqualTo(FrameCodec.PROTOCOL_VERSION);
    assertThat(workerHello.getWorkerId()).isEqualTo("test-worker");
    assertThat(workerHello.getConcurrency()).isEqualTo(3);
    assertThat(hello.identityText()).matches("test-worker/[0-9a-f]{8}");
    // the link is opened before the first request is dispatched, so that stream's response
    // comes on it too, after the hello; acknowledgements go back on the dispatch socket (known to
    // work: the request just came over it) and name the link
    List<Frame> arrivals = addressed.arrivals();
    assertThat(arrivals.get(0).hasWorkerHello()).isTrue();
    assertThat(arrivals.subList(1, 3))
        .allMatch(f -> f.getStreamId() == 1)
        .anyMatch(Frame::hasResponseHead)
        .anyMatch(Frame::hasBody);
    router.awaitAccepted(1, DEFAULT_WAIT);
    router.awaitAccepted(2, DEFAULT_WAIT);
    assertThat(router.acceptedVia(1)).isEqualTo(hello.identityText());
    assertThat(router.acceptedVia(2)).isEqualTo(hello.identityText());
    assertThat(first.bodyText()).isEqualTo("via /first");
    assertThat(second.bodyText()).isEqualTo("via /second");
    assertThat(addressed.hellos()).isEmpty(); // one link, one hello
    // nothing but acknowledgements came back on the dispatch socket
    assertThat(router.isQuietFor(QUIET)).isTrue();
  }

  @Test
  void idleLink_sendsHeartbeatsAndNothingElse() {
    start((req, res) -> res.send("ok"));
    router.send(Requests.get(1, "/once", addressed.port()));
    addressed.takeStream(1, DEFAULT_WAIT);

    // An idle second and a half: at least one heartbeat, and no other frame.
    assertThat(addressed.isQuietFor(Duration.ofMillis(1500))).isTrue();
    assertThat(addressed.heartbeats()).isGreaterThanOrEqualTo(1);
  }

  @Test
  void routers_areKnownByTheEndpointTheWorkerWasGiven() {
    try (FakeRouter second = new FakeRouter()) {
      FakeAddressedSocket secondAddressed = second.bindAddressed();
      worker =
          Worker.builder()
              .connect(router.endpoint())
              .connect(second.endpoint())
              .handler((req, res) -> res.send("ok"))
              .start();

      router.send(Requests.get(1, "/", addressed.port()));
      second.send(Requests.get(1, "/", secondAddressed.port()));
      addressed.takeStream(1, DEFAULT_WAIT);
      secondAddressed.takeStream(1, DEFAULT_WAIT);

      // the routing id of each router is its endpoint (ZMQ_CONNECT_ROUTING_ID), not the identity
      // its DEALER announced; its host is where the link connects
      assertThat(worker.addressedEndpoints())
          .isEqualTo(
              Map.of(
                  router.endpoint(), "tcp://127.0.0.1:" + addressed.port(),
                  second.endpoint(), "tcp://127.0.0.1:" + secondAddressed.port()));
      worker.close();
    }
  }

  @Test
  void noAddressedPort_usesTheRouterSocketOnly() {
    start((req, res) -> res.send("plain"));

    router.send(Requests.get(1, "/"));
    ReceivedResponse response = router.takeStream(1);

    assertThat(response.bodyText()).isEqualTo("plain");
    assertThat(router.wasAccepted(1)).isTrue();
    assertThat(worker.addressedEndpoints()).isEmpty();
    assertThat(addressed.isQuietFor(QUIET)).isTrue(); // not even connected: no hello
  }

  @Test
  void resetOnTheLink_cancelsAStreamingHandlerAtItsNextWrite() throws Exception {
    CompletableFuture<Long> noticedAt = new CompletableFuture<>();
    AtomicReference<Boolean> cancelledFlag = new AtomicReference<>();
    AtomicReference<IOException> failure = new AtomicReference<>();
    start(
        (req, res) -> {
          OutputStream out = res.body();
          try {
            for (int i = 0; ; i++) {
              out.write(("tick " + i + "\n").getBytes(StandardCharsets.UTF_8));
              out.flush();
              Thread.sleep(20);
            }
          } catch (IOException e) {
            long now = System.nanoTime();
            cancelledFlag.set(req.isCancelled());
            failure.set(e);
            noticedAt.complete(now);
            throw e;
          }
        });

    router.send(Requests.get(1, "/ticks", addressed.port()));
    byte[] identity = addressed.takeHello(DEFAULT_WAIT).identity();
    assertThat(addressed.takeFrame(1, DEFAULT_WAIT).frame().hasResponseHead()).isTrue();
    assertThat(addressed.takeFrame(1, DEFAULT_WAIT).frame().hasBody()).isTrue();

    long sentAt = System.nanoTime();
    addressed.send(identity, Requests.reset(1));
    long noticed = noticedAt.get(5, TimeUnit.SECONDS);

    assertThat(TimeUnit.NANOSECONDS.toMillis(noticed - sentAt)).isLessThan(100);
    assertThat(cancelledFlag.get()).isTrue();
    assertThat(failure.get()).hasMessageContaining("reset by router (RESET_REASON_CANCEL)");
    // the worker says nothing more on a stream the router reset: no end, no reset
    assertThat(addressed.framesWithin(1, QUIET)).noneMatch(ReceivedResponse::endsStream);
  }

  @Test
  void resetOnTheLink_wakesAHandlerBlockedOnBackPressure() throws Exception {
    // a second router that never reads (it holds at most 2 unread messages) takes one stream,
    // which fills the worker's whole outbound budget
    try (FakeRouter stalled = new FakeRouter()) {
      FakeAddressedSocket stalledLink = stalled.bindAddressed(2);
      Map<String, Thread> handlers = new java.util.concurrent.ConcurrentHashMap<>();
      CompletableFuture<Long> noticedAt = new CompletableFuture<>();
      worker =
          Worker.builder()
              .connect(router.endpoint())
              .connect(stalled.endpoint())
              .drainTimeout(Duration.ofMillis(100)) // the hog never ends by itself
              .handler(
                  (req, res) -> {
                    handlers.put(req.path(), Thread.currentThread());
                    OutputStream out = res.body();
                    byte[] chunk = new byte[64 * 1024];
                    try {
                      while (true) {
                        out.write(chunk);
                      }
                    } catch (IOException e) {
                      noticedAt.complete(System.nanoTime());
                      throw e;
                    }
                  })
              .start();

      stalled.send(Requests.get(1, "/hog", stalledLink.port()));
      stalledLink.takeHello(DEFAULT_WAIT);
      awaitWaiting(handlers, "/hog"); // the only untimed wait in a write is the outbound budget
      router.send(Requests.get(1, "/blocked", addressed.port()));
      byte[] identity = addressed.takeHello(DEFAULT_WAIT).identity();
      router.awaitAccepted(1, DEFAULT_WAIT);
      awaitWaiting(handlers, "/blocked");

      long sentAt = System.nanoTime();
      addressed.send(identity, Requests.reset(1));
      long noticed = noticedAt.get(5, TimeUnit.SECONDS);

      // the budget is still full (the hog's frames are stuck), yet the reset stream's writer wakes
      assertThat(TimeUnit.NANOSECONDS.toMillis(noticed - sentAt)).isLessThan(100);
      awaitWaiting(handlers, "/hog"); // still blocked: the wake-up was for the reset stream
      worker.close(); // interrupts the hog
    }
  }

  private static void awaitWaiting(Map<String, Thread> handlers, String path) {
    await()
        .atMost(DEFAULT_WAIT)
        .pollInterval(Duration.ofMillis(5))
        .until(
            () ->
                handlers.containsKey(path)
                    && handlers.get(path).getState() == Thread.State.WAITING);
  }

  @Test
  void bodyOnTheLink_feedsTheRequestBody() {
    start((req, res) -> res.send(req.bodyBytes()));

    router.send(
        Requests.frame(
            1, Requests.head("POST", "/upload", false).setAddressedPort(addressed.port())));
    byte[] identity = addressed.takeHello(DEFAULT_WAIT).identity();
    router.awaitAccepted(1, DEFAULT_WAIT);
    addressed.send(identity, Requests.body(1, "up".getBytes(StandardCharsets.UTF_8), false));
    addressed.send(identity, Requests.body(1, "load".getBytes(StandardCharsets.UTF_8), true));

    assertThat(addressed.takeStream(1, DEFAULT_WAIT).bodyText()).isEqualTo("upload");
  }

  @Test
  void responseBody_stopsAtTheWindow_andGoesOnWithCredit() throws Exception {
    int window = FrameCodec.INITIAL_WINDOW;
    start(
        (req, res) -> {
          try (OutputStream out = res.body()) {
            out.write(new byte[4 * window]);
          }
        });

    router.send(Requests.get(1, "/big", addressed.port()));
    byte[] identity = addressed.takeHello(DEFAULT_WAIT).identity();
    List<Frame> uncredited = addressed.framesWithin(1, QUIET);
    addressed.send(identity, windowUpdate(1, 3 * window));
    List<Frame> rest = new java.util.ArrayList<>();
    do {
      rest.add(addressed.takeFrame(1, DEFAULT_WAIT).frame());
    } while (!ReceivedResponse.endsStream(rest.get(rest.size() - 1)));

    assertThat(bodyBytes(uncredited)).isEqualTo(window); // no credit: one window and no more
    assertThat(uncredited).noneMatch(ReceivedResponse::endsStream);
    assertThat(bodyBytes(rest)).isEqualTo(3 * window);
  }

  @Test
  void readingTheRequestBody_grantsCreditOnTheLink() {
    int window = FrameCodec.INITIAL_WINDOW;
    start((req, res) -> res.send(Integer.toString(req.bodyBytes().length)));

    router.send(
        Requests.frame(
            1, Requests.head("POST", "/upload", false).setAddressedPort(addressed.port())));
    byte[] identity = addressed.takeHello(DEFAULT_WAIT).identity();
    router.awaitAccepted(1, DEFAULT_WAIT);
    addressed.send(identity, Requests.body(1, new byte[window], false));
    Frame credit = addressed.takeFrame(1, DEFAULT_WAIT).frame();
    addressed.send(identity, Requests.body(1, new byte[window], true));

    assertThat(credit.hasWindowUpdate()).isTrue();
    assertThat(credit.getWindowUpdate().getIncrement()).isGreaterThanOrEqualTo(window / 4);
    assertThat(addressed.takeStream(1, DEFAULT_WAIT).bodyText())
        .isEqualTo(Integer.toString(2 * window));
  }

  @Test
  void anInlineHandlerOverTheFirstWindow_resetsItsStream_andTheWorkerServesOn() {
    int window = FrameCodec.INITIAL_WINDOW;
    start(
        inline(
            (req, res) -> {
              if (req.path().equals("/big")) {
                try (OutputStream out = res.body()) {
                  out.write(
                      new byte[2 * window]); // would wait for credit: only the IO thread brings it
                }
              } else {
                res.send("small");
              }
            }));

    router.send(Requests.get(1, "/big", addressed.port()));
    List<Frame> big = new java.util.ArrayList<>();
    do {
      big.add(addressed.takeFrame(1, DEFAULT_WAIT).frame());
    } while (!ReceivedResponse.endsStream(big.get(big.size() - 1)));
    router.send(Requests.get(2, "/small", addressed.port()));

    assertThat(big.get(big.size() - 1).hasReset()).isTrue();
    assertThat(bodyBytes(big)).isLessThanOrEqualTo(window);
    assertThat(addressed.takeStream(2, DEFAULT_WAIT).bodyText()).isEqualTo("small");
  }

  @Test
  void aRequestAnsweredInlineOnTheLink_isAcknowledgedByItsResponse_withNoAccept() {
    start(
        inline(
            req -> req.path().equals("/inline"), (req, res) -> res.send("served " + req.path())));

    router.send(Requests.get(1, "/inline", addressed.port()));
    ReceivedResponse inline = addressed.takeStream(1, DEFAULT_WAIT);
    router.send(Requests.get(2, "/pooled", addressed.port()));
    ReceivedResponse pooled = addressed.takeStream(2, DEFAULT_WAIT);
    // Accepts leave on the ROUTER socket in order: once stream 2's is in, one for 1 would be too.
    router.awaitAccepted(2, DEFAULT_WAIT);

    assertThat(inline.bodyText()).isEqualTo("served /inline");
    assertThat(pooled.bodyText()).isEqualTo("served /pooled");
    assertThat(router.wasAccepted(1)).isFalse();
  }

  /** The handler, run inline on the worker's IO thread for every request. */
  private static Handler inline(Handler handler) {
    return inline(request -> true, handler);
  }

  /** The handler, run inline on the worker's IO thread for the requests {@code which} picks. */
  private static Handler inline(java.util.function.Predicate<Request> which, Handler handler) {
    return new Handler() {
      @Override
      public void handle(Request request, Response response) throws Exception {
        handler.handle(request, response);
      }

      @Override
      public boolean runsInline(Request request) {
        return which.test(request);
      }
    };
  }

  private static Frame windowUpdate(long streamId, int increment) {
    return Frame.newBuilder()
        .setStreamId(streamId)
        .setWindowUpdate(io.zrouter.proto.WindowUpdate.newBuilder().setIncrement(increment))
        .build();
  }

  private static long bodyBytes(List<Frame> frames) {
    return frames.stream()
        .filter(Frame::hasBody)
        .mapToLong(f -> f.getBody().getData().size())
        .sum();
  }

  @Test
  void routersStreamLimit_refusesWhatIsOverIt_untilAHeartbeatLiftsIt() throws Exception {
    java.util.concurrent.CountDownLatch firstRelease = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch secondRelease = new java.util.concurrent.CountDownLatch(1);
    AtomicReference<java.util.concurrent.CountDownLatch> release =
        new AtomicReference<>(firstRelease);
    start(
        8,
        (req, res) -> {
          release.get().await();
          res.send("done");
        });
    router.send(Requests.get(1, "/held", addressed.port()));
    byte[] identity = addressed.takeHello(DEFAULT_WAIT).identity();
    router.awaitAccepted(1, DEFAULT_WAIT);

    // The router finds this worker slow: one of its streams at a time.
    addressed.send(identity, heartbeat(1));
    long next = 2;
    List<Long> accepted = new java.util.ArrayList<>(List.of(1L));
    Frame refusal = null;
    for (; refusal == null && next < 20; next++) { // requests racing the heartbeat may get in
      refusal = refusalOrNull(next);
      if (refusal == null) {
        accepted.add(next);
      }
    }
    assertThat(refusal).as("a request refused for the router's limit").isNotNull();
    assertThat(refusal.getReset().getReason()).isEqualTo(ResetReason.RESET_REASON_REFUSED);
    assertThat(refusal.getReset().getMessage()).contains("1 streams its router allows");
    for (int i = 0; i < 3; i++, next++) {
      assertThat(refusalOrNull(next)).as("request %d, over the limit", next).isNotNull();
    }

    // Once its streams end, the worker takes one again.
    firstRelease.countDown();
    for (long stream : accepted) {
      assertThat(addressed.takeStream(stream, DEFAULT_WAIT).bodyText()).isEqualTo("done");
    }
    long single = next++;
    router.send(Requests.get(single, "/single", addressed.port()));
    assertThat(addressed.takeStream(single, DEFAULT_WAIT).bodyText()).isEqualTo("done");

    // A heartbeat with no limit lifts it: two held at once again.
    release.set(secondRelease);
    addressed.send(identity, heartbeat(0));
    List<Long> held = new java.util.ArrayList<>();
    for (; held.size() < 2 && next < 60; next++) {
      if (refusalOrNull(next) == null) {
        held.add(next);
      }
    }
    assertThat(held).hasSize(2);
    secondRelease.countDown();
    for (long stream : held) {
      assertThat(addressed.takeStream(stream, DEFAULT_WAIT).bodyText()).isEqualTo("done");
    }
  }

  private static Frame heartbeat(int maxStreams) {
    return Frame.newBuilder()
        .setHeartbeat(io.zrouter.proto.Heartbeat.newBuilder().setMaxStreams(maxStreams))
        .build();
  }

  /** Sends a request; its refusal (a reset on the link), or null once the worker accepted it. */
  private Frame refusalOrNull(long streamId) {
    router.send(Requests.get(streamId, "/n" + streamId, addressed.port()));
    for (Frame f : addressed.framesWithin(streamId, QUIET)) {
      if (f.hasReset()) {
        return f;
      }
    }
    router.awaitAccepted(streamId, DEFAULT_WAIT);
    return null;
  }

  @Test
  void awaitStart_isAcknowledgedAtOnce_butRunsOnlyOnTheRoutersStart() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    start(
        (req, res) -> {
          runs.incrementAndGet();
          res.send("ran " + req.path());
        });
    router.send(Requests.postAwaitingStart(1, "/pay", addressed.port()));
    byte[] identity = addressed.takeHello(DEFAULT_WAIT).identity();
    router.awaitAccepted(1, DEFAULT_WAIT);

    assertThat(addressed.framesWithin(1, QUIET)).isEmpty(); // accepted, not started
    assertThat(runs).hasValue(0);

    addressed.send(identity, Requests.start(1));
    assertThat(addressed.takeStream(1, DEFAULT_WAIT).bodyText()).isEqualTo("ran /pay");
    assertThat(runs).hasValue(1);
  }

  @Test
  void awaitStart_inline_isAcknowledged_andRunsOnTheIoThreadOnceStarted() {
    AtomicReference<String> thread = new AtomicReference<>();
    start(
        inline(
            (req, res) -> {
              thread.set(Thread.currentThread().getName());
              res.send("ran " + req.path());
            }));
    router.send(Requests.postAwaitingStart(1, "/pay", addressed.port()));
    byte[] identity = addressed.takeHello(DEFAULT_WAIT).identity();
    router.awaitAccepted(
        1, DEFAULT_WAIT); // a request that must not run twice is always acknowledged

    assertThat(addressed.framesWithin(1, QUIET)).isEmpty(); // accepted, not started
    addressed.send(identity, Requests.start(1));

    assertThat(addressed.takeStream(1, DEFAULT_WAIT).bodyText()).isEqualTo("ran /pay");
    assertThat(thread.get()).isEqualTo("zrouter-io-test-worker");
  }

  @Test
  void awaitStart_aResetInsteadOfTheStart_neverRuns_andFreesItsSlot() {
    AtomicInteger runs = new AtomicInteger();
    start(
        1,
        (req, res) -> {
          runs.incrementAndGet();
          res.send("ran " + req.path());
        });
    router.send(Requests.postAwaitingStart(1, "/pay", addressed.port()));
    byte[] identity = addressed.takeHello(DEFAULT_WAIT).identity();
    router.awaitAccepted(1, DEFAULT_WAIT);

    // The router gave it to another worker: this one must drop it.
    addressed.send(identity, Requests.reset(1));
    // The next request needs the only handler slot. It comes on the other socket, so it may
    // overtake the reset and be refused: try until one runs.
    ReceivedResponse next = null;
    for (long id = 2; id < 20 && (next == null || next.frames().get(0).hasReset()); id++) {
      router.send(Requests.get(id, "/next", addressed.port()));
      next = addressed.takeStream(id, DEFAULT_WAIT);
    }
    assertThat(next.bodyText()).isEqualTo("ran /next");

    addressed.send(identity, Requests.start(1)); // too late: nothing is waiting any more
    assertThat(addressed.framesWithin(1, QUIET)).isEmpty();
    assertThat(runs).hasValue(1);
  }

  @Test
  void awaitStart_aWorkerThatStartsDraining_refusesWhatWaitsForItsStart() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    acknowledgedPostAwaitingStart(runs);

    CompletableFuture<Void> closed = CompletableFuture.runAsync(worker::close);
    // behind the acknowledgement, on the same socket: it cannot overtake it
    Frame refusal = router.takeFrame(1, DEFAULT_WAIT);
    assertThat(refusal.getReset().getReason()).isEqualTo(ResetReason.RESET_REASON_REFUSED);
    assertThat(refusal.getReset().getMessage()).isEqualTo("worker is shutting down");
    closed.get(10, TimeUnit.SECONDS); // nothing was left to drain
    assertThat(runs).hasValue(0);
  }

  @Test
  void awaitStart_aWorkerThatStartsDraining_stillRunsWhatItAcknowledged_whenTheStartComes()
      throws Exception {
    AtomicInteger runs = new AtomicInteger();
    byte[] identity = acknowledgedPostAwaitingStart(runs);

    CompletableFuture<Void> closed = CompletableFuture.runAsync(worker::close);
    io.zrouter.proto.WorkerState draining =
        addressed.takeFrame(0, DEFAULT_WAIT).frame().getWorkerState();
    assertThat(draining.getPhase()).isEqualTo(io.zrouter.proto.WorkerState.Phase.PHASE_DRAINING);
    // Refused now, a request whose body streams would fail: the router cannot send it again.
    addressed.send(identity, Requests.start(1));

    assertThat(addressed.takeStream(1, DEFAULT_WAIT).bodyText()).isEqualTo("ran");
    closed.get(10, TimeUnit.SECONDS);
    assertThat(runs).hasValue(1);
  }

  /**
   * Starts a worker whose handler counts its runs and answers "ran", sends it a POST awaiting its
   * start and waits for the acknowledgement; returns the addressed link's identity.
   */
  private byte[] acknowledgedPostAwaitingStart(AtomicInteger runs) {
    start(
        (req, res) -> {
          runs.incrementAndGet();
          res.send("ran");
        });
    router.send(Requests.postAwaitingStart(1, "/pay", addressed.port()));
    byte[] identity = addressed.takeHello(DEFAULT_WAIT).identity();
    router.awaitAccepted(1, DEFAULT_WAIT);
    return identity;
  }

  @Test
  void close_tellsTheRouterItDrains_thenThatItLeaves() throws Exception {
    CompletableFuture<Void> release = new CompletableFuture<>();
    start(
        (req, res) -> {
          release.get(10, TimeUnit.SECONDS);
          res.send("done");
        });
    router.send(Requests.get(1, "/held", addressed.port()));
    addressed.takeHello(DEFAULT_WAIT);
    router.awaitAccepted(1, DEFAULT_WAIT);

    CompletableFuture<Void> closed = CompletableFuture.runAsync(worker::close);
    io.zrouter.proto.WorkerState draining =
        addressed.takeFrame(0, DEFAULT_WAIT).frame().getWorkerState();
    assertThat(draining.getPhase()).isEqualTo(io.zrouter.proto.WorkerState.Phase.PHASE_DRAINING);
    assertThat(draining.getInFlight()).isEqualTo(1);

    release.complete(null); // the held request finishes, then the worker leaves
    assertThat(addressed.takeStream(1, DEFAULT_WAIT).bodyText()).isEqualTo("done");
    io.zrouter.proto.WorkerState leaving =
        addressed.takeFrame(0, DEFAULT_WAIT).frame().getWorkerState();
    assertThat(leaving.getPhase()).isEqualTo(io.zrouter.proto.WorkerState.Phase.PHASE_LEAVING);
    assertThat(leaving.getInFlight()).isZero();
    closed.get(10, TimeUnit.SECONDS);
  }

  @Test
  void awaitStart_withNoAddressedLink_isRefused() {
    start((req, res) -> res.send("ran"));
    router.send(
        Requests.frame(1, Requests.head("POST", "/pay", true).setAwaitStart(true))); // no port

    Frame refusal = router.takeFrame(1, DEFAULT_WAIT);
    assertThat(refusal.getReset().getReason()).isEqualTo(ResetReason.RESET_REASON_REFUSED);
    assertThat(refusal.getReset().getMessage()).contains("awaits its start");
  }

  @Test
  void silentRouter_closesTheLink_andCancelsItsStreams() throws Exception {
    CompletableFuture<Long> cancelledAt = new CompletableFuture<>();
    start(
        (req, res) -> {
          while (!req.isCancelled()) {
            java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
          }
          cancelledAt.complete(System.nanoTime());
        });

    router.send(Requests.get(1, "/forever", addressed.port()));
    addressed.takeHello(DEFAULT_WAIT);
    long silentFrom = System.nanoTime(); // this fake router never says anything on the link

    long cancelled = cancelledAt.get(15, TimeUnit.SECONDS);
    long silentMs = TimeUnit.NANOSECONDS.toMillis(cancelled - silentFrom);
    assertThat(silentMs)
        .isBetween(
            TimeUnit.NANOSECONDS.toMillis(io.zrouter.worker.internal.WorkerIoThread.silenceLimit())
                - 1000,
            TimeUnit.NANOSECONDS.toMillis(io.zrouter.worker.internal.WorkerIoThread.silenceLimit())
                + 2000);
    await().atMost(DEFAULT_WAIT).until(() -> worker.addressedEndpoints().isEmpty());
  }

  @Test
  void bodyWithAGap_resetsTheStream_andFailsTheRead() throws Exception {
    CompletableFuture<Throwable> readFailure = new CompletableFuture<>();
    java.util.concurrent.CountDownLatch reading = new java.util.concurrent.CountDownLatch(1);
    start(
        (req, res) -> {
          reading.countDown();
          try {
            req.bodyBytes();
            readFailure.complete(null);
          } catch (IOException e) {
            readFailure.complete(e);
            throw e;
          }
        });

    router.send(
        Requests.frame(
            1, Requests.head("POST", "/upload", false).setAddressedPort(addressed.port())));
    byte[] identity = addressed.takeHello(DEFAULT_WAIT).identity();
    router.awaitAccepted(1, DEFAULT_WAIT);
    assertThat(reading.await(5, TimeUnit.SECONDS)).isTrue(); // a stream cancelled first never runs
    addressed.send(identity, bodyAt(1, 0, "ab"));
    addressed.send(identity, bodyAt(1, 5, "fg")); // three bytes went missing
    Frame reset = addressed.takeFrame(1, DEFAULT_WAIT).frame();

    assertThat(reset.getReset().getReason())
        .isEqualTo(io.zrouter.proto.ResetReason.RESET_REASON_PROTOCOL_ERROR);
    assertThat(readFailure.get(5, TimeUnit.SECONDS)).isInstanceOf(IOException.class);
  }

  private static Frame bodyAt(long streamId, long offset, String text) {
    return Frame.newBuilder()
        .setStreamId(streamId)
        .setBody(
            io.zrouter.proto.Body.newBuilder()
                .setData(com.google.protobuf.ByteString.copyFromUtf8(text))
                .setOffset(offset))
        .build();
  }

  @Test
  void junkOnTheLink_isDroppedAndTheWorkerKeepsServing() {
    start((req, res) -> res.send("ok"));
    router.send(Requests.get(1, "/", addressed.port()));
    byte[] identity = addressed.takeHello(DEFAULT_WAIT).identity();
    addressed.takeStream(1, DEFAULT_WAIT);

    addressed.sendRaw(identity, "not protobuf".getBytes(StandardCharsets.UTF_8));
    addressed.sendRaw(identity, new byte[0]);
    addressed.send(identity, Requests.get(7, "/dispatched-on-the-wrong-socket"));
    addressed.send(
        identity,
        Frame.newBuilder()
            .setStreamId(0)
            .setHeartbeat(io.zrouter.proto.Heartbeat.newBuilder().setSentUnixMs(1))
            .build(),
        Requests.reset(99));
    router.send(Requests.get(2, "/after", addressed.port()));

    assertThat(addressed.takeStream(2, DEFAULT_WAIT).bodyText()).isEqualTo("ok");
    assertThat(addressed.wasAccepted(7)).isFalse();
  }

  @Test
  void newAddressedPort_replacesTheLinkAndCancelsTheStreamsOnTheOldOne() throws Exception {
    FakeAddressedSocket restarted = router.bindAddressed();
    CompletableFuture<Boolean> oldStreamCancelled = new CompletableFuture<>();
    start(
        (req, res) -> {
          if (req.path().equals("/long")) {
            OutputStream out = res.body();
            out.flush();
            while (!req.isCancelled()) {
              Thread.sleep(5);
            }
            oldStreamCancelled.complete(true);
          } else {
            res.send("new link");
          }
        });
    router.send(Requests.get(1, "/long", addressed.port()));
    addressed.takeHello(DEFAULT_WAIT);
    addressed.takeFrame(1, DEFAULT_WAIT);

    router.send(Requests.get(2, "/", restarted.port()));

    assertThat(oldStreamCancelled.get(5, TimeUnit.SECONDS)).isTrue();
    assertThat(restarted.takeHello(DEFAULT_WAIT).identityText()).startsWith("test-worker/");
    assertThat(restarted.takeStream(2, DEFAULT_WAIT).bodyText()).isEqualTo("new link");
    assertThat(worker.addressedEndpoints())
        .containsExactly(Map.entry(router.endpoint(), "tcp://127.0.0.1:" + restarted.port()));

    // a router that no longer names an addressed socket gets its answers on the router socket
    router.send(Requests.get(3, "/"));
    assertThat(router.takeStream(3).bodyText()).isEqualTo("new link");
    assertThat(worker.addressedEndpoints()).isEmpty();
  }

  @Test
  void restartedAddressedSocket_getsTheHelloAgainOnReconnect() {
    start((req, res) -> res.send("ok"));
    router.send(Requests.get(1, "/", addressed.port()));
    byte[] identity = addressed.takeHello(DEFAULT_WAIT).identity();
    addressed.takeStream(1, DEFAULT_WAIT);

    addressed.restart(DEFAULT_WAIT);
    // ZeroMQ redials by itself; the hello comes first on the new connection. (A response sent
    // before the worker noticed the old connection closing would die with it: ZeroMQ drops what
    // a dead connection held, which is why the router resends and times out, not this test.)
    FakeAddressedSocket.Received again = addressed.takeHello(DEFAULT_WAIT);
    assertThat(again.identity()).isEqualTo(identity);
    router.send(Requests.get(2, "/", addressed.port()));
    assertThat(addressed.takeStream(2, DEFAULT_WAIT).bodyText()).isEqualTo("ok");
  }

  @Test
  void routerSocketReset_alsoSetsIsCancelled() throws Exception {
    CompletableFuture<Request> running = new CompletableFuture<>();
    CompletableFuture<Boolean> sawCancel = new CompletableFuture<>();
    start(
        (req, res) -> {
          running.complete(req);
          while (!req.isCancelled()) {
            Thread.sleep(1);
          }
          sawCancel.complete(true);
        });

    router.send(Requests.get(1, "/wait"));
    Request request = running.get(5, TimeUnit.SECONDS);
    assertThat(request.isCancelled()).isFalse();
    router.send(Requests.reset(1));

    assertThat(sawCancel.get(5, TimeUnit.SECONDS)).isTrue();
    assertThat(request.isCancelled()).isTrue();
  }
}
