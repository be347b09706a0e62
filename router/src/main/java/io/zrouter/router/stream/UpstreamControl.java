package io.zrouter.router.stream;

import io.zrouter.proto.ResetReason;

/** What an exchange can tell the worker side of its stream. Any thread. */
public interface UpstreamControl {

  /**
   * The exchange ended without the worker ending it (client gone, deadline passed, bad response):
   * stop the worker's handler if one runs, and forget the request if none took it.
   */
  void reset(long streamId, ResetReason reason);
}
