package io.zrouter.router.frontend;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;
import io.zrouter.router.frontend.LocalReply.Reason;
import io.zrouter.router.upstream.Dispatch;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of every request pipeline, HTTP/1.1 connection or HTTP/2 stream alike: turns
 * each complete request into a dispatched message and an {@link HttpExchange} that writes the
 * response back. On HTTP/1.1 requests arrive here one at a time (see {@link
 * Http1PipeliningHandler}); on HTTP/2 each stream has its own instance.
 */
final class ProxyHandler extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(ProxyHandler.class);
  private final ProxyContext proxy;
  private final String scheme;
  private HttpExchange current;

  ProxyHandler(ProxyContext proxy, String scheme) {
    this.proxy = proxy;
    this.scheme = scheme;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof FullHttpRequest request)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    try {
      startExchange(ctx, request);
    } finally {
      request.release(); // encoded into the dispatch, or answered locally: ours to free
    }
  }

  private void startExchange(ChannelHandlerContext ctx, FullHttpRequest request) {
    boolean http2 = ctx.channel() instanceof Http2StreamChannel;
    SocketAddress client =
        http2 ? ctx.channel().parent().remoteAddress() : ctx.channel().remoteAddress();
    HopByHop.strip(request.headers());
    String requestId = ForwardedHeaders.apply(request.headers(), client, scheme);
    if (proxy.isDraining()) {
      FullHttpResponse reply = LocalReply.of(Reason.SHUTTING_DOWN, requestId, ctx.alloc());
      reply.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      ctx.writeAndFlush(reply).addListener(ChannelFutureListener.CLOSE);
      return;
    }
    long id = proxy.registry().nextId();
    boolean http10 = !http2 && request.protocolVersion().equals(HttpVersion.HTTP_1_0);
    current =
        new HttpExchange(
            id,
            ctx,
            proxy.registry(),
            proxy.link(),
            requestId,
            http2,
            HttpMethod.HEAD.equals(request.method()),
            http10);
    long deadline = System.currentTimeMillis() + proxy.config().requestTimeout().toMillis();
    RequestEncoder.Envelope envelope =
        new RequestEncoder.Envelope(
            id,
            requestId,
            scheme,
            http2 ? "HTTP/2" : request.protocolVersion().text(),
            addressOf(client),
            deadline,
            proxy.link().addressedPort());
    byte[][] parts = RequestEncoder.encode(envelope, request);
    current.start(proxy.config().requestTimeout());
    proxy.link().dispatch(new Dispatch(current, parts, System.nanoTime(), isIdempotent(request)));
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    log.debug("downstream closed: exchange = {}", current == null ? "none" : current.id());
    if (current != null) {
      current.onDownstreamClosed();
    }
    ctx.fireChannelInactive();
  }

  /** RFC 9110 idempotent methods, or a client that vouches with an Idempotency-Key. */
  private static boolean isIdempotent(FullHttpRequest request) {
    HttpMethod m = request.method();
    return HttpMethod.GET.equals(m)
        || HttpMethod.HEAD.equals(m)
        || HttpMethod.OPTIONS.equals(m)
        || HttpMethod.PUT.equals(m)
        || HttpMethod.DELETE.equals(m)
        || request.headers().contains("idempotency-key");
  }

  /** The last handler: whatever went wrong on this connection or stream ends it. */
  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof java.io.IOException) {
      log.debug("downstream connection failed: {}", cause.toString()); // resets are routine
    } else {
      log.warn("closing downstream channel after an unexpected error", cause);
    }
    ctx.close();
  }

  private static String addressOf(SocketAddress address) {
    if (address instanceof InetSocketAddress inet) {
      String host = inet.getAddress().getHostAddress();
      return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + inet.getPort();
    }
    return String.valueOf(address);
  }
}
