package io.zrouter.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.zrouter.proto.Body;
import io.zrouter.proto.Frame;
import io.zrouter.proto.Reset;
import io.zrouter.proto.ResetReason;
import io.zrouter.proto.ResponseHead;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A worker without the addressed path (a minimal worker, protocol section 15) can take a request
 * only when its body ends in the dispatched message, so it refuses the others. Each time, the
 * router sends the request again with all of its body that arrived meanwhile, up to the window: any
 * body that fits the window is served, and one that does not gets 503 at the worker wait.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WholeBodyWorkerTest {
  private static final Duration TAKE = Duration.ofSeconds(5);

  private Router router;
  private FakeWorker worker;
  private final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @AfterEach
  void stop() throws Exception {
    if (worker != null) {
      worker.close();
    }
    if (router != null) {
      router.close(Duration.ZERO);
      assertThat(router.activeStreams()).isZero();
    }
  }

  private void start(Duration workerWait) throws Exception {
    router = TestRouters.start(TestRouters.config().withWorkerWait(workerWait));
    worker = new FakeWorker(router.workerEndpoint());
  }

  @Test
  void aBodyThatArrivesAfterTheFirstDispatch_reachesAWholeBodyWorkerWhole() throws Exception {
    start(Duration.ofSeconds(10));
    byte[] body = new byte[100 * 1024];
    new Random(7).nextBytes(body);
    // A raw socket, so the first bytes surely go out alone: head and 1 KiB now, the rest later.
    Socket socket = new Socket("127.0.0.1", router.httpAddress().getPort());
    socket.setSoTimeout(10_000);
    OutputStream out = socket.getOutputStream();
    out.write(
        ("POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: "
                + body.length
                + "\r\nConnection: close\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    out.write(body, 0, 1024);
    out.flush();

    FakeWorker.ReceivedRequest first = worker.takeRequest(TAKE);
    assertThat(endsBody(first.frames())).isFalse(); // only what came before the rest was sent
    out.write(body, 1024, body.length - 1024);
    out.flush();
    int dispatches = 1;
    FakeWorker.ReceivedRequest request = first;
    while (!endsBody(request.frames())) {
      worker.send(request, refusal(request.streamId()));
      request = worker.takeRequest(TAKE);
      dispatches++;
    }
    byte[] received = bodyOf(request.frames());
    worker.send(
        request,
        Frame.newBuilder()
            .setStreamId(request.streamId())
            .setResponseHead(ResponseHead.newBuilder().setStatus(200))
            .build(),
        Frame.newBuilder()
            .setStreamId(request.streamId())
            .setBody(
                Body.newBuilder()
                    .setData(com.google.protobuf.ByteString.copyFromUtf8(sha256(received)))
                    .setEndStream(true))
            .build());

    String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    socket.close();
    assertThat(answer).startsWith("HTTP/1.1 200 ").endsWith("\r\n\r\n" + sha256(body));
    assertThat(dispatches).isGreaterThanOrEqualTo(2);
    String admin = TestRouters.adminWorkers(router);
    assertThat(admin).contains("\"refusals\":" + (dispatches - 1) + ",");
    assertThat(admin).contains("\"resends_after_refusal\":" + (dispatches - 1) + ",");
  }

  @Test
  void aBodyLargerThanTheWindow_getsNoWorkerAtTheWorkerWait() throws Exception {
    start(Duration.ofSeconds(1));
    byte[] body = new byte[300 * 1024];
    long started = System.nanoTime();
    CompletableFuture<HttpResponse<String>> response =
        client.sendAsync(
            HttpRequest.newBuilder(TestRouters.uri(router, "/upload"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build(),
            BodyHandlers.ofString());
    int dispatches = 0;
    while (!response.isDone()) {
      FakeWorker.ReceivedRequest request = worker.pollRequest(Duration.ofMillis(100));
      if (request != null) {
        dispatches++;
        assertThat(endsBody(request.frames())).isFalse();
        assertThat(bodyOf(request.frames()).length).isLessThanOrEqualTo(256 * 1024);
        worker.send(request, refusal(request.streamId()));
      }
    }
    assertThat(response.get().statusCode()).isEqualTo(503);
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
    // The pause between resends grows to 32 ms: about 40 in a second, not a busy loop.
    assertThat(dispatches).isBetween(2, 200);
  }

  private static Frame refusal(long streamId) {
    return Frame.newBuilder()
        .setStreamId(streamId)
        .setReset(Reset.newBuilder().setReason(ResetReason.RESET_REASON_REFUSED))
        .build();
  }

  private static boolean endsBody(List<Frame> frames) {
    Frame last = frames.get(frames.size() - 1);
    return last.hasRequestHead()
        ? last.getRequestHead().getEndStream()
        : last.getBody().getEndStream();
  }

  /** The body frames' bytes, checking that each starts where the one before ended. */
  private static byte[] bodyOf(List<Frame> frames) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Frame frame : frames.subList(1, frames.size())) {
      assertThat(frame.getBody().getOffset()).isEqualTo(out.size());
      out.writeBytes(frame.getBody().getData().toByteArray());
    }
    return out.toByteArray();
  }

  private static String sha256(byte[] data) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
  }
}
