package io.zrouter.router.upstream;

import io.zrouter.router.stream.ProxyStream;

/**
 * A request ready to go to a worker: the encoded parts of its one ZeroMQ message.
 *
 * @param stream the exchange waiting for the response
 * @param parts one encoded frame per message part, request head first
 * @param queuedAtNanos {@link System#nanoTime()} when it was queued; the worker wait counts from
 *     here
 * @param idempotent safe to run twice (GET, HEAD, OPTIONS, PUT, DELETE, or an Idempotency-Key): may
 *     go to another worker when the one running it dies before answering
 * @param bodyFollows the body continues after these parts, as follow-ups to the worker that accepts
 *     it: the stream hears of the acknowledgement, and the request can never be replayed from these
 *     parts alone after that
 * @param authority the request's host (with any port), which picks its service; may be empty
 * @param path the request target's path (a query may follow), which picks its service
 * @param refusals how many workers refused it so far (all busy, or draining)
 * @param lane the service it goes to; null until the link has matched its routes
 */
public record Dispatch(
    ProxyStream stream,
    byte[][] parts,
    long queuedAtNanos,
    boolean idempotent,
    boolean bodyFollows,
    String authority,
    String path,
    int refusals,
    ServiceLane lane)
    implements LinkCommand {

  /** A fresh request from an event loop, refused by nobody yet, its service not yet picked. */
  public Dispatch(
      ProxyStream stream,
      byte[][] parts,
      long queuedAtNanos,
      boolean idempotent,
      boolean bodyFollows,
      String authority,
      String path) {
    this(stream, parts, queuedAtNanos, idempotent, bodyFollows, authority, path, 0, null);
  }

  Dispatch refusedOnceMore() {
    return new Dispatch(
        stream, parts, queuedAtNanos, idempotent, bodyFollows, authority, path, refusals + 1, lane);
  }

  /**
   * The same request with more of its body: {@code moreBody}'s body frames go out after these
   * parts; {@code stillFollows}: the body goes on after them.
   */
  public Dispatch withMoreBody(byte[][] moreBody, boolean stillFollows) {
    byte[][] grown = java.util.Arrays.copyOf(parts, parts.length + moreBody.length);
    System.arraycopy(moreBody, 0, grown, parts.length, moreBody.length);
    return new Dispatch(
        stream, grown, queuedAtNanos, idempotent, stillFollows, authority, path, refusals, lane);
  }

  /** The same request, bound for {@code lane}. */
  Dispatch inLane(ServiceLane lane) {
    return new Dispatch(
        stream, parts, queuedAtNanos, idempotent, bodyFollows, authority, path, refusals, lane);
  }

  /**
   * Whether the worker that accepts it must wait for the router's {@code start}: requests that must
   * not run twice. {@link io.zrouter.router.frontend} sets the head's {@code await_start} to match.
   */
  boolean awaitsStart() {
    return !idempotent;
  }
}
