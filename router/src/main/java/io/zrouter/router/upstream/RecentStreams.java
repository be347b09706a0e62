package io.zrouter.router.upstream;

import java.util.ArrayDeque;
import java.util.HashSet;

/**
 * The last stream ids added, up to a fixed count: a bounded memory of streams that are over, so
 * that a frame that arrives late (on another connection than the stream's last frame) cannot bring
 * one back. Link thread only.
 */
final class RecentStreams {
  private final int capacity;
  private final ArrayDeque<Long> order = new ArrayDeque<>();
  private final HashSet<Long> ids = new HashSet<>();

  RecentStreams(int capacity) {
    this.capacity = capacity;
  }

  void add(long streamId) {
    if (ids.add(streamId)) {
      order.addLast(streamId);
      if (order.size() > capacity) {
        ids.remove(order.removeFirst());
      }
    }
  }

  boolean contains(long streamId) {
    return ids.contains(streamId);
  }
}
