package io.zrouter.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The bridge as its own process: its command line, and SIGTERM draining what is in flight. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BridgeMainTest {
  @TempDir Path dir;

  @Test
  void sigterm_letsTheRelayInFlightFinish_thenExits0() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch arrived = new CountDownLatch(1);
    try (TestRouter router = TestRouter.start();
        TestUpstream upstream =
            TestUpstream.start()
                .handle(
                    "/slow",
                    e -> {
                      arrived.countDown();
                      try {
                        release.await();
                      } catch (InterruptedException ignored) {
                        return; // the upstream is stopping
                      }
                      byte[] body = "finished".getBytes(StandardCharsets.UTF_8);
                      e.sendResponseHeaders(200, body.length);
                      e.getResponseBody().write(body);
                    });
        ChildJvms jvms = new ChildJvms()) {
      Path log = dir.resolve("bridge.log");
      Process bridge =
          jvms.start(
              log,
              "64m",
              "io.zrouter.bridge.BridgeMain",
              "--connect",
              router.workerEndpoint(),
              "--upstream",
              upstream.uri().toString(),
              "--id",
              "bridge-main");
      ChildJvms.awaitLine(bridge, log, Pattern.compile("bridge started"));
      CompletableFuture<HttpResponse<String>> response =
          HttpClient.newHttpClient()
              .sendAsync(
                  HttpRequest.newBuilder(router.uri("/slow")).build(), BodyHandlers.ofString());
      assertThat(arrived.await(20, TimeUnit.SECONDS)).isTrue();

      bridge.destroy(); // SIGTERM
      ChildJvms.awaitLine(bridge, log, Pattern.compile("worker stopping"));
      release.countDown();

      assertThat(response.get(20, TimeUnit.SECONDS).body()).isEqualTo("finished");
      assertThat(bridge.waitFor(20, TimeUnit.SECONDS)).isTrue();
      assertThat(bridge.exitValue()).isZero(); // drained, not 143 (128 + SIGTERM)
      assertThat(Files.readString(log)).contains("bridge stopped id = bridge-main");
    } finally {
      release.countDown();
    }
  }

  @Test
  void aBadCommandLine_printsOneLine_andExits2() throws Exception {
    try (ChildJvms jvms = new ChildJvms()) {
      Path log = dir.resolve("bad.log");
      Process bridge = jvms.start(log, "64m", "io.zrouter.bridge.BridgeMain", "--connect", "x");

      assertThat(bridge.waitFor(20, TimeUnit.SECONDS)).isTrue();
      assertThat(bridge.exitValue()).isEqualTo(2);
      assertThat(Files.readAllLines(log))
          .containsExactly(
              "zrouter-bridge: --upstream is required, e.g. --upstream http://127.0.0.1:3000"
                  + " (try --help)");
    }
  }

  @Test
  void help_printsTheFlags_andExits0() throws Exception {
    try (ChildJvms jvms = new ChildJvms()) {
      Path log = dir.resolve("help.log");
      Process bridge = jvms.start(log, "64m", "io.zrouter.bridge.BridgeMain", "--help");

      assertThat(bridge.waitFor(20, TimeUnit.SECONDS)).isTrue();
      assertThat(bridge.exitValue()).isZero();
      assertThat(Files.readString(log)).isEqualTo(BridgeOptions.USAGE);
    }
  }
}
