package io.zrouter.sample;

import java.util.ArrayList;
import java.util.List;

/**
 * The sample worker's command line.
 *
 * @param endpoints router endpoints to connect to; never empty
 * @param id the worker id, or null for a generated one
 * @param concurrency handler threads, or null for the SDK's default
 * @param routes the routes it declares ({@code --route}, repeatable); empty: the default service
 * @param help whether {@code --help} was given
 */
public record SampleWorkerOptions(
    List<String> endpoints,
    String id,
    Integer concurrency,
    java.time.Duration drainTimeout,
    java.nio.file.Path executionLog,
    int delayMs,
    List<String> routes,
    boolean help) {

  /** The router endpoint used when no {@code --connect} is given. */
  public static final String DEFAULT_ENDPOINT = "tcp://127.0.0.1:5555";

  /** What {@code --help} prints. */
  public static final String USAGE =
      """
      usage: java -jar zrouter-sample-worker.jar [flags]

        --connect ENDPOINT   router endpoint to connect to; repeatable
                             (default tcp://127.0.0.1:5555)
        --id ID              worker id (default: sample- plus a random suffix)
        --route ROUTE        serve this route: api.example.com, *.example.com, /billing or
                             api.example.com/v2; repeatable. Workers with the same routes form
                             one service (default: none, the default service)
        --concurrency N      handlers at once (default: 200, virtual threads on Java 21+)
        --drain-timeout DUR  on SIGTERM, how long in-flight requests may finish, e.g. 30s,
                             500ms (default 30s); new requests go to other workers meanwhile
        --exec-log FILE      append the x-chaos-id of each request it starts (chaos harness)
        --delay-ms N         add N ms to every request (a slow worker, for benchmarks)
        --help               print this help and exit

      Flags also take the form --flag=value.
      """;

  /** A command line that cannot be used; the message fits on one line. */
  public static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  /** Parses the arguments of {@code main}. */
  public static SampleWorkerOptions parse(String... args) throws UsageException {
    List<String> endpoints = new ArrayList<>();
    String id = null;
    Integer concurrency = null;
    java.time.Duration drainTimeout = java.time.Duration.ofSeconds(30);
    java.nio.file.Path executionLog = null;
    int delayMs = 0;
    List<String> routes = new ArrayList<>();
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
      switch (name) {
        case "--help", "-h" -> help = true;
        case "--connect",
            "--id",
            "--concurrency",
            "--drain-timeout",
            "--exec-log",
            "--delay-ms",
            "--route" -> {
          if (value == null) {
            if (i + 1 >= args.length) {
              throw new UsageException(name + " needs a value");
            }
            value = args[++i];
          }
          if (value.isBlank()) {
            throw new UsageException(name + " needs a value");
          }
          switch (name) {
            case "--connect" -> endpoints.add(value);
            case "--id" -> id = value;
            case "--drain-timeout" -> drainTimeout = parseDuration(value);
            case "--exec-log" -> executionLog = java.nio.file.Path.of(value);
            case "--delay-ms" -> delayMs = parseDelay(value);
            case "--route" -> routes.add(value);
            default -> concurrency = parseConcurrency(value);
          }
        }
        default -> throw new UsageException("unknown flag: " + arg);
      }
    }
    if (endpoints.isEmpty()) {
      endpoints.add(DEFAULT_ENDPOINT);
    }
    return new SampleWorkerOptions(
        List.copyOf(endpoints),
        id,
        concurrency,
        drainTimeout,
        executionLog,
        delayMs,
        List.copyOf(routes),
        help);
  }

  private static int parseDelay(String value) throws UsageException {
    try {
      int n = Integer.parseInt(value);
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new UsageException("--delay-ms must be a non-negative integer: " + value);
  }

  private static java.time.Duration parseDuration(String value) throws UsageException {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)(ms|s|m)").matcher(value);
    if (!m.matches()) {
      throw new UsageException("--drain-timeout must look like 500ms, 30s or 2m: " + value);
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> java.time.Duration.ofMillis(n);
      case "s" -> java.time.Duration.ofSeconds(n);
      default -> java.time.Duration.ofMinutes(n);
    };
  }

  private static int parseConcurrency(String value) throws UsageException {
    try {
      int n = Integer.parseInt(value);
      if (n >= 1) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new UsageException("--concurrency must be a positive integer: " + value);
  }
}
