package io.zrouter.router.stream;

import io.netty.util.concurrent.EventExecutor;
import io.zrouter.proto.Frame;
import io.zrouter.router.upstream.Dispatch;

/**
 * One proxied HTTP exchange as the worker link sees it. The link calls these methods only from
 * inside a task it runs on {@link #executor()}, the event loop of the downstream channel, so
 * implementations need no locking.
 */
public interface ProxyStream {

  /** Router-unique stream id, the {@code stream_id} of every frame of this exchange. */
  long id();

  /** The event loop all callbacks run on. */
  EventExecutor executor();

  /** True once the exchange has ended for any reason; read from any thread. */
  boolean isDone();

  /** A response frame from the worker serving this stream. */
  void onFrame(Frame frame);

  /** A frame for this stream could not be decoded or broke the protocol. */
  void onUpstreamProtocolError(String reason);

  /**
   * The worker holding the stream died (went silent past the liveness timeout) and the request
   * cannot be sent elsewhere: 502 before the response started, a reset after.
   */
  void onUpstreamLost();

  /** No worker took the request within the configured wait. */
  void onNoWorker();

  /**
   * No service's route matches the request, and no worker serves the default service: 404.
   *
   * @param authority the request's host, as it came
   * @param path its target's path
   */
  void onNoRoute(String authority, String path);

  /**
   * A worker refused the request while its body was still arriving: hand it back through {@link
   * UpstreamControl#resendRefused} with the body that arrived since, up to the window, so that a
   * worker that takes only whole requests can take it once its body is all there.
   */
  void onRefusedBeforeBodyEnded(Dispatch refused);

  /** Called after a batch of callbacks so writes reach the client in one flush. */
  void flush();
}
