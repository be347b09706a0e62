package io.zrouter.router.upstream;

import io.zrouter.proto.Frame;
import io.zrouter.proto.FrameCodec;
import io.zrouter.router.stream.ProxyStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where each request stands between the router and its workers, and what happens next. Link thread
 * only; plain unit tests drive it through its events.
 *
 * <p>A request is <em>held</em> until a worker can take it, then <em>sent</em> and unacknowledged
 * until a worker acknowledges it ({@code accept}, or any frame of its response), after which that
 * worker has <em>claimed</em> it. A worker may <em>refuse</em> it instead (busy, or draining): it
 * never ran, so it waits a moment and is sent again. The guarantees it keeps:
 *
 * <ul>
 *   <li>never lost: a request no worker acknowledges within the accept timeout is sent again, and
 *       one whose worker dies before answering goes elsewhere when that is safe (idempotent, and
 *       whole in its dispatch), else its client hears that it failed;
 *   <li>a POST never runs twice: when two workers acknowledge the same request (a late
 *       acknowledgement crossed its resend), the first holds it, the other is told to drop it, and
 *       a request that must not run twice runs only on the {@code start} that only the first gets;
 *   <li>never held past the worker wait: its client gets 503 instead.
 * </ul>
 */
final class DispatchTracker {
  private static final Logger log = LoggerFactory.getLogger(DispatchTracker.class);

  private static final long SWEEP_NANOS = TimeUnit.SECONDS.toNanos(1);

  /** What the link does when a stream's state calls for it. */
  interface Effects {
    /** Tell the worker that claimed a request that must not run twice to run it. */
    void start(byte[] worker, long streamId);

    /** Tell a worker to drop a stream another worker holds. */
    void cancel(byte[] worker, long streamId);

    /** The worker took this long from claiming a stream to its response head. */
    void latency(byte[] worker, long nanos);

    /**
     * A refused request's body was still arriving: ask its stream for what arrived since, which
     * comes back as {@link #onMoreBody}.
     */
    void takeMoreBody(Dispatch refused);

    /** A body frame for the worker that holds the stream. */
    void followUp(byte[] worker, byte[] frame);

    /** No worker took the request within the worker wait. */
    void noWorker(ProxyStream stream);

    /** The worker holding the stream is gone and the request cannot go elsewhere. */
    void lost(long streamId);
  }

  private final Effects effects;
  private final long workerWaitNanos;

  /** Held requests, one queue per service, so a service without workers never holds another's. */
  private final Map<ServiceLane, HeldRequests> held = new LinkedHashMap<>();

  private final UnacceptedRequests unacknowledged;
  private final RefusedRequests refused = new RefusedRequests();
  private final StreamClaims claims = new StreamClaims();

  /**
   * Requests sent (or waiting to be sent again) and not yet answered, as last sent. A request sent
   * whole (its body does not stream) can go to another worker when its worker refuses it, even
   * after acknowledging it (a refusal means it never ran: a draining worker that never got to start
   * it), and an idempotent one when its worker dies.
   */
  private final Map<Long, Dispatch> replayable = new HashMap<>();

  /**
   * Sends of a request's current parts that no worker has refused yet, for requests whose body
   * follows. A refused request may go out again with more of its body only when no other copy is
   * out: a late acknowledgement of an older, shorter copy would leave its worker with a gap.
   */
  private final Map<Long, Integer> unrefusedSends = new HashMap<>();

  private long nextSweepNanos;
  private long refusals;
  private long resends;

  DispatchTracker(long workerWaitNanos, long acceptTimeoutNanos, Effects effects) {
    this.workerWaitNanos = workerWaitNanos;
    this.unacknowledged = new UnacceptedRequests(acceptTimeoutNanos);
    this.effects = effects;
  }

  private HeldRequests heldFor(ServiceLane lane) {
    return held.computeIfAbsent(lane, l -> new HeldRequests(workerWaitNanos));
  }

  /** A new request from an event loop, its service picked: held until a worker can take it. */
  void onQueued(Dispatch d) {
    if (d.lane() == null) {
      throw new IllegalArgumentException("no service picked for stream " + d.stream().id());
    }
    heldFor(d.lane()).add(d);
  }

  boolean hasHeld() {
    for (HeldRequests queue : held.values()) {
      if (!queue.isEmpty()) {
        return true;
      }
    }
    return false;
  }

  /** The services with held requests, in the order they first held one. */
  List<ServiceLane> lanesHolding() {
    List<ServiceLane> lanes = new ArrayList<>(held.size());
    held.forEach(
        (lane, queue) -> {
          if (!queue.isEmpty()) {
            lanes.add(lane);
          }
        });
    return lanes;
  }

  /** The next request held for the service to send, or null when it holds none. */
  Dispatch nextToSend(ServiceLane lane) {
    HeldRequests queue = held.get(lane);
    if (queue == null) {
      return null;
    }
    Dispatch d;
    while ((d = queue.peek()) != null && claims.ownerOf(d.stream().id()) != null) {
      queue.removeFirst(); // a late acknowledgement claimed it while it waited here
    }
    return d;
  }

