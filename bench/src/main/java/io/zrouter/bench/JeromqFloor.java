package io.zrouter.bench;

import io.zrouter.shaded.org.zeromq.SocketType;
import io.zrouter.shaded.org.zeromq.ZContext;
import io.zrouter.shaded.org.zeromq.ZMQ;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The floor under zrouter's link: what a bare JeroMQ request/reply costs on this machine, message
 * for message, with the JeroMQ we ship (patched, relocated).
 *
 * <p>Two JVMs over loopback TCP, shaped like the router and a worker: the client binds a DEALER (as
 * the router's dispatch socket) and keeps {@code --in-flight} requests of 700 bytes out; the server
 * connects a ROUTER (as a worker) and answers each with 200 bytes. Each side waits in a {@code
 * ZMQ.Poller} and drains with {@code DONTWAIT}, as zrouter's threads do. After a warm-up it counts
 * round trips for the measured window and prints round trips per second and the CPU each thread of
 * each process spent per round trip (from {@code /proc/PID/task/TID/stat}).
 *
 * <p>{@code java -cp bench/target/zrouter-bench.jar io.zrouter.bench.JeromqFloor [--warmup 20]
 * [--seconds 10] [--in-flight 64]}
 */
public final class JeromqFloor {
  private static final int REQUEST_BYTES = 700;
  private static final int REPLY_BYTES = 200;

  private JeromqFloor() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("serve")) {
      serve(args[1]);
      return;
    }
    int warmupSeconds = intFlag(args, "--warmup", 20);
    int seconds = intFlag(args, "--seconds", 10);
    int inFlight = intFlag(args, "--in-flight", 64);
    try (ZContext context = new ZContext(1)) {
      ZMQ.Socket dealer = context.createSocket(SocketType.DEALER);
      dealer.setLinger(0);
      dealer.bind("tcp://127.0.0.1:*");
      Process server = startServer(dealer.getLastEndpoint());
      try {
        run(context, dealer, server, warmupSeconds, seconds, inFlight);
      } finally {
        server.destroy();
        if (!server.waitFor(5, TimeUnit.SECONDS)) {
          server.destroyForcibly();
        }
      }
    }
  }

  private static Process startServer(String endpoint) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(
            java,
            "-Xmx256m",
            "-cp",
            System.getProperty("java.class.path"),
            JeromqFloor.class.getName(),
            "serve",
            endpoint)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.INHERIT)
        .start();
  }

  private static void run(
      ZContext context,
      ZMQ.Socket dealer,
      Process server,
      int warmupSeconds,
      int seconds,
      int inFlight)
      throws IOException {
    byte[] request = new byte[REQUEST_BYTES];
    ZMQ.Poller poller = context.createPoller(1);
    poller.register(dealer, ZMQ.Poller.POLLIN);
    for (int i = 0; i < inFlight; i++) {
      dealer.send(request, 0);
    }
    long warmupEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmupSeconds);
    long measureEnd = warmupEnd + TimeUnit.SECONDS.toNanos(seconds);
    Map<String, Long> before = null;
    long counted = 0;
    long startedNanos = 0;
    while (true) {
      long now = System.nanoTime();
      if (before == null && now - warmupEnd >= 0) {
        before = threadTicks(ProcessHandle.current().pid(), server.pid());
        startedNanos = now;
      }
      if (now - measureEnd >= 0) {
        break;
      }
      poller.poll(100);
      byte[] reply;
      while ((reply = dealer.recv(ZMQ.DONTWAIT)) != null) {
        if (reply.length != REPLY_BYTES) {
          throw new IllegalStateException("unexpected reply of " + reply.length + " bytes");
        }
        if (before != null) {
          counted++;
        }
        dealer.send(request, 0);
      }
    }
    long elapsedNanos = System.nanoTime() - startedNanos;
    Map<String, Long> after = threadTicks(ProcessHandle.current().pid(), server.pid());
    report(before, after, counted, elapsedNanos, warmupSeconds, inFlight);
  }

  private static void report(
      Map<String, Long> before,
      Map<String, Long> after,
      long roundTrips,
      long elapsedNanos,
      int warmupSeconds,
      int inFlight) {
    double ticksToMicros = 1e6 / 100.0; // USER_HZ is 100 on Linux
    System.out.printf(
        Locale.ROOT,
        "JeroMQ floor: %d in flight, %d-byte requests, %d-byte replies, %d s warm-up%n",
        inFlight,
        REQUEST_BYTES,
        REPLY_BYTES,
        warmupSeconds);
    System.out.printf(
        Locale.ROOT,
        "%,d round trips in %.1f s: %,.0f round trips/s%n",
        roundTrips,
        elapsedNanos / 1e9,
        roundTrips / (elapsedNanos / 1e9));
    double total = 0;
    for (Map.Entry<String, Long> e : after.entrySet()) {
      long ticks = e.getValue() - before.getOrDefault(e.getKey(), 0L);
      double micros = ticks * ticksToMicros / roundTrips;
      total += micros;
      if (micros >= 0.05) {
        System.out.printf(Locale.ROOT, "  %-32s %6.2f µs/round trip%n", e.getKey(), micros);
      }
    }
    System.out.printf(Locale.ROOT, "  %-32s %6.2f µs/round trip%n", "total", total);
  }

  /** CPU ticks (user + system) per "side/thread name", threads of one name summed. */
  private static Map<String, Long> threadTicks(long client, long server) throws IOException {
    Map<String, Long> ticks = new TreeMap<>();
    addThreads(ticks, "client (DEALER)", client);
    addThreads(ticks, "server (ROUTER)", server);
    return ticks;
  }

  private static void addThreads(Map<String, Long> ticks, String side, long pid)
      throws IOException {
    Path tasks = Path.of("/proc", Long.toString(pid), "task");
    List<Path> threads = new ArrayList<>();
    try (Stream<Path> list = Files.list(tasks)) {
      list.forEach(threads::add);
    }
    for (Path task : threads) {
      try {
        String name = Files.readString(task.resolve("comm")).trim().replaceAll("[-\\d]+$", "");
        String stat = Files.readString(task.resolve("stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long used = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        ticks.merge(side + " " + name, used, Long::sum);
      } catch (IOException threadEnded) {
        // a thread that ended between the listing and the read used nothing since
      }
    }
  }

  /** The server: answers every request with {@value #REPLY_BYTES} bytes until stdin closes. */
  private static void serve(String endpoint) {
    byte[] reply = new byte[REPLY_BYTES];
    try (ZContext context = new ZContext(1)) {
      ZMQ.Socket router = context.createSocket(SocketType.ROUTER);
      router.setLinger(0);
      router.connect(endpoint);
      ZMQ.Poller poller = context.createPoller(1);
      poller.register(router, ZMQ.Poller.POLLIN);
      Thread parentWatch = new Thread(JeromqFloor::exitWhenParentGoes, "parent-watch");
      parentWatch.setDaemon(true);
      parentWatch.start();
      while (!Thread.currentThread().isInterrupted()) {
        poller.poll(100);
        byte[] peer;
        while ((peer = router.recv(ZMQ.DONTWAIT)) != null) {
          router.recv(0); // the request
          router.send(peer, ZMQ.SNDMORE);
          router.send(reply, 0);
        }
      }
    }
  }

  /** The server ends with its parent, however the parent ends. */
  private static void exitWhenParentGoes() {
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      while (in.readLine() != null) {
        // nothing is sent; end of stream means the parent is gone
      }
    } catch (IOException e) {
      // the same: the parent is gone
    }
    System.exit(0);
  }

  private static int intFlag(String[] args, String name, int fallback) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals(name)) {
        return Integer.parseInt(args[i + 1]);
      }
    }
    return fallback;
  }
}
