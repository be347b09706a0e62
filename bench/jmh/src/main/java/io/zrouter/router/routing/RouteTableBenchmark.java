package io.zrouter.router.routing;

import io.zrouter.proto.RouteSpec;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Route matching at 10 and at 10,000 routes: the cost must not grow with the number of routes.
 *
 * <p>Each table holds {@code routes} path routes ({@code /svcN}), as many exact hosts ({@code
 * hostN.example.com}), and a few wildcards and host/path routes. The requests: a path route deep
 * below its prefix, an exact host, a wildcard host (a miss on the exact table first), and a request
 * nothing matches (the default service).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RouteTableBenchmark {
  @Param({"10", "10000"})
  public int routes;

  private final RouteTable<String> table = new RouteTable<>();
  private String pathHit;
  private String hostHit;

  @Setup
  public void setUp() {
    for (int i = 0; i < routes; i++) {
      table.put(RouteSpec.parse("/svc" + i), "svc" + i);
      table.put(RouteSpec.parse("host" + i + ".example.com"), "host" + i);
    }
    table.put(RouteSpec.parse("*.example.org"), "wild");
    table.put(RouteSpec.parse("*.eu.example.org"), "wild-eu");
    table.put(RouteSpec.parse("api.example.net/v2"), "v2");
    pathHit = "/svc" + (routes / 2) + "/orders/42/items?page=3";
    hostHit = "host" + (routes / 2) + ".example.com:8443";
    if (!("svc" + (routes / 2)).equals(table.match("shop.test", pathHit))
        || !("host" + (routes / 2)).equals(table.match(hostHit, "/"))
        || !"wild-eu".equals(table.match("a.eu.example.org", "/"))
        || table.match("nobody.test", "/nothing/here") != null) {
      throw new IllegalStateException("the table does not match as expected");
    }
  }

  @Benchmark
  public String pathPrefix() {
    return table.match("shop.test", pathHit);
  }

  @Benchmark
  public String exactHost() {
    return table.match(hostHit, "/orders/42");
  }

  @Benchmark
  public String wildcardHost() {
    return table.match("a.eu.example.org", "/orders/42");
  }

  @Benchmark
  public String noMatch() {
    return table.match("nobody.test", "/nothing/here/at/all");
  }
}
