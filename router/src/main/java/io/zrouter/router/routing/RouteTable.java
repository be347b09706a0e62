package io.zrouter.router.routing;

import io.zrouter.proto.RouteSpec;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Finds the service whose route matches a request best. Not thread-safe: one writer, or a copy per
 * reader.
 *
 * <p>The order: a route of the exact host, then of a wildcard host (the longest suffix first, so
 * {@code *.api.example.com} before {@code *.example.com}), then of any host; within each, the
 * longest path prefix, on segment boundaries. When a host's routes have no prefix of the path, the
 * next, less specific host is tried. No match at all: null, the default service.
 *
 * <p>The cost does not grow with the number of routes: a hash lookup per host candidate (the exact
 * host, then one per label for wildcards, only when wildcard routes exist), and per path segment
 * within the host (only up to the longest prefix declared for it).
 *
 * @param <S> what a route leads to
 */
public final class RouteTable<S> {
  private final Map<String, PathTable<S>> exactHosts = new HashMap<>();

  /** Keyed by the suffix: {@code example.com} for {@code *.example.com}. */
  private final Map<String, PathTable<S>> wildcardHosts = new HashMap<>();

  private final PathTable<S> anyHost = new PathTable<>();

  /** Adds a route, or points it elsewhere. Returns what it led to before, or null. */
  public S put(RouteSpec route, S target) {
    return tableFor(route, true).put(route.path(), target);
  }

  /** Removes a route. Returns what it led to, or null when it was not there. */
  public S remove(RouteSpec route) {
    PathTable<S> table = tableFor(route, false);
    if (table == null) {
      return null;
    }
    S removed = table.remove(route.path());
    if (table.isEmpty() && route.host() != null) {
      (route.wildcardHost() ? wildcardHosts : exactHosts).remove(hostKey(route));
    }
    return removed;
  }

  /**
   * The best match for a request.
   *
   * @param authority the request's {@code Host} (or {@code :authority}), any port included; null or
   *     empty when it has none
   * @param path the request target's path, a query may follow
   * @return the target of the best route, or null when none matches
   */
  public S match(String authority, String path) {
    int end = pathEnd(path);
    String host = normalizeHost(authority);
    if (host != null) {
      PathTable<S> exact = exactHosts.get(host);
      if (exact != null) {
        S found = exact.match(path, end);
        if (found != null) {
          return found;
        }
      }
      if (!wildcardHosts.isEmpty()) {
        for (int dot = host.indexOf('.'); dot >= 0; dot = host.indexOf('.', dot + 1)) {
          PathTable<S> wildcard = wildcardHosts.get(host.substring(dot + 1));
          if (wildcard != null) {
            S found = wildcard.match(path, end);
            if (found != null) {
              return found;
            }
          }
        }
      }
    }
    return anyHost.match(path, end);
  }

  /** Whether no route is declared. */
  public boolean isEmpty() {
    return exactHosts.isEmpty() && wildcardHosts.isEmpty() && anyHost.isEmpty();
  }

  private PathTable<S> tableFor(RouteSpec route, boolean create) {
    if (route.host() == null) {
      return anyHost;
    }
    Map<String, PathTable<S>> hosts = route.wildcardHost() ? wildcardHosts : exactHosts;
    return create
        ? hosts.computeIfAbsent(hostKey(route), k -> new PathTable<>())
        : hosts.get(hostKey(route));
  }

  private static String hostKey(RouteSpec route) {
    return route.wildcardHost() ? route.host().substring(2) : route.host();
  }

  /** The end of the path part of a request target: before its query or fragment. */
  private static int pathEnd(String target) {
    for (int i = 0; i < target.length(); i++) {
      char c = target.charAt(i);
      if (c == '?' || c == '#') {
        return i;
      }
    }
    return target.length();
  }

  /** Lower case, no port, no trailing dot; null when there is no host. */
  static String normalizeHost(String authority) {
    if (authority == null || authority.isEmpty()) {
      return null;
    }
    int end = authority.length();
    if (authority.charAt(0) == '[') {
      int close = authority.indexOf(']');
      end = close < 0 ? end : close + 1; // an IPv6 literal: its colons are not a port
    } else {
      int colon = authority.lastIndexOf(':');
      if (colon >= 0) {
        end = colon;
      }
    }
    if (end > 0 && authority.charAt(end - 1) == '.') {
      end--;
    }
    String host = authority.substring(0, end);
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        return host.toLowerCase(Locale.ROOT);
      }
    }
    return host;
  }

  /** One host's path prefixes; the empty prefix is the host's root, matching any path. */
  private static final class PathTable<S> {
    private final Map<String, S> byPrefix = new HashMap<>();
    private int longest;

    S put(String prefix, S target) {
      longest = Math.max(longest, prefix.length());
      return byPrefix.put(prefix, target);
    }

    S remove(String prefix) {
      S removed = byPrefix.remove(prefix);
      if (removed != null && prefix.length() == longest) {
        longest = 0;
        for (String p : byPrefix.keySet()) {
          longest = Math.max(longest, p.length());
        }
      }
      return removed;
    }

    boolean isEmpty() {
      return byPrefix.isEmpty();
    }

    /** The target of the longest prefix of {@code path[0, end)} ending on a segment boundary. */
    S match(String path, int end) {
      if (byPrefix.isEmpty()) {
        return null;
      }
      // Candidates end where a segment ends: at the end of the path, or before a '/'. A
      // trailing slash ends the path's last segment, so "/api/" is tried as "/api".
      int candidate = end;
      if (candidate > longest) {
        candidate = path.lastIndexOf('/', longest);
      } else if (candidate > 0 && path.charAt(candidate - 1) == '/') {
        candidate--;
      }
      while (candidate > 0) {
        S found = byPrefix.get(path.substring(0, candidate));
        if (found != null) {
          return found;
        }
        candidate = path.lastIndexOf('/', candidate - 1);
      }
      return byPrefix.get("");
    }
  }
}
