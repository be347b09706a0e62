package io.zrouter.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zrouter.worker.Worker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Three fast workers and one that takes 60 ms per request, under more load than they can run at
 * once: the router finds the slow one slow, limits it to one stream at a time, and the rest of the
 * traffic goes to the fast ones. Prints each worker's share before and after the limit.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SlowWorkerShareTest {
  private static final int CLIENTS = 16;
  private static final int CONCURRENCY = 4;
  private static final int SLOW_STARTS_AFTER_LIMIT = 40;
  private static final int REQUEST_BOUND = 50_000;

  @Test
  void slowWorker_isLimitedToOneStream_andTheFastOnesTakeTheRest() throws Exception {
    AtomicInteger slowRunning = new AtomicInteger();
    List<Integer> slowConcurrencyAtStart = new CopyOnWriteArrayList<>();
    AtomicBoolean limitSeen = new AtomicBoolean();
    CountDownLatch enoughSlowStarts = new CountDownLatch(SLOW_STARTS_AFTER_LIMIT);
    Map<String, AtomicInteger> before = new ConcurrentHashMap<>();
    Map<String, AtomicInteger> after = new ConcurrentHashMap<>();
    Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
    List<Worker> workers = new ArrayList<>();
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);

    try (Router router = TestRouters.start(TestRouters.config())) {
      for (String id : List.of("fast1", "fast2", "fast3")) {
        workers.add(worker(router, id, (req, res) -> res.send(id)));
      }
      workers.add(
          worker(
              router,
              "slow",
              (req, res) -> {
                int running = slowRunning.incrementAndGet();
                try {
                  if (limitSeen.get()) {
                    slowConcurrencyAtStart.add(running);
                    enoughSlowStarts.countDown();
                  }
                  Thread.sleep(60); // the work this worker is slow at
                } finally {
                  // Counted down before the response goes: once it is sent, the worker may start
                  // the next stream on another thread before this one gets back here. Two streams
                  // let in at once still overlap in the sleep above.
                  slowRunning.decrementAndGet();
                }
                res.send("slow");
              }));

      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      URI uri = TestRouters.uri(router, "/hello");
      AtomicInteger sent = new AtomicInteger();
      for (int c = 0; c < CLIENTS; c++) {
        clients.execute(
            () -> {
              while (!stop.get() && sent.incrementAndGet() <= REQUEST_BOUND) {
                try {
                  var r =
                      http.send(
                          HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                          BodyHandlers.ofString());
                  statuses
                      .computeIfAbsent(r.statusCode(), s -> new AtomicInteger())
                      .incrementAndGet();
                  (limitSeen.get() ? after : before)
                      .computeIfAbsent(r.body(), w -> new AtomicInteger())
                      .incrementAndGet();
                } catch (Exception e) {
                  statuses.computeIfAbsent(-1, s -> new AtomicInteger()).incrementAndGet();
                }
              }
            });
      }

      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(200))
          .until(
              () ->
                  TestRouters.adminWorkers(router)
                      .matches("(?s).*\"id\":\"slow\"[^}]*\"max_streams\":1[,}].*"));
      limitSeen.set(true);
      String admin = TestRouters.adminWorkers(router);
      assertThat(enoughSlowStarts.await(30, TimeUnit.SECONDS)).isTrue();
      stop.set(true);
      clients.shutdown();
      assertThat(clients.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

      System.out.printf(
          "slow-worker share: before the limit %s, after %s; statuses %s%nadmin: %s",
          shares(before), shares(after), statuses, admin);
      assertThat(admin.split("\"max_streams\":0", -1)).hasSize(4); // the fast ones: no limit
      assertThat(statuses.keySet()).containsOnly(200);
      // The heartbeat carrying the limit reaches the worker within moments: its last starts all
      // ran alone.
      List<Integer> last =
          slowConcurrencyAtStart.subList(
              slowConcurrencyAtStart.size() - SLOW_STARTS_AFTER_LIMIT / 2,
              slowConcurrencyAtStart.size());
      assertThat(last).containsOnly(1);
    } finally {
      stop.set(true);
      clients.shutdownNow();
      workers.forEach(Worker::close);
    }
  }

  private static Worker worker(Router router, String id, io.zrouter.worker.Handler handler) {
    return Worker.builder()
        .connect(router.workerEndpoint())
        .id(id)
        .concurrency(CONCURRENCY)
        .drainTimeout(Duration.ofSeconds(2))
        .handler(handler)
        .start();
  }

  private static String shares(Map<String, AtomicInteger> counts) {
    long total = counts.values().stream().mapToLong(AtomicInteger::get).sum();
    StringBuilder out = new StringBuilder("{");
    counts.forEach(
        (worker, n) ->
            out.append(
                String.format(
                    java.util.Locale.ROOT,
                    " %s=%.1f%%",
                    worker,
                    100.0 * n.get() / Math.max(1, total))));
    return out.append(" } of ").append(total).toString();
  }
}
