package io.zrouter.router.upstream;

import io.zrouter.shaded.org.zeromq.ZMQ;
import io.zrouter.shaded.org.zeromq.ZMQException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follow-up frames (request body, credit, WebSocket messages, resets) on their way to one worker on
 * the addressed ROUTER socket. Link thread only.
 *
 * <p>Frames of one worker leave in order. When its pipe is full (EAGAIN) they wait here and go out
 * on a later pass; how much can wait is bounded by the per-stream credit windows, not here. A
 * worker that left (EHOSTUNREACH, the socket is ROUTER_MANDATORY) gets nothing more: its frames are
 * dropped, and its streams end through the liveness check.
 */
final class AddressedOutbox {
  private static final Logger log = LoggerFactory.getLogger(AddressedOutbox.class);

  private final ZMQ.Socket socket;
  private final Predicate<byte[]> ready;
  private final Map<String, Waiting> waiting = new HashMap<>();

  /** One worker's frames that found its pipe full, in order. */
  private record Waiting(byte[] worker, ArrayDeque<byte[]> frames) {}

  /** {@code ready}: whether a worker's connection has proved itself (see the class comment). */
  AddressedOutbox(ZMQ.Socket socket, Predicate<byte[]> ready) {
    this.socket = socket;
    this.ready = ready;
  }

  /** Sends now, or queues behind what this worker already has waiting. */
  void send(byte[] worker, byte[] frame) {
    Waiting queued = waiting.get(key(worker));
    if (queued != null) {
      queued.frames().add(frame);
      return;
    }
    switch (ready.test(worker) ? trySend(worker, frame) : Result.FULL) {
      case FULL -> {
        Waiting w = new Waiting(worker, new ArrayDeque<>());
        w.frames().add(frame);
        waiting.put(key(worker), w);
      }
      case GONE -> log.debug("worker left; dropping a follow-up frame");
      case SENT -> {}
    }
  }

  /** Retries every waiting worker's frames in order until its pipe is full again. */
  void flush() {
    for (Iterator<Waiting> it = waiting.values().iterator(); it.hasNext(); ) {
      Waiting w = it.next();
      if (!ready.test(w.worker())) {
        continue;
      }
      byte[] frame;
      while ((frame = w.frames().peek()) != null) {
        Result result = trySend(w.worker(), frame);
        if (result == Result.FULL) {
          break;
        }
        w.frames().poll();
        if (result == Result.GONE) {
          w.frames().clear();
        }
      }
      if (w.frames().isEmpty()) {
        it.remove();
      }
    }
  }

  /** The worker was given up for dead: drop what waits for it. */
  void forget(byte[] worker) {
    waiting.remove(key(worker));
  }

  boolean isEmpty() {
    return waiting.isEmpty();
  }

  private enum Result {
    SENT,
    FULL,
    GONE
  }

  private Result trySend(byte[] worker, byte[] frame) {
    try {
      if (socket.send(worker, ZMQ.SNDMORE | ZMQ.DONTWAIT)) {
        socket.send(frame, 0); // once the routing id is taken, the rest of the message is
        return Result.SENT;
      }
      return Result.FULL; // EAGAIN, or a stale EHOSTUNREACH: see the class comment
    } catch (ZMQException e) {
      log.debug("addressed send failed: {}", e.getMessage());
      return Result.GONE;
    }
  }

  private static String key(byte[] routingId) {
    return new String(routingId, StandardCharsets.ISO_8859_1);
  }
}
