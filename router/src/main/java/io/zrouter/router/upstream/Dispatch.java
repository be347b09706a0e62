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
 * @param refusals how many workers refused it so far (all busy, or draining)
 */
public record Dispatch(
    ProxyStream stream, byte[][] parts, long queuedAtNanos, boolean idempotent, int refusals) {

  /** A fresh request, refused by nobody yet. */
  public Dispatch(ProxyStream stream, byte[][] parts, long queuedAtNanos, boolean idempotent) {
    this(stream, parts, queuedAtNanos, idempotent, 0);
  }

  Dispatch refusedOnceMore() {
    return new Dispatch(stream, parts, queuedAtNanos, idempotent, refusals + 1);
  }
}
