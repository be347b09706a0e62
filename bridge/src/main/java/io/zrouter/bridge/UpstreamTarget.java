package io.zrouter.bridge;

import java.net.URI;

/**
 * Where a request goes upstream: the upstream's scheme, authority and base path, then the request
 * target with the strip prefix removed.
 *
 * <p>The prefix is removed on segment boundaries only: with {@code /api}, {@code /api/users?x=1}
 * goes upstream as {@code /users?x=1} and {@code /api} as {@code /}, while {@code /apix} and {@code
 * /other} go as they came. Percent-encoding is kept as the client sent it; characters a URI may not
 * hold (which a lenient client may send) are percent-encoded, octet for octet.
 */
final class UpstreamTarget {
  private final URI upstream;
  private final String base;
  private final String stripPrefix;

  /**
   * @param upstream {@code http(s)://HOST[:PORT][/BASE]}, as {@link BridgeOptions} checked it
   * @param stripPrefix a prefix without a trailing '/', or null
   */
  UpstreamTarget(URI upstream, String stripPrefix) {
    this.upstream = upstream;
    this.base = upstream.getRawPath() == null ? "" : upstream.getRawPath();
    this.stripPrefix = stripPrefix;
  }

  /** The upstream as given, for logs. */
  URI upstream() {
    return upstream;
  }

  /**
   * The URI to request for {@code target} (origin form, as {@code Request.target()} gives it).
   *
   * @throws IllegalArgumentException when the target is not in origin form (e.g. {@code *})
   */
  URI http(String target) {
    return URI.create(upstream.getScheme() + "://" + upstream.getRawAuthority() + path(target));
  }

  /** As {@link #http}, with {@code ws} or {@code wss} for the scheme. */
  URI webSocket(String target) {
    String scheme = upstream.getScheme().equals("https") ? "wss" : "ws";
    return URI.create(scheme + "://" + upstream.getRawAuthority() + path(target));
  }

  /** The base path plus the target, prefix stripped, made safe for a URI. */
  String path(String target) {
    if (!target.startsWith("/")) {
      throw new IllegalArgumentException("not an origin-form target: " + target);
    }
    return base + escapeIllegal(strip(target));
  }

  private String strip(String target) {
    if (stripPrefix == null || !target.startsWith(stripPrefix)) {
      return target;
    }
    String rest = target.substring(stripPrefix.length());
    if (rest.isEmpty() || rest.startsWith("?")) {
      return "/" + rest;
    }
    return rest.startsWith("/") ? rest : target;
  }

  /**
   * Percent-encodes what RFC 3986 does not allow in a path or query (spaces, quotes, {@code {|}},
   * control and non-ASCII characters), taking each character as the octet it stands for (header and
   * target text is ISO-8859-1 here); leaves everything else, {@code %} included, as it is.
   */
  static String escapeIllegal(String target) {
    StringBuilder out = null;
    for (int i = 0; i < target.length(); i++) {
      char c = target.charAt(i);
      if (allowed(c)) {
        if (out != null) {
          out.append(c);
        }
        continue;
      }
      if (out == null) {
        out = new StringBuilder(target.length() + 16).append(target, 0, i);
      }
      if (c > 0xFF) {
        throw new IllegalArgumentException("target holds a character above U+00FF: " + target);
      }
      out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xF]);
    }
    return out == null ? target : out.toString();
  }

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  /** Unreserved, sub-delims, ':', '@', '/', '?' and '%' (RFC 3986 pchar and query). */
  private static boolean allowed(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || "-._~!$&'()*+,;=:@/?%".indexOf(c) >= 0;
  }
}
