package io.zrouter.router.frontend;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Hop-by-hop headers (RFC 9110 section 7.6.1): they describe one connection, so a proxy removes
 * them in both directions, together with every header the Connection header names.
 */
final class HopByHop {
  private static final Set<AsciiString> ALWAYS =
      Set.of(
          HttpHeaderNames.CONNECTION,
          HttpHeaderNames.KEEP_ALIVE,
          HttpHeaderNames.PROXY_CONNECTION,
          HttpHeaderNames.TE,
          HttpHeaderNames.TRANSFER_ENCODING,
          HttpHeaderNames.UPGRADE,
          // Netty's HTTP/2-to-HTTP/1 conversion adds these; they are not the client's.
          AsciiString.cached("x-http2-scheme"),
          AsciiString.cached("x-http2-stream-id"),
          AsciiString.cached("x-http2-path"),
          AsciiString.cached("x-http2-stream-promise-id"),
          AsciiString.cached("x-http2-stream-dependency-id"),
          AsciiString.cached("x-http2-stream-weight"));

  private HopByHop() {}

  /**
   * Removes hop-by-hop headers in place. Most messages have none: one pass over the names finds
   * that, cheaper than a removal (a hash lookup) for each of the dozen names.
   */
  static void strip(HttpHeaders headers) {
    if (!hasAny(headers)) {
      return;
    }
    List<String> named = null;
    for (String connection : headers.getAll(HttpHeaderNames.CONNECTION)) {
      for (String token : connection.split(",")) {
        String name = token.trim();
        if (!name.isEmpty()) {
          if (named == null) {
            named = new ArrayList<>(2);
          }
          named.add(name);
        }
      }
    }
    for (AsciiString name : ALWAYS) {
      headers.remove(name);
    }
    if (named != null) {
      for (String name : named) {
        headers.remove(name);
      }
    }
  }

  private static boolean hasAny(HttpHeaders headers) {
    Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence();
    while (it.hasNext()) {
      if (isHopByHop(it.next().getKey())) {
        return true;
      }
    }
    return false;
  }

  private static boolean isHopByHop(CharSequence name) {
    if (name.length() >= BY_LENGTH.length) {
      return false;
    }
    for (AsciiString candidate : BY_LENGTH[name.length()]) {
      if (candidate.contentEqualsIgnoreCase(name)) {
        return true;
      }
    }
    return false;
  }

  /** {@link #ALWAYS} by name length: most names are ruled out by their length alone. */
  private static final AsciiString[][] BY_LENGTH;

  static {
    int longest = ALWAYS.stream().mapToInt(AsciiString::length).max().orElse(0);
    BY_LENGTH = new AsciiString[longest + 1][];
    for (int length = 0; length <= longest; length++) {
      int n = length;
      BY_LENGTH[length] = ALWAYS.stream().filter(a -> a.length() == n).toArray(AsciiString[]::new);
    }
  }
}
