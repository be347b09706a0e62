package io.zrouter.router.upstream;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Small facts about ZeroMQ TCP endpoints. */
final class Endpoints {
  private static final Pattern TCP = Pattern.compile("tcp://(.+):(\\d+)");

  private Endpoints() {}

  /** The port of a bound {@code tcp://host:port} endpoint. */
  static int port(String endpoint) {
    Matcher m = TCP.matcher(endpoint);
    if (!m.matches()) {
      throw new IllegalArgumentException("not a bound tcp endpoint: " + endpoint);
    }
    return Integer.parseInt(m.group(2));
  }

  /**
   * Where the addressed socket binds, for a dispatch socket bound at {@code bound}: same host, port
   * + 1, always (a worker with routes finds it there before any request names it); null for non-TCP
   * endpoints.
   */
  static String addressedFor(String bound) {
    Matcher m = TCP.matcher(bound);
    if (!m.matches()) {
      return null;
    }
    return "tcp://" + m.group(1) + ":" + (Integer.parseInt(m.group(2)) + 1);
  }

  /** {@code tcp://HOST:PORT} on the host of a bound TCP endpoint; null when it is not TCP. */
  static String onHostOf(String bound, String port) {
    Matcher m = TCP.matcher(bound);
    return m.matches() ? "tcp://" + m.group(1) + ":" + port : null;
  }
}