  /** {@link #nextToSend}'s request went out. */
  void onSent(Dispatch d, long nowNanos) {
    HeldRequests queue = held.get(d.lane());
    if (queue == null || queue.peek() != d) {
      throw new IllegalStateException("sent a request that is not next: stream " + d.stream().id());
    }
    queue.removeFirst();
    unacknowledged.sent(d, nowNanos);
    replayable.put(d.stream().id(), d);
    if (d.bodyFollows()) {
      unrefusedSends.merge(d.stream().id(), 1, Integer::sum);
    }
  }

  /**
   * A worker acknowledged the stream. {@code worker}: who, or null when the acknowledgement names
   * no addressed connection. Returns whether the stream hears of it: only one whose body follows,
   * once, as its body may then flow to that worker.
   */
  boolean onAccept(long streamId, byte[] worker, long nowNanos) {
    StreamClaims.Claim claim = claim(streamId, worker, false, nowNanos);
    if (claim == StreamClaims.Claim.OTHERS) {
      return false;
    }
    boolean firstClaim = claim == StreamClaims.Claim.FIRST;
    boolean firstWord = unacknowledged.accepted(streamId) != null || firstClaim;
    Dispatch request = replayable.get(streamId);
    if (firstClaim && request != null && request.awaitsStart()) {
      effects.start(worker, streamId);
    }
    if (!firstWord || request == null || !request.bodyFollows()) {
      return false;
    }
    replayable.remove(streamId); // its body streams to this worker: it can never be sent again
    return true;
  }

  /**
   * A worker refused the stream: it never ran it. Returns whether the stream hears of it; it does
   * not when the request waits to be sent again.
   */
  boolean onRefused(long streamId, byte[] worker, long nowNanos) {
    boolean wasHeld = worker != null && claims.ownerOf(streamId) != null;
    if (claim(streamId, worker, true, nowNanos) == StreamClaims.Claim.OTHERS) {
      return false;
    }
    claims.release(streamId); // another worker may take it
    Dispatch request = replayable.get(streamId);
    Dispatch again = unacknowledged.refused(streamId); // refused instead of acknowledged
    if (again == null && request != null) {
      if (wasHeld && !request.bodyFollows()) {
        again = request; // refused by the worker that held it: it never ran all the same
      } else if (!wasHeld) {
        // The refusal of an older copy, sent again after the accept timeout: the request is
        // on its way again already (or a worker that names no connection runs it).
        isOnlyCopyOut(streamId);
        return false;
      }
    }
    if (again == null) {
      replayable.remove(streamId);
      return true;
    }
    refusals++;
    again = again.refusedOnceMore();
    replayable.put(streamId, again);
    if (again.bodyFollows() && isOnlyCopyOut(streamId)) {
      effects.takeMoreBody(again); // a worker that takes only whole requests may take it then
    } else {
      refused.add(again, nowNanos);
    }
    return false;
  }

  /**
   * Counts a refusal against the sends of the stream's current parts: whether none is out now
   * (every copy sent was refused), so that the request may grow.
   */
  private boolean isOnlyCopyOut(long streamId) {
    Integer out = unrefusedSends.merge(streamId, -1, Integer::sum);
    if (out == null || out <= 0) {
      unrefusedSends.remove(streamId);
      return true;
    }
    return false; // sent again after the accept timeout: the other copy may yet be taken
  }

  /**
   * A refused request came back from its stream with the body that arrived meanwhile ({@code
   * moreBody}): it waits its pause, then goes out again. If a late acknowledgement of an earlier
   * copy claimed the stream meanwhile, that worker gets the new body frames instead, as it would
   * have as follow-ups.
   */
  void onMoreBody(Dispatch grown, byte[][] moreBody, long nowNanos) {
    long streamId = grown.stream().id();
    byte[] owner = claims.ownerOf(streamId);
    if (owner != null) {
      for (byte[] frame : moreBody) {
        effects.followUp(owner, frame);
      }
      return;
    }
    if (grown.stream().isDone() || !replayable.containsKey(streamId)) {
      return; // reset meanwhile
    }
    replayable.put(streamId, grown);
    refused.add(grown, nowNanos);
  }

  /** Refusals from workers so far. */
  long refusals() {
    return refusals;
  }

  /** Refused requests sent again so far. */
  long resends() {
    return resends;
  }

  /** A frame of the stream's response (or a reset other than a refusal): whether it goes on. */
  boolean onResponse(long streamId, byte[] worker, Frame frame, long nowNanos) {
    boolean ends = FrameCodec.endsStream(frame);
    if (claim(streamId, worker, ends, nowNanos) == StreamClaims.Claim.OTHERS) {
      return false;
    }
    if (frame.hasResponseHead()) {
      long latency = claims.answered(streamId, nowNanos);
      if (latency >= 0) {
        effects.latency(claims.ownerOf(streamId), latency);
      }
    }
    if (ends) {
      claims.finish(streamId);
    }
    if (frame.hasResponseHead() || frame.hasReset()) {
      // answered (or reset): never sent again; a 101 too, as a WebSocket session is not
      // idempotent once accepted
      replayable.remove(streamId);
    }
    unacknowledged.accepted(streamId);
    return true;
  }

