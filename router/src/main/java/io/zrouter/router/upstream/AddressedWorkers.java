package io.zrouter.router.upstream;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
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
 * is forgotten. The time from a stream's acknowledgement to its response head is the worker's
 * latency sample, from which {@link StreamLimits} sets the worker's stream limit.
 */
final class AddressedWorkers {
  private static final Logger log = LoggerFactory.getLogger(AddressedWorkers.class);

  private static final class Worker {
    final byte[] routingId;
    String name;

    /** Said hello (an acknowledgement naming it can come first, on the dispatch path). */
    boolean greeted;

    /** How many requests it runs at once, from its hello; 0 when unknown. */
    int concurrency;

    final long joinedAtMillis;
    long lastSeenNanos;

    /** The streams it holds, each with when it took it ({@link System#nanoTime()}). */
    final Map<Long, Long> streams = new HashMap<>();

    final TypicalLatency latency = new TypicalLatency();

    /** Said it drains: it refuses new requests. */
    boolean draining;

    int maxStreams = StreamLimits.NONE;

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

  private final RecentStreams finished = new RecentStreams(16_384);

  /** Streams whose response head has not come yet: the next head is a latency sample. */
  private final java.util.Set<Long> unanswered = new HashSet<>();

  AddressedWorkers(long livenessNanos) {
    this.livenessNanos = livenessNanos;
  }

  private static String key(byte[] routingId) {
    return new String(routingId, StandardCharsets.ISO_8859_1);
  }

  void hello(byte[] routingId, String name, int concurrency, long nowNanos) {
    Worker w =
        byRoutingId.computeIfAbsent(key(routingId), k -> new Worker(routingId, name, nowNanos));
    w.lastSeenNanos = nowNanos;
    w.concurrency = concurrency;
    if (!w.greeted) {
      w.greeted = true;
      w.name = name;
      log.info(
          "worker joined: worker = {}, concurrency = {}, workers = {}",
          name,
          concurrency,
          byRoutingId.size());
    }
  }

  /** A worker whose hello arrived, and the stream limit the router sets it. */
  record Greeted(byte[] routingId, int maxStreams) {}

  /** The workers whose hello arrived. */
  List<Greeted> greeted() {
    List<Greeted> greeted = new ArrayList<>(byRoutingId.size());
    for (Worker w : byRoutingId.values()) {
      if (w.greeted) {
        greeted.add(new Greeted(w.routingId, w.maxStreams));
      }
    }
    return greeted;
  }

  /** Sets every worker's stream limit from the latencies measured so far, logging each change. */
  void updateStreamLimits() {
    List<TypicalLatency> latencies = new ArrayList<>(byRoutingId.size());
    for (Worker w : byRoutingId.values()) {
      latencies.add(w.latency);
    }
    long median = StreamLimits.reference(latencies);
    for (Worker w : byRoutingId.values()) {
      int next = StreamLimits.next(w.maxStreams, w.latency, median, w.concurrency);
      if (next != w.maxStreams) {
        if (next == StreamLimits.NONE) {
          log.info(
              "worker no longer slow, limit lifted: worker = {}, typical_ms = {}, median_ms = {}",
              w.name,
              millis(w.latency.nanos()),
              millis(median));
        } else {
          log.info(
              "worker slow, limiting its streams: worker = {}, typical_ms = {}, median_ms = {},"
                  + " max_streams = {}",
              w.name,
              millis(w.latency.nanos()),
              millis(median),
              next);
        }
        w.maxStreams = next;
      }
    }
  }

  private static String millis(long nanos) {
    return String.format(java.util.Locale.ROOT, "%.1f", nanos / 1e6);
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

  /** What a worker's frame for a stream says about who holds the stream. */
  enum Claim {
    /** This worker is the first to claim it: it holds it from now on. */
    FIRST,
    /** This worker holds it already. */
    HELD,
    /** Another worker holds it, or it is over. */
    OTHERS
  }

  /**
   * The worker with this routing id acknowledged or answered a live stream. The first to claim a
   * stream holds it until the stream ends or that worker is forgotten.
   */
  Claim claim(long streamId, byte[] routingId, long nowNanos) {
    Worker owner = streamOwner.get(streamId);
    if (owner != null) {
      return java.util.Arrays.equals(owner.routingId, routingId) ? Claim.HELD : Claim.OTHERS;
    }
    if (finished.contains(streamId)) {
      return Claim.OTHERS;
    }
    Worker w = byRoutingId.get(key(routingId));
    if (w == null) {
      // Frames before the hello (it is always first, so only after a router restart or a
      // forgotten worker): track it anyway so resets can reach it.
      w = new Worker(routingId, key(routingId), nowNanos);
      byRoutingId.put(key(routingId), w);
    }
    streamOwner.put(streamId, w);
    w.streams.put(streamId, nowNanos);
    unanswered.add(streamId);
    return Claim.FIRST;
  }

  /** The response head of the stream came: how long its worker took is a latency sample. */
  void answered(long streamId, long nowNanos) {
    Worker w = streamOwner.get(streamId);
    if (w != null && unanswered.remove(streamId)) {
      w.latency.sample(nowNanos - w.streams.get(streamId));
    }
  }

  /** The routing id of the worker holding the stream, or null when unknown or over. */
  byte[] ownerOf(long streamId) {
    Worker w = streamOwner.get(streamId);
    return w == null ? null : w.routingId;
  }

  /** The stream's worker is done with it (it ended it, or refused it: then it may go elsewhere). */
  void streamEnded(long streamId) {
    Worker w = streamOwner.remove(streamId);
    if (w != null) {
      w.streams.remove(streamId);
    }
    unanswered.remove(streamId);
  }

  /**
   * The stream is over for good (answered in full, or reset): no worker may claim it again. Its
   * acknowledgement travels on another connection than its response and can arrive after it.
   */
  void streamFinished(long streamId) {
    streamEnded(streamId);
    finished.add(streamId);
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
        forget(w, lost, gone);
      }
    }
  }

  /** The worker said it drains: it refuses new requests and finishes what it holds. */
  void draining(byte[] routingId, int inFlight) {
    Worker w = byRoutingId.get(key(routingId));
    if (w != null && !w.draining) {
      w.draining = true;
      log.info("worker draining: worker = {}, in_flight = {}", w.name, inFlight);
    }
  }

  /**
   * The worker said it leaves: forgotten at once (no wait for its silence), and a stream it still
   * holds is lost like a dead worker's.
   */
  void left(
      byte[] routingId,
      int inFlight,
      java.util.function.LongConsumer lost,
      java.util.function.Consumer<byte[]> gone) {
    Worker w = byRoutingId.remove(key(routingId));
    if (w != null) {
      log.info("worker left: worker = {}, in_flight = {}", w.name, inFlight);
      forget(w, lost, gone);
    }
  }

  private void forget(
      Worker w, java.util.function.LongConsumer lost, java.util.function.Consumer<byte[]> gone) {
    for (long streamId : w.streams.keySet()) {
      streamOwner.remove(streamId);
      unanswered.remove(streamId);
      lost.accept(streamId);
    }
    gone.accept(w.routingId);
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
              w.joinedAtMillis,
              w.latency.nanos() / 1e6,
              w.maxStreams,
              w.draining));
    }
    views.sort((a, b) -> a.routingId().compareTo(b.routingId()));
    return views;
  }
}
