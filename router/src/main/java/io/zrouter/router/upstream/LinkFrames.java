package io.zrouter.router.upstream;

import io.zrouter.proto.Frame;
import io.zrouter.proto.FrameCodec;
import io.zrouter.proto.Heartbeat;
import io.zrouter.proto.Reset;
import io.zrouter.proto.ResetReason;
import io.zrouter.proto.RouterHello;
import io.zrouter.proto.Start;

/** The frames the link itself writes to a worker, encoded. */
final class LinkFrames {
  private LinkFrames() {}

  static byte[] reset(long streamId, ResetReason reason) {
    return FrameCodec.encode(
        Frame.newBuilder()
            .setStreamId(streamId)
            .setReset(Reset.newBuilder().setReason(reason))
            .build());
  }

  /** Runs a request that must not run twice, on the one worker whose acknowledgement came first. */
  static byte[] start(long streamId) {
    return FrameCodec.encode(
        Frame.newBuilder().setStreamId(streamId).setStart(Start.getDefaultInstance()).build());
  }

  static byte[] heartbeat(long sentUnixMillis, int maxStreams) {
    return FrameCodec.encode(
        Frame.newBuilder()
            .setHeartbeat(
                Heartbeat.newBuilder().setSentUnixMs(sentUnixMillis).setMaxStreams(maxStreams))
            .build());
  }

  /**
   * The answer to a worker's hello on its addressed connection: once it hears back, the worker
   * knows the connection works both ways and moves new streams onto it. {@code dispatchPort}: its
   * service's socket, for a worker that declared routes; 0 for the default service.
   */
  static byte[] routerHello(String routerId, int dispatchPort) {
    return FrameCodec.encode(
        Frame.newBuilder()
            .setRouterHello(
                RouterHello.newBuilder()
                    .setProtocolVersion(FrameCodec.PROTOCOL_VERSION)
                    .setRouterId(routerId)
                    .setDispatchPort(dispatchPort))
            .build());
  }

  /** The answer to a hello whose routes the router refuses: the worker gets no requests. */
  static byte[] routerRefusal(String routerId, String reason) {
    return FrameCodec.encode(
        Frame.newBuilder()
            .setRouterHello(
                RouterHello.newBuilder()
                    .setProtocolVersion(FrameCodec.PROTOCOL_VERSION)
                    .setRouterId(routerId)
                    .setRefusal(reason))
            .build());
  }
}
