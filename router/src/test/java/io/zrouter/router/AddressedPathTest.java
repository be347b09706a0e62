package io.zrouter.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.zrouter.proto.Accept;
import io.zrouter.proto.Frame;
import io.zrouter.proto.ResetReason;
import io.zrouter.proto.ResponseHead;
import io.zrouter.proto.WorkerHello;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The router reaches the one worker holding a stream over its addressed socket. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AddressedPathTest {
  private static final Duration TAKE = Duration.ofSeconds(5);
  private Router router;
  private FakeWorker worker;

  private void start(Duration requestTimeout) throws Exception {
    router = TestRouters.start(TestRouters.config().withRequestTimeout(requestTimeout));
    worker = new FakeWorker(router.workerEndpoint());
  }

  @AfterEach
  void stop() throws Exception {
    worker.close();
    router.close(Duration.ZERO);
    assertThat(router.activeStreams()).isZero();
  }

  private Socket sendRequest(String path) throws Exception {
    Socket client = new Socket();
    client.connect(new InetSocketAddress("127.0.0.1", router.httpAddress().getPort()), 5000);
    client.setSoTimeout(10_000);
    client
        .getOutputStream()
        .write(
            ("GET " + path + " HTTP/1.1\r\nHost: t\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    return client;
  }

  /** Takes a request, learns the addressed port from it, connects and acknowledges there. */
  private FakeWorker.ReceivedRequest takeAndAcceptOnAddressedPath() throws Exception {
    FakeWorker.ReceivedRequest request = worker.takeRequest(TAKE);
    int port = request.frames().get(0).getRequestHead().getAddressedPort();
    assertThat(port).isPositive();
    worker.connectAddressed(port);
    worker.sendAddressed(
        Frame.newBuilder()
            .setWorkerHello(WorkerHello.newBuilder().setProtocolVersion(1).setWorkerId("fake"))
            .build());
    worker.sendAddressed(
        Frame.newBuilder()
            .setStreamId(request.streamId())
            .setAccept(Accept.getDefaultInstance())
            .build());
    return request;
  }

  @Test
  void everyGreetedWorker_hearsARouterHeartbeatEverySecond() throws Exception {
    start(Duration.ofSeconds(30));
    Socket client = sendRequest("/hello");
    takeAndAcceptOnAddressedPath();

    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> worker.heartbeats() >= 2);
    client.close();
  }

  @Test
  void aPostSentAgain_runsOnlyWhereTheFirstAcknowledgementCameFrom() throws Exception {
    router = TestRouters.start(TestRouters.config().withAcceptTimeout(Duration.ofMillis(300)));
    worker = new FakeWorker(router.workerEndpoint());
    try (FakeWorker other = new FakeWorker(router.workerEndpoint());
        Socket client = postPay()) {
      // The first worker takes it, but its acknowledgement is lost (it is slow, or dying).
      // Unacknowledged past the accept timeout, it goes to the other one.
      Copies copies = takeBothCopies(worker, other);
      long stream = copies.stream();
      assertThat(copies.firstCopy().frames().get(0).getRequestHead().getAwaitStart()).isTrue();

      // The second acknowledges first, and is told to start.
      int port = copies.addressedPort();
      copies.second().connectAddressed(port, "fake-second");
      copies.second().sendAddressed(hello("second"), accept(stream));
      Frame start = copies.second().takeAddressed(TAKE);
      assertThat(start.getStreamId()).isEqualTo(stream);
      assertThat(start.hasStart()).isTrue();

      // The first acknowledgement arrives after all: that worker is told to drop the request.
      copies.first().connectAddressed(port, "fake-first");
      copies.first().sendAddressed(hello("first"), accept(stream));
      Frame drop = copies.first().takeAddressed(TAKE);
      assertThat(drop.getStreamId()).isEqualTo(stream);
      assertThat(drop.getReset().getReason()).isEqualTo(ResetReason.RESET_REASON_CANCEL);

      copies.second().sendAddressed(created(stream));
      assertThat(statusLine(client)).isEqualTo("HTTP/1.1 201");
    }
  }

  @Test
  void aRefusalFromAWorkerThatDoesNotHoldTheStream_isIgnored() throws Exception {
    router = TestRouters.start(TestRouters.config().withAcceptTimeout(Duration.ofSeconds(1)));
    worker = new FakeWorker(router.workerEndpoint());
    try (FakeWorker other = new FakeWorker(router.workerEndpoint());
        Socket client = postPay()) {
      Copies copies = takeBothCopies(worker, other);
      long stream = copies.stream();

      // The first acknowledgement comes late but first: that worker holds the stream. (Well
      // within the second copy's accept timeout: a third copy now could only come from the
      // refusal below.)
      copies.first().connectAddressed(copies.addressedPort());
      copies.first().sendAddressed(hello("first"), accept(stream));
      assertThat(copies.first().takeAddressed(TAKE).hasStart()).isTrue();
      // The second worker, with no addressed connection, refuses its copy on the dispatch path:
      // the router must not send the request a third time.
      copies.second().send(copies.secondCopy(), refused(stream, "worker is at capacity"));
      assertThat(copies.first().pollRequest(Duration.ofMillis(700))).isNull();
      assertThat(copies.second().pollRequest(Duration.ofMillis(100))).isNull();

      copies.first().sendAddressed(created(stream));
      assertThat(statusLine(client)).isEqualTo("HTTP/1.1 201");
    }
  }

  @Test
  void aRefusalAfterTheAcknowledgement_sendsTheRequestAgain_forItNeverRan() throws Exception {
    start(Duration.ofSeconds(30));
    try (Socket client = postPay()) {
      FakeWorker.ReceivedRequest request = worker.takeRequest(TAKE);
      long stream = request.streamId();
      worker.connectAddressed(request.frames().get(0).getRequestHead().getAddressedPort());
      worker.sendAddressed(hello("fake"), accept(stream));
      assertThat(worker.takeAddressed(TAKE).hasStart()).isTrue();

      // A worker that began draining before the start came: it refuses, having run nothing.
      worker.sendAddressed(refused(stream, "worker is shutting down"));

      FakeWorker.ReceivedRequest again = worker.takeRequest(TAKE);
      assertThat(again.streamId()).isEqualTo(stream);
      worker.sendAddressed(accept(stream));
      assertThat(worker.takeAddressed(TAKE).hasStart()).isTrue();
      worker.sendAddressed(created(stream));
      assertThat(statusLine(client)).isEqualTo("HTTP/1.1 201");
    }
  }

  /** A client that has sent {@code POST /pay} with a two-byte body. */
  private Socket postPay() throws Exception {
    Socket client = new Socket();
    client.connect(new InetSocketAddress("127.0.0.1", router.httpAddress().getPort()), 5000);
    client.setSoTimeout(10_000);
    client
        .getOutputStream()
        .write(
            "POST /pay HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nhi"
                .getBytes(StandardCharsets.US_ASCII));
    return client;
  }

  /** One request as two workers got it: the first copy, then the one sent after its timeout. */
  private record Copies(
      FakeWorker first,
      FakeWorker.ReceivedRequest firstCopy,
      FakeWorker second,
      FakeWorker.ReceivedRequest secondCopy) {
    long stream() {
      return firstCopy.streamId();
    }

    int addressedPort() {
      return firstCopy.frames().get(0).getRequestHead().getAddressedPort();
    }
  }

  /** Waits for the request at either worker (round-robin picks one), then for the resent copy. */
  private static Copies takeBothCopies(FakeWorker a, FakeWorker b) throws Exception {
    for (int i = 0; i < 250; i++) {
      FakeWorker.ReceivedRequest fromA = a.pollRequest(Duration.ofMillis(10));
      if (fromA != null) {
        return copies(a, fromA, b);
      }
      FakeWorker.ReceivedRequest fromB = b.pollRequest(Duration.ofMillis(10));
      if (fromB != null) {
        return copies(b, fromB, a);
      }
    }
    throw new AssertionError("neither worker got the request");
  }

  private static Copies copies(
      FakeWorker first, FakeWorker.ReceivedRequest firstCopy, FakeWorker second) throws Exception {
    FakeWorker.ReceivedRequest secondCopy = second.takeRequest(TAKE);
    assertThat(secondCopy.streamId()).isEqualTo(firstCopy.streamId());
    return new Copies(first, firstCopy, second, secondCopy);
  }

  private static String statusLine(Socket client) throws Exception {
    return new String(client.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
  }

  private static Frame created(long stream) {
    return Frame.newBuilder()
        .setStreamId(stream)
        .setResponseHead(ResponseHead.newBuilder().setStatus(201).setEndStream(true))
        .build();
  }

  private static Frame refused(long stream, String why) {
    return Frame.newBuilder()
        .setStreamId(stream)
        .setReset(
            io.zrouter.proto.Reset.newBuilder()
                .setReason(ResetReason.RESET_REASON_REFUSED)
                .setMessage(why))
        .build();
  }

  private static Frame hello(String id) {
    return Frame.newBuilder()
        .setWorkerHello(WorkerHello.newBuilder().setProtocolVersion(1).setWorkerId(id))
        .build();
  }

  private static Frame accept(long stream) {
    return Frame.newBuilder().setStreamId(stream).setAccept(Accept.getDefaultInstance()).build();
  }

  @Test
  void clientDisconnect_sendsCancelToTheWorkerHoldingTheStream() throws Exception {
    start(Duration.ofSeconds(30));
    Socket client = sendRequest("/forever");
    FakeWorker.ReceivedRequest request = takeAndAcceptOnAddressedPath();
    worker.sendAddressed(
        Frame.newBuilder()
            .setStreamId(request.streamId())
            .setResponseHead(ResponseHead.newBuilder().setStatus(200))
            .build());
    InputStream in = client.getInputStream();
    assertThat(in.read()).isEqualTo('H'); // the head reached the client: the stream is live

    client.close();

    Frame reset = worker.takeAddressed(TAKE);
    assertThat(reset.getStreamId()).isEqualTo(request.streamId());
    assertThat(reset.getReset().getReason()).isEqualTo(ResetReason.RESET_REASON_CANCEL);
  }

  @Test
  void deadlinePassed_sendsTimeoutToTheWorker_andTheClientGets504() throws Exception {
    // Long enough for the addressed connection to come up and the acknowledgement to land.
    start(Duration.ofSeconds(2));
    try (Socket client = sendRequest("/slow")) {
      FakeWorker.ReceivedRequest request = takeAndAcceptOnAddressedPath();

      Frame reset = worker.takeAddressed(TAKE);

      assertThat(reset.getStreamId()).isEqualTo(request.streamId());
      assertThat(reset.getReset().getReason()).isEqualTo(ResetReason.RESET_REASON_TIMEOUT);
      byte[] head = new byte[12];
      assertThat(client.getInputStream().readNBytes(head, 0, 12)).isEqualTo(12);
      assertThat(new String(head, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 504");
    }
  }
}
