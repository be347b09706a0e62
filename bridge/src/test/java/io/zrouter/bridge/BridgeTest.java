package io.zrouter.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpClient.Version;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The bridge in front of a JDK {@code HttpServer} (or a raw socket where the test needs one), with
 * a real router in front of it and the JDK client as the client: what crosses, and what happens
 * when either side fails or leaves.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BridgeTest {
  private static final HttpClient client =
      HttpClient.newBuilder().version(Version.HTTP_1_1).build();

  private TestRouter router;
  private TestUpstream upstream;
  private final List<AutoCloseable> closeAtEnd = new ArrayList<>();

  /** Released at the end of each test: upstream handlers that wait on it return. */
  private final CountDownLatch testOver = new CountDownLatch(1);

  @BeforeEach
  void start() throws Exception {
    router = TestRouter.start();
    upstream = TestUpstream.start();
  }

  @AfterEach
  void stop() throws Exception {
    testOver.countDown();
    for (int i = closeAtEnd.size() - 1; i >= 0; i--) {
      closeAtEnd.get(i).close();
    }
    router.close();
    upstream.close();
  }

  /** A bridge from the router to {@code to}, with the test defaults and {@code flags}. */
  private Bridge bridge(java.net.URI to, String... flags) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--connect",
                router.workerEndpoint(),
                "--upstream",
                to.toString(),
                "--id",
                "bridge-test",
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
    exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  @Test
  void get_relaysStatusHeadersAndBody() throws Exception {
    upstream.handle(
        "/hello",
        e -> {
          e.getResponseHeaders().add("x-upstream", "yes");
          e.getResponseHeaders().add("content-type", "text/plain");
          reply(e, 200, "hello " + e.getRequestURI());
        });
    bridge(upstream.uri());

    HttpResponse<String> r = get("/hello?x=1&y=%20");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("hello /hello?x=1&y=%20");
    assertThat(r.headers().firstValue("x-upstream")).hasValue("yes");
    assertThat(r.headers().firstValue("content-type")).hasValue("text/plain");
    assertThat(r.headers().firstValue("content-length")).hasValue("22");
    TestUpstream.Seen seen = upstream.takeRequest();
    assertThat(seen.method()).isEqualTo("GET");
    assertThat(seen.target()).isEqualTo("/hello?x=1&y=%20");
  }

  @Test
  void keepAlive_oneUpstreamConnectionServesRequestAfterRequest() throws Exception {
    upstream.handle("/small", e -> reply(e, 200, "small"));
    upstream.handle("/streamed", e -> reply(e, 200, "x".repeat(200_000)));
    bridge(upstream.uri());

    List<Integer> ports = new ArrayList<>();
    for (String path : List.of("/small", "/streamed", "/small", "/streamed")) {
      assertThat(get(path).statusCode()).isEqualTo(200);
      ports.add(upstream.takeRequest().clientPort());
    }

    assertThat(ports).containsOnly(ports.get(0)); // bodies read to their end: pooled again
  }

  @Test
  void post_echoesTheBody_withItsLength() throws Exception {
    upstream.handle(
        "/echo",
        e -> {
          byte[] body = e.getRequestBody().readAllBytes();
          e.getResponseHeaders()
              .add("content-type", e.getRequestHeaders().getFirst("content-type"));
          e.getResponseHeaders()
              .add("x-request-length", e.getRequestHeaders().getFirst("content-length"));
          e.sendResponseHeaders(201, body.length);
          e.getResponseBody().write(body);
        });
    bridge(upstream.uri());

    HttpResponse<String> r =
        client.send(
            HttpRequest.newBuilder(router.uri("/echo"))
                .header("content-type", "application/json")
                .POST(BodyPublishers.ofString("{\"a\":1}"))
                .build(),
            BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(201);
    assertThat(r.body()).isEqualTo("{\"a\":1}");
    assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(r.headers().firstValue("x-request-length")).hasValue("7");
    assertThat(upstream.takeRequest().method()).isEqualTo("POST");
  }

  @Test
  void headers_passBothWays_hopByHopStayBehind_forwardedHeadersAreTheRoutersOnly()
      throws Exception {
    upstream.handle(
        "/headers",
        e -> {
          e.getResponseHeaders().add("x-answer", "42");
          e.getResponseHeaders().add("set-cookie", "a=1");
          e.getResponseHeaders().add("set-cookie", "b=2");
          e.getResponseHeaders().add("keep-alive", "timeout=5");
          e.getResponseHeaders().add("x-connection-only", "secret");
          e.getResponseHeaders().add("connection", "x-connection-only");
          reply(e, 200, "ok");
        });
    bridge(upstream.uri());

    HttpResponse<String> r =
        client.send(
            HttpRequest.newBuilder(router.uri("/headers"))
                .header("x-custom", "a")
                .header("x-custom", "b")
                .header("x-forwarded-for", "10.0.0.1")
                .header("cookie", "c=3")
                .build(),
            BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("x-answer")).hasValue("42");
    assertThat(r.headers().allValues("set-cookie")).containsExactly("a=1", "b=2");
    assertThat(r.headers().map()).doesNotContainKeys("keep-alive", "x-connection-only");
    assertThat(r.headers().firstValue("x-request-id")).isPresent();

    com.sun.net.httpserver.Headers seen = upstream.takeRequest().headers();
    assertThat(seen.get("x-custom")).containsExactly("a", "b");
    assertThat(seen.getFirst("cookie")).isEqualTo("c=3");
    // the router appended the client once; the bridge passed it on and added no hop of its own
    assertThat(seen.get("x-forwarded-for")).containsExactly("10.0.0.1, 127.0.0.1");
    assertThat(seen.get("x-forwarded-proto")).containsExactly("http");
    assertThat(seen.get("x-forwarded-host"))
        .containsExactly("127.0.0.1:" + router.uri("/").getPort());
    assertThat(seen.getFirst("x-request-id"))
        .isEqualTo(r.headers().firstValue("x-request-id").orElseThrow());
    // the upstream is addressed as itself; the client's host is in x-forwarded-host
    assertThat(seen.getFirst("host")).isEqualTo("127.0.0.1:" + upstream.port());
  }

  @Test
  void head_204_andUpstreamErrors_passThroughAsTheyAre() throws Exception {
    upstream.handle(
        "/doc",
        e -> {
          e.getResponseHeaders().add("content-type", "text/plain");
          if (e.getRequestMethod().equals("HEAD")) {
            e.getResponseHeaders().add("content-length", "5");
            e.sendResponseHeaders(200, -1);
          } else {
            reply(e, 200, "body!");
          }
        });
    upstream.handle("/empty", e -> e.sendResponseHeaders(204, -1));
    upstream.handle("/missing", e -> reply(e, 404, "no such thing\n"));
    bridge(upstream.uri());

    HttpResponse<String> head =
        client.send(
            HttpRequest.newBuilder(router.uri("/doc"))
                .method("HEAD", BodyPublishers.noBody())
                .build(),
            BodyHandlers.ofString());
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.headers().firstValue("content-length")).hasValue("5");
    assertThat(head.body()).isEmpty();
    assertThat(get("/empty").statusCode()).isEqualTo(204);
    HttpResponse<String> missing = get("/missing");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.body()).isEqualTo("no such thing\n");
  }

  @Test
  void stripPrefix_removesItOnSegmentBoundaries() throws Exception {
    upstream.handle("/", e -> reply(e, 200, e.getRequestURI().toString()));
    bridge(upstream.uri(), "--strip-prefix", "/api");

    assertThat(get("/api/users?x=1").body()).isEqualTo("/users?x=1");
    assertThat(get("/api").body()).isEqualTo("/");
    assertThat(get("/api?q").body()).isEqualTo("/?q");
    assertThat(get("/apix").body()).isEqualTo("/apix");
    assertThat(get("/other").body()).isEqualTo("/other");
  }

  @Test
  void aBridgeWithARoute_servesOnlyItsService_andANonMatchingRequestGets404() throws Exception {
    upstream.handle("/", e -> reply(e, 200, "app1 " + e.getRequestURI()));
    bridge(upstream.uri(), "--route", "/app1", "--strip-prefix");

    // its service exists once the router answered its hello; until then no route matches
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(10))
        .until(() -> get("/app1/users").statusCode() == 200);
    assertThat(get("/app1/users?x=1").body()).isEqualTo("app1 /users?x=1");
    HttpResponse<String> other = get("/other");
    assertThat(other.statusCode()).isEqualTo(404);
    assertThat(other.body()).startsWith("zrouter: no service for this host and path");
  }

  @Test
  void streamedResponse_reachesTheClientAsTheUpstreamWritesIt() throws Exception {
    CountDownLatch clientSawFirst = new CountDownLatch(1);
    upstream.handle(
        "/ticks",
        e -> {
          e.sendResponseHeaders(200, 0); // chunked
          OutputStream out = e.getResponseBody();
          out.write("first\n".getBytes(StandardCharsets.UTF_8));
          out.flush();
          try {
            clientSawFirst.await(); // the rest only once the first line got through
          } catch (InterruptedException ignored) {
            return; // the test is over
          }
          out.write("second\n".getBytes(StandardCharsets.UTF_8));
        });
    bridge(upstream.uri());

    HttpResponse<InputStream> r =
        client.send(
            HttpRequest.newBuilder(router.uri("/ticks")).build(), BodyHandlers.ofInputStream());
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
      assertThat(lines.readLine()).isEqualTo("first");
      clientSawFirst.countDown();
      assertThat(lines.readLine()).isEqualTo("second");
      assertThat(lines.readLine()).isNull();
    }
  }

  @Test
  void clientLeavesMidStream_upstreamSeesItsConnectionClosed() throws Exception {
    CompletableFuture<Void> upstreamSawClose = new CompletableFuture<>();
    RawUpstream raw =
        new RawUpstream(
            (in, out) -> {
              RawUpstream.readHead(in);
              out.write(
                  ("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n" + "6\r\nfirst\n\r\n")
                      .getBytes(StandardCharsets.US_ASCII));
              out.flush();
              // then nothing more: a quiet stream, which only the cancel watch can stop
              RawUpstream.readUntilClosed(in);
              upstreamSawClose.complete(null);
            });
    closeAtEnd.add(raw);
    bridge(raw.uri());

    HttpResponse<InputStream> r =
        client.send(
            HttpRequest.newBuilder(router.uri("/quiet")).build(), BodyHandlers.ofInputStream());
    InputStream body = r.body();
    assertThat(new String(body.readNBytes(6), StandardCharsets.UTF_8)).isEqualTo("first\n");
    body.close(); // the client leaves: HTTP/1.1, so its connection closes

    upstreamSawClose.get(10, TimeUnit.SECONDS);
  }

  @Test
  void clientLeavesBeforeTheHead_upstreamSeesItsConnectionClosed() throws Exception {
    CompletableFuture<Void> upstreamGotRequest = new CompletableFuture<>();
    CompletableFuture<Void> upstreamSawClose = new CompletableFuture<>();
    RawUpstream raw =
        new RawUpstream(
            (in, out) -> {
              RawUpstream.readHead(in);
              upstreamGotRequest.complete(null);
              RawUpstream.readUntilClosed(in); // never answers
              upstreamSawClose.complete(null);
            });
    closeAtEnd.add(raw);
    bridge(raw.uri());

    try (Socket downstream = new Socket("127.0.0.1", router.uri("/").getPort())) {
      downstream
          .getOutputStream()
          .write("GET /never HTTP/1.1\r\nhost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      upstreamGotRequest.get(10, TimeUnit.SECONDS);
    } // the client leaves

    upstreamSawClose.get(10, TimeUnit.SECONDS);
  }

  @Test
  void slowUpstream_is504_fromTheBridge() throws Exception {
    upstream.handle(
        "/slow",
        e -> {
          try {
            testOver.await();
          } catch (InterruptedException ignored) {
            return; // the upstream is stopping
          }
          reply(e, 200, "too late");
        });
    bridge(upstream.uri(), "--upstream-timeout", "300ms");

    HttpResponse<String> r = get("/slow");

    assertThat(r.statusCode()).isEqualTo(504);
    assertThat(r.body()).isEqualTo("zrouter-bridge: upstream did not answer in time\n");
  }

  @Test
  void upstreamRefusesTheConnection_is502_fromTheBridge() throws Exception {
    upstream.handle("/", e -> reply(e, 200, "up"));
    bridge(upstream.uri(), "--health-interval", "1h"); // up at start, and not checked again
    upstream.stop();

    HttpResponse<String> r = get("/anything");

    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(r.body()).isEqualTo("zrouter-bridge: cannot connect to the upstream\n");
  }

  @Test
  void upstreamClosesWithoutAnswering_is502_fromTheBridge() throws Exception {
    RawUpstream raw =
        new RawUpstream(
            (in, out) -> {
              RawUpstream.readHead(in);
              // and close without a word (the JDK client may try a GET twice: same again)
            });
    closeAtEnd.add(raw);
    bridge(raw.uri());

    HttpResponse<String> r = get("/dropped");

    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(r.body())
        .isEqualTo("zrouter-bridge: upstream closed the connection before responding\n");
  }

  @Test
  void upstreamDiesMidBody_resetsTheClientsStream_neverATruncatedSuccess() throws Exception {
    RawUpstream raw =
        new RawUpstream(
            (in, out) -> {
              RawUpstream.readHead(in);
              out.write(
                  "HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n"
                      .getBytes(StandardCharsets.US_ASCII));
              out.write(new byte[1000]);
              out.flush();
              // and die, 99000 bytes short
            });
    closeAtEnd.add(raw);
    bridge(raw.uri());

    HttpResponse<InputStream> r =
        client.send(
            HttpRequest.newBuilder(router.uri("/cut")).build(), BodyHandlers.ofInputStream());

    assertThat(r.statusCode()).isEqualTo(200);
    try (InputStream body = r.body()) {
      assertThatThrownBy(body::readAllBytes).isInstanceOf(IOException.class);
    }
  }

  @Test
  void http2Client_isServedToo() throws Exception {
    upstream.handle("/h2", e -> reply(e, 200, "over " + e.getProtocol()));
    bridge(upstream.uri());
    HttpClient h2 = HttpClient.newBuilder().version(Version.HTTP_2).build();

    HttpResponse<String> first =
        h2.send(HttpRequest.newBuilder(router.uri("/h2")).build(), BodyHandlers.ofString());
    HttpResponse<String> second =
        h2.send(HttpRequest.newBuilder(router.uri("/h2")).build(), BodyHandlers.ofString());

    assertThat(first.body()).isEqualTo("over HTTP/1.1"); // the bridge speaks HTTP/1.1 upstream
    assertThat(second.version()).isEqualTo(Version.HTTP_2); // h2c, after the first's upgrade
    assertThat(second.body()).isEqualTo("over HTTP/1.1");
  }
}
