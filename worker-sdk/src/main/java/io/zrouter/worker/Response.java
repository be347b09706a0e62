package io.zrouter.worker;

import java.io.OutputStream;

/**
 * The answer to one request, sent to the router as it is produced.
 *
 * <p>The <em>head</em> (status and headers) is sent with the first body bytes, by {@link #send}, or
 * by {@link #end}; after that the response is <em>committed</em> and status and headers can no
 * longer change. Methods are safe to call from any thread, one at a time.
 */
public interface Response {

  /**
   * Sets the status, {@code 200} by default.
   *
   * @throws IllegalArgumentException when not in {@code 200..599}
   * @throws IllegalStateException when the head was already sent
   */
  Response status(int status);

  /**
   * Adds a header (the name is lower-cased; earlier values of the same name are kept).
   *
   * @throws IllegalArgumentException when the name is not an HTTP token or the value contains CR,
   *     LF, NUL or characters above {@code U+00FF}
   * @throws IllegalStateException when the head was already sent
   */
  Response header(String name, String value);

  /**
   * The streaming response body. Writes are buffered up to 64 KiB; a full buffer or {@link
   * OutputStream#flush()} sends a body frame at once (the first one also sends the head). {@link
   * OutputStream#close()} ends the response. When the whole body fits in the buffer and was never
   * flushed, close() sends it with a {@code content-length} header. Writes throw an {@link
   * java.io.IOException} once the router has reset the stream or the worker closed. Always returns
   * the same stream.
   */
  OutputStream body();

  /**
   * Sends the whole response: sets {@code content-length}, then sends the head, the body and the
   * end of the stream together.
   *
   * @throws IllegalStateException when the head was already sent or body bytes were written
   */
  void send(byte[] body);

  /**
   * Sends a text response, UTF-8 encoded, adding {@code content-type: text/plain; charset=utf-8}
   * unless a content type is set.
   *
   * @see #send(byte[])
   */
  void send(String text);

  /**
   * Adds a trailer, sent after the last body byte when the response ends (HTTP/2 trailing HEADERS;
   * HTTP/1.1 chunked trailers). A response with trailers is streamed without a {@code
   * content-length}, so HTTP/1.1 clients get it chunked. gRPC status travels this way.
   *
   * @throws IllegalArgumentException when the name is not an HTTP token or the value is illegal
   * @throws IllegalStateException when the response already ended
   */
  Response trailer(String name, String value);

  /** Ends the response, sending the head first if needed. Does nothing when already ended. */
  void end();

  /** Whether the head was already sent. */
  boolean isCommitted();

  /**
   * Accepts a WebSocket upgrade ({@link Request#isWebSocketUpgrade()}): sends a {@code 101} with
   * the headers set so far and returns the open session. The response is then over; the session
   * lives until it is closed or the handler returns. To refuse, answer as usual instead (e.g.
   * {@code 403}).
   *
   * @throws IllegalStateException when the request is not an upgrade or the head was already sent
   */
  default WebSocket acceptWebSocket() {
    return acceptWebSocket(null);
  }

  /**
   * As {@link #acceptWebSocket()}, choosing {@code subprotocol} (one the client offered in {@code
   * sec-websocket-protocol}), or none when null.
   */
  WebSocket acceptWebSocket(String subprotocol);
}
