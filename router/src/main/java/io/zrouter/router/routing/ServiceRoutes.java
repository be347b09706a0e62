package io.zrouter.router.routing;

import io.zrouter.proto.RouteSpec;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Which service each declared set of routes forms, and the table that routes requests to them. Not
 * thread-safe.
 *
 * <p>Workers that declare the same set of routes form one service and share its traffic. A worker
 * whose set shares a route with a running service's set without being equal to it is refused: if it
 * were let in, either it would take part of that service's traffic (one route of several) that the
 * service's other workers expect to serve, or the two would have to be merged, which changes what
 * every worker of the running service receives without any of them asking for it. Routes that are
 * merely nested ({@code /api} and {@code /api/v2}) do not conflict: the longest prefix wins.
 *
 * @param <S> a service
 */
public final class ServiceRoutes<S> {
  /** What a declaration comes to. */
  public sealed interface Decision<S> {}

  /** The worker joins this service (an existing one, or one made for it). */
  public record Join<S>(S service, boolean created) implements Decision<S> {}

  /** The worker is refused, for this reason; the running services are untouched. */
  public record Conflict<S>(String reason) implements Decision<S> {}

  private final Map<Set<RouteSpec>, S> services = new HashMap<>();
  private final Map<RouteSpec, Set<RouteSpec>> declaredIn = new HashMap<>();
  private final RouteTable<S> table = new RouteTable<>();

  /**
   * A worker declares {@code routes} (at least one): the service it joins, made with {@code create}
   * when no worker declared this set before, or the conflict that refuses it.
   */
  public Decision<S> declare(Set<RouteSpec> routes, Function<Set<RouteSpec>, S> create) {
    if (routes.isEmpty()) {
      throw new IllegalArgumentException("no routes: such a worker serves the default service");
    }
    S existing = services.get(routes);
    if (existing != null) {
      return new Join<>(existing, false);
    }
    for (RouteSpec route : routes) {
      Set<RouteSpec> other = declaredIn.get(route);
      if (other != null) {
        return new Conflict<>(
            "route "
                + route
                + " is served by a service with routes "
                + describe(other)
                + "; a worker joins it only by declaring exactly those routes, not "
                + describe(routes));
      }
    }
    Set<RouteSpec> key = Set.copyOf(routes);
    S created = create.apply(key);
    services.put(key, created);
    for (RouteSpec route : key) {
      declaredIn.put(route, key);
      table.put(route, created);
    }
    return new Join<>(created, true);
  }

  /** The service's last worker left: its routes are free again, and stop matching. */
  public void retire(Set<RouteSpec> routes) {
    if (services.remove(routes) == null) {
      return;
    }
    for (RouteSpec route : routes) {
      declaredIn.remove(route);
      table.remove(route);
    }
  }

  /** The service for a request, or null for the default one. */
  public S match(String authority, String path) {
    return table.match(authority, path);
  }

  /** The declared sets, each with its service. */
  public Map<Set<RouteSpec>, S> services() {
    return Map.copyOf(services);
  }

  /** A route set as the admin view and messages show it: sorted, comma-separated. */
  public static String describe(Set<RouteSpec> routes) {
    TreeSet<String> sorted = new TreeSet<>();
    for (RouteSpec route : routes) {
      sorted.add(route.toString());
    }
    return String.join(", ", List.copyOf(sorted));
  }
}
