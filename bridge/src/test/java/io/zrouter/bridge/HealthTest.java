package io.zrouter.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * While its upstream is down the bridge refuses requests (they never reach the upstream, and go to
 * another worker when there is one), shows as unhealthy in the router's admin view, and serves
 * again by itself once the upstream answers.
 *
 * <p>With the bridge as the only worker, what the client gets is the router's answer: 503 at its
 * worker wait ({@code zrouter: no worker available}), as for a request no worker takes.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HealthTest {
  private static final Duration ROUTER_REQUEST_TIMEOUT = Duration.ofSeconds(3);
  private static final Duration SOON = Duration.ofSeconds(10);

  private final HttpClient client = HttpClient.newHttpClient();
  private final List<AutoCloseable> closeAtEnd = new ArrayList<>();
  private TestRouter router;

  @AfterEach
  void stop() throws Exception {
    for (int i = closeAtEnd.size() - 1; i >= 0; i--) {
      closeAtEnd.get(i).close();
    }
  }

  private void startRouter() throws Exception {
    router = TestRouter.start(Duration.ofSeconds(1), ROUTER_REQUEST_TIMEOUT);
    closeAtEnd.add(router);
  }

  private TestUpstream upstream(String name) throws IOException {
    TestUpstream upstream =
        TestUpstream.start()
            .handle("/", e -> reply(e, 200, "from " + name))
            .handle("/healthz", e -> reply(e, 200, "ok"));
    closeAtEnd.add(upstream);
    return upstream;
  }

  private Bridge bridge(String id, URI to, String... flags) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--connect",
                router.workerEndpoint(),
                "--upstream",
                to.toString(),
                "--id",
                id,
                "--health-interval",
                "100ms",
                "--drain-timeout",
                "1s"));
    args.addAll(List.of(flags));
    Bridge bridge = Bridge.start(BridgeOptions.parse(args.toArray(String[]::new)));
    closeAtEnd.add(bridge);
    return bridge;
  }

  private HttpResponse<String> get(String path) throws Exception {
    return client.send(HttpRequest.newBuilder(router.uri(path)).build(), BodyHandlers.ofString());
  }

  private static void reply(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  /** What the client gets when the only worker refuses: the router's own answer. */
  private static void assertRoutersNoWorkerAnswer(HttpResponse<String> r) {
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.body()).isEqualTo("zrouter: no worker available\n");
  }

  @Test
  void upstreamDown_theBridgeRefuses_isUnhealthy_andServesAgainWhenItIsBack() throws Exception {
    startRouter();
    TestUpstream app = upstream("app");
    Bridge bridge = bridge("b-health", app.uri());
    assertThat(get("/").body()).isEqualTo("from app");
    app.takeRequest();
    assertThat(router.unhealthy("b-health")).isFalse();

    app.stop();
    await().atMost(SOON).until(() -> !bridge.isAvailable());
    await().atMost(SOON).until(() -> Boolean.TRUE.equals(router.unhealthy("b-health")));
    assertRoutersNoWorkerAnswer(get("/while-down"));

    app.restart();
    await().atMost(SOON).until(() -> Boolean.FALSE.equals(router.unhealthy("b-health")));
    HttpResponse<String> back = get("/again");
    assertThat(back.statusCode()).isEqualTo(200);
    assertThat(back.body()).isEqualTo("from app");
    // the one refused while down never reached the app
    assertThat(app.takeRequest().target()).isEqualTo("/again");
  }

  @Test
  void upstreamDownAtStart_refusesFromTheFirstRequest_untilItComesUp() throws Exception {
    startRouter();
    TestUpstream app = upstream("app");
    app.stop();
    Bridge bridge = bridge("b-late", app.uri());
    assertThat(bridge.isAvailable()).isFalse();

    assertRoutersNoWorkerAnswer(get("/early"));
    // the first request opened the bridge's link to the router: it says so with its heartbeat
    await().atMost(SOON).until(() -> Boolean.TRUE.equals(router.unhealthy("b-late")));

    app.restart();
    await().atMost(SOON).until(bridge::isAvailable);
    assertThat(get("/").body()).isEqualTo("from app");
    assertThat(app.takeRequest().target()).isEqualTo("/");
  }

  @Test
  void healthPath_answeringNon2xx_isDown_evenWithThePortOpen() throws Exception {
    startRouter();
    AtomicBoolean sick = new AtomicBoolean();
    TestUpstream app =
        TestUpstream.start()
            .handle("/", e -> reply(e, 200, "served"))
            .handle("/healthz", e -> reply(e, sick.get() ? 503 : 200, sick.get() ? "no" : "ok"));
    closeAtEnd.add(app);
    Bridge bridge = bridge("b-path", app.uri(), "--health-path", "/healthz");
    assertThat(get("/").body()).isEqualTo("served");

    sick.set(true);
    await().atMost(SOON).until(() -> !bridge.isAvailable());
    assertRoutersNoWorkerAnswer(get("/while-sick"));

    sick.set(false);
    await().atMost(SOON).until(bridge::isAvailable);
    assertThat(get("/").body()).isEqualTo("served");
  }

  @Test
  void upstreamDown_requestsGoToAnotherWorker() throws Exception {
    startRouter();
    TestUpstream a = upstream("a");
    TestUpstream b = upstream("b");
    Bridge bridgeA = bridge("b-a", a.uri());
    bridge("b-b", b.uri());

    a.stop();
    await().atMost(SOON).until(() -> !bridgeA.isAvailable());
    for (int i = 0; i < 10; i++) {
      HttpResponse<String> r = get("/n" + i);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("from b");
    }
  }
}
