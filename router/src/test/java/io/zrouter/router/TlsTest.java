package io.zrouter.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.zrouter.proto.Frame;
import io.zrouter.proto.Header;
import io.zrouter.proto.ResponseHead;
import io.zrouter.router.config.RouterConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpClient.Version;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** HTTPS on the listen port, with ALPN choosing h2 or http/1.1. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsTest {
  @TempDir Path dir;
  private SelfSignedCert cert;
  private Router router;

  @BeforeEach
  void start() throws Exception {
    cert = SelfSignedCert.create(dir);
    RouterConfig config =
        TestRouters.config()
            .withTls(new RouterConfig.TlsFiles(cert.certChain(), cert.privateKey()));
    router = TestRouters.start(config);
  }

  @AfterEach
  void stop() {
    router.close(Duration.ofSeconds(1));
    assertThat(router.activeStreams()).isZero();
  }

  private HttpClient client(Version version) {
    return HttpClient.newBuilder().version(version).sslContext(cert.clientContext()).build();
  }

  private URI uri(String path) {
    return URI.create("https://127.0.0.1:" + router.httpAddress().getPort() + path);
  }

  @ParameterizedTest
  @EnumSource(Version.class)
  void https_servesTheProtocolAlpnPicked(Version version) throws Exception {
    try (TestWorkers workers = TestWorkers.start(router.workerEndpoint(), "tls")) {
      HttpResponse<String> r =
          client(version)
              .send(HttpRequest.newBuilder(uri("/hello")).build(), BodyHandlers.ofString());

      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("hello from tls\n");
      assertThat(r.version()).isEqualTo(version);
    }
  }

  @Test
  void https_isForwardedAsHttpsToTheWorker() throws Exception {
    try (FakeWorker worker = new FakeWorker(router.workerEndpoint())) {
      CompletableFuture<HttpResponse<String>> response =
          client(Version.HTTP_2)
              .sendAsync(HttpRequest.newBuilder(uri("/who")).build(), BodyHandlers.ofString());
      FakeWorker.ReceivedRequest request = worker.takeRequest(Duration.ofSeconds(5));
      worker.send(
          request,
          Frame.newBuilder()
              .setStreamId(request.streamId())
              .setResponseHead(ResponseHead.newBuilder().setStatus(204).setEndStream(true))
              .build());

      assertThat(request.frames().get(0).getRequestHead().getScheme()).isEqualTo("https");
      assertThat(request.frames().get(0).getRequestHead().getHeadersList())
          .contains(Header.newBuilder().setName("x-forwarded-proto").setValue("https").build());
      assertThat(response.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(204);
    }
  }
}
