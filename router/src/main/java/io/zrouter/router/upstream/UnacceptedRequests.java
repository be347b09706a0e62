package io.zrouter.router.upstream;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.function.Consumer;

/**
 * Requests sent to a worker that has not yet acknowledged them. Link thread only.
 *
 * <p>A worker acknowledges a request (an ACCEPT frame, or any response frame) as soon as it
 * receives it. One that does not within the accept timeout never got it: the message went into a
 * connection that died, or one JeroMQ never finished setting up. Nobody started such a request, so
 * it is safe to send it again: the invariant is that a request no worker started is never lost.
 */
final class UnacceptedRequests {
  private static final class Entry {
    final Dispatch dispatch;
    final long sentAtNanos;
    boolean accepted;

    Entry(Dispatch dispatch, long sentAtNanos) {
      this.dispatch = dispatch;
      this.sentAtNanos = sentAtNanos;
    }
  }

  private final long acceptTimeoutNanos;
  private final ArrayDeque<Entry> bySendTime = new ArrayDeque<>();
  private final HashMap<Long, Entry> byStream = new HashMap<>();

  UnacceptedRequests(long acceptTimeoutNanos) {
    this.acceptTimeoutNanos = acceptTimeoutNanos;
  }

  void sent(Dispatch d, long nowNanos) {
    Entry e = new Entry(d, nowNanos);
    bySendTime.addLast(e);
    byStream.put(d.stream().id(), e);
  }

  /** A worker acknowledged the stream: it will not be sent again. */
  void accepted(long streamId) {
    Entry e = byStream.remove(streamId);
    if (e != null) {
      e.accepted = true;
    }
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
    e.accepted = true; // settled: leaves the timeout queue without a second resend
    return e.dispatch;
  }

  /** Hands each request unacknowledged past the timeout, and still wanted, to {@code retry}. */
  void expire(long nowNanos, Consumer<Dispatch> retry) {
    Entry e;
    while ((e = bySendTime.peekFirst()) != null
        && (e.accepted || nowNanos - e.sentAtNanos >= acceptTimeoutNanos)) {
      bySendTime.pollFirst();
      if (!e.accepted) {
        byStream.remove(e.dispatch.stream().id());
        if (!e.dispatch.stream().isDone()) {
          retry.accept(e.dispatch);
        }
      }
    }
  }

  /** Nanoseconds until the oldest unacknowledged request times out; Long.MAX_VALUE when none. */
  long nanosUntilNextTimeout(long nowNanos) {
    for (Entry e : bySendTime) {
      if (!e.accepted) {
        return e.sentAtNanos + acceptTimeoutNanos - nowNanos;
      }
    }
    return Long.MAX_VALUE;
  }
}
