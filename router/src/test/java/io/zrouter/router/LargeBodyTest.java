package io.zrouter.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zrouter.sample.SampleHandler;
import io.zrouter.worker.Handler;
import io.zrouter.worker.Request;
import io.zrouter.worker.Response;
import io.zrouter.worker.Worker;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpClient.Version;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bodies far larger than the router's heap stream through it in both directions, and a slow
 * consumer on either side holds the producer back instead of filling memory. The routers run in
 * their own JVMs at {@code -Xmx64m}; the workers run here. Each test prints the most router heap in
 * use it saw, sampled every 100 ms from {@code /_zrouter/memory} (garbage included).
 */
@Tag("slow")
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class LargeBodyTest {
  private static final long GIB = 1L << 30;
  private static final long MIB = 1L << 20;
  private static final String ROUTER_HEAP = "64m";

  @TempDir static Path dir;
  private static JavaProcesses processes;
  private static RouterProcess cleartext;
  private static RouterProcess tls;
  private static SelfSignedCert cert;
  private static final List<Worker> workers = new ArrayList<>();

  /** Response body bytes the {@code /test/produce} handlers have written so far. */
  private static final AtomicLong produced = new AtomicLong();

  /** {@code /test/gated-sha256} reads nothing until this opens. */
  private static volatile CountDownLatch gate = new CountDownLatch(0);

  @BeforeAll
  static void start() throws Exception {
    processes = new JavaProcesses();
    cert = SelfSignedCert.create(dir);
    cleartext = RouterProcess.start(processes, dir.resolve("router.log"), ROUTER_HEAP);
    tls =
        RouterProcess.start(
            processes,
            dir.resolve("router-tls.log"),
            ROUTER_HEAP,
            "--tls-cert",
            cert.certChain().toString(),
            "--tls-key",
            cert.privateKey().toString());
    for (String id : List.of("big-a", "big-b")) {
      workers.add(
          Worker.builder()
              .connect(cleartext.workerEndpoint)
              .connect(tls.workerEndpoint)
              .id(id)
              .concurrency(128)
              .drainTimeout(Duration.ofSeconds(1))
              .handler(new TestHandler(new SampleHandler(id)))
              .start());
    }
  }

  @AfterAll
  static void stop() throws Exception {
    workers.forEach(Worker::close);
    processes.close();
  }

  /** The sample handler plus two endpoints that let a test watch the handler side. */
  private record TestHandler(SampleHandler sample) implements Handler {
    @Override
    public void handle(Request request, Response response) throws Exception {
      if (request.path().startsWith("/test/produce")) {
        long n = Long.parseLong(request.queryParam("n"));
        byte[] chunk = new byte[64 * 1024];
        try (OutputStream out = response.body()) {
          for (long left = n; left > 0; left -= chunk.length) {
            out.write(chunk, 0, (int) Math.min(chunk.length, left));
            produced.addAndGet(Math.min(chunk.length, left));
          }
        }
      } else if (request.path().equals("/test/gated-sha256")) {
        gate.await();
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        byte[] buffer = new byte[64 * 1024];
        InputStream in = request.body();
        for (int n; (n = in.read(buffer)) > 0; ) {
          digest.update(buffer, 0, n);
        }
        response.send(HexFormat.of().formatHex(digest.digest()) + "\n");
      } else {
        sample.handle(request, response);
      }
    }
  }

  @Test
  void upload1GiB_http1_withContentLength() throws Exception {
    assertUploadDigest(http1(), cleartext.uri("http", "/sha256"), true);
  }

  @Test
  void upload1GiB_http1_chunked() throws Exception {
    assertUploadDigest(http1(), cleartext.uri("http", "/sha256"), false);
  }

  @Test
  void upload1GiB_http2() throws Exception {
    HttpClient client =
        HttpClient.newBuilder().version(Version.HTTP_2).sslContext(cert.clientContext()).build();
    assertUploadDigest(client, tls.uri("https", "/sha256"), true);
  }

  @Test
  void download1GiB_http2() throws Exception {
    HttpClient client =
        HttpClient.newBuilder().version(Version.HTTP_2).sslContext(cert.clientContext()).build();
    try (HeapSampler heap = new HeapSampler(tls)) {
      HttpResponse<InputStream> r =
          client.send(
              HttpRequest.newBuilder(tls.uri("https", "/bytes?n=" + GIB)).build(),
              BodyHandlers.ofInputStream());
      assertThat(r.version()).isEqualTo(Version.HTTP_2);
      assertThat(drain(r.body())).isEqualTo(GIB);
      heap.report("download 1 GiB over HTTP/2 (TLS)");
    }
  }

  @Test
  void download1GiB_byASlowReader_holdsTheHandlerBack() throws Exception {
    try (HeapSampler heap = new HeapSampler(cleartext)) {
      long before = produced.get();
      HttpResponse<InputStream> r =
          http1()
              .send(
                  HttpRequest.newBuilder(cleartext.uri("http", "/test/produce?n=" + GIB)).build(),
                  BodyHandlers.ofInputStream());
      InputStream body = r.body();
      assertThat(body.readNBytes((int) MIB)).hasSize((int) MIB);

      // The client stops reading: the handler must stop soon after, far short of 1 GiB.
      long stalledAt = awaitPlateau(() -> produced.get() - before);
      System.out.printf(
          "slow reader: handler stalled after %.1f MiB of 1024 (client read 1 MiB)%n",
          stalledAt / (double) MIB);
      assertThat(stalledAt).isLessThan(64 * MIB);

      // It reads on, at its own pace, to the end.
      assertThat(MIB + drain(body)).isEqualTo(GIB);
      heap.report("slow-reader download of 1 GiB");
    }
  }

  @Test
  void hundredSlowClients_holdTheirHandlersBack() throws Exception {
    int clients = 100;
    long each = 16 * MIB;
    // HTTP/1.1: one connection each. Over HTTP/2 the JDK client shares a connection window
    // between streams, so streams it does not read would starve the one it reads.
    HttpClient client = http1();
    try (HeapSampler heap = new HeapSampler(cleartext)) {
      long before = produced.get();
      List<CompletableFuture<HttpResponse<InputStream>>> responses = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        responses.add(
            client.sendAsync(
                HttpRequest.newBuilder(cleartext.uri("http", "/test/produce?n=" + each)).build(),
                BodyHandlers.ofInputStream()));
      }
      List<InputStream> bodies = new ArrayList<>();
      for (CompletableFuture<HttpResponse<InputStream>> f : responses) {
        HttpResponse<InputStream> r = f.get(60, TimeUnit.SECONDS);
        assertThat(r.statusCode()).isEqualTo(200);
        bodies.add(r.body());
      }

      long stalledAt = awaitPlateau(() -> produced.get() - before);
      System.out.printf(
          "100 slow clients: handlers stalled after %.1f MiB of %d MiB%n",
          stalledAt / (double) MIB, clients * each / MIB);
      assertThat(stalledAt).isLessThan(clients * each / 2);

      for (InputStream body : bodies) {
        assertThat(drain(body)).isEqualTo(each);
      }
      heap.report("100 slow clients x 16 MiB");
    }
  }

  @Test
  void uploadFasterThanTheHandlerReads_isHeldBackAtTheClient() throws Exception {
    long length = 256 * MIB;
    gate = new CountDownLatch(1);
    AtomicLong written = new AtomicLong();
    PatternBody source = new PatternBody(length);
    try (HeapSampler heap = new HeapSampler(cleartext);
        Socket socket = new Socket("127.0.0.1", cleartext.httpPort)) {
      socket.setSoTimeout(60_000); // a blocked read is not interruptible by @Timeout
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /test/gated-sha256 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
                  + "Content-Length: "
                  + length
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      CompletableFuture<Void> writer =
          CompletableFuture.runAsync(
              () -> {
                byte[] buffer = new byte[64 * 1024];
                try {
                  for (int n; (n = source.read(buffer)) > 0; ) {
                    out.write(buffer, 0, n);
                    written.addAndGet(n);
                  }
                  out.flush();
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              });

      long stalledAt = awaitPlateau(written::get);
      System.out.printf(
          "upload to a handler that does not read: client stalled after %.1f MiB of %d MiB%n",
          stalledAt / (double) MIB, length / MIB);
      assertThat(stalledAt).isLessThan(64 * MIB);

      gate.countDown();
      writer.get(60, TimeUnit.SECONDS);
      String response =
          new String(socket.getInputStream().readNBytes(4096), StandardCharsets.UTF_8);
      assertThat(response).startsWith("HTTP/1.1 200").endsWith(source.hexDigest() + "\n");
      heap.report("256 MiB upload held back at the client");
    } finally {
      gate.countDown();
    }
  }

  private static HttpClient http1() {
    return HttpClient.newBuilder().version(Version.HTTP_1_1).build();
  }

  private static void assertUploadDigest(HttpClient client, java.net.URI uri, boolean withLength)
      throws Exception {
    PatternBody body = new PatternBody(GIB);
    HttpRequest.BodyPublisher publisher =
        withLength
            ? BodyPublishers.fromPublisher(BodyPublishers.ofInputStream(() -> body), GIB)
            : BodyPublishers.ofInputStream(() -> body);
    RouterProcess router = uri.getScheme().equals("https") ? tls : cleartext;
    try (HeapSampler heap = new HeapSampler(router)) {
      HttpResponse<String> r =
          client.send(HttpRequest.newBuilder(uri).POST(publisher).build(), BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body().trim()).isEqualTo(body.hexDigest());
      heap.report(
          "upload 1 GiB over "
              + r.version()
              + (withLength ? " with content-length" : " chunked")
              + (router == tls ? " (TLS)" : ""));
    }
  }

  /**
   * Waits until {@code counter} stops moving (the same value twice, 300 ms apart) and returns it.
   */
  private static long awaitPlateau(LongSupplier counter) {
    long[] last = {-1};
    await()
        .atMost(Duration.ofSeconds(60))
        .pollDelay(Duration.ofMillis(300))
        .pollInterval(Duration.ofMillis(300))
        .until(
            () -> {
              long now = counter.getAsLong();
              boolean still = now == last[0] && now > 0;
              last[0] = now;
              return still;
            });
    return last[0];
  }

  private static long drain(InputStream in) throws IOException {
    byte[] buffer = new byte[256 * 1024];
    long total = 0;
    try (in) {
      for (int n; (n = in.read(buffer)) >= 0; ) {
        total += n;
      }
    }
    return total;
  }

  /** {@code length} bytes of a repeating random block, hashed as they are read. */
  private static final class PatternBody extends InputStream {
    private final byte[] block = new byte[64 * 1024 + 7];
    private final MessageDigest digest;
    private long left;
    private int offset;

    PatternBody(long length) throws Exception {
      new Random(length).nextBytes(block);
      digest = MessageDigest.getInstance("SHA-256");
      left = length;
    }

    @Override
    public int read() {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) {
      if (left == 0) {
        return -1;
      }
      int n = (int) Math.min(Math.min(len, left), block.length - offset);
      System.arraycopy(block, offset, b, off, n);
      digest.update(block, offset, n);
      offset = (offset + n) % block.length;
      left -= n;
      return n;
    }

    synchronized String hexDigest() {
      return HexFormat.of().formatHex(digest.digest());
    }
  }

  /** Samples a router's heap every 100 ms while a transfer runs, and prints the peak. */
  private static final class HeapSampler implements AutoCloseable {
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final AtomicLong peak = new AtomicLong();

    HeapSampler(RouterProcess router) {
      timer.scheduleAtFixedRate(
          () -> {
            try {
              peak.accumulateAndGet(router.heapUsedBytes(), Math::max);
            } catch (Exception e) {
              // a missed sample is no error; the next one comes in 100 ms
            }
          },
          0,
          100,
          TimeUnit.MILLISECONDS);
    }

    void report(String what) {
      System.out.printf(
          "%s: router heap peak %.1f MiB (-Xmx%s)%n", what, peak.get() / (double) MIB, ROUTER_HEAP);
    }

    @Override
    public void close() throws InterruptedException {
      timer.shutdownNow();
      timer.awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
