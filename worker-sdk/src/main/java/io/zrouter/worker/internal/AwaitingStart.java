package io.zrouter.worker.internal;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Accepted requests waiting for the router's {@code start} before they run: those sent with {@code
 * await_start}, which must not run twice. Each holds a handler slot. IO thread only.
 *
 * <p>The router answers an acknowledgement with {@code start} at once, or with a reset when another
 * worker got the request first. Should neither arrive (the router died, or its link did), the
 * request is given up after {@link #WAIT_NANOS}, so that it does not hold its slot for ever.
 */
final class AwaitingStart {
  static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);

  /** {@code inline}: the task runs on the IO thread once started (Handler.runsInline). */
  record Entry(WorkerStream stream, HandlerTask task, boolean inline, long expiresAtNanos) {}

  /** In arrival order, which is expiry order too. */
  private final LinkedHashMap<StreamKey, Entry> byKey = new LinkedHashMap<>();

  void hold(WorkerStream stream, HandlerTask task, boolean inline, long nowNanos) {
    byKey.put(stream.key(), new Entry(stream, task, inline, nowNanos + WAIT_NANOS));
  }

  boolean isEmpty() {
    return byKey.isEmpty();
  }

  /** Removes and returns the waiting request of this stream, or null. */
  Entry take(StreamKey key) {
    return byKey.remove(key);
  }

  /** Removes and returns every waiting request. */
  List<Entry> takeAll() {
    List<Entry> all = new ArrayList<>(byKey.values());
    byKey.clear();
    return all;
  }

  /** Removes and returns those that waited too long. */
  List<Entry> takeExpired(long nowNanos) {
    List<Entry> expired = new ArrayList<>();
    for (Iterator<Entry> it = byKey.values().iterator(); it.hasNext(); ) {
      Entry e = it.next();
      if (nowNanos - e.expiresAtNanos < 0) {
        break;
      }
      it.remove();
      expired.add(e);
    }
    return expired;
  }
}
