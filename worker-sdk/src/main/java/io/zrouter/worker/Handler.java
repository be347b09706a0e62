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
}
