package io.zrouter.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every worker replaced, one after another, under load: SIGTERM drains a worker (it refuses new
 * requests, which the router sends elsewhere, and finishes the ones it has), so no client sees an
 * error.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RollingRestartTest {
  private static final String WORKER = "io.zrouter.sample.SampleWorker";

  @TempDir Path logs;
  private final HttpClient client = HttpClient.newHttpClient();

  @Test
  void rollingRestartUnderLoad_failsNoRequest() throws Exception {
    try (JavaProcesses processes = new JavaProcesses();
        Router router = TestRouters.start(TestRouters.config())) {
      String endpoint = router.workerEndpoint();
      Process[] generation = new Process[3];
      for (int i = 0; i < 3; i++) {
        generation[i] =
            processes.start(
                logs.resolve("a" + i + ".log"),
                WORKER,
                "--connect",
                endpoint,
                "--id",
                "a" + i,
                "--drain-timeout",
                "5s");
      }

      Map<String, Integer> outcomes = new ConcurrentHashMap<>();
      AtomicInteger sent = new AtomicInteger();
      AtomicBoolean stop = new AtomicBoolean();
      CountDownLatch warm = new CountDownLatch(50);
      CountDownLatch done = new CountDownLatch(4);
      for (int t = 0; t < 4; t++) {
        int thread = t;
        Thread load =
            new Thread(
                () -> {
                  try {
                    // bounded in count and time; the restart sequence ends it earlier
                    for (int i = 0; i < 20_000 && !stop.get(); i++) {
                      HttpRequest request =
                          i % 2 == 0
                              ? HttpRequest.newBuilder(TestRouters.uri(router, "/hello"))
                                  .timeout(Duration.ofSeconds(30))
                                  .build()
                              : HttpRequest.newBuilder(TestRouters.uri(router, "/echo"))
                                  .timeout(Duration.ofSeconds(30))
                                  .POST(BodyPublishers.ofString("post " + thread + "-" + i))
                                  .build();
                      sent.incrementAndGet();
                      HttpResponse<String> r = client.send(request, BodyHandlers.ofString());
                      String key = String.valueOf(r.statusCode());
                      if (r.statusCode() == 200
                          && i % 2 == 1
                          && !r.body().equals("post " + thread + "-" + i)) {
                        key = "wrong body";
                      }
                      outcomes.merge(key, 1, Integer::sum);
                      warm.countDown();
                    }
                  } catch (Exception e) {
                    outcomes.merge("exception " + e.getClass().getSimpleName(), 1, Integer::sum);
                  } finally {
                    done.countDown();
                  }
                },
                "load-" + t);
        load.start();
      }
      assertThat(warm.await(60, TimeUnit.SECONDS)).isTrue();

      for (int i = 0; i < 3; i++) {
        String next = "b" + i;
        processes.start(
            logs.resolve(next + ".log"),
            WORKER,
            "--connect",
            endpoint,
            "--id",
            next,
            "--drain-timeout",
            "5s");
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> TestRouters.adminWorkers(router).contains("\"id\":\"" + next + "\""));
        generation[i].destroy(); // SIGTERM: drain, then exit
        assertThat(generation[i].waitFor(30, TimeUnit.SECONDS)).isTrue();
      }
      stop.set(true);
      assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();

      System.out.printf("rolling restart: requests = %d, outcomes = %s%n", sent.get(), outcomes);
      assertThat(outcomes).containsOnlyKeys("200");
      assertThat(outcomes.get("200")).isEqualTo(sent.get());
    }
  }
}
