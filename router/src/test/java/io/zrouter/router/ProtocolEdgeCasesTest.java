package io.zrouter.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.zrouter.proto.Body;
import io.zrouter.proto.Frame;
import io.zrouter.proto.Header;
import io.zrouter.proto.ResponseHead;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What the router does with each kind of response a scripted worker sends. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProtocolEdgeCasesTest {
  private static final Duration TAKE = Duration.ofSeconds(5);

  private Router router;
  private FakeWorker worker;
  private final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

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

  private CompletableFuture<HttpResponse<String>> get(String path) {
    return client.sendAsync(
        HttpRequest.newBuilder(TestRouters.uri(router, path)).build(), BodyHandlers.ofString());
  }

  @Test
  void wellFormedResponse_reachesClient_withRequestFramesAsDocumented() throws Exception {
    CompletableFuture<HttpResponse<String>> response = get("/hello?x=1");
    FakeWorker.ReceivedRequest request = worker.takeRequest(TAKE);

    assertThat(request.frames()).hasSize(1);
    Frame head = request.frames().get(0);
    assertThat(head.getRequestHead().getMethod()).isEqualTo("GET");
    assertThat(head.getRequestHead().getPath()).isEqualTo("/hello?x=1");
    assertThat(head.getRequestHead().getEndStream()).isTrue();
    assertThat(head.getRequestHead().getHeadersList())
        .extracting(Header::getName)
        .contains("x-forwarded-for", "x-forwarded-proto", "x-request-id", "host")
        .doesNotContain("connection");
    assertThat(head.getRequestHead().getRemoteAddress()).matches("127\\.0\\.0\\.1:\\d+");
    assertThat(head.getRequestHead().getHeadersList())
        .filteredOn(h -> h.getName().equals("x-forwarded-for"))
        .extracting(Header::getValue)
        .containsExactly("127.0.0.1");

    worker.send(
        request,
        Frame.newBuilder()
            .setStreamId(request.streamId())
            .setResponseHead(
                ResponseHead.newBuilder()
                    .setStatus(201)
                    .addHeaders(Header.newBuilder().setName("x-test").setValue("yes")))
            .build(),
        Frame.newBuilder()
            .setStreamId(request.streamId())
            .setBody(
                Body.newBuilder()
                    .setData(com.google.protobuf.ByteString.copyFromUtf8("made"))
                    .setEndStream(true))
            .build());

    HttpResponse<String> r = response.get(5, TimeUnit.SECONDS);
    assertThat(r.statusCode()).isEqualTo(201);
    assertThat(r.body()).isEqualTo("made");
    assertThat(r.headers().firstValue("x-test")).hasValue("yes");
    assertThat(r.headers().firstValue("x-request-id")).isPresent();
  }

  @Test
  void garbageFrame_returns502() throws Exception {
    CompletableFuture<HttpResponse<String>> response = get("/hello");
    FakeWorker.ReceivedRequest request = worker.takeRequest(TAKE);
    // A valid stream id (field 1) followed by bytes that are not a protobuf field.
    byte[] idOnly = Frame.newBuilder().setStreamId(request.streamId()).build().toByteArray();
    byte[] garbage = new byte[idOnly.length + 3];
    System.arraycopy(idOnly, 0, garbage, 0, idOnly.length);
    garbage[idOnly.length] = (byte) 0xff;
    garbage[idOnly.length + 1] = (byte) 0xff;
    garbage[idOnly.length + 2] = (byte) 0xff;
    worker.sendRaw(request, garbage);

    HttpResponse<String> r = response.get(5, TimeUnit.SECONDS);
    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(r.body()).contains("invalid response");
  }

  @Test
  void invalidStatus_returns502() throws Exception {
    CompletableFuture<HttpResponse<String>> response = get("/hello");
    FakeWorker.ReceivedRequest request = worker.takeRequest(TAKE);
    worker.send(
        request,
        Frame.newBuilder()
            .setStreamId(request.streamId())
            .setResponseHead(ResponseHead.newBuilder().setStatus(42).setEndStream(true))
            .build());
    assertThat(response.get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(502);
  }

  @Test
  void bodyBeforeHead_returns502() throws Exception {
    CompletableFuture<HttpResponse<String>> response = get("/hello");
    FakeWorker.ReceivedRequest request = worker.takeRequest(TAKE);
    worker.send(
        request,
        Frame.newBuilder()
            .setStreamId(request.streamId())
            .setBody(Body.newBuilder().setEndStream(true))
            .build());
    assertThat(response.get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(502);
  }

  @Test
  void noResponseHead_beforeDeadline_returns504() throws Exception {
    router.close(Duration.ZERO);
    worker.close();
    router = TestRouters.start(TestRouters.config().withRequestTimeout(Duration.ofMillis(300)));
    worker = new FakeWorker(router.workerEndpoint());
    CompletableFuture<HttpResponse<String>> response = get("/slow");
    worker.takeRequest(TAKE); // and never answer
    HttpResponse<String> r = response.get(5, TimeUnit.SECONDS);
    assertThat(r.statusCode()).isEqualTo(504);
    assertThat(r.headers().firstValue("x-request-id")).isPresent();
  }
}
