package io.zrouter.conformance.fleet;

import io.zrouter.conformance.Implementation;
import io.zrouter.conformance.http.Downstream;
import io.zrouter.conformance.http.Reply;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;

/**
 * Starts the fleet a case asks for and waits until it serves: every worker has answered a {@code
 * GET /hello} through the router, and (best effort) the router lists it on its addressed path.
 *
 * @param routerJar the router's shaded jar
 * @param routerJvmArgs extra JVM flags for the router (e.g. Netty's leak detector)
 * @param javaWorker how to start a Java sample worker, for cases that mix one in
 * @param directory the workers' working directory, which their commands' relative paths start from
 */
public record FleetLauncher(
    Path routerJar, List<String> routerJvmArgs, Implementation javaWorker, Path directory) {
  private static final Duration SERVING_TIMEOUT = Duration.ofSeconds(40);
  private static final Duration ADDRESSED_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration POLL = Duration.ofMillis(10);

  /** The router flags every case gets; a case's own flags come after them and win. */
  private static final List<String> ROUTER_FLAGS = List.of("--request-timeout", "15s");

  public FleetLauncher {
    routerJvmArgs = List.copyOf(routerJvmArgs);
  }

  /**
   * Starts a router and the workers of {@code spec} for case {@code caseName}, logs under {@code
   * logDir} ({@code router.log}, {@code <id>.log}).
   */
  public Fleet start(FleetSpec spec, Implementation impl, String caseName, Path logDir)
      throws IOException, InterruptedException, FleetException {
    List<String> flags = new ArrayList<>(ROUTER_FLAGS);
    flags.addAll(spec.routerFlags());
    RouterProcess router =
        RouterProcess.start(routerJar, routerJvmArgs, flags, logDir.resolve("router.log"));
    List<ChildProcess> started = new ArrayList<>(List.of(router.process()));
    try {
      List<WorkerInstance> instances = new ArrayList<>();
      for (int i = 1; i <= spec.instances(); i++) {
        WorkerInstance w =
            startWorker(impl, impl.name() + "-" + caseName + "-" + i, spec, router, logDir);
        started.add(w.process());
        instances.add(w);
      }
      WorkerInstance java = null;
      if (spec.javaWorker()) {
        java = startWorker(javaWorker, "javaref-" + caseName, spec, router, logDir);
        started.add(java.process());
      }
      Fleet fleet = new Fleet(router, instances, java);
      awaitServing(fleet);
      started.clear(); // the fleet owns them now
      return fleet;
    } finally {
      Fleet.stopAll(started);
    }
  }

  private WorkerInstance startWorker(
      Implementation impl, String id, FleetSpec spec, RouterProcess router, Path logDir)
      throws IOException {
    String command = impl.command(router.workerEndpoint(), id, spec.concurrency());
    ChildProcess p =
        ChildProcess.start(
            id, List.of("sh", "-c", "exec " + command), directory, logDir.resolve(id + ".log"));
    return new WorkerInstance(id, p);
  }

  private static void awaitServing(Fleet fleet) throws InterruptedException, FleetException {
    Set<String> expected = new HashSet<>();
    fleet.workers().forEach(w -> expected.add(w.id()));
    Set<String> served = new HashSet<>();
    Downstream http = fleet.http();
    String lastProblem = "none";
    long deadline = System.nanoTime() + SERVING_TIMEOUT.toNanos();
    for (int i = 0; i < 10_000 && !served.containsAll(expected); i++) {
      if (System.nanoTime() > deadline) {
        throw new FleetException(
            "not serving after "
                + SERVING_TIMEOUT.toSeconds()
                + " s: GET /hello reached "
                + served
                + " of "
                + expected
                + ", last problem: "
                + lastProblem,
            null);
      }
      assertAlive(fleet);
      try {
        Reply r = http.get("/hello");
        if (r.status() == 200 && r.workerId() != null) {
          served.add(r.workerId());
        } else {
          lastProblem = r.describe();
        }
      } catch (IOException e) {
        lastProblem = e.toString();
      }
      LockSupport.parkNanos(POLL.toNanos());
    }
    // A worker opens its addressed connection when it first sees the router's addressed port,
    // i.e. on its first request; wait until the router has its worker_hello.
    long addressedDeadline = System.nanoTime() + ADDRESSED_TIMEOUT.toNanos();
    while (System.nanoTime() < addressedDeadline) {
      assertAlive(fleet);
      try {
        Set<String> listed = new HashSet<>();
        fleet.admin().workers().forEach(w -> listed.add(w.id()));
        if (listed.containsAll(expected)) {
          return;
        }
      } catch (IOException e) {
        throw new FleetException("admin listener failed: " + e, fleet.router().process());
      }
      LockSupport.parkNanos(POLL.toNanos());
    }
    // Not fatal: the cases that need the addressed path fail on their own, saying what they saw.
    System.err.println(
        "conformance: the router does not list every worker on its addressed path after "
            + ADDRESSED_TIMEOUT.toSeconds()
            + " s: "
            + expected);
  }

  private static void assertAlive(Fleet fleet) throws FleetException {
    List<ChildProcess> all = new ArrayList<>();
    fleet.workers().forEach(w -> all.add(w.process()));
    all.add(fleet.router().process());
    for (ChildProcess p : all) {
      if (!p.isAlive()) {
        throw new FleetException("exited with " + p.exitValue() + " before serving", p);
      }
    }
  }
}
