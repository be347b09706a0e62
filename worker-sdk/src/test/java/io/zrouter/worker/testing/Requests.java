package io.zrouter.worker.testing;

import com.google.protobuf.ByteString;
import io.zrouter.proto.Body;
import io.zrouter.proto.Frame;
import io.zrouter.proto.FrameCodec;
import io.zrouter.proto.Header;
import io.zrouter.proto.RequestHead;
import io.zrouter.proto.Reset;
import io.zrouter.proto.ResetReason;
import java.nio.charset.StandardCharsets;

/** Builds the frames a router dispatches. */
public final class Requests {
  private Requests() {}

  /** A request head; {@code endStream} when no body follows. */
  public static RequestHead.Builder head(String method, String target, boolean endStream) {
    return RequestHead.newBuilder()
        .setProtocolVersion(FrameCodec.PROTOCOL_VERSION)
        .setMethod(method)
        .setScheme("http")
        .setAuthority("example.test")
        .setPath(target)
        .setHttpVersion("HTTP/1.1")
        .setRemoteAddress("127.0.0.1:50000")
        .setRequestId("req-" + target.hashCode())
        .setEndStream(endStream)
        .setContentLength(endStream ? 0 : -1);
  }

  /** A request without a body, as one frame. */
  public static Frame get(long streamId, String target) {
    return frame(streamId, head("GET", target, true));
  }

  /** A request without a body that names the router's addressed socket. */
  public static Frame get(long streamId, String target, int addressedPort) {
    return frame(streamId, head("GET", target, true).setAddressedPort(addressedPort));
  }

  /**
   * A body-less POST that must not run twice: it names the router's addressed socket and waits for
   * the router's {@code start}.
   */
  public static Frame postAwaitingStart(long streamId, String target, int addressedPort) {
    return frame(
        streamId, head("POST", target, true).setAddressedPort(addressedPort).setAwaitStart(true));
  }

  /** The router tells the worker that accepted the stream to run it. */
  public static Frame start(long streamId) {
    return Frame.newBuilder()
        .setStreamId(streamId)
        .setStart(io.zrouter.proto.Start.getDefaultInstance())
        .build();
  }

  /** The frame for a request head. */
  public static Frame frame(long streamId, RequestHead.Builder head) {
    return Frame.newBuilder().setStreamId(streamId).setRequestHead(head).build();
  }

  /** A request with a body, as a head and one body frame. */
  public static Frame[] post(long streamId, String target, String contentType, byte[] body) {
    RequestHead.Builder head =
        head("POST", target, false)
            .setContentLength(body.length)
            .addHeaders(Header.newBuilder().setName("content-type").setValue(contentType));
    return new Frame[] {frame(streamId, head), body(streamId, body, true)};
  }

  /** A request with a text body. */
  public static Frame[] post(long streamId, String target, String text) {
    return post(streamId, target, "text/plain", text.getBytes(StandardCharsets.UTF_8));
  }

  /** One body frame. */
  public static Frame body(long streamId, byte[] data, boolean endStream) {
    return Frame.newBuilder()
        .setStreamId(streamId)
        .setBody(Body.newBuilder().setData(ByteString.copyFrom(data)).setEndStream(endStream))
        .build();
  }

  /** The router abandons a stream. */
  public static Frame reset(long streamId) {
    return Frame.newBuilder()
        .setStreamId(streamId)
        .setReset(Reset.newBuilder().setReason(ResetReason.RESET_REASON_CANCEL))
        .build();
  }
}
