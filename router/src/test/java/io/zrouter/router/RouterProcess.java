package io.zrouter.router;

import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A router in its own JVM (so its heap limit is its own), on ephemeral loopback ports learned from
 * its ready line. Stopped with the {@link JavaProcesses} that started it.
 */
final class RouterProcess {
  private static final Pattern READY =
      Pattern.compile(
          "zrouter ready: http = 127\\.0\\.0\\.1:(\\d+), workers = (tcp://127\\.0\\.0\\.1:\\d+),"
              + ".* admin = 127\\.0\\.0\\.1:(\\d+)");
  private static final Pattern HEAP_USED = Pattern.compile("\"heap_used_bytes\":(\\d+)");

  final Process process;
  final int httpPort;
  final String workerEndpoint;
  final int adminPort;
  private final HttpClient admin = HttpClient.newHttpClient();

  private RouterProcess(Process process, Matcher ready) {
    this.process = process;
    this.httpPort = Integer.parseInt(ready.group(1));
    this.workerEndpoint = ready.group(2);
    this.adminPort = Integer.parseInt(ready.group(3));
  }

  static RouterProcess start(JavaProcesses processes, Path log, String maxHeap, String... flags)
      throws Exception {
    List<String> args = new ArrayList<>();
    args.addAll(
        List.of(
            "--listen",
            "127.0.0.1:0",
            "--bind",
            "tcp://127.0.0.1:*",
            "--admin-listen",
            "127.0.0.1:0",
            "--io-threads",
            "2"));
    args.addAll(List.of(flags));
    Process process =
        processes.startWithHeap(
            log, maxHeap, "io.zrouter.router.RouterMain", args.toArray(String[]::new));
    AtomicReference<Matcher> ready = new AtomicReference<>();
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> {
              if (!process.isAlive()) {
                throw new IllegalStateException("router exited: " + Files.readString(log));
              }
              Matcher m = READY.matcher(Files.exists(log) ? Files.readString(log) : "");
              if (m.find()) {
                ready.set(m);
                return true;
              }
              return false;
            });
    return new RouterProcess(process, ready.get());
  }

  URI uri(String scheme, String pathAndQuery) {
    return URI.create(scheme + "://127.0.0.1:" + httpPort + pathAndQuery);
  }

  /** Heap in use now, garbage included, from {@code GET /_zrouter/memory}. */
  long heapUsedBytes() throws Exception {
    String json =
        admin
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + adminPort + "/_zrouter/memory"))
                    .build(),
                BodyHandlers.ofString())
            .body();
    Matcher m = HEAP_USED.matcher(json);
    if (!m.find()) {
      throw new IllegalStateException("no heap_used_bytes in " + json);
    }
    return Long.parseLong(m.group(1));
  }
}
