package io.zrouter.bench.chaos;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Starts a router and sample workers as processes, drives GET and POST load at them, and on a
 * schedule kills workers (-9), drains them (SIGTERM), starts new ones and restarts the router.
 * Counts every outcome, and, from the workers' execution logs, any POST that ran twice. Everything
 * it starts it stops; load is bounded in count and time.
 *
 * <p>{@code java -cp bench/target/zrouter-bench.jar io.zrouter.bench.chaos.ChaosHarness [--duration
 * 60s] [--workers 4] [--clients 8] [--event-every 2s]} from the repo root.
 */
public final class ChaosHarness {
  private static final Pattern READY =
      Pattern.compile(
          "zrouter ready: http = 127\\.0\\.0\\.1:(\\d+), workers = tcp://127\\.0\\.0\\.1:(\\d+)");

  /** Settings of one run. */
  public record Options(
      Duration duration,
      int workers,
      int clients,
      Duration eventEvery,
      Path workDir,
      Launcher launcher) {}

  private final Options options;
  private final Random random = new Random(7);
  private final List<Process> workers = new ArrayList<>();
  private final List<Process> everything = new ArrayList<>();
  private final Map<String, Integer> events = new HashMap<>();
  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private Process router;
  private int routerGeneration;
  private int workerCount;
  private volatile int httpPort;
  private int zmqPort;

  private ChaosHarness(Options options) {
    this.options = options;
  }

  public static ChaosReport run(Options options) throws Exception {
    return new ChaosHarness(options).run();
  }

  private ChaosReport run() throws Exception {
    Files.createDirectories(options.workDir());
    try {
      int base = freePortsBelowEphemeralRange();
      startRouter(
          List.of("--listen", "127.0.0.1:" + base, "--bind", "tcp://127.0.0.1:" + (base + 1)));
      for (int i = 0; i < options.workers(); i++) {
        startWorker();
      }
      awaitServing(Duration.ofSeconds(60));
      return load();
    } finally {
      stopAll();
    }
  }

  private ChaosReport load() throws Exception {
    Map<String, Integer> outcomes = new ConcurrentHashMap<>();
    AtomicInteger sent = new AtomicInteger();
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> clients = new ArrayList<>();
    for (int c = 0; c < options.clients(); c++) {
      int id = c;
      Thread t = new Thread(() -> clientLoop(id, stop, sent, outcomes), "chaos-client-" + c);
      t.start();
      clients.add(t);
    }
    long end = System.nanoTime() + options.duration().toNanos();
    int n = 0;
    while (System.nanoTime() < end) {
      TimeUnit.MILLISECONDS.sleep(options.eventEvery().toMillis()); // the chaos schedule's pace
      n++;
      if (n % 5 == 0) {
        restartRouter();
      } else {
        switch (n % 3) {
          case 0 -> killWorker();
          case 1 -> drainWorker();
          default -> addOrRemoveWorker();
        }
      }
    }
    stop.set(true);
    for (Thread t : clients) {
      t.join(TimeUnit.SECONDS.toMillis(60));
    }
    return new ChaosReport(sent.get(), new HashMap<>(outcomes), duplicates(), events);
  }

