package io.zrouter.router.frontend;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/** The one place that makes the answers the router gives on its own, without a worker. */
final class LocalReply {

  /** Why the router answered a request itself. */
  enum Reason {
    NO_WORKER(HttpResponseStatus.SERVICE_UNAVAILABLE, "no worker available"),
    NO_ROUTE(HttpResponseStatus.NOT_FOUND, "no service for this host and path"),
    TIMEOUT(HttpResponseStatus.GATEWAY_TIMEOUT, "worker did not answer in time"),
    BAD_UPSTREAM_RESPONSE(HttpResponseStatus.BAD_GATEWAY, "worker sent an invalid response"),
    UPSTREAM_RESET(HttpResponseStatus.BAD_GATEWAY, "worker failed before responding"),
    UPSTREAM_LOST(HttpResponseStatus.BAD_GATEWAY, "worker died before responding"),
    SHUTTING_DOWN(HttpResponseStatus.SERVICE_UNAVAILABLE, "router is shutting down"),
    BAD_REQUEST(HttpResponseStatus.BAD_REQUEST, "malformed request"),
    BODY_TOO_LARGE(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "request body too large"),
    URI_TOO_LONG(HttpResponseStatus.REQUEST_URI_TOO_LONG, "request line too long"),
    HEADERS_TOO_LARGE(
        HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "request headers too large");

    final HttpResponseStatus status;
    final String message;

    Reason(HttpResponseStatus status, String message) {
      this.status = status;
      this.message = message;
    }
  }

  private LocalReply() {}

  /** A complete response with a short text body, {@code zrouter: <message>}. */
  static FullHttpResponse of(Reason reason, String requestId, ByteBufAllocator alloc) {
    return of(reason, null, requestId, alloc);
  }

  /**
   * As {@link #of(Reason, String, ByteBufAllocator)}, with {@code detail} after the message (the
   * host and path a 404 found no service for), shortened and stripped of control characters.
   */
  static FullHttpResponse of(
      Reason reason, String detail, String requestId, ByteBufAllocator alloc) {
    String text =
        "zrouter: " + reason.message + (detail == null ? "" : ": " + clean(detail)) + "\n";
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, reason.status, ByteBufUtil.writeUtf8(alloc, text));
    response
        .headers()
        .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN + "; charset=utf-8")
        .setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
    if (requestId != null) {
      response.headers().set(ForwardedHeaders.X_REQUEST_ID, requestId);
    }
    return response;
  }

  private static String clean(String detail) {
    StringBuilder out = new StringBuilder(Math.min(detail.length(), 200));
    for (int i = 0; i < detail.length() && out.length() < 200; i++) {
      char c = detail.charAt(i);
      out.append(c < 0x20 || c == 0x7f ? '?' : c);
    }
    return out.toString();
  }
}
