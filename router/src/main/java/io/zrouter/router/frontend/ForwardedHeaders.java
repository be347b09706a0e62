package io.zrouter.router.frontend;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.concurrent.ThreadLocalRandom;

/** Adds what a worker needs to know about the client: X-Forwarded-* and X-Request-Id. */
final class ForwardedHeaders {
  static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
  static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
  static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
  static final AsciiString X_REQUEST_ID = AsciiString.cached("x-request-id");

  private static final int MAX_CLIENT_REQUEST_ID = 128;
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private ForwardedHeaders() {}

  /**
   * Sets the forwarding headers and returns the request id: the client's {@code X-Request-Id} when
   * it sent a sane one, else a fresh random one.
   */
  static String apply(HttpHeaders headers, ClientAddress client, String scheme) {
    String clientIp = client.ip();
    String prior = headers.get(X_FORWARDED_FOR);
    headers.set(
        X_FORWARDED_FOR, prior == null || prior.isBlank() ? clientIp : prior + ", " + clientIp);
    headers.set(X_FORWARDED_PROTO, scheme);
    String host = headers.get(HttpHeaderNames.HOST);
    if (host != null) {
      headers.set(X_FORWARDED_HOST, host);
    } else {
      headers.remove(X_FORWARDED_HOST);
    }
    String requestId = headers.get(X_REQUEST_ID);
    if (!isSane(requestId)) {
      requestId = newRequestId();
      headers.set(X_REQUEST_ID, requestId);
    }
    return requestId;
  }

  private static boolean isSane(String id) {
    if (id == null || id.isEmpty() || id.length() > MAX_CLIENT_REQUEST_ID) {
      return false;
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (c <= ' ' || c >= 0x7f) {
        return false;
      }
    }
    return true;
  }

  /** 128 random bits as 32 hex digits; not a UUID so it needs no SecureRandom on the hot path. */
  static String newRequestId() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    char[] out = new char[32];
    long hi = random.nextLong();
    long lo = random.nextLong();
    for (int i = 0; i < 16; i++) {
      out[i] = HEX[(int) (hi >>> (60 - 4 * i)) & 0xf];
      out[16 + i] = HEX[(int) (lo >>> (60 - 4 * i)) & 0xf];
    }
    return new String(out);
  }
}
