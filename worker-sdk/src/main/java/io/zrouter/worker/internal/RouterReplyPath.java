package io.zrouter.worker.internal;

import io.zrouter.shaded.org.zeromq.ZMQ;
import io.zrouter.shaded.zmq.ZError;
import java.util.List;

/**
 * Replies through the worker's ROUTER socket, addressed by the router's routing id: the path every
 * stream took before routers had an addressed socket, and still the one for a router that has none.
 *
 * <p>The socket is ROUTER_MANDATORY: a full pipe answers EAGAIN and a router that went away
 * EHOSTUNREACH. One per router, IO thread only.
 */
final class RouterReplyPath implements ReplyPath {
  private final ZMQ.Socket socket;
  private final PeerId router;

  /** The routing id of the router's connection on the socket: the router's, unless retargeted. */
  private byte[] connection;

  RouterReplyPath(ZMQ.Socket socket, PeerId router) {
    this.socket = socket;
    this.router = router;
    this.connection = router.bytes();
  }

  /**
   * The router is reached over a new connection now, named {@code routingId} (a worker with routes
   * names each connection to its service's socket anew; see WorkerIoThread#onRouterHello).
   */
  void retarget(byte[] routingId) {
    this.connection = routingId;
  }

  @Override
  public SendResult send(List<OutboundFrame> message) {
    if (!socket.send(connection, ZMQ.SNDMORE | ZMQ.DONTWAIT)) {
      return socket.errno() == ZError.EAGAIN ? SendResult.FULL : SendResult.UNREACHABLE;
    }
    // once the routing id was accepted, ROUTER takes every part of the message
    for (int i = 0; i < message.size(); i++) {
      boolean last = i == message.size() - 1;
      socket.send(message.get(i).bytes(), last ? ZMQ.DONTWAIT : ZMQ.SNDMORE | ZMQ.DONTWAIT);
    }
    return SendResult.SENT;
  }

  @Override
  public PeerId router() {
    return router;
  }

  @Override
  public int errno() {
    return socket.errno();
  }

  @Override
  public String toString() {
    return "router socket to " + router;
  }
}
