package io.zrouter.router.frontend;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.zrouter.proto.Body;
import io.zrouter.proto.Frame;
import io.zrouter.proto.FrameCodec;
import java.nio.ByteBuffer;

/**
 * Encodes requests as frames: the dispatched message (a request-head frame, then the body that came
 * with it in frames of at most {@link #MAX_BODY_FRAME} bytes) and the body frames that follow it.
 * Body bytes are copied once, straight from Netty's buffers into the encoded frames.
 */
final class RequestEncoder {
  /** Largest body chunk per frame, so workers can start on a large body piece by piece. */
  static final int MAX_BODY_FRAME = 64 * 1024;

  private RequestEncoder() {}

  /** Everything about the exchange that is not in the Netty request itself. */
  record Envelope(
      long streamId,
      String requestId,
      String scheme,
      String httpVersion,
      String remoteAddress,
      long deadlineUnixMs,
      int addressedPort) {}

  /**
   * The dispatched message: head plus the first part of the body. Headers must already be cleaned:
   * hop-by-hop removed, forwarding headers added.
   *
   * @param content the body bytes that travel with the head (not released here)
   * @param complete whether {@code content} is the whole body
   * @param contentLength the declared length, or -1 when the body is chunked
   * @param mustNotRunTwice not idempotent: the worker waits for the router's {@code start} (set
   *     only when the router has an addressed socket to send it on)
   */
  static byte[][] encode(
      Envelope envelope,
      HttpRequest request,
      ByteBuf content,
      boolean complete,
      long contentLength,
      boolean mustNotRunTwice) {
    int length = content.readableBytes();
    int bodyFrames = frameCount(length, false);
    byte[][] parts = new byte[1 + bodyFrames][];

    parts[0] =
        RequestHeadWriter.write(
            head(
                envelope,
                request.method().name(),
                request.uri(),
                request.headers(),
                contentLength,
                complete && length == 0,
                false,
                mustNotRunTwice && envelope.addressedPort() != 0));

    if (length > 0) {
      byte[][] body = bodyFrames(envelope.streamId(), 0, content, complete);
      System.arraycopy(body, 0, parts, 1, bodyFrames);
    }
    return parts;
  }

  /**
   * The one-part message of a WebSocket upgrade: a head with {@code websocket} set and no body.
   * Headers must already be cleaned, the handshake's own included.
   */
  static byte[] encodeWebSocketUpgrade(Envelope envelope, String uri, HttpHeaders headers) {
    return RequestHeadWriter.write(head(envelope, "GET", uri, headers, 0, true, true, false));
  }

  private static RequestHeadWriter.Head head(
      Envelope envelope,
      String method,
      String uri,
      HttpHeaders headers,
      long contentLength,
      boolean endStream,
      boolean websocket,
      boolean awaitStart) {
    return new RequestHeadWriter.Head(
        envelope.streamId(),
        method,
        envelope.scheme(),
        headers.get(HttpHeaderNames.HOST, ""),
        originForm(uri),
        headers,
        envelope.httpVersion(),
        envelope.remoteAddress(),
        envelope.requestId(),
        envelope.deadlineUnixMs(),
        endStream,
        contentLength,
        envelope.addressedPort(),
        websocket,
        awaitStart);
  }

  /**
   * Body frames for {@code content}, the body's bytes from {@code bodyOffset} on, of at most {@link
   * #MAX_BODY_FRAME} bytes each; the last one ends the body when {@code end} is set (an empty one
   * when {@code content} is empty). The content is not released here.
   */
  static byte[][] bodyFrames(long streamId, long bodyOffset, ByteBuf content, boolean end) {
    int length = content.readableBytes();
    byte[][] frames = new byte[frameCount(length, end)][];
    int index = content.readerIndex();
    for (int i = 0; i < frames.length; i++) {
      int chunk = Math.min(MAX_BODY_FRAME, length - i * MAX_BODY_FRAME);
      frames[i] =
          encodeBody(
              streamId,
              bodyOffset + (long) i * MAX_BODY_FRAME,
              content,
              index + i * MAX_BODY_FRAME,
              chunk,
              end && i == frames.length - 1);
    }
    return frames;
  }

  private static int frameCount(int length, boolean end) {
    int frames = (length + MAX_BODY_FRAME - 1) / MAX_BODY_FRAME;
    return frames == 0 && end ? 1 : frames;
  }

  /**
   * One body frame of {@code length} bytes of {@code content} from {@code index}, which are the
   * body's bytes from {@code bodyOffset} on.
   */
  static byte[] encodeBody(
      long streamId, long bodyOffset, ByteBuf content, int index, int length, boolean end) {
    Body body =
        Body.newBuilder()
            .setData(wrap(content, index, length))
            .setEndStream(end)
            .setOffset(bodyOffset)
            .build();
    return FrameCodec.encode(Frame.newBuilder().setStreamId(streamId).setBody(body).build());
  }

  /** Views Netty's bytes as a ByteString without copying; valid until the request is released. */
  private static ByteString wrap(ByteBuf content, int index, int length) {
    if (length == 0) {
      return ByteString.EMPTY;
    }
    ByteString data = ByteString.EMPTY;
    for (ByteBuffer piece : content.nioBuffers(index, length)) {
      data = data.concat(UnsafeByteOperations.unsafeWrap(piece));
    }
    return data;
  }

  /** Absolute-form targets ({@code http://host/path}) become origin-form ({@code /path}). */
  static String originForm(String uri) {
    if (uri.startsWith("/")) {
      return uri;
    }
    int scheme = uri.indexOf("://");
    if (scheme > 0) {
      int path = uri.indexOf('/', scheme + 3);
      int query = uri.indexOf('?', scheme + 3);
      if (path < 0 || (query >= 0 && query < path)) {
        return query < 0 ? "/" : "/" + uri.substring(query);
      }
      return uri.substring(path);
    }
    return uri; // "*" for OPTIONS, or authority-form: the worker decides
  }
}