  private void clientLoop(
      int id, AtomicBoolean stop, AtomicInteger sent, Map<String, Integer> outcomes) {
    for (int i = 0; i < 1_000_000 && !stop.get(); i++) {
      String chaosId = "c" + id + "-" + i;
      URI base = URI.create("http://127.0.0.1:" + httpPort);
      HttpRequest request =
          i % 2 == 0
              ? HttpRequest.newBuilder(base.resolve("/hello"))
                  .timeout(Duration.ofSeconds(40))
                  .build()
              : HttpRequest.newBuilder(base.resolve("/echo"))
                  .timeout(Duration.ofSeconds(40))
                  .header("x-chaos-id", chaosId)
                  .POST(BodyPublishers.ofString(chaosId))
                  .build();
      sent.incrementAndGet();
      String outcome;
      try {
        HttpResponse<String> r = client.send(request, BodyHandlers.ofString());
        outcome = String.valueOf(r.statusCode());
      } catch (HttpTimeoutException e) {
        outcome = "lost";
      } catch (java.net.ConnectException e) {
        outcome = "refused (router down)";
        pause(); // do not spin while the router restarts
      } catch (IOException e) {
        outcome = "reset";
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      outcomes.merge(outcome, 1, Integer::sum);
    }
  }

  /**
   * Three free consecutive ports (HTTP, dispatch, addressed = dispatch + 1) below Linux's ephemeral
   * range (32768 and up): the router restarts on the same ports, and an ephemeral port would sooner
   * or later be taken meanwhile as the local port of some client's connection.
   */
  private static int freePortsBelowEphemeralRange() {
    java.util.Random random = new java.util.Random();
    for (int attempt = 0; attempt < 500; attempt++) {
      int base = 20000 + random.nextInt(12000);
      if (bindable(base) && bindable(base + 1) && bindable(base + 2)) {
        return base;
      }
    }
    throw new IllegalStateException("no three free consecutive ports in 20000..32002");
  }

  private static boolean bindable(int port) {
    try (java.net.ServerSocket socket = new java.net.ServerSocket()) {
      socket.bind(new java.net.InetSocketAddress("127.0.0.1", port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static void pause() {
    try {
      TimeUnit.MILLISECONDS.sleep(20);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void startRouter(List<String> args) throws IOException, InterruptedException {
    routerGeneration++;
    Path log = options.workDir().resolve("router-" + routerGeneration + ".log");
    List<String> all = new ArrayList<>(args);
    all.addAll(List.of("--admin-listen", "off", "--worker-wait", "5s"));
    router = options.launcher().router(log, all);
    everything.add(router);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      Matcher m = READY.matcher(Files.exists(log) ? Files.readString(log) : "");
      if (m.find()) {
        httpPort = Integer.parseInt(m.group(1));
        zmqPort = Integer.parseInt(m.group(2));
        return;
      }
      if (!router.isAlive()) {
        throw new IllegalStateException("router exited: " + Files.readString(log));
      }
      TimeUnit.MILLISECONDS.sleep(20); // polling a log file for a line, not test sync
    }
    throw new IllegalStateException("router not ready in 30 s");
  }

  private void restartRouter() throws IOException, InterruptedException {
    router.destroy(); // SIGTERM: drains, exits 0
    router.waitFor(30, TimeUnit.SECONDS);
    startRouter(
        List.of("--listen", "127.0.0.1:" + httpPort, "--bind", "tcp://127.0.0.1:" + zmqPort));
    events.merge("router restart", 1, Integer::sum);
  }

  private void startWorker() throws IOException {
    String id = "chaos-w" + (++workerCount);
    Path dir = options.workDir();
    Process p =
        options
            .launcher()
            .worker(
                dir.resolve(id + ".log"),
                List.of(
                    "--connect",
                    "tcp://127.0.0.1:" + zmqPort,
                    "--id",
                    id,
                    "--drain-timeout",
                    "5s",
                    "--exec-log",
                    dir.resolve(id + ".exec").toString()));
    workers.add(p);
    everything.add(p);
  }

  private Process pickWorker() {
    workers.removeIf(p -> !p.isAlive());
    return workers.isEmpty() ? null : workers.get(random.nextInt(workers.size()));
  }

  private void killWorker() throws IOException, InterruptedException {
    Process victim = pickWorker();
    if (victim != null) {
      victim.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      workers.remove(victim);
      events.merge("worker kill -9", 1, Integer::sum);
    }
    startWorker();
  }

  private void drainWorker() throws IOException, InterruptedException {
    Process victim = pickWorker();
    startWorker(); // the replacement first, as a rolling restart does
    if (victim != null) {
      victim.destroy();
      workers.remove(victim);
      events.merge("worker SIGTERM", 1, Integer::sum);
    }
  }

  private void addOrRemoveWorker() throws IOException {
    workers.removeIf(p -> !p.isAlive());
    if (workers.size() <= options.workers()) {
      startWorker();
      events.merge("worker added", 1, Integer::sum);
    } else {
      Process extra = pickWorker();
      extra.destroy();
      workers.remove(extra);
      events.merge("worker SIGTERM", 1, Integer::sum);
    }
  }

  private void awaitServing(Duration limit) throws Exception {
    long deadline = System.nanoTime() + limit.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        HttpResponse<String> r =
            client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/hello"))
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not up yet
      }
    }
    throw new IllegalStateException("no worker served within " + limit);
  }

  /** POST ids that appear in more than one execution line, over every worker's log. */
  private int duplicates() throws IOException {
    Map<String, Integer> executions = new HashMap<>();
    try (Stream<Path> files = Files.list(options.workDir())) {
      for (Path f : files.filter(p -> p.toString().endsWith(".exec")).toList()) {
        for (String line : Files.readAllLines(f)) {
          if (!line.isBlank()) {
            executions.merge(line.split(" ")[0], 1, Integer::sum);
          }
        }
      }
    }
    return (int) executions.values().stream().filter(n -> n > 1).count();
  }

  private void stopAll() throws InterruptedException {
    for (Process p : everything) {
      p.destroy();
    }
    for (Process p : everything) {
      if (!p.waitFor(15, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> flags = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      flags.put(args[i], args[i + 1]);
    }
    Options options =
        new Options(
            parse(flags.getOrDefault("--duration", "60s")),
            Integer.parseInt(flags.getOrDefault("--workers", "4")),
            Integer.parseInt(flags.getOrDefault("--clients", "8")),
            parse(flags.getOrDefault("--event-every", "2s")),
            Files.createTempDirectory("zrouter-chaos"),
            Launcher.jars(Path.of(flags.getOrDefault("--repo", "."))));
    System.out.println("chaos: " + options.duration() + ", work dir " + options.workDir());
    ChaosReport report = run(options);
    System.out.print(report.table());
    System.exit(report.count("lost") == 0 && report.duplicates() == 0 ? 0 : 1);
  }

  private static Duration parse(String s) {
    if (s.endsWith("ms")) {
      return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
    }
    if (s.endsWith("s")) {
      return Duration.ofSeconds(Long.parseLong(s.substring(0, s.length() - 1)));
    }
    if (s.endsWith("m")) {
      return Duration.ofMinutes(Long.parseLong(s.substring(0, s.length() - 1)));
    }
    throw new IllegalArgumentException("not a duration: " + s);
  }
}