  /** A frame of the stream could not be decoded: a worker has it, even if it answers badly. */
  void onMalformed(long streamId) {
    unacknowledged.accepted(streamId);
  }

  /**
   * The stream ended on the router's side (client gone, deadline passed): it is settled. Returns
   * the worker to tell, or null when no worker holds it.
   */
  byte[] onReset(long streamId) {
    replayable.remove(streamId);
    unrefusedSends.remove(streamId);
    unacknowledged.accepted(streamId); // settled: never resend it
    byte[] owner = claims.ownerOf(streamId);
    claims.finish(streamId);
    return owner;
  }

  /** The worker died or left: what it held goes elsewhere when that is safe, else fails. */
  void onWorkerLost(byte[] worker) {
    for (long streamId : claims.releaseAll(worker)) {
      Dispatch again = replayable.remove(streamId);
      if (again != null && again.idempotent() && !again.bodyFollows() && !again.stream().isDone()) {
        log.info("worker died before answering stream {}; sending it to another worker", streamId);
        heldFor(again.lane()).addFirst(again);
      } else {
        effects.lost(streamId);
      }
    }
  }

  /**
   * Moves requests whose moment has come back to the front of the held queue: unacknowledged past
   * the accept timeout, or refused and done waiting.
   */
  void requeueDue(long nowNanos) {
    unacknowledged.expire(
        nowNanos,
        d -> {
          log.debug("no worker acknowledged stream {} in time; sending it again", d.stream().id());
          heldFor(d.lane()).addFirst(d);
        });
    refused.release(nowNanos, d -> requeueRefused(d, nowNanos));
    if (nowNanos - nextSweepNanos >= 0) {
      nextSweepNanos = nowNanos + SWEEP_NANOS;
      replayable.values().removeIf(d -> d.stream().isDone());
      unrefusedSends.keySet().removeIf(id -> !replayable.containsKey(id)); // taken or over
    }
  }

  /**
   * A refused request whose pause is over goes out again, unless its worker wait is over: a request
   * every worker keeps refusing gets 503 at the worker wait, like one no worker takes.
   */
  private void requeueRefused(Dispatch d, long nowNanos) {
    if (d.stream().isDone()) {
      return;
    }
    if (nowNanos - d.queuedAtNanos() >= workerWaitNanos) {
      log.debug("every worker refused stream {} for the worker wait", d.stream().id());
      replayable.remove(d.stream().id());
      effects.noWorker(d.stream());
      return;
    }
    resends++;
    heldFor(d.lane()).addFirst(d);
  }

  /** Gives up on held requests whose worker wait is over: their clients get 503. */
  void giveUpWaiting(long nowNanos) {
    for (HeldRequests queue : held.values()) {
      queue.expire(nowNanos, d -> effects.noWorker(d.stream()));
    }
  }

  /** The service is retired: what it still held gets no worker. */
  void onLaneRetired(ServiceLane lane) {
    HeldRequests queue = held.remove(lane);
    if (queue != null) {
      queue.drain(d -> effects.noWorker(d.stream()));
    }
  }

  /** Nanoseconds until {@link #requeueDue} or {@link #giveUpWaiting} has work; MAX_VALUE: none. */
  long nanosUntilNextDeadline(long nowNanos) {
    long next =
        Math.min(unacknowledged.nanosUntilNextTimeout(nowNanos), refused.nanosUntilNext(nowNanos));
    for (HeldRequests queue : held.values()) {
      next = Math.min(next, queue.nanosUntilNextExpiry(nowNanos));
    }
    return next;
  }

  /** The routing id of the worker holding the stream, or null when none does. */
  byte[] ownerOf(long streamId) {
    return claims.ownerOf(streamId);
  }

  /** How many streams the worker holds. */
  int heldBy(byte[] worker) {
    return claims.heldBy(worker);
  }

  /**
   * The claim a frame makes. {@code worker} null: the frame names no worker (the dispatch path), so
   * it makes none, and goes on unless another worker holds the stream. A worker that sends a frame
   * for a stream another holds is told to drop it, unless the frame ends the stream anyway.
   */
  private StreamClaims.Claim claim(long streamId, byte[] worker, boolean ends, long nowNanos) {
    if (worker == null) {
      if (claims.ownerOf(streamId) == null) {
        return StreamClaims.Claim.HELD;
      }
      log.debug("dropping a frame of stream {}: another worker holds it", streamId);
      return StreamClaims.Claim.OTHERS;
    }
    StreamClaims.Claim claim = claims.claim(streamId, worker, nowNanos);
    if (claim == StreamClaims.Claim.OTHERS) {
      // Sent again after this worker's acknowledgement came late (or was lost), and another
      // worker's came first: this one must drop it.
      log.debug("stream {} is held by another worker; telling this one to drop it", streamId);
      if (!ends) {
        effects.cancel(worker, streamId);
      }
    }
    return claim;
  }
}
