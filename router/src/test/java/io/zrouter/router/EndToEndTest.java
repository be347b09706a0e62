package io.zrouter.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpClient.Version;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The whole path: JDK HTTP client, router, SDK workers running the sample handler. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EndToEndTest {
  private Router router;
  private TestWorkers workers;

  @AfterEach
  void stop() {
    if (workers != null) {
      workers.close();
    }
    if (router != null) {
      router.close(Duration.ofSeconds(1));
      assertThat(router.activeStreams()).isZero();
    }
  }

  private static HttpClient client(Version version) {
    return HttpClient.newBuilder().version(version).connectTimeout(Duration.ofSeconds(5)).build();
  }

  private HttpResponse<String> get(HttpClient client, String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(TestRouters.uri(router, path))
            .timeout(Duration.ofSeconds(20))
            .build(),
        BodyHandlers.ofString());
  }

  @Test
  void routerFirst_thenWorkers_serve() throws Exception {
    router = TestRouters.start(TestRouters.config());
    workers = TestWorkers.start(router.workerEndpoint(), "w1");

    HttpResponse<String> r = get(client(Version.HTTP_1_1), "/hello");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("hello from w1\n");
    assertThat(r.headers().firstValue("x-worker-id")).hasValue("w1");
  }

  @Test
  void workersFirst_thenRouter_serves() throws Exception {
    // Learn a free endpoint from a router that then goes away, so the worker starts alone.
    Router first = TestRouters.start(TestRouters.config());
    String endpoint = first.workerEndpoint();
    first.close(Duration.ZERO);
    workers = TestWorkers.start(endpoint, "early");

    router = TestRouters.start(TestRouters.config().withBind(endpoint));
    HttpResponse<String> r = get(client(Version.HTTP_1_1), "/hello");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("hello from early\n");
  }

  @Test
  void threeWorkers_300SequentialKeepAliveRequests_eachGetsFairShare() throws Exception {
    router = TestRouters.start(TestRouters.config());
    workers = TestWorkers.start(router.workerEndpoint(), "a", "b", "c");
    HttpClient client = client(Version.HTTP_1_1);
    Set<String> seen = new HashSet<>();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              seen.add(get(client, "/hello").headers().firstValue("x-worker-id").orElseThrow());
              return seen.size() == 3;
            });

    Map<String, Integer> share = new HashMap<>();
    for (int i = 0; i < 300; i++) {
      HttpResponse<String> r = get(client, "/hello");
      assertThat(r.statusCode()).isEqualTo(200);
      share.merge(r.headers().firstValue("x-worker-id").orElseThrow(), 1, Integer::sum);
    }

    assertThat(share).containsOnlyKeys("a", "b", "c");
    assertThat(share.values()).allSatisfy(n -> assertThat(n).isBetween(90, 110));
  }

  @ParameterizedTest
  @EnumSource(Version.class)
  void streamedResponse_firstChunkArrivesLongBeforeLast(Version version) throws Exception {
    router = TestRouters.start(TestRouters.config());
    workers = TestWorkers.start(router.workerEndpoint(), "s");
    HttpClient client = client(version);
    get(client, "/hello"); // settles the protocol (h2c upgrade) before timing

    long start = System.nanoTime();
    HttpResponse<InputStream> r =
        client.send(
            HttpRequest.newBuilder(TestRouters.uri(router, "/stream?n=5&interval_ms=300")).build(),
            BodyHandlers.ofInputStream());
    List<Long> arrivals = new ArrayList<>();
    List<String> lines = new ArrayList<>();
    try (BufferedReader reader =
        new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        arrivals.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        lines.add(line);
      }
    }

    assertThat(r.version()).isEqualTo(version);
    assertThat(lines).containsExactly("chunk 0", "chunk 1", "chunk 2", "chunk 3", "chunk 4");
    // Five chunks 300 ms apart: the first must arrive while the worker is still producing.
    assertThat(arrivals.get(4) - arrivals.get(0)).isGreaterThanOrEqualTo(900);
  }

  @ParameterizedTest
  @EnumSource(Version.class)
  void upload8MiB_sha256ComesBackRight(Version version) throws Exception {
    router = TestRouters.start(TestRouters.config());
    workers = TestWorkers.start(router.workerEndpoint(), "u");
    byte[] body = new byte[8 * 1024 * 1024];
    new Random(42).nextBytes(body);
    String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));

    HttpResponse<String> r =
        client(version)
            .send(
                HttpRequest.newBuilder(TestRouters.uri(router, "/sha256"))
                    .POST(BodyPublishers.ofByteArray(body))
                    .build(),
                BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body().trim()).isEqualTo(expected);
  }

  @ParameterizedTest
  @EnumSource(Version.class)
  void bodyOverMaxBody_gets413(Version version) throws Exception {
    router = TestRouters.start(TestRouters.config().withMaxBody(1024 * 1024));
    workers = TestWorkers.start(router.workerEndpoint(), "u");
    HttpClient client = client(version);
    get(client, "/hello");

    HttpResponse<String> r =
        client.send(
            HttpRequest.newBuilder(TestRouters.uri(router, "/sha256"))
                .POST(BodyPublishers.ofByteArray(new byte[2 * 1024 * 1024]))
                .build(),
            BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(413);
  }

  @Test
  void twoHundredConcurrentStreams_onOneHttp2Connection_allSucceed() throws Exception {
    router = TestRouters.start(TestRouters.config());
    workers = TestWorkers.start(router.workerEndpoint(), "x", "y");
    HttpClient client = client(Version.HTTP_2);
    assertThat(get(client, "/hello").version()).isEqualTo(Version.HTTP_2);

    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      all.add(
          client.sendAsync(
              HttpRequest.newBuilder(TestRouters.uri(router, "/sleep?ms=200")).build(),
              BodyHandlers.ofString()));
    }
    for (CompletableFuture<HttpResponse<String>> f : all) {
      HttpResponse<String> r = f.get(30, TimeUnit.SECONDS);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.version()).isEqualTo(Version.HTTP_2);
    }
  }

  @Test
  void twoHundredConcurrentHttp1Connections_allSucceed() throws Exception {
    router = TestRouters.start(TestRouters.config());
    workers = TestWorkers.start(router.workerEndpoint(), "x", "y");
    HttpClient client = client(Version.HTTP_1_1);

    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      all.add(
          client.sendAsync(
              HttpRequest.newBuilder(TestRouters.uri(router, "/sleep?ms=200")).build(),
              BodyHandlers.ofString()));
    }
    for (CompletableFuture<HttpResponse<String>> f : all) {
      assertThat(f.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void noWorker_returns503_afterTheWait() throws Exception {
    router = TestRouters.start(TestRouters.config().withWorkerWait(Duration.ofMillis(300)));

    long start = System.nanoTime();
    HttpResponse<String> r = get(client(Version.HTTP_1_1), "/hello");

    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.body()).contains("no worker");
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(300);
  }

  @Test
  void workerTooSlow_returns504_atTheDeadline() throws Exception {
    router = TestRouters.start(TestRouters.config().withRequestTimeout(Duration.ofMillis(500)));
    workers = TestWorkers.start(router.workerEndpoint(), "slow");

    HttpResponse<String> r = get(client(Version.HTTP_1_1), "/sleep?ms=3000");

    assertThat(r.statusCode()).isEqualTo(504);
  }

  @Test
  void handlerThrows_returns500() throws Exception {
    router = TestRouters.start(TestRouters.config());
    workers = TestWorkers.start(router.workerEndpoint(), "f");

    assertThat(get(client(Version.HTTP_1_1), "/fail").statusCode()).isEqualTo(500);
    assertThat(get(client(Version.HTTP_1_1), "/hello").statusCode()).isEqualTo(200);
  }

  @Test
  void forwardingHeaders_reachTheWorker_andRequestIdIsKept() throws Exception {
    router = TestRouters.start(TestRouters.config());
    workers = TestWorkers.start(router.workerEndpoint(), "e");

    HttpResponse<String> r =
        client(Version.HTTP_1_1)
            .send(
                HttpRequest.newBuilder(TestRouters.uri(router, "/echo"))
                    .header("x-request-id", "client-chosen-id")
                    .header("content-type", "application/json")
                    .POST(BodyPublishers.ofString("{\"a\":1}"))
                    .build(),
                BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("{\"a\":1}");
    assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(r.headers().firstValue("x-request-id")).hasValue("client-chosen-id");
  }
}
