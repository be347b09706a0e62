package io.zrouter.router.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.zrouter.bench.jmh.Traffic;
import java.nio.charset.StandardCharsets;

/**
 * The router's side of {@link Traffic}, made by the router's own code: requests as Netty's decoder
 * hands them to {@link ProxyHandler}, and the dispatched messages {@link RequestEncoder} makes of
 * them. Public so that the proto and worker benchmarks decode exactly what the router sends.
 */
public final class RouterFixtures {
  static final String SCHEME = "http";

  /** TCP port of the router's addressed socket, as a worker sees it in every request head. */
  static final int ADDRESSED_PORT = 40123;

  static final long STREAM_ID = 4_611_686_018_427_387_904L + 12_345;

  private RouterFixtures() {}

  /** A request as {@link HttpRequestDecoder} delivers it, with its whole body (if any). */
  record Received(HttpRequest request, ByteBuf body) {

    /** A copy whose headers the router may change, as a freshly decoded request's. */
    HttpRequest freshRequest() {
      return new DefaultHttpRequest(
          request.protocolVersion(), request.method(), request.uri(), request.headers().copy());
    }
  }

  /** A request cleaned as {@link ProxyHandler} does before it encodes, and its envelope. */
  record Prepared(HttpRequest request, RequestEncoder.Envelope envelope, long contentLength) {}

  static Received receiveGetHello() {
    return receive(Traffic.GET_HELLO.getBytes(StandardCharsets.US_ASCII));
  }

  static Received receivePostEcho() {
    return receive(Traffic.postEcho());
  }

  /** Runs raw request bytes through Netty's decoder; the body ends up in one direct buffer. */
  static Received receive(byte[] raw) {
    EmbeddedChannel channel = new EmbeddedChannel(new HttpRequestDecoder());
    channel.writeInbound(Unpooled.wrappedBuffer(raw));
    HttpRequest request = null;
    ByteBuf body = Unpooled.directBuffer();
    Object msg;
    while ((msg = channel.readInbound()) != null) {
      if (msg instanceof HttpRequest r) {
        request = r;
      }
      if (msg instanceof HttpContent content) {
        body.writeBytes(content.content());
        content.release();
        if (content instanceof LastHttpContent) {
          break;
        }
      }
    }
    channel.finishAndReleaseAll();
    if (request == null) {
      throw new IllegalStateException("not a request: " + new String(raw, StandardCharsets.UTF_8));
    }
    return new Received(request, body);
  }

  /** What {@link ProxyHandler} does to a request before it is encoded: the steps, in its order. */
  static Prepared prepare(HttpRequest request) {
    long contentLength = HttpUtil.getContentLength(request, -1L);
    boolean chunked = HttpUtil.isTransferEncodingChunked(request);
    HopByHop.strip(request.headers());
    String requestId =
        ForwardedHeaders.apply(request.headers(), ClientAddress.of(Traffic.CLIENT), SCHEME);
    RequestEncoder.Envelope envelope =
        new RequestEncoder.Envelope(
            STREAM_ID,
            requestId,
            SCHEME,
            request.protocolVersion().text(),
            ClientAddress.of(Traffic.CLIENT).ipAndPort(),
            System.currentTimeMillis() + 30_000,
            ADDRESSED_PORT);
    return new Prepared(request, envelope, chunked ? -1 : Math.max(contentLength, 0));
  }

  /** The dispatched message of {@code GET /hello}: one part, the request head. */
  public static byte[][] dispatchedGetHello() {
    return dispatch(receiveGetHello(), true);
  }

  /** The dispatched message of the 1 KiB {@code POST /echo}: the request head and a body frame. */
  public static byte[][] dispatchedPostEcho() {
    return dispatch(receivePostEcho(), false);
  }

  private static byte[][] dispatch(Received received, boolean idempotent) {
    Prepared p = prepare(received.request());
    try {
      return RequestEncoder.encode(
          p.envelope(), p.request(), received.body(), true, p.contentLength(), !idempotent);
    } finally {
      received.body().release();
    }
  }
}
