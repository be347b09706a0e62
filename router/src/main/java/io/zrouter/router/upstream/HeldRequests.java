package io.zrouter.router.upstream;

import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * Requests waiting for a worker that can take them, oldest first. Link thread only.
 *
 * <p>A request's wait counts from when it first arrived, across re-dispatches, so a client never
 * waits longer than the configured worker wait for a worker to take its request.
 */
final class HeldRequests {
  private final ArrayDeque<Dispatch> queue = new ArrayDeque<>();
  private final long workerWaitNanos;

  HeldRequests(long workerWaitNanos) {
    this.workerWaitNanos = workerWaitNanos;
  }

  void add(Dispatch d) {
    queue.addLast(d);
  }

  /** A request that went out and came back unaccepted goes ahead of newer ones. */
  void addFirst(Dispatch d) {
    queue.addFirst(d);
  }

  boolean isEmpty() {
    return queue.isEmpty();
  }

  /** The next request to send, skipping any whose client has gone; null when none. */
  Dispatch peek() {
    Dispatch d;
    while ((d = queue.peekFirst()) != null && d.stream().isDone()) {
      queue.pollFirst();
    }
    return d;
  }

  void removeFirst() {
    queue.pollFirst();
  }

  /** Hands every request whose wait is over to {@code expired}. */
  void expire(long nowNanos, Consumer<Dispatch> expired) {
    // Re-dispatched requests go to the front, so the order by arrival is only nearly kept:
    // scan the whole queue. It is short: it only fills while no worker has room.
    queue.removeIf(
        d -> {
          if (d.stream().isDone()) {
            return true;
          }
          if (nowNanos - d.queuedAtNanos() >= workerWaitNanos) {
            expired.accept(d);
            return true;
          }
          return false;
        });
  }

  /** Hands every request still wanted to {@code each}, and empties the queue. */
  void drain(Consumer<Dispatch> each) {
    Dispatch d;
    while ((d = queue.pollFirst()) != null) {
      if (!d.stream().isDone()) {
        each.accept(d);
      }
    }
  }

  /** Nanoseconds until the next request's wait is over; Long.MAX_VALUE when none is held. */
  long nanosUntilNextExpiry(long nowNanos) {
    long next = Long.MAX_VALUE;
    for (Dispatch d : queue) {
      next = Math.min(next, d.queuedAtNanos() + workerWaitNanos - nowNanos);
    }
    return next;
  }
}
