package io.zrouter.router.upstream;

import io.zrouter.router.config.PortRange;
import io.zrouter.shaded.org.zeromq.SocketType;
import io.zrouter.shaded.org.zeromq.ZContext;
import io.zrouter.shaded.org.zeromq.ZMQ;
import io.zrouter.shaded.org.zeromq.ZMQException;
import io.zrouter.transport.SocketOptions;
import io.zrouter.transport.Wakeup;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 *   <li>one more bound DEALER per service (workers that declared the same routes), which only that
 *       service's workers connect to (see {@link ServiceLanes});
 *   <li>the wake-up pipe other threads signal when they queue a command.
 * </ul>
 */
final class LinkSockets implements AutoCloseable {
  final ZMQ.Socket dispatch;

  /** Null when the dispatch endpoint is not TCP. */
  final ZMQ.Socket addressed;

  final Wakeup wakeup;
  final String routerId;

  /** The addressed socket's TCP port, 0 for none; read from the event loops for every request. */
  private final int addressedPort;

  private final String dispatchEndpoint;

  private final ZContext context;
  private ConnectionLog connections;

  private LinkSockets(
      ZContext context, ZMQ.Socket dispatch, ZMQ.Socket addressed, Wakeup wakeup, String routerId) {
    this.context = context;
    this.dispatch = dispatch;
    this.addressed = addressed;
    this.wakeup = wakeup;
    this.routerId = routerId;
    this.addressedPort = addressed == null ? 0 : Endpoints.port(addressed.getLastEndpoint());
    this.dispatchEndpoint = dispatch.getLastEndpoint();
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
      for (int attempt = 1; ; attempt++) {
        ZMQ.Socket dispatch = context.createSocket(SocketType.DEALER);
        SocketOptions.applyToRouterSocket(dispatch);
        dispatch.setIdentity(routerId.getBytes(StandardCharsets.US_ASCII));
        dispatch.bind(endpoint);
        try {
          ZMQ.Socket addressed = bindAddressed(context, dispatch.getLastEndpoint());
          return new LinkSockets(context, dispatch, addressed, new Wakeup(), routerId);
        } catch (ZMQException e) {
          // The port after the one the OS picked is taken: pick another pair.
          context.destroySocket(dispatch);
          if (!endpoint.endsWith(":*") || attempt == MAX_PORT_PAIR_ATTEMPTS) {
            throw e;
          }
        }
      }
    } catch (IOException e) {
      context.close();
      throw new UncheckedIOException("cannot open the link's wake-up pipe", e);
    } catch (RuntimeException e) {
      context.close();
      throw e;
    }
  }

  /** Tries for two free consecutive ports when the dispatch port is left to the OS. */
  private static final int MAX_PORT_PAIR_ATTEMPTS = 20;

  /**
   * The addressed socket: a ROUTER on the dispatch socket's interface, at its port + 1. Workers
   * learn the port from each request; a worker with routes computes it to say hello first.
   */
  private static ZMQ.Socket bindAddressed(ZContext context, String bound) {
    String endpoint = Endpoints.addressedFor(bound);
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
    return dispatchEndpoint;
  }

  /**
   * TCP port of the addressed socket, or 0 when there is none. Any thread: learnt once at bind time
   * (a JeroMQ socket is not to be touched from other threads, and parsing its endpoint per request
   * cost the event loops a regex match each).
   */
  int addressedPort() {
    return addressedPort;
  }

  /** Link thread: starts the connection monitor. */
  void open(String name) {
    connections = new ConnectionLog(context, dispatch, name);
  }

  /** Whether any worker is connected to the default dispatch socket. */
  boolean hasDefaultWorkers() {
    return connections.count() > 0;
  }

  /**
   * Link thread: binds a service's dispatch socket, a DEALER on the {@code --bind} interface, at a
   * port the OS picks or within {@code range}.
   *
   * @return the socket, or null when every port of the range is taken
   */
  ZMQ.Socket bindService(PortRange range) {
    ZMQ.Socket socket = context.createSocket(SocketType.DEALER);
    SocketOptions.applyToRouterSocket(socket);
    socket.setIdentity(routerId.getBytes(StandardCharsets.US_ASCII));
    if (range == null) {
      socket.bind(Endpoints.onHostOf(dispatch.getLastEndpoint(), "*"));
      lanesChanged();
      return socket;
    }
    for (int port = range.first(); port <= range.last(); port++) {
      try {
        socket.bind(Endpoints.onHostOf(dispatch.getLastEndpoint(), Integer.toString(port)));
        lanesChanged();
        return socket;
      } catch (ZMQException taken) {
        // in use (another service, another process): try the next one
      }
    }
    context.destroySocket(socket);
    return null;
  }

  /** Link thread: closes a retired service's socket. */
  void closeService(ZMQ.Socket socket) {
    context.destroySocket(socket);
    lanesChanged();
  }

  /**
   * Link thread: waits until a socket or the wake-up pipe has something, or the timeout passes.
   *
   * @param lanes every service's dispatch socket, to read from
   * @param toSend those with requests waiting for room: the wait also ends when one has some
   * @param timeoutMillis -1 to wait without limit
   */
  void poll(List<ServiceLane> lanes, List<ServiceLane> toSend, long timeoutMillis) {
    ZMQ.Poller poller = pollers.get(toSend);
    if (poller == null) {
      poller = poller(lanes, toSend);
      pollers.put(List.copyOf(toSend), poller);
    }
    poller.poll(timeoutMillis);
  }

  /** The pollers, by the lanes they wait to send on; rebuilt when the lanes change. */
  private final Map<List<ServiceLane>, ZMQ.Poller> pollers = new HashMap<>();

  private void lanesChanged() {
    pollers.values().forEach(ZMQ.Poller::close);
    pollers.clear();
  }

  /**
   * Link thread: consumes the wake-up, before the command queue is drained, so a command queued
   * during the drain wakes the loop again. A pipe broken by an interrupted producer is replaced.
   */
  void acknowledgeWakeup() {
    try {
      if (!wakeup.acknowledge()) {
        wakeup.reopen();
        lanesChanged(); // the pollers hold the old pipe
      }
    } catch (IOException e) {
      throw new UncheckedIOException("the link's wake-up pipe failed", e);
    }
  }

  /** Link thread: logs the dispatch socket's connection events since the last call. */
  void logConnections() {
    connections.drain();
  }

  private ZMQ.Poller poller(List<ServiceLane> lanes, List<ServiceLane> toSend) {
    ZMQ.Poller poller = context.createPoller(4 + lanes.size());
    poller.register(wakeup.channel(), ZMQ.Poller.POLLIN);
    poller.register(connections.socket(), ZMQ.Poller.POLLIN);
    if (addressed != null) {
      poller.register(addressed, ZMQ.Poller.POLLIN);
    }
    for (ServiceLane lane : lanes) {
      int events = ZMQ.Poller.POLLIN | (toSend.contains(lane) ? ZMQ.Poller.POLLOUT : 0);
      poller.register(lane.socket, events);
    }
    return poller;
  }

  @Override
  public void close() {
    try {
      lanesChanged();
      if (connections != null) {
        connections.close();
      }
      context.close();
    } finally {
      wakeup.close();
    }
  }
}
