package io.zrouter.router.frontend;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import io.zrouter.proto.Frame;
import io.zrouter.proto.FrameCodec;
import io.zrouter.proto.Header;
import io.zrouter.proto.RequestHead;
import java.util.Iterator;
import java.util.Map;

/**
 * Encodes a WebSocket upgrade request as its one-part request message: a head with {@code
 * websocket} set and no body. The handshake itself is the router's business, so the worker gets
 * none of its headers but the subprotocols the client offers.
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

  /** Everything about the stream that is not in the client's request. */
  record Envelope(
      long streamId,
      String requestId,
      String scheme,
      String remoteAddress,
      long deadlineUnixMs,
      int addressedPort) {}

  /** Removes the handshake headers in place; {@code Sec-WebSocket-Protocol} stays. */
  static void stripHandshakeHeaders(HttpHeaders headers) {
    for (AsciiString name : HANDSHAKE_ONLY) {
      headers.remove(name);
    }
  }

  /** Headers must already be cleaned: hop-by-hop and handshake removed, forwarding added. */
  static byte[] encode(Envelope envelope, String uri, HttpHeaders headers) {
    RequestHead.Builder head =
        RequestHead.newBuilder()
            .setProtocolVersion(FrameCodec.PROTOCOL_VERSION)
            .setMethod("GET")
            .setScheme(envelope.scheme())
            .setAuthority(headers.get(HttpHeaderNames.HOST, ""))
            .setPath(RequestEncoder.originForm(uri))
            .setHttpVersion("HTTP/1.1")
            .setRemoteAddress(envelope.remoteAddress())
            .setRequestId(envelope.requestId())
            .setDeadlineUnixMs(envelope.deadlineUnixMs())
            .setContentLength(0)
            .setAddressedPort(envelope.addressedPort())
            .setEndStream(true)
            .setWebsocket(true);
    Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence();
    while (it.hasNext()) {
      Map.Entry<CharSequence, CharSequence> h = it.next();
      head.addHeaders(
          Header.newBuilder()
              .setName(AsciiString.of(h.getKey()).toLowerCase().toString())
              .setValue(h.getValue().toString()));
    }
    return FrameCodec.encode(
        Frame.newBuilder().setStreamId(envelope.streamId()).setRequestHead(head).build());
  }
}
