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
   * Where the addressed socket binds, for a dispatch socket asked to bind at {@code configured} and
   * bound at {@code bound}: same host, port + 1, or any free port when the dispatch port was left
   * to the OS ({@code *}); null for non-TCP endpoints.
   */
  static String addressedFor(String configured, String bound) {
    Matcher m = TCP.matcher(bound);
    if (!m.matches()) {
      return null;
    }
    String port =
        configured.endsWith(":*") ? "*" : Integer.toString(Integer.parseInt(m.group(2)) + 1);
    return "tcp://" + m.group(1) + ":" + port;
  }
}
