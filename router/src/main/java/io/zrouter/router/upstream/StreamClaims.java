package io.zrouter.router.upstream;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Which worker holds which stream. Link thread only; part of {@link DispatchTracker}.
 *
 * <p>A worker's frames on the addressed socket name it (ZeroMQ's routing id), so the router learns
 * the worker of a stream from its acknowledgement and can later send follow-up frames (a cancel) to
 * exactly that worker. The first worker to claim a stream holds it until the stream ends or that
 * worker is lost; a stream that is over stays over, however late a frame for it arrives.
 */
final class StreamClaims {

  /** What a worker's frame for a stream says about who holds the stream. */
  enum Claim {
    /** This worker is the first to claim it: it holds it from now on. */
    FIRST,
    /** This worker holds it already. */
    HELD,
    /** Another worker holds it, or it is over. */
    OTHERS
  }

  private static final class Holding {
    final byte[] worker;
    final long claimedAtNanos;
    boolean answered;

    Holding(byte[] worker, long claimedAtNanos) {
      this.worker = worker;
      this.claimedAtNanos = claimedAtNanos;
    }
  }

  private final Map<Long, Holding> byStream = new HashMap<>();
  private final Map<String, Set<Long>> byWorker = new HashMap<>();
  private final RecentStreams finished = new RecentStreams(16_384);

  static String key(byte[] routingId) {
    return new String(routingId, StandardCharsets.ISO_8859_1);
  }

  /** The worker with this routing id acknowledged or answered the stream. */
  Claim claim(long streamId, byte[] worker, long nowNanos) {
    Holding holding = byStream.get(streamId);
    if (holding != null) {
      return Arrays.equals(holding.worker, worker) ? Claim.HELD : Claim.OTHERS;
    }
    if (finished.contains(streamId)) {
      return Claim.OTHERS;
    }
    byStream.put(streamId, new Holding(worker, nowNanos));
    byWorker.computeIfAbsent(key(worker), k -> new LinkedHashSet<>()).add(streamId);
    return Claim.FIRST;
  }

  /**
   * The stream's response head came: nanoseconds since its worker claimed it the first time (a
   * latency sample), or -1 when it is not held or was answered before.
   */
  long answered(long streamId, long nowNanos) {
    Holding holding = byStream.get(streamId);
    if (holding == null || holding.answered) {
      return -1;
    }
    holding.answered = true;
    return nowNanos - holding.claimedAtNanos;
  }

  /** The routing id of the worker holding the stream, or null when none does. */
  byte[] ownerOf(long streamId) {
    Holding holding = byStream.get(streamId);
    return holding == null ? null : holding.worker;
  }

  /** The stream's worker let it go (it refused it): another worker may claim it. */
  void release(long streamId) {
    Holding holding = byStream.remove(streamId);
    if (holding != null) {
      Set<Long> streams = byWorker.get(key(holding.worker));
      streams.remove(streamId);
      if (streams.isEmpty()) {
        byWorker.remove(key(holding.worker));
      }
    }
  }

  /**
   * The stream is over for good (answered in full, or reset): no worker may claim it again. Its
   * acknowledgement travels on another connection than its response and can arrive after it.
   */
  void finish(long streamId) {
    release(streamId);
    finished.add(streamId);
  }

  /** How many streams the worker holds. */
  int heldBy(byte[] worker) {
    Set<Long> streams = byWorker.get(key(worker));
    return streams == null ? 0 : streams.size();
  }

  /** Releases every stream the worker held and returns them, oldest claim first. */
  Set<Long> releaseAll(byte[] worker) {
    Set<Long> streams = byWorker.remove(key(worker));
    if (streams == null) {
      return Set.of();
    }
    for (long streamId : streams) {
      byStream.remove(streamId);
    }
    return streams;
  }
}
