package io.zrouter.router.frontend;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.DecoderResultProvider;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import io.zrouter.router.frontend.LocalReply.Reason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers HTTP/1.x input Netty's decoder could not parse, or that breaks a MUST of RFC 9112 (an
 * HTTP/1.1 request without Host), with 400, 414 or 431, then closes the connection: after malformed
 * input nothing more on it can be trusted.
 */
final class Http1RequestValidator extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(Http1RequestValidator.class);
  private boolean rejected;

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (rejected) {
      ReferenceCountUtil.release(msg);
      return;
    }
    Reason reason = check(msg);
    if (reason == null) {
      ctx.fireChannelRead(msg);
      return;
    }
    ReferenceCountUtil.release(msg);
    rejected = true;
    ctx.channel().config().setAutoRead(false);
    log.warn(
        "rejecting request: client = {}, status = {}",
        ctx.channel().remoteAddress(),
        reason.status.code());
    FullHttpResponse reply = LocalReply.of(reason, null, ctx.alloc());
    reply.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    ctx.writeAndFlush(reply).addListener(ChannelFutureListener.CLOSE);
  }

  private static Reason check(Object msg) {
    if (msg instanceof DecoderResultProvider provider) {
      DecoderResult result = provider.decoderResult();
      if (result.isFailure()) {
        Throwable cause = result.cause();
        if (cause instanceof TooLongHttpLineException) {
          return Reason.URI_TOO_LONG;
        }
        if (cause instanceof TooLongHttpHeaderException) {
          return Reason.HEADERS_TOO_LARGE;
        }
        return Reason.BAD_REQUEST;
      }
    }
    if (msg instanceof HttpRequest request
        && request.protocolVersion().equals(HttpVersion.HTTP_1_1)
        && !request.headers().contains(HttpHeaderNames.HOST)) {
      return Reason.BAD_REQUEST;
    }
    return null;
  }
}
