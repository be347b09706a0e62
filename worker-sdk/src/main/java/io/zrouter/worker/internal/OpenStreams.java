package io.zrouter.worker.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The streams a worker holds (accepted, response not yet sent in full), by router and stream id,
 * with a count per reply path so that a router's stream limit can be checked without a scan. IO
 * thread only.
 */
final class OpenStreams {
  private final Map<StreamKey, WorkerStream> byKey = new HashMap<>();
  private final Map<ReplyPath, Integer> countByPath = new HashMap<>();

  WorkerStream get(StreamKey key) {
    return byKey.get(key);
  }

  boolean contains(StreamKey key) {
    return byKey.containsKey(key);
  }

  void add(WorkerStream stream) {
    if (byKey.putIfAbsent(stream.key(), stream) == null) {
      countByPath.merge(stream.replyPath(), 1, Integer::sum);
    }
  }

  /** Removes and returns the stream with this key, or null. */
  WorkerStream remove(StreamKey key) {
    WorkerStream stream = byKey.remove(key);
    if (stream != null) {
      uncount(stream);
    }
    return stream;
  }

  /** Removes this very stream (not a newer one with the same key). */
  void remove(WorkerStream stream) {
    if (byKey.remove(stream.key(), stream)) {
      uncount(stream);
    }
  }

  /** Removes and returns the streams on {@code path}. */
  List<WorkerStream> removeOn(ReplyPath path) {
    List<WorkerStream> removed = new ArrayList<>();
    if (!countByPath.containsKey(path)) {
      return removed;
    }
    for (Iterator<WorkerStream> it = byKey.values().iterator(); it.hasNext(); ) {
      WorkerStream stream = it.next();
      if (stream.replyPath() == path) {
        it.remove();
        removed.add(stream);
      }
    }
    countByPath.remove(path);
    return removed;
  }

  /** How many open streams use {@code path}. */
  int countOn(ReplyPath path) {
    return countByPath.getOrDefault(path, 0);
  }

  Collection<WorkerStream> all() {
    return byKey.values();
  }

  int size() {
    return byKey.size();
  }

  void clear() {
    byKey.clear();
    countByPath.clear();
  }

  private void uncount(WorkerStream stream) {
    countByPath.computeIfPresent(stream.replyPath(), (path, n) -> n == 1 ? null : n - 1);
  }
}
