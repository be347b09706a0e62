package io.zrouter.router.upstream;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The workers on the addressed socket, and which worker holds which stream. Link thread only.
 *
 * <p>A worker's frames on the addressed socket name it (ZeroMQ's routing id), so the router learns
 * the worker of a stream from its acknowledgement and can later send follow-up frames (a cancel) to
 * exactly that worker. A worker that sends nothing (not even a heartbeat) for the liveness timeout
 * is forgotten.
 */
final class AddressedWorkers {
  private static final Logger log = LoggerFactory.getLogger(AddressedWorkers.class);

  private static final class Worker {
    final byte[] routingId;
    String name;

    /** Said hello (an acknowledgement naming it can come first, on the dispatch path). */
    boolean greeted;

    final long joinedAtMillis;
    long lastSeenNanos;
    final java.util.Set<Long> streams = new java.util.HashSet<>();

    Worker(byte[] routingId, String name, long nowNanos) {
      this.routingId = routingId;
      this.name = name;
      this.joinedAtMillis = System.currentTimeMillis();
      this.lastSeenNanos = nowNanos;
    }
  }

  private final long livenessNanos;
  private final Map<String, Worker> byRoutingId = new HashMap<>();
  private final Map<Long, Worker> streamOwner = new HashMap<>();

  AddressedWorkers(long livenessNanos) {
    this.livenessNanos = livenessNanos;
  }

  private static String key(byte[] routingId) {
    return new String(routingId, StandardCharsets.ISO_8859_1);
  }

  void hello(byte[] routingId, String name, long nowNanos) {
    Worker w =
        byRoutingId.computeIfAbsent(key(routingId), k -> new Worker(routingId, name, nowNanos));
    w.lastSeenNanos = nowNanos;
    if (!w.greeted) {
      w.greeted = true;
      w.name = name;
      log.info("worker joined: worker = {}, workers = {}", name, byRoutingId.size());
    }
  }

  /** The routing ids of the workers whose hello arrived. */
  List<byte[]> greetedIds() {
    List<byte[]> ids = new ArrayList<>(byRoutingId.size());
    for (Worker w : byRoutingId.values()) {
      if (w.greeted) {
        ids.add(w.routingId);
      }
    }
    return ids;
  }

  /** Whether the worker's hello arrived: its connection works. */
  boolean greeted(byte[] routingId) {
    Worker w = byRoutingId.get(key(routingId));
    return w != null && w.greeted;
  }

  /** Any frame from a worker shows it is alive. */
  void seen(byte[] routingId, long nowNanos) {
    Worker w = byRoutingId.get(key(routingId));
    if (w != null) {
      w.lastSeenNanos = nowNanos;
    }
  }

  /** The worker with this routing id acknowledged or answered the stream. */
  void owns(long streamId, byte[] routingId) {
    Worker w = byRoutingId.get(key(routingId));
    if (w == null) {
      // Frames before the hello (it is always first, so only after a router restart or a
      // forgotten worker): track it anyway so resets can reach it.
      w = new Worker(routingId, key(routingId), System.nanoTime());
      byRoutingId.put(key(routingId), w);
    }
    if (streamOwner.putIfAbsent(streamId, w) == null) {
      w.streams.add(streamId);
    }
  }

  /** The routing id of the worker holding the stream, or null when unknown or over. */
  byte[] ownerOf(long streamId) {
    Worker w = streamOwner.get(streamId);
    return w == null ? null : w.routingId;
  }

  void streamEnded(long streamId) {
    Worker w = streamOwner.remove(streamId);
    if (w != null) {
      w.streams.remove(streamId);
    }
  }

  /**
   * Forgets workers silent for longer than the liveness timeout (dead, or cut off), logging each,
   * hands every stream they held to {@code lost} and each one's routing id to {@code gone}.
   */
  void expire(
      long nowNanos,
      java.util.function.LongConsumer lost,
      java.util.function.Consumer<byte[]> gone) {
    for (Iterator<Worker> it = byRoutingId.values().iterator(); it.hasNext(); ) {
      Worker w = it.next();
      if (nowNanos - w.lastSeenNanos > livenessNanos) {
        it.remove();
        log.warn(
            "worker dead (silent): worker = {}, silent_ms = {}, in_flight = {}",
            w.name,
            TimeUnit.NANOSECONDS.toMillis(nowNanos - w.lastSeenNanos),
            w.streams.size());
        for (long streamId : w.streams) {
          streamOwner.remove(streamId);
          lost.accept(streamId);
        }
        gone.accept(w.routingId);
      }
    }
  }

  int size() {
    return byRoutingId.size();
  }

  /** A point-in-time view for the admin endpoint. */
  List<WorkerView> snapshot(long nowNanos) {
    List<WorkerView> views = new ArrayList<>(byRoutingId.size());
    for (Worker w : byRoutingId.values()) {
      views.add(
          new WorkerView(
              w.name,
              key(w.routingId),
              w.streams.size(),
              TimeUnit.NANOSECONDS.toMillis(nowNanos - w.lastSeenNanos),
              w.joinedAtMillis));
    }
    views.sort((a, b) -> a.routingId().compareTo(b.routingId()));
    return views;
  }
}
