package io.zrouter.router.upstream;

import io.zrouter.shaded.org.zeromq.SocketType;
import io.zrouter.shaded.org.zeromq.ZContext;
import io.zrouter.shaded.org.zeromq.ZMQ;
import io.zrouter.shaded.org.zeromq.ZMQException;
import io.zrouter.transport.SocketOptions;
import io.zrouter.transport.Wakeup;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The router's ZeroMQ sockets, bound and configured, and the poller over them. Created on any
 * thread; used and closed by the link thread only.
 *
 * <ul>
 *   <li>the <em>dispatch</em> socket, a bound DEALER: every worker connects to it and gets requests
 *       from it round-robin;
 *   <li>the <em>addressed</em> socket, a ROUTER at the next port: each worker connects to it too,
 *       so the router can send one worker the rest of a stream (body, credit, cancel, start) and
 *       hear its response; only TCP dispatch endpoints get one;
 *   <li>a monitor of the dispatch socket, which logs workers connecting and leaving;
 *   <li>the wake-up pipe other threads signal when they queue a command.
 * </ul>
 */
final class LinkSockets implements AutoCloseable {
  final ZMQ.Socket dispatch;

  /** Null when the dispatch endpoint is not TCP. */
  final ZMQ.Socket addressed;

  final Wakeup wakeup;
  final String routerId;

  private final ZContext context;
  private ConnectionLog connections;
  private ZMQ.Poller idle;
  private ZMQ.Poller sending;

  private LinkSockets(
      ZContext context, ZMQ.Socket dispatch, ZMQ.Socket addressed, Wakeup wakeup, String routerId) {
    this.context = context;
    this.dispatch = dispatch;
    this.addressed = addressed;
    this.wakeup = wakeup;
    this.routerId = routerId;
  }

  /**
   * Binds the dispatch socket at {@code endpoint} and the addressed socket beside it.
   *
   * @throws ZMQException when an endpoint cannot be bound (in use, bad address)
   */
  static LinkSockets bind(String endpoint) {
    ZContext context = new ZContext(1);
    try {
      String routerId = "router-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
      ZMQ.Socket dispatch = context.createSocket(SocketType.DEALER);
      SocketOptions.applyToRouterSocket(dispatch);
      dispatch.setIdentity(routerId.getBytes(StandardCharsets.US_ASCII));
      dispatch.bind(endpoint);
      ZMQ.Socket addressed = bindAddressed(context, endpoint, dispatch.getLastEndpoint());
      return new LinkSockets(context, dispatch, addressed, new Wakeup(), routerId);
    } catch (IOException e) {
      context.close();
      throw new UncheckedIOException("cannot open the link's wake-up pipe", e);
    } catch (RuntimeException e) {
      context.close();
      throw e;
    }
  }

  /**
   * The addressed socket: a ROUTER on the dispatch socket's interface, at its port + 1 (or any free
   * port when the dispatch port was picked by the OS). Workers learn the port from each request.
   */
  private static ZMQ.Socket bindAddressed(ZContext context, String configured, String bound) {
    String endpoint = Endpoints.addressedFor(configured, bound);
    if (endpoint == null) {
      return null;
    }
    ZMQ.Socket router = context.createSocket(SocketType.ROUTER);
    SocketOptions.applyToRouterSocket(router);
    router.setRouterMandatory(true); // a send to a worker that left fails instead of vanishing
    router.setRouterHandover(true); // a worker that redials keeps its routing id (AddressedOutbox)
    try {
      router.bind(endpoint);
    } catch (ZMQException e) {
      throw new ZMQException(
          "cannot bind addressed socket " + endpoint + " (--bind port + 1): " + e.getMessage(),
          e.getErrorCode());
    }
    return router;
  }

  /** The dispatch endpoint actually bound, with the port resolved when {@code *} was asked for. */
  String dispatchEndpoint() {
    return dispatch.getLastEndpoint();
  }

  /** TCP port of the addressed socket, or 0 when there is none. */
  int addressedPort() {
    return addressed == null ? 0 : Endpoints.port(addressed.getLastEndpoint());
  }

  /** Link thread: starts the connection monitor and builds the pollers. */
  void open(String name) {
    connections = new ConnectionLog(context, dispatch, name);
    idle = poller(ZMQ.Poller.POLLIN);
    sending = poller(ZMQ.Poller.POLLIN | ZMQ.Poller.POLLOUT);
  }

  /**
   * Link thread: waits until a socket or the wake-up pipe has something, or the timeout passes.
   *
   * @param toSend whether requests wait for room on the dispatch socket: wake when it has some
   * @param timeoutMillis -1 to wait without limit
   */
  void poll(boolean toSend, long timeoutMillis) {
    (toSend ? sending : idle).poll(timeoutMillis);
  }

  /**
   * Link thread: consumes the wake-up, before the command queue is drained, so a command queued
   * during the drain wakes the loop again. A pipe broken by an interrupted producer is replaced.
   */
  void acknowledgeWakeup() {
    try {
      if (!wakeup.acknowledge()) {
        wakeup.reopen();
        idle.close();
        sending.close();
        idle = poller(ZMQ.Poller.POLLIN);
        sending = poller(ZMQ.Poller.POLLIN | ZMQ.Poller.POLLOUT);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("the link's wake-up pipe failed", e);
    }
  }

  /** Link thread: logs the dispatch socket's connection events since the last call. */
  void logConnections() {
    connections.drain();
  }

  private ZMQ.Poller poller(int dispatchEvents) {
    ZMQ.Poller poller = context.createPoller(4);
    poller.register(wakeup.channel(), ZMQ.Poller.POLLIN);
    poller.register(dispatch, dispatchEvents);
    poller.register(connections.socket(), ZMQ.Poller.POLLIN);
    if (addressed != null) {
      poller.register(addressed, ZMQ.Poller.POLLIN);
    }
    return poller;
  }

  @Override
  public void close() {
    try {
      if (idle != null) {
        idle.close();
        sending.close();
        connections.close();
      }
      context.close();
    } finally {
      wakeup.close();
    }
  }
}
