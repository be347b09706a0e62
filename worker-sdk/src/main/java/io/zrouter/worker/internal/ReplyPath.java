package io.zrouter.worker.internal;

import java.util.List;

/**
 * Where the worker-to-router frames of one stream go: back through the ROUTER socket the request
 * came in on ({@link RouterReplyPath}), or over that router's addressed connection ({@link
 * AddressedLink}). Chosen once, when the request arrives, and never changed: every frame of a
 * stream (its {@code accept}, response head, body, trailers or reset) takes the same path, so they
 * reach the router in order.
 *
 * <p>Handler threads only carry the reference; the IO thread alone sends on it.
 */
sealed interface ReplyPath permits RouterReplyPath, AddressedLink {

  /** What happened to a message handed to ZeroMQ. */
  enum SendResult {
    /** ZeroMQ took every part. */
    SENT,
    /** The pipe to the router is full; nothing was taken, try again later. */
    FULL,
    /** The router cannot be reached on this path; nothing was taken and nothing will be. */
    UNREACHABLE
  }

  /** The router the path leads to: its routing id on the ROUTER socket, i.e. its endpoint. */
  PeerId router();

  /**
   * IO thread: hands the frames to ZeroMQ as one multipart message, without blocking. Either every
   * part is taken or none.
   */
  SendResult send(List<OutboundFrame> message);

  /** The errno of the last failed send, for logs. */
  int errno();
}
