package io.zrouter.bridge;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The bridge's command line.
 *
 * <p>Each flag is one entry of {@link #FLAGS}, which sets one field of a {@link Draft}; a
 * repeatable flag adds to a list ({@code --connect}, and {@code --route} when routes come).
 *
 * @param endpoints router endpoints to connect to; never empty
 * @param upstream the app: {@code http://HOST:PORT}, optionally with a base path that every request
 *     path is appended to; never ends with {@code /}
 * @param id the worker id, or null for a generated one
 * @param concurrency requests relayed at once, or null for the SDK's default
 * @param healthPath the path a health check GETs (a 2xx is healthy), or null for a TCP connect
 * @param healthInterval how often the upstream is checked
 * @param upstreamTimeout how long the upstream may take to send its response head, counted from the
 *     end of the request body (also its connect timeout)
 * @param stripPrefix a path prefix removed before the request goes upstream, or null
 * @param drainTimeout on SIGTERM, how long in-flight requests may finish
 * @param routes the routes the bridge declares ({@code --route}, repeatable): the app's service;
 *     empty for the default service
 * @param help whether {@code --help} was given
 */
public record BridgeOptions(
    List<String> endpoints,
    URI upstream,
    String id,
    Integer concurrency,
    String healthPath,
    Duration healthInterval,
    Duration upstreamTimeout,
    String stripPrefix,
    Duration drainTimeout,
    List<String> routes,
    boolean help) {

  /** The router endpoint used when no {@code --connect} is given. */
  public static final String DEFAULT_ENDPOINT = "tcp://127.0.0.1:5555";

  /** What {@code --help} prints. */
  public static final String USAGE =
      """
      usage: java -jar zrouter-bridge.jar --upstream http://HOST:PORT [flags]

      Relays every request the router sends to an HTTP/1.1 app, and its answer back.

        --upstream URL           the app, e.g. http://127.0.0.1:3000 (required); a path in it is
                                 put before every request path
        --connect ENDPOINT       router endpoint to connect to; repeatable
                                 (default tcp://127.0.0.1:5555)
        --id ID                  worker id (default: bridge- plus a random suffix)
        --concurrency N          requests relayed at once (default: 200)
        --health-path PATH       check the app with GET PATH, healthy on 2xx (default: a TCP
                                 connect to the app's port)
        --health-interval DUR    how often to check the app (default 1s); while it is down the
                                 bridge refuses requests, which go to other workers
        --upstream-timeout DUR   how long the app may take to answer (its response head) after
                                 the request body, before the client gets 504 (default 30s)
        --route ROUTE            serve this route: api.example.com, *.example.com, /app1 or
                                 api.example.com/v2; repeatable (default: the default service)
        --strip-prefix [PREFIX]  remove this path prefix before relaying, e.g. /app1: /app1/users
                                 goes upstream as /users; without PREFIX, the --route's path
        --drain-timeout DUR      on SIGTERM, how long in-flight requests may finish (default 30s)
        --help                   print this help and exit

      Durations: 500ms, 1s, 2m, 1h. Flags also take the form --flag=value.
      """;

  /** A command line that cannot be used; the message fits on one line. */
  public static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  /** The fields while the command line is read. */
  private static final class Draft {
    final List<String> endpoints = new ArrayList<>();
    URI upstream;
    String id;
    Integer concurrency;
    String healthPath;
    Duration healthInterval = Duration.ofSeconds(1);
    Duration upstreamTimeout = Duration.ofSeconds(30);
    String stripPrefix;
    Duration drainTimeout = Duration.ofSeconds(30);
    final List<String> routes = new ArrayList<>();
    boolean stripRoute;
  }

  /** Sets one field of the draft from a flag's value. */
  @FunctionalInterface
  private interface Setter {
    void set(Draft draft, String flag, String value) throws UsageException;
  }

  /** Every flag that takes a value. */
  private static final Map<String, Setter> FLAGS =
      Map.of(
          "--connect", (d, flag, v) -> d.endpoints.add(v),
          "--upstream", (d, flag, v) -> d.upstream = parseUpstream(v),
          "--id", (d, flag, v) -> d.id = v,
          "--concurrency", (d, flag, v) -> d.concurrency = parsePositive(flag, v),
          "--health-path", (d, flag, v) -> d.healthPath = parsePath(flag, v),
          "--health-interval", (d, flag, v) -> d.healthInterval = parseDuration(flag, v),
          "--upstream-timeout", (d, flag, v) -> d.upstreamTimeout = parseDuration(flag, v),
          "--strip-prefix", (d, flag, v) -> d.stripPrefix = parsePrefix(flag, v),
          "--drain-timeout", (d, flag, v) -> d.drainTimeout = parseDuration(flag, v),
          "--route", (d, flag, v) -> d.routes.add(v));

  /** Parses the arguments of {@code main}. */
  public static BridgeOptions parse(String... args) throws UsageException {
    Draft draft = new Draft();
    boolean help = false;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      String name = arg;
      String value = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        name = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      }
      if (name.equals("--help") || name.equals("-h")) {
        help = true;
        continue;
      }
      Setter setter = FLAGS.get(name);
      if (setter == null) {
        throw new UsageException("unknown flag: " + arg);
      }
      if (value == null
          && name.equals("--strip-prefix")
          && (i + 1 >= args.length || args[i + 1].startsWith("--"))) {
        draft.stripRoute = true; // no prefix given: the path of the bridge's route
        continue;
      }
      if (value == null) {
        if (i + 1 >= args.length) {
          throw new UsageException(name + " needs a value");
        }
        value = args[++i];
      }
      if (value.isBlank()) {
        throw new UsageException(name + " needs a value");
      }
      setter.set(draft, name, value.trim());
    }
    if (draft.upstream == null && !help) {
      throw new UsageException("--upstream is required, e.g. --upstream http://127.0.0.1:3000");
    }
    if (draft.endpoints.isEmpty()) {
      draft.endpoints.add(DEFAULT_ENDPOINT);
    }
    if (draft.stripRoute) {
      draft.stripPrefix = routePath(draft.routes);
    }
    return new BridgeOptions(
        List.copyOf(draft.endpoints),
        draft.upstream,
        draft.id,
        draft.concurrency,
        draft.healthPath,
        draft.healthInterval,
        draft.upstreamTimeout,
        draft.stripPrefix,
        draft.drainTimeout,
        List.copyOf(draft.routes),
        help);
  }

  /** {@code http(s)://HOST[:PORT][/BASE]}, no query or fragment; a trailing '/' is dropped. */
  static URI parseUpstream(String value) throws UsageException {
    URI uri;
    try {
      uri = new URI(value);
    } catch (URISyntaxException e) {
      throw new UsageException("--upstream is not a URL: " + value);
    }
    String scheme = uri.getScheme();
    if (!"http".equals(scheme) && !"https".equals(scheme)) {
      throw new UsageException("--upstream must be an http:// or https:// URL: " + value);
    }
    if (uri.getHost() == null) {
      throw new UsageException("--upstream needs a host: " + value);
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getUserInfo() != null) {
      throw new UsageException("--upstream takes no query, fragment or user: " + value);
    }
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    return URI.create(scheme + "://" + uri.getRawAuthority() + path);
  }

  private static String parsePath(String flag, String value) throws UsageException {
    if (!value.startsWith("/")) {
      throw new UsageException(flag + " must start with '/': " + value);
    }
    return value;
  }

  /**
   * A prefix on segment boundaries: {@code /api}, never {@code /api/}; {@code /} strips nothing.
   */
  /** The path prefix a bare {@code --strip-prefix} strips: that of the one route with a path. */
  private static String routePath(List<String> routes) throws UsageException {
    List<String> paths = new ArrayList<>();
    for (String route : routes) {
      try {
        String path = io.zrouter.proto.RouteSpec.parse(route).path();
        if (!path.isEmpty()) {
          paths.add(path);
        }
      } catch (IllegalArgumentException e) {
        throw new UsageException("--route: " + e.getMessage());
      }
    }
    if (paths.size() != 1) {
      throw new UsageException(
          "--strip-prefix without a prefix needs exactly one --route with a path, not "
              + paths.size());
    }
    return paths.get(0);
  }

  private static String parsePrefix(String flag, String value) throws UsageException {
    String prefix = parsePath(flag, value);
    if (prefix.indexOf('?') >= 0) {
      throw new UsageException(flag + " is a path, without a query: " + value);
    }
    while (prefix.endsWith("/")) {
      prefix = prefix.substring(0, prefix.length() - 1);
    }
    return prefix.isEmpty() ? null : prefix;
  }

  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)");

  static Duration parseDuration(String flag, String value) throws UsageException {
    Matcher m = DURATION.matcher(value);
    if (!m.matches()) {
      throw new UsageException(flag + " must look like 500ms, 1s, 2m or 1h: " + value);
    }
    long n = Long.parseLong(m.group(1));
    Duration d =
        switch (m.group(2)) {
          case "ms" -> Duration.ofMillis(n);
          case "s" -> Duration.ofSeconds(n);
          case "m" -> Duration.ofMinutes(n);
          default -> Duration.ofHours(n);
        };
    if (d.isZero()) {
      throw new UsageException(flag + " must be more than 0: " + value);
    }
    return d;
  }

  private static int parsePositive(String flag, String value) throws UsageException {
    try {
      int n = Integer.parseInt(value);
      if (n >= 1) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new UsageException(flag + " must be a positive integer: " + value);
  }
}
