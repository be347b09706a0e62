package io.zrouter.router.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;

/** Turns the router's command-line flags into a {@link RouterConfig}. */
public final class RouterCommandLine {

  private RouterCommandLine() {}

  /** Help text listing every flag with its default. */
  public static String help() {
    RouterConfig d = RouterConfig.defaults();
    return String.join(
        "\n",
        "Usage: java -jar zrouter-router.jar [flags]",
        "",
        "zrouter: a zero-config reverse proxy. HTTP/1.1 and h2c clients on --listen,",
        "workers connect their ZeroMQ ROUTER socket to --bind.",
        "",
        "  --listen HOST:PORT        HTTP listen address (default "
            + d.listen().getHostString()
            + ":"
            + d.listen().getPort()
            + ")",
        "  --bind ENDPOINT           ZeroMQ endpoint workers connect to (default " + d.bind() + ")",
        "  --max-body SIZE           largest request body; larger gets 413 (default 0: no limit)",
        "  --max-header-size SIZE    largest request header block; larger gets 431 (default 16k)",
        "  --worker-wait DURATION    how long a request waits for a worker before 503 (default "
            + Units.formatDuration(d.workerWait())
            + ")",
        "  --request-timeout DURATION  how long to wait for response headers before 504 (default "
            + Units.formatDuration(d.requestTimeout())
            + ")",
        "  --accept-timeout DURATION  resend a request no worker acknowledged within this (default "
            + Units.formatDuration(d.acceptTimeout())
            + ")",
        "  --worker-liveness DURATION  a worker silent this long is taken for dead (default "
            + Units.formatDuration(d.workerLiveness())
            + ")",
        "  --shutdown-grace DURATION how long in-flight responses may run after SIGTERM (default "
            + Units.formatDuration(d.shutdownGrace())
            + ")",
        "  --tls-cert FILE           PEM certificate chain: serve HTTPS (h2 and http/1.1 by ALPN)",
        "  --tls-key FILE            PEM private key (PKCS#8) for --tls-cert",
        "  --admin-listen HOST:PORT  admin HTTP (/_zrouter/workers, /_zrouter/health), or off (default "
            + d.adminListen().getHostString()
            + ":"
            + d.adminListen().getPort()
            + ")",
        "  --io-threads N            HTTP event loop threads (default one per core)",
        "  --slow-worker-limit on|off  limit the streams of a worker far slower than the others",
        "                            (default on; off: plain round-robin among workers with room)",
        "  --service-ports FIRST-LAST  where the dispatch sockets of services (workers declaring",
        "                            routes) bind, for firewalls (default: ports the OS picks)",
        "  --help                    show this help",
        "",
        "DURATION: 500ms, 5s, 2m, 1h.  SIZE: bytes, or with k, m, g (binary).",
        "");
  }

  /**
   * Parses flags; {@code --help} is the caller's to check first.
   *
   * @throws UsageException with a one-line message for any bad flag or value
   */
  public static RouterConfig parse(String[] args) throws UsageException {
    RouterConfig config = RouterConfig.defaults();
    Path tlsCert = null;
    Path tlsKey = null;
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      String value;
      int eq = flag.indexOf('=');
      if (flag.startsWith("--") && eq > 0) {
        value = flag.substring(eq + 1);
        flag = flag.substring(0, eq);
      } else {
        if (i + 1 >= args.length) {
          throw new UsageException(
              flag.startsWith("--") ? "missing value for " + flag : "unknown argument: " + flag);
        }
        value = args[++i];
      }
      try {
        config =
            switch (flag) {
              case "--listen" -> config.withListen(parseHostPort(value));
              case "--bind" -> config.withBind(parseEndpoint(value));
              case "--max-body" -> config.withMaxBody(Units.parseSize(value));
              case "--max-header-size" ->
                  config.withMaxHeaderSize(Math.toIntExact(Units.parseSize(value)));
              case "--worker-wait" -> config.withWorkerWait(Units.parseDuration(value));
              case "--request-timeout" ->
                  config.withRequestTimeout(positive(Units.parseDuration(value), flag));
              case "--accept-timeout" ->
                  config.withAcceptTimeout(positive(Units.parseDuration(value), flag));
              case "--worker-liveness" ->
                  config.withWorkerLiveness(positive(Units.parseDuration(value), flag));
              case "--shutdown-grace" -> config.withShutdownGrace(Units.parseDuration(value));
              case "--tls-cert" -> {
                tlsCert = Path.of(value);
                yield config;
              }
              case "--tls-key" -> {
                tlsKey = Path.of(value);
                yield config;
              }
              case "--admin-listen" ->
                  config.withAdminListen(value.equals("off") ? null : parseHostPort(value));
              case "--io-threads" -> config.withIoThreads(Integer.parseInt(value));
              case "--slow-worker-limit" -> config.withLimitSlowWorkers(parseOnOff(value));
              case "--service-ports" -> config.withServicePorts(PortRange.parse(value));
              default -> throw new UsageException("unknown flag: " + flag + " (see --help)");
            };
      } catch (IllegalArgumentException | ArithmeticException e) {
        throw new UsageException(flag + ": " + e.getMessage());
      }
    }
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new UsageException("--tls-cert and --tls-key go together");
    }
    return tlsCert == null ? config : config.withTls(new RouterConfig.TlsFiles(tlsCert, tlsKey));
  }

  private static java.time.Duration positive(java.time.Duration d, String flag) {
    if (d.isZero()) {
      throw new IllegalArgumentException("must be greater than 0");
    }
    return d;
  }

  private static boolean parseOnOff(String value) {
    return switch (value) {
      case "on" -> true;
      case "off" -> false;
      default -> throw new IllegalArgumentException("expected on or off, got " + value);
    };
  }

  static InetSocketAddress parseHostPort(String value) {
    int colon = value.lastIndexOf(':');
    if (colon <= 0 || colon == value.length() - 1) {
      throw new IllegalArgumentException("expected HOST:PORT, got '" + value + "'");
    }
    String host = value.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(value.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad port in '" + value + "'");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port out of range in '" + value + "'");
    }
    return new InetSocketAddress(host, port);
  }

  static String parseEndpoint(String value) {
    if (!value.matches("(tcp|ipc|inproc)://.+")) {
      throw new IllegalArgumentException(
          "expected a ZeroMQ endpoint like tcp://127.0.0.1:5555, got '" + value + "'");
    }
    return value;
  }
}
