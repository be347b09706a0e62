package io.zrouter.worker;

/**
 * The application code a worker runs for each request.
 *
 * <p>A handler runs on one of the worker's handler threads and may block (read the request body,
 * sleep, call a database). It answers through {@link Response}; a handler that returns without
 * ending its response gets it ended for it. An exception thrown before the response head was sent
 * becomes a {@code 500}; one thrown after resets the stream, so the client never sees a silently
 * truncated success.
 */
@FunctionalInterface
public interface Handler {

  /**
   * Serves one request.
   *
   * @param request the request head and its streaming body
   * @param response where the answer goes; usable until it is ended
   * @throws Exception anything; the worker turns it into a 500 or a stream reset
   */
  void handle(Request request, Response response) throws Exception;

  /**
   * Whether this request may be served on the worker's IO thread, with no hand-off to a handler
   * thread and back (two thread wake-ups fewer per request). Say yes only for a request the handler
   * answers without blocking: no sleeping, no database or network call, no waiting on another
   * thread. The worker asks only about requests whose whole body has arrived (reading it never
   * waits) and that are not WebSocket upgrades or requests waiting for the router's start; it then
   * runs {@link #handle} at once on the IO thread, where a response body over the first
   * flow-control window (256 KiB) fails the stream instead of waiting for credit. While it runs,
   * this worker receives nothing else, so keep it short. Called on the IO thread; keep it cheap.
   *
   * @return false (the default): every request runs on a handler thread
   */
  default boolean runsInline(Request request) {
    return false;
  }
}
