package io.zrouter.worker;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;

/**
 * One HTTP request as the router forwarded it: the head, available at once, and a body that streams
 * in.
 *
 * <p>Header names are lower-case; lookups by name ignore case. Header values are the header's
 * octets as ISO-8859-1 characters.
 */
public interface Request {

  /** The request method, e.g. {@code GET}. */
  String method();

  /** The request target exactly as received: path plus {@code ?query}, percent-encoding kept. */
  String target();

  /** The target without its query. */
  String path();

  /** The raw query without the {@code '?'}, or {@code ""} when there is none. */
  String query();

  /**
   * The first value of a query parameter, URL-decoded (UTF-8, {@code '+'} is a space).
   *
   * @return the value, {@code ""} for a parameter without {@code '='}, or {@code null} when absent
   */
  String queryParam(String name);

  /** The first value of a header, matched case-insensitively, or {@code null} when absent. */
  String header(String name);

  /** Every value of a header in arrival order; an empty list when absent. */
  List<String> headers(String name);

  /** All headers: lower-case names in arrival order, each with its values; unmodifiable. */
  Map<String, List<String>> headers();

  /** The router's id for this request (also in the {@code x-request-id} header). */
  String requestId();

  /** The client's address as the router saw it, {@code "ip:port"}. */
  String remoteAddress();

  /** {@code "http"} or {@code "https"}: what the client used. */
  String scheme();

  /** The {@code Host} header or HTTP/2 {@code :authority}. */
  String authority();

  /** {@code "HTTP/1.1"}, {@code "HTTP/1.0"} or {@code "HTTP/2"}. */
  String httpVersion();

  /** The declared body length, or {@code -1} when unknown (chunked). */
  long contentLength();

  /**
   * The request body as a stream. Reads block until data arrives, the body ends ({@code -1}), or
   * the stream is reset by the router or the worker closes (an {@link IOException}). Always returns
   * the same stream.
   */
  InputStream body();

  /** Reads the rest of the body into an array. */
  byte[] bodyBytes() throws IOException;

  /**
   * Whether the stream was abandoned: the router reset it (usually because the client went away),
   * the router became unreachable, or the worker closed. Once true it stays true; the response can
   * no longer reach anyone, so writes to it throw an {@link IOException} at once, and so do reads
   * of the request body. A handler that produces its answer slowly (a long stream, a poll loop) can
   * check this between steps to stop early; a handler that only writes notices on its next write.
   */
  boolean isCancelled();

  /**
   * Whether the client asked to open a WebSocket. Accept with {@link Response#acceptWebSocket()};
   * any other answer refuses it. The handshake headers stay with the router; {@code
   * sec-websocket-protocol} (the subprotocols offered) is passed on.
   */
  boolean isWebSocketUpgrade();
}
