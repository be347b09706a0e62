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
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker killed (-9) while it holds a request: the router notices its silence within the liveness
 * timeout, sends an idempotent request to another worker, and answers 502 for one that may have had
 * effects.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WorkerDeathTest {
  private static final Pattern HOLDER =
      Pattern.compile("\"id\":\"(\\w+)\",\"routing_id\":\"[^\"]*\",\"in_flight\":1");

  @TempDir Path logs;
  private final HttpClient client = HttpClient.newHttpClient();

  /** The id of the worker that holds exactly the one request in flight. */
  private String holder(Router router) throws Exception {
    String[] found = new String[1];
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              String list = TestRouters.adminWorkers(router);
              Matcher m = HOLDER.matcher(list);
              if (list.contains("\"streams_in_flight\":1,") && m.find()) {
                found[0] = m.group(1);
                return true;
              }
              return false;
            });
    return found[0];
  }

  @Test
  void withTheDefaults_aKilledWorkerIsTakenForDeadWithinThreeSeconds() throws Exception {
    try (JavaProcesses processes = new JavaProcesses();
        Router router = TestRouters.start(TestRouters.config())) {
      Process worker =
          processes.start(
              logs.resolve("k1.log"),
              "io.zrouter.sample.SampleWorker",
              "--connect",
              router.workerEndpoint(),
              "--id",
              "k1");
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  client
                          .send(
                              HttpRequest.newBuilder(TestRouters.uri(router, "/hello")).build(),
                              BodyHandlers.ofString())
                          .statusCode()
                      == 200);
      CompletableFuture<HttpResponse<String>> post =
          client.sendAsync(
              HttpRequest.newBuilder(TestRouters.uri(router, "/sleep?ms=20000"))
                  .POST(BodyPublishers.ofString("x"))
                  .build(),
              BodyHandlers.ofString());
      holder(router);

      long killedAt = System.nanoTime();
      worker.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      HttpResponse<String> lost = post.get(30, TimeUnit.SECONDS);
      long detectedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);

      System.out.printf("kill -9 to 502: %d ms%n", detectedMs);
      assertThat(lost.statusCode()).isEqualTo(502);
      assertThat(detectedMs).isLessThan(3000);
    }
  }

  @Test
  void killedWorker_idempotentRequestGoesElsewhere_otherGets502() throws Exception {
    try (JavaProcesses processes = new JavaProcesses();
        Router router =
            // Workers heartbeat every second: a liveness of exactly 1 s would take an idle but
            // healthy worker for dead whenever its next heartbeat came a millisecond late.
            TestRouters.start(TestRouters.config().withWorkerLiveness(Duration.ofMillis(1500)))) {
      Map<String, Process> workers = new HashMap<>();
      for (String id : new String[] {"d1", "d2", "d3"}) {
        workers.put(
            id,
            processes.start(
                logs.resolve(id + ".log"),
                "io.zrouter.sample.SampleWorker",
                "--connect",
                router.workerEndpoint(),
                "--id",
                id));
      }
      // Every worker opens its addressed connection on its first request: wait for all three.
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                client.send(
                    HttpRequest.newBuilder(TestRouters.uri(router, "/hello")).build(),
                    BodyHandlers.ofString());
                String list = TestRouters.adminWorkers(router);
                return list.contains("\"d1\"")
                    && list.contains("\"d2\"")
                    && list.contains("\"d3\"");
              });

      CompletableFuture<HttpResponse<String>> get =
          client.sendAsync(
              HttpRequest.newBuilder(TestRouters.uri(router, "/sleep?ms=3000")).build(),
              BodyHandlers.ofString());
      String first = holder(router);
      workers.get(first).destroyForcibly().waitFor(10, TimeUnit.SECONDS);

      HttpResponse<String> retried = get.get(30, TimeUnit.SECONDS);
      assertThat(retried.statusCode()).isEqualTo(200);
      assertThat(retried.headers().firstValue("x-worker-id")).isPresent().get().isNotEqualTo(first);

      // Nothing else in flight, so the one holder found next is the POST's.
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> TestRouters.adminWorkers(router).contains("\"streams_in_flight\":0,"));
      CompletableFuture<HttpResponse<String>> post =
          client.sendAsync(
              HttpRequest.newBuilder(TestRouters.uri(router, "/sleep?ms=3000"))
                  .POST(BodyPublishers.ofString("x"))
                  .build(),
              BodyHandlers.ofString());
      String second = holder(router);

      workers.get(second).destroyForcibly().waitFor(10, TimeUnit.SECONDS);

      HttpResponse<String> lost = post.get(30, TimeUnit.SECONDS);

      assertThat(lost.statusCode()).isEqualTo(502);
      assertThat(lost.body()).contains("worker died");
    }
  }
}
