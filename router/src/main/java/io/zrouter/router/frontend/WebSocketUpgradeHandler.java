package io.zrouter.router.frontend;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.util.ReferenceCountUtil;
import io.zrouter.router.frontend.LocalReply.Reason;
import io.zrouter.router.upstream.Dispatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes HTTP/1.1 WebSocket upgrade requests out of the request flow and proxies each as a WebSocket
 * stream ({@link WebSocketExchange}); every other message goes on to the proxy. Works whether the
 * request arrives aggregated or as a head followed by an empty last content.
 */
final class WebSocketUpgradeHandler extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(WebSocketUpgradeHandler.class);

  /** The only WebSocket version there is (RFC 6455). */
  private static final String VERSION_13 = "13";

  private final ProxyContext proxy;
  private final String scheme;
  private WebSocketExchange current;

  /** The upgrade request came as a head alone: its (empty) content is still to be skipped. */
  private boolean skippingContent;

  WebSocketUpgradeHandler(ProxyContext proxy, String scheme) {
    this.proxy = proxy;
    this.scheme = scheme;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (skippingContent && msg instanceof HttpContent) {
      skippingContent = !(msg instanceof LastHttpContent);
      ReferenceCountUtil.release(msg);
    } else if (msg instanceof HttpRequest request && isUpgrade(request)) {
      skippingContent = !(msg instanceof LastHttpContent);
      try {
        upgrade(ctx, request);
      } finally {
        ReferenceCountUtil.release(msg); // copied for the handshake and the worker: ours to free
      }
    } else if (current != null) {
      // A client does not send more HTTP after asking to upgrade; the connection is the
      // WebSocket's or closes with the worker's answer.
      ReferenceCountUtil.release(msg);
    } else {
      ctx.fireChannelRead(msg);
    }
  }

  /** An HTTP/1.1 GET without a body asking for {@code Upgrade: websocket}. */
  static boolean isUpgrade(HttpRequest request) {
    HttpHeaders headers = request.headers();
    return HttpVersion.HTTP_1_1.equals(request.protocolVersion())
        && HttpMethod.GET.equals(request.method())
        && headers.containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)
        && headers.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
        && !HttpUtil.isTransferEncodingChunked(request)
        && HttpUtil.getContentLength(request, 0L) == 0;
  }

  private void upgrade(ChannelHandlerContext ctx, HttpRequest request) {
    HttpHeaders headers = request.headers();
    if (!VERSION_13.equals(headers.get(HttpHeaderNames.SEC_WEBSOCKET_VERSION))) {
      WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel())
          .addListener(ChannelFutureListener.CLOSE);
      return;
    }
    if (headers.get(HttpHeaderNames.SEC_WEBSOCKET_KEY, "").isBlank()) {
      replyAndClose(ctx, Reason.BAD_REQUEST, null);
      return;
    }
    // The handshake is completed later, from the request as the client sent it.
    FullHttpRequest handshake =
        new DefaultFullHttpRequest(
            request.protocolVersion(),
            request.method(),
            request.uri(),
            Unpooled.EMPTY_BUFFER,
            headers.copy(),
            EmptyHttpHeaders.INSTANCE);
    HttpHeaders upstream = headers.copy();
    HopByHop.strip(upstream);
    WebSocketRequestHead.stripHandshakeHeaders(upstream);
    ClientAddress client = ClientAddress.of(ctx.channel());
    String requestId = ForwardedHeaders.apply(upstream, client, scheme);
    if (proxy.isDraining()) {
      replyAndClose(ctx, Reason.SHUTTING_DOWN, requestId);
      return;
    }
    long id = proxy.registry().nextId();
    current = new WebSocketExchange(id, ctx, proxy.registry(), proxy.link(), requestId, handshake);
    long deadline = System.currentTimeMillis() + proxy.config().requestTimeout().toMillis();
    byte[] head =
        RequestEncoder.encodeWebSocketUpgrade(
            new RequestEncoder.Envelope(
                id,
                requestId,
                scheme,
                "HTTP/1.1",
                client.ipAndPort(),
                deadline,
                proxy.link().addressedPort()),
            request.uri(),
            upstream);
    log.debug("websocket upgrade: stream = {}, request_id = {}", id, requestId);
    current.start(proxy.config().requestTimeout());
    // A GET: may go to another worker if its first one dies before answering; the 101 (a
    // response head) ends that, as the session is not idempotent.
    proxy
        .link()
        .dispatch(
            new Dispatch(
                current,
                new byte[][] {head},
                System.nanoTime(),
                true,
                false,
                request.headers().get(HttpHeaderNames.HOST, ""),
                RequestEncoder.originForm(request.uri())));
  }

  private static void replyAndClose(ChannelHandlerContext ctx, Reason reason, String requestId) {
    FullHttpResponse reply = LocalReply.of(reason, requestId, ctx.alloc());
    reply.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    ctx.writeAndFlush(reply).addListener(ChannelFutureListener.CLOSE);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (current != null) {
      current.onDownstreamClosed();
    }
    ctx.fireChannelInactive();
  }
}
