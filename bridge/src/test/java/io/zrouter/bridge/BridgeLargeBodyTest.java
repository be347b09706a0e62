package io.zrouter.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bodies far larger than the bridge's heap stream through it both ways: the bridge and the router
 * run in their own JVMs at {@code -Xmx64m} (and exit on running out), the upstream and the client
 * here. Each body is checked byte for byte (a CRC-32 of a known pattern).
 *
 * <p>1 GiB each way by default (about 8 s each here); {@code -Dzrouter.bridge.largeBody=64m} (any
 * size: bytes or {@code k}/{@code m}/{@code g}) for a quicker run.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class BridgeLargeBodyTest {
  private static final String DEFAULT_SIZE = "1g";
  private static final String HEAP = "64m";
  private static final Pattern ROUTER_READY =
      Pattern.compile(
          "zrouter ready: http = 127\\.0\\.0\\.1:(\\d+), workers = (tcp://127\\.0\\.0\\.1:\\d+)");

  @TempDir static Path dir;
  private static ChildJvms jvms;
  private static TestUpstream upstream;
  private static int routerPort;
  private static long size;
  private static final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void start() throws Exception {
    size = parseSize(System.getProperty("zrouter.bridge.largeBody", DEFAULT_SIZE));
    upstream =
        TestUpstream.start()
            .handle("/sink", BridgeLargeBodyTest::sink)
            .handle("/source", BridgeLargeBodyTest::source);
    jvms = new ChildJvms();
    Path routerLog = dir.resolve("router.log");
    Process router =
        jvms.start(
            routerLog,
            HEAP,
            "io.zrouter.router.RouterMain",
            "--listen",
            "127.0.0.1:0",
            "--bind",
            "tcp://127.0.0.1:*",
            "--admin-listen",
            "off",
            "--io-threads",
            "2");
    Matcher ready = ChildJvms.awaitLine(router, routerLog, ROUTER_READY);
    routerPort = Integer.parseInt(ready.group(1));
    Path bridgeLog = dir.resolve("bridge.log");
    Process bridge =
        jvms.start(
            bridgeLog,
            HEAP,
            "io.zrouter.bridge.BridgeMain",
            "--connect",
            ready.group(2),
            "--upstream",
            upstream.uri().toString(),
            "--id",
            "bridge-large");
    ChildJvms.awaitLine(bridge, bridgeLog, Pattern.compile("bridge started"));
  }

  @AfterAll
  static void stop() throws Exception {
    if (jvms != null) {
      jvms.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  @Test
  void upload_withContentLength_streamsThrough() throws Exception {
    assertUpload(BodyPublishers.fromPublisher(patternPublisher(), size));
  }

  @Test
  void upload_chunked_streamsThrough() throws Exception {
    assertUpload(patternPublisher());
  }

  @Test
  void download_streamsThrough() throws Exception {
    long started = System.nanoTime();
    HttpResponse<InputStream> r =
        client.send(
            HttpRequest.newBuilder(uri("/source?n=" + size)).build(), BodyHandlers.ofInputStream());
    assertThat(r.statusCode()).isEqualTo(200);
    CRC32 crc = new CRC32();
    long n = 0;
    try (InputStream body = r.body()) {
      byte[] buffer = new byte[64 * 1024];
      for (int k; (k = body.read(buffer)) >= 0; ) {
        crc.update(buffer, 0, k);
        n += k;
      }
    }
    report("download", started);
    assertThat(n).isEqualTo(size);
    assertThat(crc.getValue()).isEqualTo(expectedCrc(size));
  }

  private void assertUpload(BodyPublisher body) throws Exception {
    long started = System.nanoTime();
    HttpResponse<String> r =
        client.send(
            HttpRequest.newBuilder(uri("/sink")).POST(body).build(), BodyHandlers.ofString());
    report("upload", started);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo(size + " " + expectedCrc(size));
  }

  private static URI uri(String path) {
    return URI.create("http://127.0.0.1:" + routerPort + path);
  }

  private static void report(String what, long startedNanos) {
    double seconds = (System.nanoTime() - startedNanos) / 1e9;
    System.out.printf(
        "%s of %d MiB through the bridge at -Xmx%s: %.1f s (%.0f MiB/s)%n",
        what, size >> 20, HEAP, seconds, (size >> 20) / seconds);
  }

  /** Reads the whole upload; answers its length and CRC-32. */
  private static void sink(HttpExchange exchange) throws IOException {
    CRC32 crc = new CRC32();
    long n = 0;
    byte[] buffer = new byte[64 * 1024];
    InputStream in = exchange.getRequestBody();
    for (int k; (k = in.read(buffer)) >= 0; ) {
      crc.update(buffer, 0, k);
      n += k;
    }
    byte[] answer = (n + " " + crc.getValue()).getBytes(StandardCharsets.US_ASCII);
    exchange.sendResponseHeaders(200, answer.length);
    exchange.getResponseBody().write(answer);
  }

  /** {@code ?n=N}: N bytes of the pattern, with their length. */
  private static void source(HttpExchange exchange) throws IOException {
    long n = Long.parseLong(exchange.getRequestURI().getQuery().substring("n=".length()));
    exchange.sendResponseHeaders(200, n);
    try (InputStream pattern = new PatternStream(n)) {
      OutputStream out = exchange.getResponseBody();
      pattern.transferTo(out);
    }
  }

  private static BodyPublisher patternPublisher() {
    return BodyPublishers.ofInputStream(() -> new PatternStream(size));
  }

  private static long expectedCrc(long n) throws IOException {
    CRC32 crc = new CRC32();
    byte[] buffer = new byte[64 * 1024];
    try (InputStream in = new PatternStream(n)) {
      for (int k; (k = in.read(buffer)) >= 0; ) {
        crc.update(buffer, 0, k);
      }
    }
    return crc.getValue();
  }

  static long parseSize(String text) {
    String t = text.trim().toLowerCase(java.util.Locale.ROOT);
    long unit =
        switch (t.charAt(t.length() - 1)) {
          case 'k' -> 1L << 10;
          case 'm' -> 1L << 20;
          case 'g' -> 1L << 30;
          default -> 1;
        };
    return Long.parseLong(unit == 1 ? t : t.substring(0, t.length() - 1)) * unit;
  }

  /** {@code n} bytes, byte {@code i} being {@code i % 251}: made as read, never held. */
  private static final class PatternStream extends InputStream {
    private final long n;
    private long position;

    PatternStream(long n) {
      this.n = n;
    }

    @Override
    public int read() {
      return position < n ? (int) (position++ % 251) : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (position >= n) {
        return -1;
      }
      int k = (int) Math.min(len, n - position);
      for (int i = 0; i < k; i++) {
        b[off + i] = (byte) ((position + i) % 251);
      }
      position += k;
      return k;
    }
  }
}
