package io.zrouter.router.stream;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The live streams of one router, by id. Event loops register and remove streams; the worker link
 * looks them up to deliver response frames.
 */
public final class StreamRegistry {
  private final AtomicLong lastId = new AtomicLong();
  private final ConcurrentHashMap<Long, ProxyStream> streams = new ConcurrentHashMap<>();

  /** A fresh stream id; never 0 (0 is reserved for connection-level frames). */
  public long nextId() {
    return lastId.incrementAndGet();
  }

  public void register(ProxyStream stream) {
    streams.put(stream.id(), stream);
  }

  public void remove(ProxyStream stream) {
    streams.remove(stream.id(), stream);
  }

  /** The live stream with this id, or null when it ended or never existed. */
  public ProxyStream get(long id) {
    return streams.get(id);
  }

  /** Number of live streams. */
  public int size() {
    return streams.size();
  }
}
