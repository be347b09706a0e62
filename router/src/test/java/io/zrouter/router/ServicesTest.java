package io.zrouter.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zrouter.router.config.PortRange;
import io.zrouter.sample.SampleHandler;
import io.zrouter.worker.Worker;
import java.net.http.HttpClient;
import java.net.http.HttpClient.Version;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * One router, many apps: workers declare routes, the router sends each request to the service whose
 * route matches it best, and to no other.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ServicesTest {
  private Router router;
  private final List<Worker> workers = new ArrayList<>();

  @AfterEach
  void stop() {
    workers.forEach(Worker::close);
    if (router != null) {
      router.close(Duration.ZERO);
    }
  }

  private void startRouter() throws Exception {
    router = TestRouters.start(TestRouters.config().withWorkerWait(Duration.ofMillis(500)));
  }

  /** A router binding its services' sockets at {@code low} and {@code low + 1} only. */
  private void startRouter(int low) throws Exception {
    router =
        TestRouters.start(
            TestRouters.config()
                .withWorkerWait(Duration.ofSeconds(5))
                .withServicePorts(new PortRange(low, low + 1)));
  }

  /** A sample worker declaring {@code routes} (none: the default service). */
  private Worker worker(String id, String... routes) {
    return worker(id, null, routes);
  }

  private Worker worker(String id, CompletableFuture<String> refused, String... routes) {
    Worker.Builder builder =
        Worker.builder()
            .connect(router.workerEndpoint())
            .id(id)
            .concurrency(16)
            .drainTimeout(Duration.ofSeconds(2))
            .handler(new SampleHandler(id, List.of(routes), null));
    for (String route : routes) {
      builder.route(route);
    }
    if (refused != null) {
      builder.onRefused(refused::complete);
    }
    Worker worker = builder.start();
    workers.add(worker);
    return worker;
  }

  /** Waits until the router's admin view lists {@code count} workers of {@code service}. */
  private void awaitService(String service, int count) {
    String entry = "\"service\":\"" + service + "\"";
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> occurrences(TestRouters.adminWorkers(router), entry) == count);
  }

  private static int occurrences(String text, String part) {
    int n = 0;
    for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
      n++;
    }
    return n;
  }

  private HttpResponse<String> get(HttpClient client, String host, String path) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(TestRouters.uri(router, path)).timeout(Duration.ofSeconds(10));
    if (host != null) {
      request.header("Host", host);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpClient client(Version version) {
    return HttpClient.newBuilder().version(version).connectTimeout(Duration.ofSeconds(5)).build();
  }

  /** The default service has a worker once a request reached it (its first opens its link). */
  private void awaitDefaultServes(HttpClient client) {
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> get(client, null, "/hello").statusCode() == 200);
  }

  @ParameterizedTest
  @EnumSource(
      value = Version.class,
      names = {"HTTP_1_1", "HTTP_2"})
  void servicesByPath_andTheDefault_eachGetOnlyTheirOwnRequests(Version version) throws Exception {
    startRouter();
    worker("d1");
    worker("b1", "/billing");
    worker("b2", "/billing");
    worker("a1", "/api", "/admin");
    awaitService("/billing", 2);
    awaitService("/admin, /api", 1);
    HttpClient client = client(version);
    awaitDefaultServes(client);

    for (int i = 0; i < 20; i++) {
      assertServedBy(get(client, null, "/billing/hello"), Set.of("b1", "b2"), "/billing");
      assertServedBy(get(client, null, "/api/hello?i=" + i), Set.of("a1"), "/api, /admin");
      assertServedBy(get(client, null, "/admin/hello"), Set.of("a1"), "/api, /admin");
      assertServedBy(get(client, null, "/hello"), Set.of("d1"), "default");
      // not under /billing: the default service's (which has no such endpoint)
      HttpResponse<String> other = get(client, null, "/billingx/hello");
      assertThat(other.statusCode()).isEqualTo(404);
      assertThat(other.headers().firstValue("x-worker-id")).hasValue("d1");
    }
  }

  @Test
  void servicesByHost_exactBeforeWildcard_caseAndPortIgnored() throws Exception {
    startRouter();
    worker("d1");
    worker("api", "api.example.com");
    worker("wild", "*.example.com");
    worker("v2", "api.example.com/v2");
    awaitService("api.example.com", 1);
    awaitService("*.example.com", 1);
    awaitService("api.example.com/v2", 1);
    HttpClient client = client(Version.HTTP_1_1);
    awaitDefaultServes(client);

    assertServedBy(get(client, "api.example.com", "/hello"), Set.of("api"), "api.example.com");
    assertServedBy(get(client, "API.Example.com:8443", "/hello"), Set.of("api"), "api.example.com");
    assertServedBy(get(client, "api.example.com", "/v2/hello"), Set.of("v2"), "api.example.com/v2");
    assertServedBy(get(client, "www.example.com", "/hello"), Set.of("wild"), "*.example.com");
    assertServedBy(get(client, "a.b.example.com", "/hello"), Set.of("wild"), "*.example.com");
    assertServedBy(get(client, "example.com", "/hello"), Set.of("d1"), "default");
  }

  @Test
  void theLastWorkerOfAServiceLeaving_gives503_whileTheOthersServe() throws Exception {
    startRouter();
    worker("d1");
    Worker billing = worker("b1", "/billing");
    awaitService("/billing", 1);
    HttpClient client = client(Version.HTTP_1_1);
    awaitDefaultServes(client);
    assertServedBy(get(client, null, "/billing/hello"), Set.of("b1"), "/billing");

    billing.close();
    awaitService("/billing", 0);

    HttpResponse<String> gone = get(client, null, "/billing/hello");
    assertThat(gone.statusCode()).isEqualTo(503);
    assertThat(gone.body()).startsWith("zrouter: no worker available");
    assertServedBy(get(client, null, "/hello"), Set.of("d1"), "default");
  }

  @Test
  void aConflictingWorker_isRefusedWithItsReason_andTheRunningServiceIsUntouched()
      throws Exception {
    startRouter();
    worker("a1", "/api", "/admin");
    awaitService("/admin, /api", 1);

    CompletableFuture<String> refused = new CompletableFuture<>();
    worker("intruder", refused, "/api");
    assertThat(refused.get(10, TimeUnit.SECONDS))
        .contains("route /api is served by a service with routes /admin, /api");
    awaitService("refused", 1);

    HttpClient client = client(Version.HTTP_1_1);
    for (int i = 0; i < 10; i++) {
      assertServedBy(get(client, null, "/api/hello?i=" + i), Set.of("a1"), "/api, /admin");
    }
  }

  @Test
  void aRequestNoRouteMatches_withNoDefaultWorker_gets404NamingHostAndPath() throws Exception {
    startRouter();
    worker("b1", "/billing");
    awaitService("/billing", 1);

    HttpResponse<String> response = get(client(Version.HTTP_1_1), "shop.test", "/cart?x=1");
    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(response.body())
        .isEqualTo("zrouter: no service for this host and path: host shop.test, path /cart?x=1\n");
  }

  @Test
  void aRouterRestart_neverSendsAServiceAnotherServicesRequests() throws Exception {
    // Two consecutive service ports: after the restart, whichever service says hello first
    // takes the lower one, often the other service's old port. A worker that reconnected there
    // by itself would get the other app's requests.
    int low = freePortPair();
    startRouter(low);
    String endpoint = router.workerEndpoint();
    worker("a1", "/a");
    awaitService("/a", 1);
    worker("b1", "/b");
    awaitService("/b", 1);
    HttpClient client = client(Version.HTTP_1_1);
    assertServedBy(get(client, null, "/a/hello"), Set.of("a1"), "/a");
    assertServedBy(get(client, null, "/b/hello"), Set.of("b1"), "/b");

    router.close(Duration.ZERO);
    router =
        TestRouters.start(
            TestRouters.config()
                .withBind(endpoint)
                .withWorkerWait(Duration.ofSeconds(5))
                .withServicePorts(new PortRange(low, low + 1)));
    awaitService("/a", 1);
    awaitService("/b", 1);
    for (int i = 0; i < 50; i++) {
      assertServedBy(get(client, null, "/a/hello"), Set.of("a1"), "/a");
      assertServedBy(get(client, null, "/b/hello"), Set.of("b1"), "/b");
    }
  }

  @Test
  void aWorkerJoiningAndLeavingItsServiceUnderLoad_losesNothing_andNothingCrosses()
      throws Exception {
    startRouter();
    worker("d1");
    Worker first = worker("b1", "/billing");
    awaitService("/billing", 1);
    HttpClient client = client(Version.HTTP_1_1);
    awaitDefaultServes(client);

    java.util.concurrent.atomic.AtomicBoolean stop =
        new java.util.concurrent.atomic.AtomicBoolean();
    List<String> problems = java.util.Collections.synchronizedList(new ArrayList<>());
    java.util.concurrent.atomic.AtomicInteger served =
        new java.util.concurrent.atomic.AtomicInteger();
    Thread load =
        new Thread(
            () -> {
              long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
              for (int i = 0; i < 5_000 && !stop.get() && System.nanoTime() < deadline; i++) {
                try {
                  boolean billing = i % 2 == 0;
                  HttpResponse<String> r = get(client, null, billing ? "/billing/hello" : "/hello");
                  String service = r.headers().firstValue("x-service").orElse("none");
                  if (r.statusCode() != 200 || !service.equals(billing ? "/billing" : "default")) {
                    problems.add(r.statusCode() + " " + service + " for request " + i);
                  }
                  served.incrementAndGet();
                } catch (Exception e) {
                  problems.add(e.toString());
                }
              }
            },
            "services-load");
    load.start();
    try {
      await().atMost(Duration.ofSeconds(10)).until(() -> served.get() >= 100);
      worker("b2", "/billing");
      awaitService("/billing", 2);
      int before = served.get();
      await().atMost(Duration.ofSeconds(10)).until(() -> served.get() >= before + 100);
      first.close(); // drains: what it holds finishes, new requests go to b2
      awaitService("/billing", 1);
      int after = served.get();
      await().atMost(Duration.ofSeconds(10)).until(() -> served.get() >= after + 100);
    } finally {
      stop.set(true);
      load.join(TimeUnit.SECONDS.toMillis(20));
    }
    assertThat(problems).isEmpty();
    assertServedBy(get(client, null, "/billing/hello"), Set.of("b2"), "/billing");
  }

  /** A free port whose next port is free too, for a two-port --service-ports range. */
  private static int freePortPair() throws Exception {
    for (int attempt = 0; attempt < 50; attempt++) {
      try (java.net.ServerSocket a = new java.net.ServerSocket(0)) {
        int port = a.getLocalPort();
        if (port >= 65535) {
          continue;
        }
        try (java.net.ServerSocket b = new java.net.ServerSocket(port + 1)) {
          return port;
        } catch (java.io.IOException taken) {
          // try another
        }
      }
    }
    throw new IllegalStateException("no two consecutive free ports");
  }

  private static void assertServedBy(
      HttpResponse<String> response, Set<String> workers, String service) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.headers().firstValue("x-worker-id")).get().isIn(workers);
    assertThat(response.headers().firstValue("x-service")).hasValue(service);
  }
}
