package io.zrouter.conformance.cases;

import static io.zrouter.conformance.cases.Checks.check;
import static io.zrouter.conformance.cases.Checks.ok;

import io.zrouter.conformance.fleet.Fleet;
import io.zrouter.conformance.fleet.FleetSpec;
import io.zrouter.conformance.http.Reply;
import java.util.Arrays;

/** {@code GET /hello} answers 200, {@code hello from <id>\n}, with {@code x-worker-id: <id>}. */
final class HelloCase implements ConformanceCase {
  private static final int REQUESTS = 5;

  @Override
  public String name() {
    return "hello";
  }

  @Override
  public FleetSpec fleet() {
    return FleetSpec.instances(1);
  }

  @Override
  public String run(Fleet fleet) throws Exception {
    String id = fleet.instance(0).id();
    double[] millis = new double[REQUESTS];
    for (int i = 0; i < REQUESTS; i++) {
      Reply r = ok(fleet.http().get("/hello"), "GET /hello");
      check(id.equals(r.workerId()), "x-worker-id: expected %s, got %s", id, r.workerId());
      check(
          r.text().equals("hello from " + id + "\n"),
          "body: expected \"hello from %s\\n\", got \"%s\"",
          id,
          r.text().replace("\n", "\\n"));
      millis[i] = r.millis();
    }
    Arrays.sort(millis);
    return Checks.ms(millis[REQUESTS / 2]) + " median";
  }
}
