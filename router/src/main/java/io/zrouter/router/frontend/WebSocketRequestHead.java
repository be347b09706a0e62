package io.zrouter.router.frontend;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

/**
 * The WebSocket handshake headers a worker does not get: the handshake is the router's business, so
 * of its headers only the subprotocols the client offers are forwarded.
 */
final class WebSocketRequestHead {

  /** Handshake headers that describe the client-router connection only. */
  private static final AsciiString[] HANDSHAKE_ONLY = {
    HttpHeaderNames.SEC_WEBSOCKET_KEY,
    HttpHeaderNames.SEC_WEBSOCKET_VERSION,
    HttpHeaderNames.SEC_WEBSOCKET_EXTENSIONS,
    HttpHeaderNames.SEC_WEBSOCKET_ACCEPT
  };

  private WebSocketRequestHead() {}

  /** Removes the handshake headers in place; {@code Sec-WebSocket-Protocol} stays. */
  static void stripHandshakeHeaders(HttpHeaders headers) {
    for (AsciiString name : HANDSHAKE_ONLY) {
      headers.remove(name);
    }
  }
}
