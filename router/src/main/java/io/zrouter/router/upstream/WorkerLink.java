package io.zrouter.router.upstream;

import io.netty.util.concurrent.EventExecutor;
import io.zrouter.proto.Frame;
import io.zrouter.proto.FrameCodec;
import io.zrouter.proto.MalformedFrameException;
import io.zrouter.router.stream.ProxyStream;
import io.zrouter.router.stream.StreamRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * <p>Event loops hand it {@link Dispatch}es through a queue plus a {@link Wakeup}; it sends
 * each as one multipart message on the bound DEALER, whose round-robin picks the worker.
 * While no worker can take a message (none connected, or all at their high-water mark)
 * requests wait here, oldest first, until {@code workerWait} has passed and they get 503.
 * Response frames are decoded here and handed to each stream's event loop in batches: one
 * task per event loop per receive pass, not one per frame.
 */
public final class WorkerLink implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WorkerLink.class);

  /** Upper bound on messages received per pass, so sending is never starved. */
  private static final int MAX_RECEIVES_PER_PASS = 4096;
  /** Retry interval for held requests, in case a POLLOUT edge is missed. */
  private static final long HELD_RETRY_MS = 50;

  private final StreamRegistry registry;
  private final long workerWaitNanos;
  private final ZContext context;
  private final ZMQ.Socket dealer;
  private final String boundEndpoint;
  private final Wakeup wakeup = new Wakeup();
  private final Queue<Dispatch> incoming = new ConcurrentLinkedQueue<>();
  private final ArrayDeque<Dispatch> held = new ArrayDeque<>();
  private final Thread thread;
  private volatile boolean running = true;

  private WorkerLink(StreamRegistry registry, Duration workerWait, ZContext context, ZMQ.Socket dealer) {
    this.registry = registry;
    this.workerWaitNanos = workerWait.toNanos();
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
  public static WorkerLink start(String bindEndpoint, Duration workerWait, StreamRegistry registry) {
    ZContext context = new ZContext(1);
    try {
      ZMQ.Socket dealer = context.createSocket(SocketType.DEALER);
      dealer.setIdentity(routerIdentity());
      dealer.setLinger(0);
      // ZMTP heartbeats: a worker whose host vanished is dropped from the round-robin.
      dealer.setHeartbeatIvl(1000);
      dealer.setHeartbeatTimeout(3000);
      dealer.setHeartbeatTtl(6000);
      dealer.bind(bindEndpoint);
      WorkerLink link = new WorkerLink(registry, workerWait, context, dealer);
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
    ZMQ.Poller readOnly = context.createPoller(2);
    readOnly.register(wakeup.channel(), ZMQ.Poller.POLLIN);
    readOnly.register(dealer, ZMQ.Poller.POLLIN);
    ZMQ.Poller readWrite = context.createPoller(2);
    readWrite.register(wakeup.channel(), ZMQ.Poller.POLLIN);
    readWrite.register(dealer, ZMQ.Poller.POLLIN | ZMQ.Poller.POLLOUT);
    try {
      while (running) {
        ZMQ.Poller poller = held.isEmpty() ? readOnly : readWrite;
        poller.poll(pollTimeoutMillis());
        if (!running) {
          break;
        }
        wakeup.clear();
        Dispatch d;
        while ((d = incoming.poll()) != null) {
          held.add(d);
        }
        sendHeld();
        expireHeld();
        receive();
      }
    } catch (RuntimeException e) {
      log.error("worker link failed; requests can no longer reach workers", e);
    } finally {
      readOnly.close();
      readWrite.close();
      context.close();
      wakeup.close();
    }
  }

  private long pollTimeoutMillis() {
    Dispatch oldest = held.peekFirst();
    if (oldest == null) {
      return -1;
    }
    long untilExpiry = oldest.queuedAtNanos() + workerWaitNanos - System.nanoTime();
    return Math.max(1, Math.min(HELD_RETRY_MS, TimeUnit.NANOSECONDS.toMillis(untilExpiry) + 1));
  }

  /** Sends held requests in order until the DEALER has no worker with room. */
  private void sendHeld() {
    Dispatch d;
    while ((d = held.peekFirst()) != null) {
      if (d.stream().isDone()) {
        held.pollFirst();
        continue;
      }
      byte[][] parts = d.parts();
      int last = parts.length - 1;
      if (!dealer.send(parts[0], (last > 0 ? ZMQ.SNDMORE : 0) | ZMQ.DONTWAIT)) {
        return; // no worker can take it now: keep holding
      }
      for (int i = 1; i <= last; i++) {
        // Once the first part is queued, ZeroMQ accepts the rest of the message.
        dealer.send(parts[i], i < last ? ZMQ.SNDMORE : 0);
      }
      held.pollFirst();
      log.debug("dispatched stream {}", d.stream().id());
    }
  }

  private void expireHeld() {
    long now = System.nanoTime();
    Dispatch d;
    while ((d = held.peekFirst()) != null && now - d.queuedAtNanos() >= workerWaitNanos) {
      held.pollFirst();
      ProxyStream stream = d.stream();
      if (!stream.isDone()) {
        stream.executor().execute(stream::onNoWorker);
      }
    }
  }

  /** Drains received messages and hands frames to their streams' event loops in batches. */
  private void receive() {
    Map<EventExecutor, List<Delivery>> batches = null;
    for (int n = 0; n < MAX_RECEIVES_PER_PASS; n++) {
      byte[] part = dealer.recv(ZMQ.DONTWAIT);
      if (part == null) {
        break;
      }
      do {
        Delivery delivery = decode(part);
        if (delivery != null) {
          if (batches == null) {
            batches = new HashMap<>();
          }
          batches.computeIfAbsent(delivery.stream.executor(), e -> new ArrayList<>()).add(delivery);
        }
        part = dealer.hasReceiveMore() ? dealer.recv(0) : null;
      } while (part != null);
    }
    if (batches != null) {
      batches.forEach((executor, deliveries) -> executor.execute(() -> deliver(deliveries)));
    }
  }

  private Delivery decode(byte[] part) {
    Frame frame;
    try {
      frame = FrameCodec.decode(part);
    } catch (MalformedFrameException e) {
      ProxyStream stream = e.streamId() == 0 ? null : registry.get(e.streamId());
      if (stream == null) {
        log.warn("dropping malformed frame from a worker: reason = {}", e.getMessage());
        return null;
      }
      return new Delivery(stream, null, e.getMessage());
    }
    ProxyStream stream = registry.get(frame.getStreamId());
    if (stream == null) {
      log.debug("frame for a stream that is gone: stream = {}, kind = {}", frame.getStreamId(), frame.getKindCase());
      return null;
    }
    return new Delivery(stream, frame, null);
  }

  /** Runs on one event loop: applies a batch of frames, then flushes each stream once. */
  private static void deliver(List<Delivery> deliveries) {
    List<ProxyStream> touched = new ArrayList<>();
    for (Delivery d : deliveries) {
      if (d.stream.isDone()) {
        continue;
      }
      if (d.frame != null) {
        d.stream.onFrame(d.frame);
      } else {
        d.stream.onUpstreamProtocolError(d.error);
      }
      if (touched.isEmpty() || touched.get(touched.size() - 1) != d.stream) {
        touched.add(d.stream);
      }
    }
    for (ProxyStream stream : touched) {
      stream.flush();
    }
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

  private record Delivery(ProxyStream stream, Frame frame, String error) {}
}
