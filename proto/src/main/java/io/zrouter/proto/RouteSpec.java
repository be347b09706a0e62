package io.zrouter.proto;

import java.util.Locale;

/**
 * What a worker says it serves, parsed and checked: a host, a path prefix, or both. On the wire it
 * travels as a {@link Route} message ({@link #toProto()}, {@link #fromProto(Route)}). The router
 * sends a request to the workers whose route matches it best; workers that declare the same set of
 * routes form one service.
 *
 * <ul>
 *   <li>{@code api.example.com}: that host, any path;
 *   <li>{@code *.example.com}: any host below {@code example.com} (not {@code example.com} itself),
 *       at any depth;
 *   <li>{@code /billing}: any host, paths {@code /billing}, {@code /billing/} and below, never
 *       {@code /billingx};
 *   <li>{@code api.example.com/v2}: both.
 * </ul>
 *
 * <p>Hosts are case-insensitive and carry no port (a request's port is ignored when matching). The
 * canonical form, {@link #toString()}, lower-cases the host and drops a trailing slash of the path,
 * so {@code API.example.com/v2/} and {@code api.example.com/v2} are one route.
 *
 * @param host the host, lower case; {@code *.} first for a wildcard; null for any host
 * @param path the path prefix without a trailing slash, for example {@code /v2}; empty for any path
 */
public record RouteSpec(String host, String path) {
  /** Longest route accepted, in characters: a host (253) and a generous path. */
  public static final int MAX_LENGTH = 1024;

  public RouteSpec {
    if (host == null && path.isEmpty()) {
      throw new IllegalArgumentException("a route needs a host or a path");
    }
  }

  /**
   * Parses a route as a worker declares it.
   *
   * @throws IllegalArgumentException with a message that names what is wrong, for a route that is
   *     malformed
   */
  public static RouteSpec parse(String text) {
    if (text == null || text.isEmpty()) {
      throw new IllegalArgumentException("empty route: give a host, a path prefix, or host/path");
    }
    if (text.length() > MAX_LENGTH) {
      throw new IllegalArgumentException(
          "route longer than " + MAX_LENGTH + " characters: " + text.substring(0, 40) + "...");
    }
    int slash = text.indexOf('/');
    String host = slash == 0 ? null : parseHost(text, slash < 0 ? text : text.substring(0, slash));
    String path = slash < 0 ? "" : parsePath(text, text.substring(slash));
    if (host == null && path.isEmpty()) {
      throw new IllegalArgumentException(
          "route \"" + text + "\" matches every request; declare no route to serve the default");
    }
    return new RouteSpec(host, path);
  }

  private static String parseHost(String route, String host) {
    String lower = host.toLowerCase(Locale.ROOT);
    if (lower.endsWith(".")) {
      lower = lower.substring(0, lower.length() - 1); // the root label: same host
    }
    String name = lower.startsWith("*.") ? lower.substring(2) : lower;
    if (name.isEmpty()) {
      throw malformed(route, "no host name");
    }
    if (name.indexOf(':') >= 0) {
      throw malformed(route, "a route's host has no port (the port of a request is ignored)");
    }
    if (name.indexOf('*') >= 0) {
      throw malformed(
          route, "a wildcard is only allowed as the whole first label, as *.example.com");
    }
    if (name.length() > 253) {
      throw malformed(route, "host name longer than 253 characters");
    }
    for (String label : name.split("\\.", -1)) {
      if (label.isEmpty() || label.length() > 63) {
        throw malformed(route, "each label of a host name has 1 to 63 characters");
      }
      for (int i = 0; i < label.length(); i++) {
        char c = label.charAt(i);
        boolean allowed = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!allowed) {
          throw malformed(route, "'" + c + "' is not allowed in a host name");
        }
      }
      if (label.startsWith("-") || label.endsWith("-")) {
        throw malformed(route, "a host name label neither starts nor ends with '-'");
      }
    }
    return lower;
  }

  private static String parsePath(String route, String path) {
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c == '?' || c == '#') {
        throw malformed(route, "a path prefix has no query or fragment");
      }
      if (c <= ' ' || c >= 0x7f) {
        throw malformed(route, "a path prefix is printable ASCII without spaces (percent-encode)");
      }
    }
    String trimmed = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    if (trimmed.isEmpty()) {
      return "";
    }
    for (String segment : trimmed.substring(1).split("/", -1)) {
      if (segment.isEmpty()) {
        throw malformed(route, "empty path segment (\"//\")");
      }
      if (segment.equals(".") || segment.equals("..")) {
        throw malformed(route, "no \".\" or \"..\" segments in a path prefix");
      }
    }
    return trimmed;
  }

  private static IllegalArgumentException malformed(String route, String why) {
    return new IllegalArgumentException("malformed route \"" + route + "\": " + why);
  }

  /** The route as a worker's hello carries it. */
  public Route toProto() {
    return Route.newBuilder().setHost(host == null ? "" : host).setPathPrefix(path).build();
  }

  /**
   * A route from a worker's hello, checked as {@link #parse} checks it.
   *
   * @throws IllegalArgumentException when it is malformed
   */
  public static RouteSpec fromProto(Route route) {
    return parse(route.getHost() + route.getPathPrefix());
  }

  /** Whether the host is a wildcard ({@code *.example.com}). */
  public boolean wildcardHost() {
    return host != null && host.startsWith("*.");
  }

  /** The canonical form: {@code host}, {@code /path} or {@code host/path}. */
  @Override
  public String toString() {
    return (host == null ? "" : host) + path;
  }
}
