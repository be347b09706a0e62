package io.zrouter.router.frontend;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * Keeps pipelined HTTP/1.1 requests in order: one request per connection is answered at a time. A
 * request that arrives while an earlier response is still being written waits here, with its body,
 * and reading pauses so they cannot pile up, until that response has been fully written. The body
 * of the request being answered always passes: it streams to the worker.
 */
final class Http1PipeliningHandler extends ChannelDuplexHandler {
  private final ArrayDeque<Object> waiting = new ArrayDeque<>();

  /** A response is owed: from a request's head until its response's last content is written. */
  private boolean responding;

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (waiting.isEmpty() && !(responding && msg instanceof HttpRequest)) {
      pass(ctx, msg);
      return;
    }
    waiting.add(msg);
    ReadGate.of(ctx.channel()).pause(ReadGate.Reason.PIPELINED);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    boolean last = msg instanceof LastHttpContent;
    ctx.write(msg, promise);
    if (last) {
      responding = false;
      // Not inline: the handler that wrote is still on the stack.
      ctx.executor().execute(() -> releaseWaiting(ctx));
    }
  }

  private void pass(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest) {
      responding = true;
    }
    ctx.fireChannelRead(msg);
  }

  /** Passes the next waiting request and its body (as much of it as arrived), in order. */
  private void releaseWaiting(ChannelHandlerContext ctx) {
    if (ctx.isRemoved()) {
      return;
    }
    Object next;
    while ((next = waiting.peek()) != null && !(responding && next instanceof HttpRequest)) {
      pass(ctx, waiting.poll());
    }
    if (waiting.isEmpty()) {
      ReadGate.of(ctx.channel()).resume(ReadGate.Reason.PIPELINED);
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
