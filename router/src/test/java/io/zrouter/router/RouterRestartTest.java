package io.zrouter.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Workers outlive a router: a new router on the same endpoint is served at once. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RouterRestartTest {
  private final HttpClient client = HttpClient.newHttpClient();

  private HttpResponse<String> hello(Router router) throws Exception {
    return client.send(
        HttpRequest.newBuilder(TestRouters.uri(router, "/hello"))
            .timeout(Duration.ofSeconds(10))
            .build(),
        BodyHandlers.ofString());
  }

  @Test
  void routerRestarted_workersReconnect_andServeWithinASecond() throws Exception {
    Router first = TestRouters.start(TestRouters.config());
    String endpoint = first.workerEndpoint();
    try (TestWorkers workers = TestWorkers.start(endpoint, "s1", "s2")) {
      assertThat(hello(first).statusCode()).isEqualTo(200);
      first.close(Duration.ZERO);

      try (Router second = TestRouters.start(TestRouters.config().withBind(endpoint))) {
        long ready = System.nanoTime();
        HttpResponse<String> r = hello(second);
        long servedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - ready);
        System.out.printf("router restart: first request served %d ms after ready%n", servedMs);

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(servedMs).isLessThan(1000);
        // and the workers carry on as before, on both routers' worth of connections
        for (int i = 0; i < 20; i++) {
          assertThat(hello(second).statusCode()).isEqualTo(200);
        }
      }
    }
  }
}
