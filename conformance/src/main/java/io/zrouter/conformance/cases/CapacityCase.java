package io.zrouter.conformance.cases;

import static io.zrouter.conformance.cases.Checks.check;
import static io.zrouter.conformance.cases.Checks.ok;

import io.zrouter.conformance.fleet.Fleet;
import io.zrouter.conformance.fleet.FleetSpec;
import io.zrouter.conformance.http.Reply;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Two instances of concurrency 1, four concurrent {@code GET /sleep?ms=500}: all succeed, and no
 * instance ran two at once. Seen from the client: an instance that runs one request at a time
 * finishes its k-th response no sooner than k × 500 ms after they were sent, and its responses end
 * at least 500 ms apart.
 */
final class CapacityCase implements ConformanceCase {
  private static final int REQUESTS = 4;
  private static final long SLEEP_MS = 500;

  /** Slack for a response that the client read a little late, or a timer that woke early. */
  private static final double SLACK_MS = 60;

  @Override
  public String name() {
    return "capacity";
  }

  @Override
  public FleetSpec fleet() {
    return FleetSpec.instances(2).withConcurrency(1);
  }

  @Override
  public String run(Fleet fleet) throws Exception {
    long sent = System.nanoTime();
    List<CompletableFuture<Reply>> pending = new ArrayList<>();
    for (int i = 0; i < REQUESTS; i++) {
      pending.add(fleet.http().getAsync("/sleep?ms=" + SLEEP_MS));
    }
    Map<String, List<Double>> endsByWorker = new TreeMap<>();
    fleet.instances().forEach(w -> endsByWorker.put(w.id(), new ArrayList<>()));
    double last = 0;
    for (CompletableFuture<Reply> f : pending) {
      Reply r = ok(f.get(20, TimeUnit.SECONDS), "GET /sleep?ms=" + SLEEP_MS);
      List<Double> ends = endsByWorker.get(r.workerId());
      check(ends != null, "served by %s, none of %s", r.workerId(), endsByWorker.keySet());
      double end = (r.doneNanos() - sent) / 1e6;
      ends.add(end);
      last = Math.max(last, end);
    }
    String figure =
        endsByWorker.values().stream()
                .map(ends -> Integer.toString(ends.size()))
                .collect(java.util.stream.Collectors.joining("+"))
            + " in "
            + Checks.ms(last);
    for (Map.Entry<String, List<Double>> e : endsByWorker.entrySet()) {
      List<Double> ends = e.getValue();
      ends.sort(null);
      for (int k = 0; k < ends.size(); k++) {
        if (ends.get(k) < (k + 1) * SLEEP_MS - SLACK_MS) {
          throw new CaseFailure(
              e.getKey()
                  + " ran two requests at once with concurrency 1: its responses ended "
                  + rounded(ends)
                  + " ms after sending (response "
                  + (k + 1)
                  + " no sooner than "
                  + (k + 1) * SLEEP_MS
                  + " ms)",
              figure);
        }
      }
    }
    return figure;
  }

  private static List<Long> rounded(List<Double> ms) {
    return ms.stream().map(Math::round).toList();
  }
}
