package io.zrouter.conformance.cases;

import static io.zrouter.conformance.cases.Checks.check;
import static io.zrouter.conformance.cases.Checks.ok;

import io.zrouter.conformance.fleet.Fleet;
import io.zrouter.conformance.fleet.FleetSpec;
import io.zrouter.conformance.fleet.WorkerInstance;
import io.zrouter.conformance.http.Reply;
import java.time.Duration;

/**
 * A frozen instance (SIGSTOP: its sockets stay open, it says nothing) is taken for dead after the
 * router's {@code --worker-liveness}; requests then all go to the other instance.
 */
final class LivenessCase implements ConformanceCase {
  private static final Duration LIVENESS = Duration.ofMillis(1500);
  private static final int REQUESTS = 20;

  @Override
  public String name() {
    return "liveness";
  }

  @Override
  public FleetSpec fleet() {
    return FleetSpec.instances(2).withRouterFlags("--worker-liveness", LIVENESS.toMillis() + "ms");
  }

  @Override
  public String run(Fleet fleet) throws Exception {
    WorkerInstance frozen = fleet.instance(0);
    WorkerInstance survivor = fleet.instance(1);
    check(
        fleet.admin().worker(frozen.id()).isPresent(),
        "the router does not list %s on its addressed path (no worker_hello), so it cannot"
            + " judge its liveness",
        frozen.id());
    long stoppedAt = System.nanoTime();
    frozen.process().freeze();
    try {
      Checks.poll(
          LIVENESS.plusSeconds(5),
          Duration.ofMillis(20),
          "the router to drop frozen " + frozen.id() + " from its workers",
          () -> fleet.admin().worker(frozen.id()).isEmpty() ? Boolean.TRUE : null);
      double deadAfterMs = Checks.millisSince(stoppedAt);
      double slowest = 0;
      for (int i = 0; i < REQUESTS; i++) {
        Reply r = ok(fleet.http().get("/hello"), "GET /hello with " + frozen.id() + " frozen");
        check(
            survivor.id().equals(r.workerId()),
            "request %d with %s frozen was served by %s",
            i,
            frozen.id(),
            r.workerId());
        slowest = Math.max(slowest, r.millis());
      }
      return "dead after " + Checks.ms(deadAfterMs) + ", slowest GET " + Checks.ms(slowest);
    } finally {
      frozen.process().thaw();
    }
  }
}
