package io.zrouter.router.frontend;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

/**
 * Whether a channel reads from its client, when more than one handler may want it paused. Reading
 * goes on only while no reason to pause is left. Event loop only.
 */
final class ReadGate {
  /** Why reading is paused; each is a bit. */
  enum Reason {
    /** A pipelined HTTP/1.1 request waits for the response before it. */
    PIPELINED,
    /** The request body outran the worker's credit: the client waits (TCP or HTTP/2 window). */
    UPLOAD_CREDIT
  }

  private static final AttributeKey<ReadGate> KEY = AttributeKey.valueOf(ReadGate.class, "gate");

  private final Channel channel;
  private int paused;

  private ReadGate(Channel channel) {
    this.channel = channel;
  }

  static ReadGate of(Channel channel) {
    ReadGate gate = channel.attr(KEY).get();
    if (gate == null) {
      gate = new ReadGate(channel);
      channel.attr(KEY).set(gate);
    }
    return gate;
  }

  void pause(Reason reason) {
    paused |= 1 << reason.ordinal();
    channel.config().setAutoRead(false);
  }

  void resume(Reason reason) {
    int before = paused;
    paused &= ~(1 << reason.ordinal());
    if (before != 0 && paused == 0 && channel.isActive()) {
      channel.config().setAutoRead(true); // also asks for a read now
    }
  }
}
