package io.zrouter.router.stream;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The live streams of one router, by id. Event loops register and remove streams; the worker link
 * looks them up to deliver response frames.
 */
public final class StreamRegistry {
  /**
   * Ids start at a random point, not at 1: frames a worker still had queued for a router that
   * restarted on the same endpoint reach the new one (ZeroMQ keeps a connecting socket's pipe
   * across reconnects), and must not name the new router's streams (an old REFUSED would resend a
   * request a worker already runs; an old accept would stop a needed resend).
   */
  private final AtomicLong lastId =
      new AtomicLong(java.util.concurrent.ThreadLocalRandom.current().nextLong(1L << 62));

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
