package io.zrouter.router.stream;

import io.zrouter.proto.ResetReason;
import io.zrouter.router.upstream.Dispatch;

/** What an exchange can tell the worker side of its stream. Any thread. */
public interface UpstreamControl {

  /**
   * The exchange ended without the worker ending it (client gone, deadline passed, bad response):
   * stop the worker's handler if one runs, and forget the request if none took it.
   */
  void reset(long streamId, ResetReason reason);

  /**
   * A follow-up frame of the stream (request body, credit, a WebSocket message) for the worker that
   * accepted it, on the addressed path. Frames of one stream arrive in the order given. Dropped
   * when no worker holds the stream on the addressed path, so only call it after the worker spoke
   * there (its acknowledgement named it, or it sent credit).
   */
  void sendFollowUp(long streamId, byte[] frame);

  /**
   * Sends a refused request again (after a pause) with {@code moreBody}, the body frames that
   * arrived since it was last sent ({@link ProxyStream#onRefusedBeforeBodyEnded}).
   *
   * @param stillFollows the body goes on after them
   */
  void resendRefused(Dispatch refused, byte[][] moreBody, boolean stillFollows);
}
