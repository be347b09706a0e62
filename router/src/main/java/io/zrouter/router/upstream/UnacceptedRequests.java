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
 * also just be late (a worker starved of CPU) or lost (the worker died right after sending it):
 * then two workers may hold the request. The first acknowledgement to arrive wins; the other worker
 * is told to drop it, and a request that must not run twice runs only on the router's {@code
 * start}, which only the winner gets.
 */
final class UnacceptedRequests {
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
  // In send order, so in deadline order too.
  private final ArrayDeque<Entry> queue = new ArrayDeque<>();
  private final HashMap<Long, Entry> byStream = new HashMap<>();

  UnacceptedRequests(long acceptTimeoutNanos) {
    this.acceptTimeoutNanos = acceptTimeoutNanos;
  }

  void sent(Dispatch d, long nowNanos) {
    Entry e = new Entry(d, nowNanos + acceptTimeoutNanos);
    queue.addLast(e);
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
    for (Entry e : queue) {
      if (!e.settled) {
        return e.deadlineNanos - nowNanos;
      }
    }
    return Long.MAX_VALUE;
  }
}
