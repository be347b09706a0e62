package io.zrouter.conformance.cases;

import static io.zrouter.conformance.cases.Checks.check;

import io.zrouter.conformance.fleet.AdminView;
import io.zrouter.conformance.fleet.Fleet;
import io.zrouter.conformance.fleet.FleetSpec;
import io.zrouter.conformance.fleet.WorkerInstance;
import io.zrouter.conformance.http.Reply;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * SIGTERM drains an instance: the {@code /sleep} requests it holds finish with 200, new requests go
 * to the other instance (a steady trickle of GETs and POSTs never fails), and it exits 0 once done.
 */
final class DrainCase implements ConformanceCase {
  private static final int SLEEPERS = 6;
  private static final long SLEEP_MS = 1000;

  /** The in-flight requests need at most SLEEP_MS; allow for the process's own shutdown. */
  private static final Duration EXIT_LIMIT = Duration.ofMillis(SLEEP_MS).plusSeconds(4);

  /**
   * A request sent this long after SIGTERM must not be served by the draining instance, unless the
   * router showed it draining ({@code worker_state DRAINING}) sooner: then from that moment.
   */
  private static final Duration REFUSE_AFTER = Duration.ofMillis(1000);

  /** Trickle requests to see succeed after the instance exited. */
  private static final int AFTER_EXIT = 10;

  @Override
  public String name() {
    return "drain";
  }

  @Override
  public FleetSpec fleet() {
    return FleetSpec.instances(2);
  }

  @Override
  public String run(Fleet fleet) throws Exception {
    WorkerInstance victim = fleet.instance(0);
    check(
        fleet.admin().worker(victim.id()).isPresent(),
        "the router does not list %s on its addressed path (no worker_hello)",
        victim.id());
    List<CompletableFuture<Reply>> sleepers = new ArrayList<>();
    for (int i = 0; i < SLEEPERS; i++) {
      String path = "/sleep?ms=" + SLEEP_MS;
      sleepers.add(
          i % 2 == 0 ? fleet.http().getAsync(path) : fleet.http().postAsync(path, new byte[16]));
    }
    Checks.poll(
        Duration.ofSeconds(3),
        Duration.ofMillis(10),
        "all " + SLEEPERS + " sleeps in flight, some on " + victim.id(),
        () -> {
          List<AdminView.WorkerEntry> workers = fleet.admin().workers();
          int total = workers.stream().mapToInt(AdminView.WorkerEntry::inFlight).sum();
          boolean onVictim =
              workers.stream().anyMatch(w -> w.id().equals(victim.id()) && w.inFlight() > 0);
          return total >= SLEEPERS && onVictim ? Boolean.TRUE : null;
        });

    List<String> problems = new ArrayList<>();
    long termAt;
    double exitMs;
    boolean exited;
    long refuseFrom;
    try (Trickle trickle = new Trickle(fleet.http())) {
      trickle.start();
      check(trickle.awaitFirst(Duration.ofSeconds(5)), "the trickle's first request never ended");
      termAt = System.nanoTime();
      victim.process().terminate();
      long drainingShown = awaitDrainingShown(fleet, victim, termAt);
      exited = victim.process().awaitExit(EXIT_LIMIT.minusNanos(System.nanoTime() - termAt));
      exitMs = Checks.millisSince(termAt);
      refuseFrom = Math.min(drainingShown, termAt + REFUSE_AFTER.toNanos());
      long exitSeen = System.nanoTime();
      Checks.poll(
          Duration.ofSeconds(10),
          Duration.ofMillis(20),
          AFTER_EXIT + " trickle requests after the exit",
          () -> trickle.completedSentAfter(exitSeen) >= AFTER_EXIT ? Boolean.TRUE : null);
      trickle.close();
      checkTrickle(trickle.outcomes(), victim, refuseFrom, problems);
    }

    int onVictim = 0;
    for (CompletableFuture<Reply> f : sleepers) {
      try {
        Reply r = f.get(10, TimeUnit.SECONDS);
        if (r.status() != 200) {
          problems.add("an in-flight /sleep got " + r.describe());
        } else if (victim.id().equals(r.workerId())) {
          onVictim++;
        }
      } catch (ExecutionException e) {
        problems.add("an in-flight /sleep failed: " + e.getCause());
      }
    }
    if (onVictim == 0) {
      problems.add("no in-flight /sleep was answered by " + victim.id() + ", so none drained");
    }
    if (!exited) {
      problems.add(victim.id() + " still running " + EXIT_LIMIT.toMillis() + " ms after SIGTERM");
    } else if (victim.process().exitValue() != 0) {
      problems.add(
          victim.id()
              + " exited with "
              + victim.process().exitValue()
              + " after SIGTERM, not 0"
              + (victim.process().exitValue() == 143 ? " (143: killed by the signal)" : ""));
    }
    String figure =
        (exited
                ? "exit " + victim.process().exitValue() + " after " + Checks.ms(exitMs)
                : "no exit")
            + ", "
            + onVictim
            + " drained";
    if (!problems.isEmpty()) {
      throw new CaseFailure(String.join("; ", problems), figure);
    }
    return figure;
  }

  /**
   * When the router first showed {@code victim} draining (or gone), polling until it exits; {@code
   * Long.MAX_VALUE} if it never did.
   */
  private static long awaitDrainingShown(Fleet fleet, WorkerInstance victim, long termAt)
      throws Exception {
    long deadline = termAt + EXIT_LIMIT.toNanos();
    while (System.nanoTime() < deadline && victim.process().isAlive()) {
      var entry = fleet.admin().worker(victim.id());
      if (entry.isEmpty() || entry.get().state().equals("draining")) {
        return System.nanoTime(); // it drained by the time the answer came, if not sooner
      }
      victim.process().awaitExit(Duration.ofMillis(10)); // the poll's pause, cut short by an exit
    }
    return Long.MAX_VALUE;
  }

  private static void checkTrickle(
      List<Trickle.Outcome> outcomes,
      WorkerInstance victim,
      long refuseFrom,
      List<String> problems) {
    int failed = 0;
    int servedLate = 0;
    String example = null;
    for (Trickle.Outcome o : outcomes) {
      if (o.error() != null || o.reply().status() != 200) {
        failed++;
        example = o.request() + ": " + (o.error() != null ? o.error() : o.reply().describe());
      } else if (o.sentNanos() > refuseFrom && victim.id().equals(o.reply().workerId())) {
        servedLate++;
      }
    }
    if (failed > 0) {
      problems.add(failed + " of " + outcomes.size() + " trickle requests failed, e.g. " + example);
    }
    if (servedLate > 0) {
      problems.add(
          servedLate
              + " trickle requests sent after draining "
              + victim.id()
              + " should refuse new ones (the router showed it draining, or "
              + REFUSE_AFTER.toMillis()
              + " ms after SIGTERM) were still served by it");
    }
  }
}
