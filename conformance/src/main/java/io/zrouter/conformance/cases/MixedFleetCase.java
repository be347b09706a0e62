package io.zrouter.conformance.cases;

import static io.zrouter.conformance.cases.Checks.check;
import static io.zrouter.conformance.cases.Checks.ok;

import io.zrouter.conformance.fleet.Fleet;
import io.zrouter.conformance.fleet.FleetSpec;
import io.zrouter.conformance.http.Reply;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * An instance under test beside a Java sample worker on one router: 40 GETs and 10 small POSTs,
 * interleaved, all answered right, and both workers serve.
 */
final class MixedFleetCase implements ConformanceCase {
  private static final int GETS = 40;
  private static final int POSTS = 10;

  @Override
  public String name() {
    return "mixed_fleet";
  }

  @Override
  public FleetSpec fleet() {
    return FleetSpec.instances(1).withJavaWorker();
  }

  @Override
  public String run(Fleet fleet) throws Exception {
    String tested = fleet.instance(0).id();
    String java = fleet.javaWorker().orElseThrow().id();
    Map<String, Integer> gets = new TreeMap<>(Map.of(tested, 0, java, 0));
    Map<String, Integer> posts = new TreeMap<>(Map.of(tested, 0, java, 0));
    Random random = new Random(42);
    for (int i = 0; i < GETS + POSTS; i++) {
      boolean post = i % 5 == 4; // one POST after every four GETs
      Reply r;
      if (post) {
        byte[] body = new byte[200 + random.nextInt(300)];
        random.nextBytes(body);
        r = ok(fleet.http().post("/echo", body), "POST /echo");
        check(
            Arrays.equals(body, r.body()),
            "POST /echo served by %s: body differs (%d bytes sent, %d back)",
            r.workerId(),
            body.length,
            r.body().length);
      } else {
        r = ok(fleet.http().get("/hello"), "GET /hello");
        check(
            r.text().equals("hello from " + r.workerId() + "\n"),
            "GET /hello served by %s: body \"%s\"",
            r.workerId(),
            r.text().strip());
      }
      Map<String, Integer> count = post ? posts : gets;
      check(count.containsKey(r.workerId()), "served by unknown worker %s", r.workerId());
      count.merge(r.workerId(), 1, Integer::sum);
    }
    String figure =
        "tested "
            + gets.get(tested)
            + "+"
            + posts.get(tested)
            + ", java "
            + gets.get(java)
            + "+"
            + posts.get(java);
    if (gets.get(tested) + posts.get(tested) == 0 || gets.get(java) + posts.get(java) == 0) {
      throw new CaseFailure("one worker served nothing: GETs " + gets + ", POSTs " + posts, figure);
    }
    return figure;
  }
}
