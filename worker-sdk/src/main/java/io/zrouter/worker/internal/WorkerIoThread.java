package io.zrouter.worker.internal;

import java.io.IOException;
import java.nio.channels.SelectableChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import zmq.ZError;

/**
 * The one thread that owns the worker's ZeroMQ ROUTER socket.
 *
 * <p>Each cycle it blocks in a {@link ZMQ.Poller} on two things: the socket (requests from routers)
 * and the {@link Wakeup} pipe (handler threads queued frames). It then reads what arrived, hands it
 * to the {@link RequestDispatcher}, drains the {@link OutboundQueue} and sends the frames grouped
 * by router, up to {@value #MAX_PARTS_PER_MESSAGE} frames per message. It never polls with a
 * timeout to find work; a timeout is used only while a router's pipe is full.
 *
 * <p>The socket is ROUTER_MANDATORY so that a full pipe to a router answers EAGAIN (the frames wait
 * here and the handlers feel the back-pressure) instead of being silently dropped, and a router
 * that went away answers EHOSTUNREACH (its streams are cancelled).
 */
public final class WorkerIoThread {
  private static final Logger log = LoggerFactory.getLogger(WorkerIoThread.class);

  static final int MAX_PARTS_PER_MESSAGE = 64;

  /** Soft cap on a message's bytes: four full body frames and some small ones. */
  private static final int MAX_BYTES_PER_MESSAGE = 320 * 1024;

  /**
   * Messages ZeroMQ may hold for one router before a send answers EAGAIN. With the byte cap above
   * this bounds what a slow router can pin in memory to about 20 MiB; ZeroMQ's default (1000) would
   * allow gigabytes.
   */
  private static final int SEND_HWM_MESSAGES = 64;

  private static final int MAX_MESSAGES_IN_PER_CYCLE = 256;
  private static final int MAX_FRAMES_OUT_PER_CYCLE = 4096;

  /** Retry interval while a router's pipe is full: ZeroMQ has no writable event for ROUTER. */
  private static final long FULL_PIPE_RETRY_MS = 10;

  /**
   * A connection whose ZMTP handshake has not finished by then is dropped and retried. JeroMQ 0.6.0
   * sometimes never sends the greeting on a freshly connected socket (a stale selection key in its
   * IO poller, zeromq/jeromq#1022; a few percent of connects here); the default 30 s would leave
   * such a worker deaf to that router for half a minute.
   */
  private static final int HANDSHAKE_IVL_MS = 1000;

  /** How long frames handed to ZeroMQ may still go out once the worker closes. */
  private static final int CLOSE_LINGER_MS = 1000;

  private final String workerId;
  private final ZContext context;
  private final ZMQ.Socket socket;
  private final ZMQ.Poller poller;
  private final Wakeup wakeup;
  private final OutboundQueue outbound;
  private final RequestDispatcher dispatcher;
  private final Thread thread;

  /** Frames taken from the queue and not yet sent, per router, in order. IO thread only. */
  private final Map<PeerId, ArrayDeque<OutboundFrame>> unsent = new LinkedHashMap<>();

  private int socketIndex;
  private int wakeupIndex;
  private volatile boolean drainRequested;
  private volatile boolean stopRequested;

