package io.zrouter.router.frontend;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * Keeps pipelined HTTP/1.1 requests in order: only one request per connection is in flight at a
 * time; later ones wait here (with reading paused, so they cannot pile up) until the previous
 * response has been fully written.
 */
final class Http1PipeliningHandler extends ChannelDuplexHandler {
  private final ArrayDeque<Object> waiting = new ArrayDeque<>();
  private boolean inFlight;

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (inFlight) {
      waiting.add(msg);
      ctx.channel().config().setAutoRead(false);
      return;
    }
    inFlight = true;
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    boolean last = msg instanceof LastHttpContent;
    ctx.write(msg, promise);
    if (last) {
      inFlight = false;
      // Not inline: the handler that wrote is still on the stack.
      ctx.executor().execute(() -> releaseNext(ctx));
    }
  }

  private void releaseNext(ChannelHandlerContext ctx) {
    if (inFlight || ctx.isRemoved()) {
      return;
    }
    Object next = waiting.poll();
    if (next != null) {
      inFlight = true;
      ctx.fireChannelRead(next);
    } else if (ctx.channel().isActive()) {
      ctx.channel().config().setAutoRead(true);
    }
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    Object msg;
    while ((msg = waiting.poll()) != null) {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    handlerRemoved(ctx);
    ctx.fireChannelInactive();
  }
}
