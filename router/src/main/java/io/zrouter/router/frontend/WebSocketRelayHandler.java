package io.zrouter.router.frontend;

import com.google.protobuf.ByteString;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.util.ReferenceCountUtil;
import io.zrouter.proto.WebSocketMessage.Opcode;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's side of an open WebSocket: hands whole messages and the close to its {@link
 * WebSocketExchange}, answers pings itself (the worker never sees them) and reports the connection
 * going away.
 */
final class WebSocketRelayHandler extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(WebSocketRelayHandler.class);

  private final WebSocketExchange exchange;

  WebSocketRelayHandler(WebSocketExchange exchange) {
    this.exchange = exchange;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    exchange.relayAdded(ctx);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof PingWebSocketFrame ping) {
      ctx.writeAndFlush(new PongWebSocketFrame(ping.content())); // the pong owns the payload now
      return;
    }
    try {
      if (msg instanceof TextWebSocketFrame text) {
        exchange.onClientMessage(Opcode.OPCODE_TEXT, copy(text));
      } else if (msg instanceof BinaryWebSocketFrame binary) {
        exchange.onClientMessage(Opcode.OPCODE_BINARY, copy(binary));
      } else if (msg instanceof CloseWebSocketFrame close) {
        exchange.onClientClose(close.statusCode(), close.reasonText());
        // Echo the close (RFC 6455 section 5.5.1), then the connection is done.
        ctx.writeAndFlush(close.retainedDuplicate()).addListener(ChannelFutureListener.CLOSE);
      }
    } finally {
      ReferenceCountUtil.release(msg); // copied for the worker, or a pong we do not need
    }
  }

  /**
   * The bytes leave the event loop for the link thread, so they are copied out of Netty's buffer.
   */
  private static ByteString copy(io.netty.handler.codec.http.websocketx.WebSocketFrame frame) {
    return ByteString.copyFrom(frame.content().nioBuffer());
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    exchange.onDownstreamClosed();
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof TooLongFrameException) {
      log.warn("closing websocket: client message over {} bytes", WebSocketExchange.MAX_MESSAGE);
      exchange.closeBoth(WebSocketCloseStatus.MESSAGE_TOO_BIG);
    } else if (cause instanceof IOException) {
      log.debug("websocket connection failed: {}", cause.toString());
      ctx.close();
    } else {
      // The decoder has already answered a protocol violation with a close of its own.
      log.warn("closing websocket after an error: {}", cause.toString());
      ctx.close();
    }
  }
}
