package io.zrouter.router.upstream;

import io.zrouter.proto.RouteSpec;
import io.zrouter.router.routing.ServiceRoutes;
import io.zrouter.shaded.org.zeromq.ZMQ;
import java.util.Set;

/**
 * One service as the link sees it: the routes its workers declared, and the bound DEALER that only
 * its workers connect to. The default service (workers that declared no route) is the lane of the
 * {@code --bind} socket. Link thread only.
 */
public final class ServiceLane {
  /** The name of the default service in logs and the admin view. */
  static final String DEFAULT = "default";

  final Set<RouteSpec> routes;
  final String name;
  final ZMQ.Socket socket;

  /** The TCP port of the socket; 0 for the default lane, whose workers know its endpoint. */
  final int port;

  /** Workers of this service that said hello and have not left. */
  private int workers;

  private long emptySinceNanos;

  /** {@code socket} may be null in unit tests that never send. */
  ServiceLane(Set<RouteSpec> routes, ZMQ.Socket socket, int port, long nowNanos) {
    this.routes = routes;
    this.name = routes.isEmpty() ? DEFAULT : ServiceRoutes.describe(routes);
    this.socket = socket;
    this.port = port;
    this.emptySinceNanos = nowNanos;
  }

  boolean isDefault() {
    return routes.isEmpty();
  }

  void workerJoined() {
    workers++;
  }

  void workerLeft(long nowNanos) {
    if (--workers == 0) {
      emptySinceNanos = nowNanos;
    }
  }

  /** Nanoseconds since its last worker left; 0 while it has workers. */
  long emptyForNanos(long nowNanos) {
    return workers > 0 ? 0 : nowNanos - emptySinceNanos;
  }

  @Override
  public String toString() {
    return name;
  }
}
