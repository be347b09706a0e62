package io.zrouter.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.zrouter.worker.Handler;
import io.zrouter.worker.Worker;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A client that goes away stops the handler serving it: within 100 ms its next write fails and
 * {@code isCancelled()} turns true. Timed in-process with {@link System#nanoTime()}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CancellationTest {
  private static final long LIMIT_MS = 100;

  private Router router;
  private Worker worker;

  /** When the endless handler noticed its cancellation, in nanoTime. */
  private final CompletableFuture<Long> noticedAt = new CompletableFuture<>();

  private final CompletableFuture<Boolean> sawCancelledFlag = new CompletableFuture<>();

  /** Writes a line every 5 ms until a write fails. */
  private final Handler endless =
      (request, response) -> {
        response.header("content-type", "text/plain");
        OutputStream out = response.body();
        try {
          for (int i = 0; ; i++) {
            out.write(("tick " + i + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            TimeUnit.MILLISECONDS.sleep(5); // the handler's own pacing, not test synchronization
          }
        } catch (IOException expected) {
          noticedAt.complete(System.nanoTime());
          sawCancelledFlag.complete(request.isCancelled());
        }
      };

  @BeforeEach
  void start() throws Exception {
    router = TestRouters.start(TestRouters.config());
    worker = Worker.builder().connect(router.workerEndpoint()).id("c").handler(endless).start();
  }

  @AfterEach
  void stop() {
    worker.close();
    router.close(Duration.ofSeconds(1));
    assertThat(router.activeStreams()).isZero();
  }

  @Test
  void http1ClientCloses_handlerCancelledWithin100ms() throws Exception {
    long closedAt;
    try (Socket client = new Socket()) {
      client.connect(new InetSocketAddress("127.0.0.1", router.httpAddress().getPort()), 5000);
      client.setSoTimeout(10_000);
      client
          .getOutputStream()
          .write("GET /endless HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      InputStream in = client.getInputStream();
      String seen = "";
      byte[] buf = new byte[4096];
      while (!seen.contains("tick 3\n")) { // streaming for a while: the addressed path is up
        int n = in.read(buf);
        assertThat(n).isPositive();
        seen += new String(buf, 0, n, StandardCharsets.ISO_8859_1);
      }
      closedAt = System.nanoTime();
    }

    long noticed = noticedAt.get(10, TimeUnit.SECONDS);
    assertThat(TimeUnit.NANOSECONDS.toMillis(noticed - closedAt)).isLessThan(LIMIT_MS);
    assertThat(sawCancelledFlag.get()).isTrue();
  }

  @Test
  void http2ClientResetsStream_handlerCancelledWithin100ms() throws Exception {
    try (PriorKnowledgeClient client = new PriorKnowledgeClient(router.httpAddress().getPort())) {
      long resetAt = client.getThenResetAfterFirstData("/endless").get(10, TimeUnit.SECONDS);

      long noticed = noticedAt.get(10, TimeUnit.SECONDS);
      assertThat(TimeUnit.NANOSECONDS.toMillis(noticed - resetAt)).isLessThan(LIMIT_MS);
      assertThat(sawCancelledFlag.get()).isTrue();
    }
  }
}
