package io.zrouter.worker.internal;

import io.zrouter.shaded.org.zeromq.SocketType;
import io.zrouter.shaded.org.zeromq.ZContext;
import io.zrouter.shaded.org.zeromq.ZMQ;
import io.zrouter.shaded.zmq.ZError;
import io.zrouter.transport.SocketOptions;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The worker's addressed connection to one router: a DEALER connected to the router's bound ROUTER
 * (its addressed socket). The router reaches this one worker through it (follow-up frames: {@code
 * reset}, {@code body}); the worker sends the frames of the streams that chose this path.
 *
 * <p>A message in either direction is just frames, one per part: the router's ROUTER adds and
 * strips the worker's identity. The {@code worker_hello} goes out as ZeroMQ's hello message, so it
 * is the first message on every connection, reconnects included. Owned by the IO thread.
 */
final class AddressedLink implements ReplyPath {
  private final PeerId router;
  private final int port;
  private final String endpoint;
  private final String identity;
  private final ZContext context;
  private final ZMQ.Socket dealer;
  private boolean closed;

  /** The socket's index in the IO thread's poller; -1 until it is registered. */
  int pollIndex = -1;

  private AddressedLink(
      PeerId router,
      int port,
      String endpoint,
      String identity,
      ZContext context,
      ZMQ.Socket dealer) {
    this.router = router;
    this.port = port;
    this.endpoint = endpoint;
    this.identity = identity;
    this.context = context;
    this.dealer = dealer;
  }

  /**
   * Creates the DEALER and connects it; ZeroMQ connects in the background, sends {@code hello}
   * first and reconnects by itself. Frames sent before the connection is up wait in ZeroMQ.
   *
   * @throws RuntimeException when ZeroMQ refuses the endpoint
   */
  static AddressedLink open(
      ZContext context, PeerId router, int port, String endpoint, byte[] identity, byte[] hello) {
    ZMQ.Socket dealer = context.createSocket(SocketType.DEALER);
    try {
      SocketOptions.applyToWorkerConnection(dealer);
      dealer.setIdentity(identity);
      dealer.setHelloMsg(hello);
      dealer.connect(endpoint);
    } catch (RuntimeException e) {
      context.destroySocket(dealer);
      throw e;
    }
    return new AddressedLink(
        router, port, endpoint, new String(identity, StandardCharsets.UTF_8), context, dealer);
  }

  @Override
  public PeerId router() {
    return router;
  }

  /** The router's addressed port this link connects to. */
  int port() {
    return port;
  }

  /** Where the DEALER connects, e.g. {@code tcp://10.0.0.5:5556}. */
  String endpoint() {
    return endpoint;
  }

  ZMQ.Socket socket() {
    return dealer;
  }

  boolean isClosed() {
    return closed;
  }

  /** The link's routing id at the router, as acknowledgements name it. */
  byte[] identityBytes() {
    return identity.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * One connection-level frame (a heartbeat, the worker's state); skipped, not queued, when the
   * pipe is full: the next heartbeat will do, and a router that misses a state change still sees
   * the worker go silent.
   */
  void sendControl(byte[] frame) {
    if (!closed) {
      dealer.send(frame, ZMQ.DONTWAIT);
    }
  }

  @Override
  public SendResult send(List<OutboundFrame> message) {
    if (closed) {
      return SendResult.UNREACHABLE;
    }
    for (int i = 0; i < message.size(); i++) {
      boolean last = i == message.size() - 1;
      int flags = last ? ZMQ.DONTWAIT : ZMQ.SNDMORE | ZMQ.DONTWAIT;
      if (!dealer.send(message.get(i).bytes(), flags)) {
        // only the first part can be refused: once it is taken, the pipe takes the rest
        return dealer.errno() == ZError.EAGAIN ? SendResult.FULL : SendResult.UNREACHABLE;
      }
    }
    return SendResult.SENT;
  }

  @Override
  public int errno() {
    return dealer.errno();
  }

  /** How many of its streams the router lets this worker hold at once; 0 for no limit. */
  private int maxStreams;

  int maxStreams() {
    return maxStreams;
  }

  /** The router's heartbeat said how many of its streams it lets this worker hold. */
  void limitStreams(int maxStreams) {
    this.maxStreams = maxStreams;
  }

  /** {@link System#nanoTime()} when the router was last heard from on this link (or it opened). */
  private long lastHeardNanos = System.nanoTime();

  /** How long the router has been silent on this link. */
  long silentNanos(long nowNanos) {
    return nowNanos - lastHeardNanos;
  }

  /** The parts of the next message from the router, or null when none is waiting. */
  List<byte[]> receive() {
    byte[] first = dealer.recv(ZMQ.DONTWAIT);
    if (first == null) {
      return null;
    }
    lastHeardNanos = System.nanoTime();
    List<byte[]> parts = new ArrayList<>(2);
    parts.add(first);
    while (dealer.hasReceiveMore()) {
      parts.add(dealer.recv(0)); // the rest of a multipart message is already here
    }
    return parts;
  }

  /** Closes the socket at once, dropping what it still holds: the router it led to is gone. */
  void close() {
    if (!closed) {
      closed = true;
      context.destroySocket(dealer); // the context's linger, 0
    }
  }

  /**
   * The worker is closing: frames already handed to ZeroMQ get up to {@code lingerMs} to reach the
   * router once the context closes the socket (as the ROUTER socket's do).
   */
  void lingerOnClose(int lingerMs) {
    if (!closed) {
      dealer.setLinger(lingerMs);
    }
  }

  @Override
  public String toString() {
    return "addressed link " + identity + " to " + endpoint;
  }
}