  /**
   * Creates the socket and connects it to every endpoint (ZeroMQ connects in the background and
   * reconnects by itself). The calling thread hands the socket over in {@link #start()}.
   *
   * @throws IllegalArgumentException when an endpoint is not valid
   */
  public WorkerIoThread(
      String workerId,
      List<String> endpoints,
      Wakeup wakeup,
      OutboundQueue outbound,
      RequestDispatcher dispatcher) {
    this.workerId = workerId;
    this.wakeup = wakeup;
    this.outbound = outbound;
    this.dispatcher = dispatcher;
    this.context = new ZContext(1);
    try {
      this.socket = context.createSocket(SocketType.ROUTER);
      socket.setLinger(0);
      socket.setIdentity(workerId.getBytes(StandardCharsets.UTF_8));
      socket.setRouterMandatory(true);
      socket.setSndHWM(SEND_HWM_MESSAGES);
      socket.setHeartbeatIvl(1000);
      socket.setHeartbeatTimeout(3000);
      socket.setHeartbeatTtl(6000);
      socket.setReconnectIVL(100);
      socket.setReconnectIVLMax(1000);
      socket.setHandshakeIvl(HANDSHAKE_IVL_MS);
      for (String endpoint : endpoints) {
        try {
          socket.connect(endpoint);
        } catch (RuntimeException e) {
          throw new IllegalArgumentException(
              "cannot connect to " + endpoint + ": " + e.getMessage(), e);
        }
      }
      this.poller = context.createPoller(2);
      this.socketIndex = poller.register(socket, ZMQ.Poller.POLLIN);
      this.wakeupIndex = poller.register(wakeup.channel(), ZMQ.Poller.POLLIN);
    } catch (RuntimeException e) {
      context.close();
      throw e;
    }
    this.thread = new Thread(this::run, "zrouter-io-" + workerId);
  }

  /** Starts the thread; from now on only it touches the socket. */
  public void start() {
    thread.start();
  }

  /** Any thread: refuse new requests from now on (in-flight ones go on). */
  public void startDraining() {
    drainRequested = true;
    wakeup.signal();
  }

  /**
   * Any thread: send what is queued, close the socket and end the thread.
   *
   * @return whether the thread ended within {@code timeout}
   */
  public boolean stop(Duration timeout) throws InterruptedException {
    stopRequested = true;
    wakeup.signal();
    thread.join(timeout.toMillis());
    return !thread.isAlive();
  }

  /** Whether the thread is running. */
  public boolean isAlive() {
    return thread.isAlive();
  }

  private void run() {
    try {
      while (!stopRequested) {
        poller.poll(pollTimeout());
        cycle();
      }
      flushBeforeClose();
    } catch (Throwable t) {
      log.error("worker IO thread failed id = {}", workerId, t);
    } finally {
      closeEverything();
    }
  }

  private long pollTimeout() {
    if (!outbound.isEmpty()) {
      return 0; // a drain was capped; go on at once
    }
    return unsent.isEmpty() ? -1 : FULL_PIPE_RETRY_MS;
  }

  private void cycle() throws IOException {
    if (drainRequested) {
      dispatcher.startDraining();
    }
    if (poller.pollin(wakeupIndex) && !wakeup.acknowledge()) {
      reopenWakeup();
    }
    if (poller.pollin(socketIndex)) {
      receive();
    }
    flushOutbound();
  }

  private void reopenWakeup() throws IOException {
    log.debug("wake-up pipe was closed by an interrupt, reopening id = {}", workerId);
    SelectableChannel broken = wakeup.channel();
    poller.unregister(broken);
    wakeup.reopen();
    wakeupIndex = poller.register(wakeup.channel(), ZMQ.Poller.POLLIN);
  }

  /** Reads every message that is already there, up to a cap so sending is not starved. */
  private void receive() {
    for (int i = 0; i < MAX_MESSAGES_IN_PER_CYCLE; i++) {
      byte[] routingId = socket.recv(ZMQ.DONTWAIT);
      if (routingId == null) {
        return;
      }
      List<byte[]> parts = new ArrayList<>(4);
      while (socket.hasReceiveMore()) {
        parts.add(socket.recv(0)); // the rest of a multipart message is already here
      }
      try {
        dispatcher.onMessage(new PeerId(routingId), parts);
      } catch (RuntimeException e) {
        log.error("failed to handle a message from a router id = {}", workerId, e);
      }
    }
  }

