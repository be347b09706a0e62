package io.zrouter.router.frontend;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.zrouter.proto.Body;
import io.zrouter.proto.Header;
import io.zrouter.proto.ResponseHead;
import java.util.List;

/**
 * Writes a worker's answer other than 101 to a WebSocket upgrade as a plain HTTP response, then
 * closes the connection: the client asked to leave HTTP, so nothing more is read on it. Writes are
 * flushed by the caller.
 */
final class UpgradeRefusal {
  private final ChannelHandlerContext ctx;
  private final String requestId;

  UpgradeRefusal(ChannelHandlerContext ctx, String requestId) {
    this.ctx = ctx;
    this.requestId = requestId;
  }

  /** Writes the response head; returns whether the response is already complete. */
  boolean head(ResponseHead head) {
    HttpResponseStatus status = HttpResponseStatus.valueOf(head.getStatus());
    if (head.getEndStream()) {
      DefaultFullHttpResponse response =
          new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.EMPTY_BUFFER);
      copyResponseHeaders(head.getHeadersList(), response.headers());
      if (!response.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
      }
      writeLast(response);
      return true;
    }
    HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
    copyResponseHeaders(head.getHeadersList(), response.headers());
    if (!response.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
      HttpUtil.setTransferEncodingChunked(response, true);
    }
    ctx.write(response, ctx.voidPromise());
    return false;
  }

  /** Writes a body chunk; returns whether it was the last. */
  boolean body(Body body) {
    var data = Unpooled.wrappedBuffer(body.getData().asReadOnlyByteBuffer());
    if (body.getEndStream()) {
      writeLast(new DefaultLastHttpContent(data));
      return true;
    }
    ctx.write(new DefaultHttpContent(data), ctx.voidPromise());
    return false;
  }

  void trailers(List<Header> trailers) {
    LastHttpContent last = new DefaultLastHttpContent();
    copyHeaders(trailers, last.trailingHeaders());
    writeLast(last);
  }

  private void writeLast(Object msg) {
    ctx.write(msg).addListener(ChannelFutureListener.CLOSE);
  }

  private void copyResponseHeaders(List<Header> from, HttpHeaders to) {
    copyHeaders(from, to);
    to.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    if (!to.contains(ForwardedHeaders.X_REQUEST_ID)) {
      to.set(ForwardedHeaders.X_REQUEST_ID, requestId);
    }
  }

  private static void copyHeaders(List<Header> from, HttpHeaders to) {
    for (Header h : from) {
      to.add(h.getName(), h.getValue());
    }
    HopByHop.strip(to);
  }
}
