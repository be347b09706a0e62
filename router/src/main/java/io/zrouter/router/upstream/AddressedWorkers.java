package io.zrouter.router.upstream;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The workers on the addressed socket: who they are, whether they are alive, how fast they answer.
 * Link thread only.
 *
 * <p>A worker is known by its connection's routing id. One that sends nothing (not even a
 * heartbeat) for the liveness timeout is forgotten. The time from a stream's acknowledgement to its
 * response head is the worker's latency sample, from which {@link StreamLimits} sets the worker's
 * stream limit. Which worker holds which stream is {@link DispatchTracker}'s to know.
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

    final TypicalLatency latency = new TypicalLatency();

    /** Said it drains: it refuses new requests. */
    boolean draining;

    /** Said it is unavailable (what it fronts is down): it refuses new requests for now. */
    boolean unhealthy;

    int maxStreams = StreamLimits.NONE;

    /** Its service, from its hello; null until then, and for a worker the router refused. */
    ServiceLane lane;

    /** Its hello was refused: it gets nothing but the refusal. */
    boolean refused;

    Worker(byte[] routingId, String name, long nowNanos) {
      this.routingId = routingId;
      this.name = name;
      this.joinedAtMillis = System.currentTimeMillis();
      this.lastSeenNanos = nowNanos;
    }
  }

  private final long livenessNanos;
  private final ToIntFunction<byte[]> inFlight;
  private final Map<String, Worker> byRoutingId = new HashMap<>();

  /**
   * @param inFlight how many streams a worker holds, by its routing id
   */
  AddressedWorkers(long livenessNanos, ToIntFunction<byte[]> inFlight) {
    this.livenessNanos = livenessNanos;
    this.inFlight = inFlight;
  }

  private static String key(byte[] routingId) {
    return StreamClaims.key(routingId);
  }

  /**
   * A worker said hello. {@code lane}: the service it joins; null when the router refused it (it is
   * still greeted, so the refusal can reach it).
   */
  void hello(byte[] routingId, String name, int concurrency, long nowNanos, ServiceLane lane) {
    Worker w =
        byRoutingId.computeIfAbsent(key(routingId), k -> new Worker(routingId, name, nowNanos));
    w.lastSeenNanos = nowNanos;
    w.concurrency = concurrency;
    if (!w.greeted) {
      w.greeted = true;
      w.name = name;
      w.lane = lane;
      w.refused = lane == null;
      if (lane != null) {
        lane.workerJoined();
        log.info(
            "worker joined: worker = {}, service = {}, concurrency = {}, workers = {}",
            name,
            lane.name,
            concurrency,
            byRoutingId.size());
      }
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
    // Per service: apps differ in latency on purpose, so a worker is slow only next to its peers.
    Map<ServiceLane, List<TypicalLatency>> byService = new HashMap<>();
    for (Worker w : byRoutingId.values()) {
      byService.computeIfAbsent(w.lane, l -> new ArrayList<>()).add(w.latency);
    }
    Map<ServiceLane, Long> medians = new HashMap<>();
    byService.forEach((lane, latencies) -> medians.put(lane, StreamLimits.reference(latencies)));
    for (Worker w : byRoutingId.values()) {
      long median = medians.get(w.lane);
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

  /** Any frame from a worker shows it is alive. Returns whether the worker is known. */
  boolean seen(byte[] routingId, long nowNanos) {
    Worker w = byRoutingId.get(key(routingId));
    if (w == null) {
      return false;
    }
    w.lastSeenNanos = nowNanos;
    return true;
  }

  /**
   * A frame names this worker (it claims a stream): remember it, so its liveness is watched and its
   * streams are released when it goes silent, even before its hello (which comes first, so this is
   * only after a router restart, or for a worker that was forgotten).
   */
  void track(byte[] routingId, long nowNanos) {
    byRoutingId.computeIfAbsent(key(routingId), k -> new Worker(routingId, k, nowNanos));
  }

  /** The worker took this long from acknowledging a stream to its response head. */
  void latency(byte[] routingId, long nanos) {
    Worker w = byRoutingId.get(key(routingId));
    if (w != null) {
      w.latency.sample(nanos);
    }
  }

  /**
   * Forgets workers silent for longer than the liveness timeout (dead, or cut off), logging each,
   * and hands each one's routing id to {@code gone}.
   */
  void expire(long nowNanos, Consumer<byte[]> gone) {
    for (Iterator<Worker> it = byRoutingId.values().iterator(); it.hasNext(); ) {
      Worker w = it.next();
      if (nowNanos - w.lastSeenNanos > livenessNanos) {
        it.remove();
        log.warn(
            "worker dead (silent): worker = {}, silent_ms = {}, in_flight = {}",
            w.name,
            TimeUnit.NANOSECONDS.toMillis(nowNanos - w.lastSeenNanos),
            inFlight.applyAsInt(w.routingId));
        forget(w, nowNanos, gone);
      }
    }
  }

  private static void forget(Worker w, long nowNanos, Consumer<byte[]> gone) {
    if (w.lane != null) {
      w.lane.workerLeft(nowNanos);
    }
    gone.accept(w.routingId);
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
   * The worker said it is unavailable ({@code true}; it refuses new requests, and says so again
   * with each heartbeat) or serves again ({@code false}). Logged when it changes.
   */
  void unhealthy(byte[] routingId, boolean unhealthy) {
    Worker w = byRoutingId.get(key(routingId));
    if (w != null && w.unhealthy != unhealthy) {
      w.unhealthy = unhealthy;
      if (unhealthy) {
        log.info("worker unavailable: worker = {}", w.name);
      } else {
        log.info("worker serving again: worker = {}", w.name);
      }
    }
  }

  /**
   * The worker said it leaves: forgotten at once (no wait for its silence), and handed to {@code
   * gone}, so a stream it still holds is lost like a dead worker's.
   */
  void left(byte[] routingId, int inFlight, long nowNanos, Consumer<byte[]> gone) {
    Worker w = byRoutingId.remove(key(routingId));
    if (w != null) {
      log.info("worker left: worker = {}, in_flight = {}", w.name, inFlight);
      forget(w, nowNanos, gone);
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
              inFlight.applyAsInt(w.routingId),
              TimeUnit.NANOSECONDS.toMillis(nowNanos - w.lastSeenNanos),
              w.joinedAtMillis,
              w.latency.nanos() / 1e6,
              w.maxStreams,
              w.draining,
              w.unhealthy,
              w.refused ? "refused" : w.lane == null ? "" : w.lane.name));
    }
    views.sort((a, b) -> a.routingId().compareTo(b.routingId()));
    return views;
  }
}
