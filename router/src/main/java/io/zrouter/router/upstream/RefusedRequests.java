package io.zrouter.router.upstream;

import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Requests a worker refused (it was at capacity, or draining), waiting a moment before they are
 * sent again. Link thread only.
 *
 * <p>Refused requests never started, so they are safe to resend; the short, growing pause (0.5 ms
 * doubling to 32 ms) keeps a router whose workers are all busy from bouncing a request between them
 * as fast as the network allows. Its wait for a worker still ends in 503.
 */
final class RefusedRequests {
  private static final long FIRST_PAUSE_NANOS = TimeUnit.MICROSECONDS.toNanos(500);
  private static final long MAX_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(32);

  private record Entry(long dueNanos, Dispatch dispatch) {}

  private final PriorityQueue<Entry> queue =
      new PriorityQueue<>((a, b) -> Long.compare(a.dueNanos, b.dueNanos));

  void add(Dispatch refused, long nowNanos) {
    int shift = Math.min(refused.refusals() - 1, 6);
    long pause = Math.min(MAX_PAUSE_NANOS, FIRST_PAUSE_NANOS << Math.max(0, shift));
    queue.add(new Entry(nowNanos + pause, refused));
  }

  /** Hands every request whose pause is over to {@code due}, earliest first. */
  void release(long nowNanos, Consumer<Dispatch> due) {
    Entry e;
    while ((e = queue.peek()) != null && e.dueNanos - nowNanos <= 0) {
      queue.poll();
      due.accept(e.dispatch);
    }
  }

  /** Nanoseconds until the next pause ends; Long.MAX_VALUE when none waits. */
  long nanosUntilNext(long nowNanos) {
    Entry e = queue.peek();
    return e == null ? Long.MAX_VALUE : e.dueNanos - nowNanos;
  }
}
