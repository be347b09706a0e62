package io.zrouter.conformance.cases;

import static io.zrouter.conformance.cases.Checks.check;
import static io.zrouter.conformance.cases.Checks.ok;

import io.zrouter.conformance.fleet.Fleet;
import io.zrouter.conformance.fleet.FleetSpec;
import io.zrouter.conformance.fleet.WorkerInstance;
import java.util.Map;
import java.util.TreeMap;

/** Two instances share 40 sequential GETs, neither getting under a quarter of them. */
final class RoundRobinCase implements ConformanceCase {
  private static final int REQUESTS = 40;

  @Override
  public String name() {
    return "round_robin";
  }

  @Override
  public FleetSpec fleet() {
    return FleetSpec.instances(2);
  }

  @Override
  public String run(Fleet fleet) throws Exception {
    Map<String, Integer> served = new TreeMap<>();
    fleet.instances().forEach(w -> served.put(w.id(), 0));
    for (int i = 0; i < REQUESTS; i++) {
      String id = ok(fleet.http().get("/hello"), "GET /hello").workerId();
      check(served.containsKey(id), "served by %s, which is none of %s", id, served.keySet());
      served.merge(id, 1, Integer::sum);
    }
    String figure =
        served.get(fleet.instance(0).id()) + "/" + served.get(fleet.instance(1).id()) + " of 40";
    for (WorkerInstance w : fleet.instances()) {
      if (served.get(w.id()) < REQUESTS / 4) {
        throw new CaseFailure(
            "uneven share: " + served + " (each instance should serve at least 25 %)", figure);
      }
    }
    return figure;
  }
}
