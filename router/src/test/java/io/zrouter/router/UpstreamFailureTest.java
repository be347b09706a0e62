package io.zrouter.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.zrouter.proto.Body;
import io.zrouter.proto.Frame;
import io.zrouter.proto.Header;
import io.zrouter.proto.Reset;
import io.zrouter.proto.ResetReason;
import io.zrouter.proto.ResponseHead;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A worker that fails after the response started: the client sees a reset, never a short success.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UpstreamFailureTest {
  private static final Duration TAKE = Duration.ofSeconds(5);
  private Router router;
  private FakeWorker worker;

  @BeforeEach
  void start() throws Exception {
    router = TestRouters.start(TestRouters.config());
    worker = new FakeWorker(router.workerEndpoint());
  }

  @AfterEach
  void stop() throws Exception {
    worker.close();
    router.close(Duration.ZERO);
    assertThat(router.activeStreams()).isZero();
  }

  private void startThenReset(FakeWorker.ReceivedRequest request) {
    long id = request.streamId();
    worker.send(
        request,
        Frame.newBuilder()
            .setStreamId(id)
            .setResponseHead(
                ResponseHead.newBuilder()
                    .setStatus(200)
                    .addHeaders(Header.newBuilder().setName("content-type").setValue("text/plain")))
            .build(),
        Frame.newBuilder()
            .setStreamId(id)
            .setBody(Body.newBuilder().setData(ByteString.copyFromUtf8("partial ")))
            .build(),
        Frame.newBuilder()
            .setStreamId(id)
            .setReset(Reset.newBuilder().setReason(ResetReason.RESET_REASON_INTERNAL_ERROR))
            .build());
  }

  @Test
  void resetAfterHead_http1_clientSeesBrokenResponse() throws Exception {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    CompletableFuture<HttpResponse<String>> response =
        client.sendAsync(
            HttpRequest.newBuilder(TestRouters.uri(router, "/x")).build(), BodyHandlers.ofString());
    startThenReset(worker.takeRequest(TAKE));

    assertThatThrownBy(() -> response.get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(IOException.class);
  }

  @Test
  void resetAfterHead_http2_clientSeesRstStream() throws Exception {
    try (PriorKnowledgeClient client = new PriorKnowledgeClient(router.httpAddress().getPort())) {
      CompletableFuture<PriorKnowledgeClient.Result> result = client.get("/x");
      startThenReset(worker.takeRequest(TAKE));

      PriorKnowledgeClient.Result r = result.get(10, TimeUnit.SECONDS);
      assertThat(r.wasReset()).isTrue();
    }
  }

  @Test
  void resetBeforeHead_returns502() throws Exception {
    try (PriorKnowledgeClient client = new PriorKnowledgeClient(router.httpAddress().getPort())) {
      CompletableFuture<PriorKnowledgeClient.Result> result = client.get("/x");
      FakeWorker.ReceivedRequest request = worker.takeRequest(TAKE);
      worker.send(
          request,
          Frame.newBuilder()
              .setStreamId(request.streamId())
              .setReset(Reset.newBuilder().setReason(ResetReason.RESET_REASON_INTERNAL_ERROR))
              .build());

      assertThat(result.get(10, TimeUnit.SECONDS).status()).isEqualTo(502);
    }
  }

  @Test
  void bodyLongerThanContentLength_isAReset_notACorruptConnection() throws Exception {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    CompletableFuture<HttpResponse<String>> response =
        client.sendAsync(
            HttpRequest.newBuilder(TestRouters.uri(router, "/x")).build(), BodyHandlers.ofString());
    FakeWorker.ReceivedRequest request = worker.takeRequest(TAKE);
    long id = request.streamId();
    worker.send(
        request,
        Frame.newBuilder()
            .setStreamId(id)
            .setResponseHead(
                ResponseHead.newBuilder()
                    .setStatus(200)
                    .addHeaders(Header.newBuilder().setName("content-length").setValue("3")))
            .build(),
        Frame.newBuilder()
            .setStreamId(id)
            .setBody(
                Body.newBuilder().setData(ByteString.copyFromUtf8("too long")).setEndStream(true))
            .build());

    assertThatThrownBy(() -> response.get(10, TimeUnit.SECONDS))
        .hasCauseInstanceOf(IOException.class);
  }

  @Test
  void priorKnowledgeHttp2_isServed() throws Exception {
    try (PriorKnowledgeClient client = new PriorKnowledgeClient(router.httpAddress().getPort())) {
      CompletableFuture<PriorKnowledgeClient.Result> result = client.get("/pk");
      FakeWorker.ReceivedRequest request = worker.takeRequest(TAKE);
      assertThat(request.frames().get(0).getRequestHead().getHttpVersion()).isEqualTo("HTTP/2");
      worker.send(
          request,
          Frame.newBuilder()
              .setStreamId(request.streamId())
              .setResponseHead(ResponseHead.newBuilder().setStatus(200))
              .build(),
          Frame.newBuilder()
              .setStreamId(request.streamId())
              .setBody(
                  Body.newBuilder().setData(ByteString.copyFromUtf8("over h2")).setEndStream(true))
              .build());

      PriorKnowledgeClient.Result r = result.get(10, TimeUnit.SECONDS);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("over h2");
    }
  }
}