  /** Drains the queue and sends everything it can, grouped by router. */
  private void flushOutbound() {
    for (int i = 0; i < MAX_FRAMES_OUT_PER_CYCLE; i++) {
      OutboundFrame frame = outbound.poll();
      if (frame == null) {
        break;
      }
      unsent.computeIfAbsent(frame.stream().key().peer(), k -> new ArrayDeque<>()).add(frame);
    }
    Iterator<Map.Entry<PeerId, ArrayDeque<OutboundFrame>>> it = unsent.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<PeerId, ArrayDeque<OutboundFrame>> entry = it.next();
      sendTo(entry.getKey(), entry.getValue());
      if (entry.getValue().isEmpty()) {
        it.remove();
      }
    }
  }

  /** Sends the router's frames in messages of up to 64 parts; stops early when its pipe is full. */
  private void sendTo(PeerId peer, ArrayDeque<OutboundFrame> frames) {
    List<OutboundFrame> message = new ArrayList<>(MAX_PARTS_PER_MESSAGE);
    while (!frames.isEmpty()) {
      message.clear();
      long bytes = 0;
      while (message.size() < MAX_PARTS_PER_MESSAGE && !frames.isEmpty()) {
        OutboundFrame next = frames.peek();
        if (!message.isEmpty() && bytes + next.bytes().length > MAX_BYTES_PER_MESSAGE) {
          break;
        }
        frames.poll();
        if (next.stream().isCancelled()) {
          drop(next); // the router reset it, or it is unreachable: nothing more is sent on it
          continue;
        }
        message.add(next);
        bytes += next.bytes().length;
      }
      if (message.isEmpty()) {
        return;
      }
      if (!socket.send(peer.bytes(), ZMQ.SNDMORE | ZMQ.DONTWAIT)) {
        int errno = socket.errno();
        if (errno == ZError.EAGAIN) {
          for (int i = message.size() - 1; i >= 0; i--) {
            frames.addFirst(message.get(i));
          }
          log.debug("router pipe full, holding frames peer = {} frames = {}", peer, frames.size());
          return;
        }
        log.warn(
            "router unreachable, dropping its frames peer = {} frames = {} errno = {}",
            peer,
            message.size() + frames.size(),
            errno);
        message.forEach(f -> lose(f, "router unreachable"));
        frames.forEach(f -> lose(f, "router unreachable"));
        frames.clear();
        return;
      }
      for (int i = 0; i < message.size(); i++) {
        OutboundFrame frame = message.get(i);
        boolean last = i == message.size() - 1;
        // after the routing id was accepted, ROUTER takes every part of the message
        socket.send(frame.bytes(), last ? ZMQ.DONTWAIT : ZMQ.SNDMORE | ZMQ.DONTWAIT);
        outbound.release(frame.bytes().length);
        if (frame.endsStream()) {
          dispatcher.streamEnded(frame.stream());
        }
      }
      log.debug("sent peer = {} parts = {} bytes = {}", peer, message.size(), bytes);
    }
  }

  private void drop(OutboundFrame frame) {
    outbound.release(frame.bytes().length);
    if (frame.endsStream()) {
      dispatcher.streamEnded(frame.stream());
    }
  }

  private void lose(OutboundFrame frame, String reason) {
    outbound.release(frame.bytes().length);
    dispatcher.streamLost(frame.stream(), reason);
  }

  /** Stopping: give frames still queued (the last handlers' ends) a bounded chance to go out. */
  private void flushBeforeClose() throws IOException {
    long deadline = System.nanoTime() + Duration.ofMillis(CLOSE_LINGER_MS).toNanos();
    cycle();
    while ((!unsent.isEmpty() || !outbound.isEmpty()) && System.nanoTime() < deadline) {
      poller.poll(FULL_PIPE_RETRY_MS);
      cycle();
    }
    if (!unsent.isEmpty()) {
      log.warn("closing with frames a router did not take id = {}", workerId);
    }
  }

  private void closeEverything() {
    dispatcher.cancelAll("worker closed");
    unsent.values().forEach(q -> q.forEach(f -> outbound.release(f.bytes().length)));
    unsent.clear();
    for (OutboundFrame f; (f = outbound.poll()) != null; ) {
      outbound.release(f.bytes().length);
    }
    try {
      poller.close();
      // frames already handed to ZeroMQ get a bounded time to reach the router
      socket.setLinger(CLOSE_LINGER_MS);
      context.close();
    } finally {
      wakeup.close();
    }
  }
}
