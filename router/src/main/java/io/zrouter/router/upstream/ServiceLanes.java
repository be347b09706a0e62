package io.zrouter.router.upstream;

import io.zrouter.proto.Route;
import io.zrouter.proto.RouteSpec;
import io.zrouter.router.config.PortRange;
import io.zrouter.router.routing.ServiceRoutes;
import io.zrouter.shaded.org.zeromq.ZMQ;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The services the router knows: the default one (the {@code --bind} socket) and one per set of
 * routes that workers declared, each with its own bound DEALER. Link thread only.
 *
 * <p>A worker's hello decides its service ({@link #onHello}): the default one when it declares no
 * route; the service of its route set, made now with a socket of its own when it is the first
 * worker to declare that set; or a refusal when its routes are malformed or conflict with a running
 * service's (see {@link ServiceRoutes}). A service whose workers have all gone keeps its routes
 * (its requests wait and get 503, rather than reach another app) until it has been empty for {@link
 * #RETIRE_AFTER_NANOS}.
 */
final class ServiceLanes {
  private static final Logger log = LoggerFactory.getLogger(ServiceLanes.class);

  /** How long a service without workers keeps its routes and its socket. */
  static final long RETIRE_AFTER_NANOS = java.util.concurrent.TimeUnit.MINUTES.toNanos(10);

  /** What a hello comes to: a service to join, or why not. */
  record Answer(ServiceLane lane, String refusal) {}

  private final LinkSockets sockets;
  private final PortRange range;
  private final ServiceLane defaultLane;
  private final ServiceRoutes<ServiceLane> services = new ServiceRoutes<>();
  private final List<ServiceLane> all = new ArrayList<>();

  /** {@code range}: where service sockets bind; null for ports the OS picks. */
  ServiceLanes(LinkSockets sockets, PortRange range, long nowNanos) {
    this.sockets = sockets;
    this.range = range;
    this.defaultLane = new ServiceLane(Set.of(), sockets.dispatch, 0, nowNanos);
    all.add(defaultLane);
  }

  ServiceLane defaultLane() {
    return defaultLane;
  }

  /** Every service, the default first; the list changes only on {@link #onHello} and retiring. */
  List<ServiceLane> all() {
    return all;
  }

  /** Whether any worker declared routes. */
  boolean hasServices() {
    return all.size() > 1;
  }

  /** The service a request goes to: its best route's, or null when no route matches. */
  ServiceLane match(String authority, String path) {
    return services.match(authority, path);
  }

  /** The service a worker that says hello with these routes joins, or why it may not. */
  Answer onHello(String workerName, List<Route> declared, long nowNanos) {
    if (declared.isEmpty()) {
      return new Answer(defaultLane, null);
    }
    Set<RouteSpec> routes = new LinkedHashSet<>();
    for (Route route : declared) {
      try {
        routes.add(RouteSpec.fromProto(route));
      } catch (IllegalArgumentException e) {
        return new Answer(null, e.getMessage());
      }
    }
    ServiceRoutes.Decision<ServiceLane> decision;
    try {
      decision = services.declare(routes, set -> newLane(set, nowNanos));
    } catch (NoFreePortException e) {
      return new Answer(null, e.getMessage());
    }
    if (decision instanceof ServiceRoutes.Conflict<ServiceLane> conflict) {
      log.warn("worker refused: worker = {}, reason = {}", workerName, conflict.reason());
      return new Answer(null, conflict.reason());
    }
    ServiceRoutes.Join<ServiceLane> join = (ServiceRoutes.Join<ServiceLane>) decision;
    if (join.created()) {
      all.add(join.service());
      log.info("service created: routes = {}, port = {}", join.service().name, join.service().port);
    }
    return new Answer(join.service(), null);
  }

  private ServiceLane newLane(Set<RouteSpec> routes, long nowNanos) {
    ZMQ.Socket socket = sockets.bindService(range);
    if (socket == null) {
      throw new NoFreePortException(
          "no free port left in --service-ports " + range + " for a new service");
    }
    return new ServiceLane(routes, socket, Endpoints.port(socket.getLastEndpoint()), nowNanos);
  }

  /** Retires services empty for long enough, handing each to {@code retired} once closed. */
  void retireIdle(long nowNanos, Consumer<ServiceLane> retired) {
    for (ServiceLane lane : List.copyOf(all)) {
      if (!lane.isDefault() && lane.emptyForNanos(nowNanos) > RETIRE_AFTER_NANOS) {
        services.retire(lane.routes);
        all.remove(lane);
        sockets.closeService(lane.socket);
        log.info("service retired, no worker for 10 minutes: routes = {}", lane.name);
        retired.accept(lane);
      }
    }
  }

  private static final class NoFreePortException extends RuntimeException {
    NoFreePortException(String message) {
      super(message, null, false, false);
    }
  }
}
