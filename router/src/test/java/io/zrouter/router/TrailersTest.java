package io.zrouter.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Trailers from a worker reach HTTP/1.1 clients as chunked trailers and HTTP/2 clients as trailing
 * HEADERS.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TrailersTest {
  private Router router;
  private TestWorkers workers;

  @BeforeEach
  void start() throws Exception {
    router = TestRouters.start(TestRouters.config());
    workers = TestWorkers.start(router.workerEndpoint(), "t");
  }

  @AfterEach
  void stop() {
    workers.close();
    router.close(Duration.ofSeconds(1));
    assertThat(router.activeStreams()).isZero();
  }

  private static String sha256(String text) throws Exception {
    return HexFormat.of()
        .formatHex(
            MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void http1_trailersFollowTheLastChunk() throws Exception {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", router.httpAddress().getPort()), 5000);
      socket.setSoTimeout(15000);
      socket
          .getOutputStream()
          .write(
              "GET /trailers HTTP/1.1\r\nHost: t\r\nTE: trailers\r\nConnection: close\r\n\r\n"
                  .getBytes(StandardCharsets.US_ASCII));
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      in.transferTo(out);
      String response = out.toString(StandardCharsets.ISO_8859_1);

      assertThat(response).startsWith("HTTP/1.1 200");
      assertThat(response.toLowerCase()).contains("transfer-encoding: chunked");
      assertThat(response).contains("trailers from t\n");
      String trailerSection = response.substring(response.lastIndexOf("\r\n0\r\n") + 5);
      assertThat(trailerSection)
          .isEqualTo("x-checksum: " + sha256("trailers from t\n") + "\r\n\r\n");
    }
  }

  @Test
  void http2_trailersArriveAsTrailingHeaders() throws Exception {
    try (PriorKnowledgeClient client = new PriorKnowledgeClient(router.httpAddress().getPort())) {
      PriorKnowledgeClient.Result r = client.get("/trailers").get(10, TimeUnit.SECONDS);

      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("trailers from t\n");
      assertThat(r.trailers()).containsEntry("x-checksum", sha256("trailers from t\n"));
    }
  }
}
