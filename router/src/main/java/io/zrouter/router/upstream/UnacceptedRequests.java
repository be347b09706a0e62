package io.zrouter.router.upstream;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.function.Consumer;

/**
 * Requests sent to a worker that has not yet acknowledged them. Link thread only.
 *
 * <p>A worker acknowledges a request (an ACCEPT frame, or any response frame) as soon as it
 * receives it. One that does not within the accept timeout most likely never got it: the message
 * went into a connection that died, or one JeroMQ never finished setting up (zeromq/jeromq#1022).
 * Such a request is sent again, so a request nobody started is not lost. The acknowledgement may
 * also just be late (a worker starved of CPU): resending then runs the request twice, harmless for
 * idempotent requests only, so non-idempotent ones wait three times as long before they are sent
 * again.
 */
final class UnacceptedRequests {
  /** How much longer a non-idempotent request waits for its acknowledgement. */
  private static final int NON_IDEMPOTENT_FACTOR = 3;

  private static final class Entry {
    final Dispatch dispatch;
    final long deadlineNanos;
    boolean settled;

    Entry(Dispatch dispatch, long deadlineNanos) {
      this.dispatch = dispatch;
      this.deadlineNanos = deadlineNanos;
    }
  }

  private final long acceptTimeoutNanos;
  // One queue per timeout, each in send order, so each is also in deadline order.
  private final ArrayDeque<Entry> idempotent = new ArrayDeque<>();
  private final ArrayDeque<Entry> other = new ArrayDeque<>();
  private final HashMap<Long, Entry> byStream = new HashMap<>();

  UnacceptedRequests(long acceptTimeoutNanos) {
    this.acceptTimeoutNanos = acceptTimeoutNanos;
  }

  void sent(Dispatch d, long nowNanos) {
    Entry e;
    if (d.idempotent()) {
      e = new Entry(d, nowNanos + acceptTimeoutNanos);
      idempotent.addLast(e);
    } else {
      e = new Entry(d, nowNanos + NON_IDEMPOTENT_FACTOR * acceptTimeoutNanos);
      other.addLast(e);
    }
    byStream.put(d.stream().id(), e);
  }

  /**
   * A worker acknowledged the stream: it will not be sent again. Returns the request, or null when
   * it was already acknowledged (or never sent).
   */
  Dispatch accepted(long streamId) {
    Entry e = byStream.remove(streamId);
    if (e == null) {
      return null;
    }
    e.settled = true;
    return e.dispatch;
  }

  /**
   * A worker refused the stream without starting it (draining, or full). Returns the request to
   * send again, or null when the stream was already acknowledged and the refusal is late.
   */
  Dispatch refused(long streamId) {
    Entry e = byStream.remove(streamId);
    if (e == null) {
      return null;
    }
    e.settled = true; // leaves the timeout queue without a second resend
    return e.dispatch;
  }

  /** Hands each request unacknowledged past its timeout, and still wanted, to {@code retry}. */
  void expire(long nowNanos, Consumer<Dispatch> retry) {
    expire(idempotent, nowNanos, retry);
    expire(other, nowNanos, retry);
  }

  private void expire(ArrayDeque<Entry> queue, long nowNanos, Consumer<Dispatch> retry) {
    Entry e;
    while ((e = queue.peekFirst()) != null && (e.settled || nowNanos - e.deadlineNanos >= 0)) {
      queue.pollFirst();
      if (!e.settled) {
        byStream.remove(e.dispatch.stream().id());
        if (!e.dispatch.stream().isDone()) {
          retry.accept(e.dispatch);
        }
      }
    }
  }

  /** Nanoseconds until the next unacknowledged request times out; Long.MAX_VALUE when none. */
  long nanosUntilNextTimeout(long nowNanos) {
    return Math.min(nextIn(idempotent, nowNanos), nextIn(other, nowNanos));
  }

  private static long nextIn(ArrayDeque<Entry> queue, long nowNanos) {
    for (Entry e : queue) {
      if (!e.settled) {
        return e.deadlineNanos - nowNanos;
      }
    }
    return Long.MAX_VALUE;
  }
}
