package io.zrouter.conformance.fleet;

import java.util.List;

/**
 * What a case needs started: a router with {@code routerFlags}, {@code instances} instances of the
 * implementation under test, each with {@code concurrency}, and, with {@code javaWorker}, one Java
 * sample worker beside them.
 */
public record FleetSpec(
    int instances, int concurrency, boolean javaWorker, List<String> routerFlags) {

  /** The concurrency an instance gets unless a case asks for another. */
  public static final int DEFAULT_CONCURRENCY = 16;

  public FleetSpec {
    if (instances < 1 || concurrency < 1) {
      throw new IllegalArgumentException("instances and concurrency must be at least 1");
    }
    routerFlags = List.copyOf(routerFlags);
  }

  /** {@code n} instances, default concurrency, default router, no Java worker. */
  public static FleetSpec instances(int n) {
    return new FleetSpec(n, DEFAULT_CONCURRENCY, false, List.of());
  }

  public FleetSpec withConcurrency(int c) {
    return new FleetSpec(instances, c, javaWorker, routerFlags);
  }

  public FleetSpec withJavaWorker() {
    return new FleetSpec(instances, concurrency, true, routerFlags);
  }

  public FleetSpec withRouterFlags(String... flags) {
    return new FleetSpec(instances, concurrency, javaWorker, List.of(flags));
  }
}
