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
