package io.zrouter.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.zrouter.worker.Worker;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A worker whose handlers never return holds only the requests it started (they get 504 at the
 * deadline); once its threads are all stuck it refuses the rest, which other workers serve.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StuckWorkerTest {

  @Test
  void stuckWorker_holdsOnlyWhatItStarted_everythingElseFlows() throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    try (Router router =
            TestRouters.start(TestRouters.config().withRequestTimeout(Duration.ofSeconds(3)));
        TestWorkers healthy = TestWorkers.start(router.workerEndpoint(), "ok")) {
      Worker stuck =
          Worker.builder()
              .connect(router.workerEndpoint())
              .id("stuck")
              .concurrency(2)
              .drainTimeout(Duration.ofMillis(100))
              .handler(
                  (request, response) -> {
                    never.await(); // a handler that never returns
                  })
              .start();
      try {
        HttpClient client = HttpClient.newHttpClient();
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
          all.add(
              client.sendAsync(
                  HttpRequest.newBuilder(TestRouters.uri(router, "/hello")).build(),
                  BodyHandlers.ofString()));
        }
        Map<Integer, Integer> statuses = new TreeMap<>();
        for (CompletableFuture<HttpResponse<String>> f : all) {
          statuses.merge(f.get(30, TimeUnit.SECONDS).statusCode(), 1, Integer::sum);
        }
        // The stuck worker started at most its two handlers' worth; nothing else waited on it.
        assertThat(statuses.getOrDefault(504, 0)).isLessThanOrEqualTo(2);
        assertThat(statuses.get(200)).isGreaterThanOrEqualTo(38);
        assertThat(statuses.keySet()).containsAnyOf(200).isSubsetOf(200, 504);
      } finally {
        never.countDown();
        stuck.close();
      }
    }
  }
}
