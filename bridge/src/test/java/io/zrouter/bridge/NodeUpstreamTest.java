package io.zrouter.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bridge in front of a real Node.js app ({@code http.createServer}, as in the README), the case
 * the bridge is for. {@code .ci/run} installs Node.js, so this runs in CI; elsewhere it is skipped
 * when there is no {@code node}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NodeUpstreamTest {
  /** The app: prints its port, then serves a few endpoints. */
  private static final String APP =
      """
      const http = require('http');
      const server = http.createServer((req, res) => {
        if (req.url === '/') {
          res.end('hi');
        } else if (req.url === '/echo') {
          res.setHeader('content-type', req.headers['content-type'] || 'text/plain');
          req.pipe(res);
        } else if (req.url === '/headers') {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({method: req.method, url: req.url, headers: req.headers}));
        } else if (req.url.startsWith('/stream')) {
          let i = 0;
          const tick = () => {
            res.write('tick ' + i + '\\n');
            if (++i === 3) { res.end(); } else { setTimeout(tick, 20); }
          };
          tick();
        } else {
          res.statusCode = 404;
          res.end('not found');
        }
      });
      server.listen(0, '127.0.0.1', () => console.log('port ' + server.address().port));
      """;

  @TempDir static Path dir;
  private static Process node;
  private static TestRouter router;
  private static Bridge bridge;
  private static final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void start() throws Exception {
    Path nodeBinary = findNode();
    assumeTrue(
        nodeBinary != null,
        "node (Node.js) is not installed, so the Node.js upstream test cannot run;"
            + " .ci/run installs it (apt-get install nodejs)");
    Path script = Files.writeString(dir.resolve("app.js"), APP);
    node =
        new ProcessBuilder(nodeBinary.toString(), script.toString())
            .redirectErrorStream(true)
            .start();
    int port = readPort(node.getInputStream());
    router = TestRouter.start();
    bridge =
        Bridge.start(
            BridgeOptions.parse(
                "--connect",
                router.workerEndpoint(),
                "--upstream",
                "http://127.0.0.1:" + port,
                "--id",
                "bridge-node",
                "--drain-timeout",
                "1s"));
  }

  @AfterAll
  static void stop() throws Exception {
    if (bridge != null) {
      bridge.close();
    }
    if (router != null) {
      router.close();
    }
    if (node != null) {
      node.destroy();
      if (!node.waitFor(10, TimeUnit.SECONDS)) {
        node.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /** {@code node} on the PATH, or null. */
  private static Path findNode() {
    for (String entry :
        System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      Path candidate = Path.of(entry, "node");
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return null;
  }

  /** The port the app prints once it listens; the read is bounded by the test's timeout. */
  private static int readPort(InputStream out) throws Exception {
    BufferedReader lines = new BufferedReader(new InputStreamReader(out, StandardCharsets.UTF_8));
    CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> readLine(lines));
    String line = first.get(20, TimeUnit.SECONDS);
    if (line == null || !line.startsWith("port ")) {
      throw new IllegalStateException("node did not start: " + line);
    }
    return Integer.parseInt(line.substring("port ".length()).trim());
  }

  private static String readLine(BufferedReader lines) {
    try {
      return lines.readLine();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static URI uri(String path) {
    return router.uri(path);
  }

  @Test
  void get_isAnsweredByTheNodeApp() throws Exception {
    HttpResponse<String> r =
        client.send(HttpRequest.newBuilder(uri("/")).build(), BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("hi");
    assertThat(r.headers().map()).doesNotContainKeys("keep-alive", "connection");
  }

  @Test
  void post_isPipedBackByTheNodeApp() throws Exception {
    HttpResponse<String> r =
        client.send(
            HttpRequest.newBuilder(uri("/echo"))
                .header("content-type", "text/csv")
                .POST(BodyPublishers.ofString("a,b\n1,2\n"))
                .build(),
            BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("a,b\n1,2\n");
    assertThat(r.headers().firstValue("content-type")).hasValue("text/csv");
  }

  @Test
  void theNodeApp_seesTheForwardedHeaders() throws Exception {
    HttpResponse<String> r =
        client.send(
            HttpRequest.newBuilder(uri("/headers")).header("x-custom", "1").build(),
            BodyHandlers.ofString());

    assertThat(r.body())
        .contains("\"method\":\"GET\"", "\"url\":\"/headers\"", "\"x-custom\":\"1\"")
        .contains("\"x-forwarded-for\":\"127.0.0.1\"", "\"x-forwarded-proto\":\"http\"")
        .contains("\"x-forwarded-host\":\"127.0.0.1:" + uri("/").getPort() + "\"");
  }

  @Test
  void aStreamedNodeResponse_isRelayedWhole() throws Exception {
    HttpResponse<String> r =
        client.send(HttpRequest.newBuilder(uri("/stream")).build(), BodyHandlers.ofString());

    assertThat(r.body()).isEqualTo("tick 0\ntick 1\ntick 2\n");
    assertThat(r.headers().firstValue("transfer-encoding")).hasValue("chunked");
  }

  @Test
  void unknownPath_isTheNodeApps404() throws Exception {
    HttpResponse<String> r =
        client.send(HttpRequest.newBuilder(uri("/nope")).build(), BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(r.body()).isEqualTo("not found");
  }
}
