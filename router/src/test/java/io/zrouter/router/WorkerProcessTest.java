package io.zrouter.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Workers as real processes, killed for real. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WorkerProcessTest {
  @TempDir Path logs;

  @Test
  void workerKilledUnderLoad_newRequestsSucceedOnTheOthers() throws Exception {
    try (JavaProcesses processes = new JavaProcesses();
        Router router =
            TestRouters.start(TestRouters.config().withRequestTimeout(Duration.ofSeconds(3)))) {
      String endpoint = router.workerEndpoint();
      Process victim =
          processes.start(
              logs.resolve("k1.log"),
              "io.zrouter.sample.SampleWorker",
              "--connect",
              endpoint,
              "--id",
              "k1");
      processes.start(
          logs.resolve("k2.log"),
          "io.zrouter.sample.SampleWorker",
          "--connect",
          endpoint,
          "--id",
          "k2");
      processes.start(
          logs.resolve("k3.log"),
          "io.zrouter.sample.SampleWorker",
          "--connect",
          endpoint,
          "--id",
          "k3");
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      HttpRequest hello =
          HttpRequest.newBuilder(TestRouters.uri(router, "/hello"))
              .timeout(Duration.ofSeconds(10))
              .build();
      Set<String> seen = new HashSet<>();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                HttpResponse<String> r = client.send(hello, BodyHandlers.ofString());
                r.headers().firstValue("x-worker-id").ifPresent(seen::add);
                return seen.size() == 3;
              });

      // Load from four clients while k1 dies; count what each request got back.
      Map<String, Integer> afterKill = new ConcurrentHashMap<>();
      Thread[] load = new Thread[4];
      java.util.concurrent.atomic.AtomicBoolean killed =
          new java.util.concurrent.atomic.AtomicBoolean();
      java.util.concurrent.CountDownLatch warmedUp = new java.util.concurrent.CountDownLatch(40);
      java.util.concurrent.CountDownLatch afterKillDone =
          new java.util.concurrent.CountDownLatch(4);
      for (int t = 0; t < load.length; t++) {
        load[t] =
            new Thread(
                () -> {
                  try {
                    for (int i = 0; i < 500; i++) {
                      boolean sentAfterKill = killed.get();
                      HttpResponse<String> r = client.send(hello, BodyHandlers.ofString());
                      warmedUp.countDown();
                      if (sentAfterKill) {
                        String key =
                            r.statusCode()
                                + " "
                                + r.headers().firstValue("x-worker-id").orElse("-");
                        afterKill.merge(key, 1, Integer::sum);
                        if (afterKill.values().stream().mapToInt(Integer::intValue).sum() >= 200) {
                          break;
                        }
                      }
                    }
                  } catch (Exception e) {
                    afterKill.merge("exception " + e.getClass().getSimpleName(), 1, Integer::sum);
                  } finally {
                    afterKillDone.countDown();
                  }
                });
        load[t].start();
      }
      assertThat(warmedUp.await(30, TimeUnit.SECONDS)).isTrue();
      victim.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      killed.set(true);
      assertThat(afterKillDone.await(60, TimeUnit.SECONDS)).isTrue();

      assertThat(afterKill.keySet()).containsOnly("200 k2", "200 k3");
      assertThat(afterKill.values().stream().mapToInt(Integer::intValue).sum())
          .isGreaterThanOrEqualTo(200);
    }
  }

  /** bench/scenarios/join.py times a worker's join from this line. */
  @Test
  void aWorkerProcess_logsWhenMainRanAndWhenItConnects() throws Exception {
    try (JavaProcesses processes = new JavaProcesses();
        Router router = TestRouters.start(TestRouters.config())) {
      Path log = logs.resolve("j1.log");
      processes.start(
          log,
          "io.zrouter.sample.SampleWorker",
          "--connect",
          router.workerEndpoint(),
          "--id",
          "j1");
      Pattern connecting =
          Pattern.compile(
              "connecting: worker = j1, main_unix_ms = (\\d+), connect_unix_ms = (\\d+)");
      Matcher m = connecting.matcher("");
      await()
          .atMost(Duration.ofSeconds(20))
          .pollInterval(Duration.ofMillis(20))
          .until(() -> m.reset(Files.readString(log)).find());
      long mainMillis = Long.parseLong(m.group(1));
      long connectMillis = Long.parseLong(m.group(2));
      assertThat(connectMillis).isBetween(mainMillis, System.currentTimeMillis());
    }
  }

  @Test
  void aWorkerProcessWhoseRoutesConflict_exitsNonZero_sayingWhy() throws Exception {
    try (JavaProcesses processes = new JavaProcesses();
        Router router = TestRouters.start(TestRouters.config())) {
      String endpoint = router.workerEndpoint();
      processes.start(
          logs.resolve("api.log"),
          "io.zrouter.sample.SampleWorker",
          "--connect",
          endpoint,
          "--id",
          "api",
          "--route",
          "/api",
          "--route",
          "/admin");
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> TestRouters.adminWorkers(router).contains("\"service\":\"/admin, /api\""));

      Path intruderLog = logs.resolve("intruder.log");
      Process intruder =
          processes.start(
              intruderLog,
              "io.zrouter.sample.SampleWorker",
              "--connect",
              endpoint,
              "--id",
              "intruder",
              "--route",
              "/api");

      assertThat(intruder.waitFor(20, TimeUnit.SECONDS)).isTrue();
      assertThat(intruder.exitValue()).isEqualTo(3);
      assertThat(java.nio.file.Files.readString(intruderLog))
          .contains("the router refused this worker: route /api is served by a service");
    }
  }

  @Test
  void aWorkerProcessWithAMalformedRoute_exitsWithUsageStatus() throws Exception {
    try (JavaProcesses processes = new JavaProcesses()) {
      Path log = logs.resolve("bad.log");
      Process bad =
          processes.start(log, "io.zrouter.sample.SampleWorker", "--route", "api.example.com:8080");
      assertThat(bad.waitFor(20, TimeUnit.SECONDS)).isTrue();
      assertThat(bad.exitValue()).isEqualTo(2);
      assertThat(java.nio.file.Files.readString(log))
          .contains("malformed route \"api.example.com:8080\"");
    }
  }
}
