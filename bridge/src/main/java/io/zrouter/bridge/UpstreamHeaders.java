package io.zrouter.bridge;

import io.zrouter.worker.Request;
import io.zrouter.worker.Response;
import java.net.http.HttpHeaders;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which headers cross the bridge, each way.
 *
 * <p>Hop-by-hop headers (RFC 9110 section 7.6.1: {@code Connection} and every header it names,
 * {@code Keep-Alive}, {@code TE}, {@code Transfer-Encoding}, {@code Upgrade}, {@code
 * Proxy-Connection}) describe one connection and never cross. Neither do the headers the JDK client
 * sets itself from the request ({@code Host}, {@code Content-Length}, {@code Expect}): the upstream
 * sees the host of {@code --upstream}, with the client's in {@code X-Forwarded-Host}.
 *
 * <p>The router already appends the client to {@code X-Forwarded-For} and sets {@code
 * X-Forwarded-Proto} and {@code X-Forwarded-Host} (README, "Headers"), so they pass on as they are;
 * the bridge adds one only where it is missing, from the request head, so it never doubles a hop.
 */
final class UpstreamHeaders {
  private static final Logger log = LoggerFactory.getLogger(UpstreamHeaders.class);

  /** Never forwarded, either way. */
  private static final Set<String> HOP_BY_HOP =
      Set.of(
          "connection",
          "keep-alive",
          "proxy-connection",
          "te",
          "transfer-encoding",
          "upgrade",
          // HTTP/2 only; an HTTP/1.1 request carries it only to upgrade, which the bridge never
          // does
          "http2-settings");

  /** Set by the JDK client itself; it refuses them from us. */
  private static final Set<String> SET_BY_CLIENT = Set.of("host", "content-length", "expect");

  /** The JDK WebSocket client sets these for its handshake. */
  private static final String WEBSOCKET_HANDSHAKE_PREFIX = "sec-websocket-";

  private UpstreamHeaders() {}

  /**
   * The request's end-to-end headers, as {@code name, value} pairs in order, to {@code to}; one it
   * refuses ({@link IllegalArgumentException}) is left out with a warning.
   */
  static void copyRequest(Request request, BiConsumer<String, String> to) {
    copyRequest(request, to, false);
  }

  /** As {@link #copyRequest}, for a WebSocket handshake: the JDK makes its own there. */
  static void copyWebSocketRequest(Request request, BiConsumer<String, String> to) {
    copyRequest(request, to, true);
  }

  private static void copyRequest(
      Request request, BiConsumer<String, String> builder, boolean webSocket) {
    BiConsumer<String, String> to =
        (name, value) -> {
          try {
            builder.accept(name, value);
          } catch (IllegalArgumentException e) {
            log.warn(
                "leaving out a request header the JDK client refuses: request_id = {} reason = {}",
                request.requestId(),
                e.getMessage());
          }
        };
    Map<String, List<String>> headers = request.headers();
    Set<String> named = connectionNamed(headers.getOrDefault("connection", List.of()));
    for (Map.Entry<String, List<String>> header : headers.entrySet()) {
      String name = header.getKey();
      if (HOP_BY_HOP.contains(name)
          || SET_BY_CLIENT.contains(name)
          || named.contains(name)
          || (webSocket && name.startsWith(WEBSOCKET_HANDSHAKE_PREFIX))) {
        continue;
      }
      for (String value : header.getValue()) {
        to.accept(name, value);
      }
    }
    if (request.header("x-forwarded-for") == null) {
      String client = clientAddress(request.remoteAddress());
      if (!client.isEmpty()) {
        to.accept("x-forwarded-for", client);
      }
    }
    if (request.header("x-forwarded-proto") == null && !request.scheme().isEmpty()) {
      to.accept("x-forwarded-proto", request.scheme());
    }
    if (request.header("x-forwarded-host") == null && !request.authority().isEmpty()) {
      to.accept("x-forwarded-host", request.authority());
    }
  }

  /**
   * The upstream's end-to-end response headers onto {@code response}. One the SDK refuses (not a
   * token, or an illegal value) is left out with a warning.
   */
  static void copyResponse(HttpHeaders headers, Response response, String requestId) {
    Map<String, List<String>> map = headers.map();
    Set<String> named = connectionNamed(headers.allValues("connection"));
    for (Map.Entry<String, List<String>> header : map.entrySet()) {
      String name = header.getKey().toLowerCase(Locale.ROOT);
      if (HOP_BY_HOP.contains(name) || named.contains(name) || name.startsWith(":")) {
        continue;
      }
      for (String value : header.getValue()) {
        try {
          response.header(name, value);
        } catch (IllegalArgumentException e) {
          log.warn(
              "leaving out a response header the upstream sent: request_id = {} reason = {}",
              requestId,
              e.getMessage());
        }
      }
    }
  }

  /** The header names a {@code Connection} header lists, lower-cased. */
  private static Set<String> connectionNamed(List<String> connection) {
    if (connection.isEmpty()) {
      return Set.of();
    }
    Set<String> named = new HashSet<>();
    for (String value : connection) {
      for (String token : value.split(",")) {
        String name = token.trim().toLowerCase(Locale.ROOT);
        if (!name.isEmpty()) {
          named.add(name);
        }
      }
    }
    return named;
  }

  /** The IP of {@code ip:port}, {@code [v6]:port} or bare {@code v6:port}; "" when unknown. */
  static String clientAddress(String remoteAddress) {
    if (remoteAddress == null || remoteAddress.isEmpty()) {
      return "";
    }
    if (remoteAddress.startsWith("[")) {
      int close = remoteAddress.indexOf(']');
      return close > 0 ? remoteAddress.substring(1, close) : remoteAddress;
    }
    int colon = remoteAddress.lastIndexOf(':');
    return colon > 0 ? remoteAddress.substring(0, colon) : remoteAddress;
  }
}
