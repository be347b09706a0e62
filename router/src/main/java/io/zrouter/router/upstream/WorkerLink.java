package io.zrouter.router.upstream;

import io.zrouter.proto.Frame;
import io.zrouter.proto.FrameCodec;
import io.zrouter.proto.MalformedFrameException;
import io.zrouter.proto.ResetReason;
import io.zrouter.router.stream.ProxyStream;
import io.zrouter.router.stream.StreamRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMQException;

/**
 * The one thread that owns the router's ZeroMQ sockets.
 *
 * <p>Event loops hand it {@link Dispatch}es through a queue plus a {@link Wakeup}; it sends each as
 * one multipart message on the bound DEALER, whose round-robin picks the worker. While no worker
 * can take a message (none connected, or all at their high-water mark) requests are held, then
 * answered 503 once the worker wait is over. A request no worker acknowledges within the accept
 * timeout is sent again (see {@link UnacceptedRequests}). Response frames are decoded here and
 * handed to each stream's event loop in batches.
 */
public final class WorkerLink implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WorkerLink.class);

  /** Upper bound on messages received per pass, so sending is never starved. */
  private static final int MAX_RECEIVES_PER_PASS = 4096;

  /** Retry interval for held requests, in case a POLLOUT edge is missed. */
  private static final long HELD_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  private final StreamRegistry registry;
  private final ZContext context;
  private final ZMQ.Socket dealer;
  private final String boundEndpoint;
  private final Wakeup wakeup = new Wakeup();
  private final Queue<Dispatch> incoming = new ConcurrentLinkedQueue<>();
  private final HeldRequests held;
  private final UnacceptedRequests unaccepted;
  private final ResponseBatch batch = new ResponseBatch();
  private final Thread thread;
  private volatile boolean running = true;

  private WorkerLink(
      StreamRegistry registry,
      Duration workerWait,
      Duration acceptTimeout,
      ZContext context,
      ZMQ.Socket dealer) {
    this.registry = registry;
    this.held = new HeldRequests(workerWait.toNanos());
    this.unaccepted = new UnacceptedRequests(acceptTimeout.toNanos());
    this.context = context;
    this.dealer = dealer;
    this.boundEndpoint = dealer.getLastEndpoint();
    this.thread = new Thread(this::run, "zrouter-link");
  }

  /**
   * Binds the dispatch socket and starts the link thread.
   *
   * @throws ZMQException when the endpoint cannot be bound (in use, bad address)
   */
  public static WorkerLink start(
      String bindEndpoint, Duration workerWait, Duration acceptTimeout, StreamRegistry registry) {
    ZContext context = new ZContext(1);
    try {
      ZMQ.Socket dealer = context.createSocket(SocketType.DEALER);
      dealer.setIdentity(routerIdentity());
      dealer.setLinger(0);
      // ZMTP heartbeats: a worker whose host vanished is dropped from the round-robin.
      dealer.setHeartbeatIvl(1000);
      dealer.setHeartbeatTimeout(3000);
      dealer.setHeartbeatTtl(6000);
      // The DEALER queues to a connection from accept on; one whose handshake stalls
      // (zeromq/jeromq#1022) swallows requests until this timer drops it (default 30 s).
      dealer.setHandshakeIvl(3000);
      dealer.bind(bindEndpoint);
      WorkerLink link = new WorkerLink(registry, workerWait, acceptTimeout, context, dealer);
      link.thread.start();
      return link;
    } catch (RuntimeException e) {
      context.close();
      throw e;
    }
  }

  private static byte[] routerIdentity() {
    return ("router-" + Long.toHexString(ThreadLocalRandom.current().nextLong()))
        .getBytes(StandardCharsets.US_ASCII);
  }

  /** The endpoint actually bound, with the port resolved when {@code *} was asked for. */
  public String boundEndpoint() {
    return boundEndpoint;
  }

  /** Any thread: queue a request for a worker. */
  public void dispatch(Dispatch dispatch) {
    incoming.add(dispatch);
    wakeup.signal();
  }

  private void run() {
    ConnectionLog connections =
        new ConnectionLog(context, dealer, Integer.toHexString(System.identityHashCode(this)));
    ZMQ.Poller idle = poller(connections, ZMQ.Poller.POLLIN);
    ZMQ.Poller holding = poller(connections, ZMQ.Poller.POLLIN | ZMQ.Poller.POLLOUT);
    try {
      while (running) {
        (held.isEmpty() ? idle : holding).poll(pollTimeoutMillis());
        if (!running) {
          break;
        }
        wakeup.clear();
        connections.drain();
        Dispatch d;
        while ((d = incoming.poll()) != null) {
          held.add(d);
        }
        receive();
        long now = System.nanoTime();
        unaccepted.expire(now, this::redispatch);
        sendHeld(now);
        held.expire(
            now, expired -> expired.stream().executor().execute(expired.stream()::onNoWorker));
      }
    } catch (RuntimeException e) {
      log.error("worker link failed; requests can no longer reach workers", e);
    } finally {
      idle.close();
      holding.close();
      connections.close();
      context.close();
      wakeup.close();
    }
  }

  private ZMQ.Poller poller(ConnectionLog connections, int dealerEvents) {
    ZMQ.Poller poller = context.createPoller(3);
    poller.register(wakeup.channel(), ZMQ.Poller.POLLIN);
    poller.register(dealer, dealerEvents);
    poller.register(connections.socket(), ZMQ.Poller.POLLIN);
    return poller;
  }

  private void redispatch(Dispatch d) {
    log.debug("no worker acknowledged stream {} in time; sending it again", d.stream().id());
    held.addFirst(d);
  }

  private long pollTimeoutMillis() {
    long now = System.nanoTime();
    long next = unaccepted.nanosUntilNextTimeout(now);
    if (!held.isEmpty()) {
      next = Math.min(next, Math.min(HELD_RETRY_NANOS, held.nanosUntilNextExpiry(now)));
    }
    if (next == Long.MAX_VALUE) {
      return -1;
    }
    return Math.max(1, TimeUnit.NANOSECONDS.toMillis(next) + 1);
  }

  /** Sends held requests in order until the DEALER has no worker with room. */
  private void sendHeld(long now) {
    Dispatch d;
    while ((d = held.peek()) != null) {
      byte[][] parts = d.parts();
      int last = parts.length - 1;
      if (!dealer.send(parts[0], (last > 0 ? ZMQ.SNDMORE : 0) | ZMQ.DONTWAIT)) {
        return; // no worker can take it now: keep holding
      }
      for (int i = 1; i <= last; i++) {
        // Once the first part is queued, ZeroMQ accepts the rest of the message.
        dealer.send(parts[i], i < last ? ZMQ.SNDMORE : 0);
      }
      held.removeFirst();
      unaccepted.sent(d, now);
    }
  }

  /** Drains received messages and hands frames to their streams' event loops in batches. */
  private void receive() {
    for (int n = 0; n < MAX_RECEIVES_PER_PASS; n++) {
      byte[] part = dealer.recv(ZMQ.DONTWAIT);
      if (part == null) {
        break;
      }
      do {
        decode(part);
        part = dealer.hasReceiveMore() ? dealer.recv(0) : null;
      } while (part != null);
    }
    batch.dispatchAll();
  }

  private void decode(byte[] part) {
    Frame frame;
    try {
      frame = FrameCodec.decode(part);
    } catch (MalformedFrameException e) {
      ProxyStream stream = e.streamId() == 0 ? null : registry.get(e.streamId());
      if (stream == null) {
        log.warn("dropping malformed frame from a worker: reason = {}", e.getMessage());
        return;
      }
      unaccepted.accepted(e.streamId()); // a worker has it, even if it answers badly
      batch.protocolError(stream, e.getMessage());
      return;
    }
    long streamId = frame.getStreamId();
    if (streamId == 0) {
      log.debug("ignoring connection-level {} frame", frame.getKindCase());
      return;
    }
    if (frame.hasReset() && frame.getReset().getReason() == ResetReason.RESET_REASON_REFUSED) {
      Dispatch refused = unaccepted.refused(streamId);
      if (refused != null) {
        log.debug(
            "worker refused stream {}: {}; sending it again",
            streamId,
            frame.getReset().getMessage());
        held.addFirst(refused);
        return;
      }
    }
    unaccepted.accepted(streamId);
    if (frame.getKindCase() == Frame.KindCase.ACCEPT) {
      return;
    }
    ProxyStream stream = registry.get(streamId);
    if (stream == null) {
      log.debug(
          "frame for a stream that is gone: stream = {}, kind = {}", streamId, frame.getKindCase());
      return;
    }
    batch.frame(stream, frame);
  }

  /** Stops the link thread and closes the sockets. Held requests are dropped. */
  @Override
  public void close() {
    running = false;
    wakeup.signal();
    try {
      thread.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
