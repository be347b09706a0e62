package io.zrouter.router.upstream;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who is on the addressed socket, and which worker holds which stream. Link thread only.
 *
 * <p>A worker's frames arriving on the addressed socket name it (ZeroMQ's routing id), so the
 * router learns the worker of a stream from its acknowledgement and can later send follow-up frames
 * (a cancel) to exactly that worker.
 */
final class AddressedWorkers {
  private static final Logger log = LoggerFactory.getLogger(AddressedWorkers.class);

  /** routing id (ISO-8859-1 string of its bytes) to the worker's own id, from its hello. */
  private final Map<String, String> names = new HashMap<>();

  private final Map<Long, byte[]> streamOwner = new HashMap<>();

  static String key(byte[] routingId) {
    return new String(routingId, StandardCharsets.ISO_8859_1);
  }

  void hello(byte[] routingId, String workerId) {
    String previous = names.put(key(routingId), workerId);
    if (previous == null) {
      log.info("worker joined: worker = {}, workers = {}", workerId, names.size());
    }
  }

  /** The worker with this routing id acknowledged or answered the stream. */
  void owns(long streamId, byte[] routingId) {
    streamOwner.putIfAbsent(streamId, routingId);
  }

  /** The routing id of the worker holding the stream, or null when unknown or over. */
  byte[] ownerOf(long streamId) {
    return streamOwner.get(streamId);
  }

  void streamEnded(long streamId) {
    streamOwner.remove(streamId);
  }

  /** Streams currently held by a worker on the addressed path. */
  int ownedStreams() {
    return streamOwner.size();
  }
}
