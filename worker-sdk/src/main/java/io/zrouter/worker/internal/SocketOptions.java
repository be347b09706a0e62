package io.zrouter.worker.internal;

import io.zrouter.shaded.org.zeromq.ZMQ;

/** The ZeroMQ options every worker connection to a router shares, ROUTER and DEALER alike. */
final class SocketOptions {
  /**
   * Messages ZeroMQ may hold for one router before a send answers EAGAIN. With the IO thread's byte
   * cap per message this bounds what a slow router can pin in memory to about 20 MiB; ZeroMQ's
   * default (1000) would allow gigabytes.
   */
  static final int SEND_HWM_MESSAGES = 64;

  /**
   * A connection whose ZMTP handshake has not finished by then is dropped and retried. JeroMQ 0.6.0
   * sometimes never sends the greeting on a freshly connected socket (a stale selection key in its
   * IO poller, zeromq/jeromq#1022; a few percent of connects here); the default 30 s would leave
   * such a worker deaf to that router for half a minute.
   */
  static final int HANDSHAKE_IVL_MS = 1000;

  /** How long frames handed to ZeroMQ may still go out once the worker closes. */
  static final int CLOSE_LINGER_MS = 1000;

  private SocketOptions() {}

  /** ZMTP heartbeats (a dead router is noticed within seconds), reconnect pacing, HWM. */
  static void applyTo(ZMQ.Socket socket) {
    socket.setSndHWM(SEND_HWM_MESSAGES);
    socket.setHeartbeatIvl(1000);
    socket.setHeartbeatTimeout(3000);
    socket.setHeartbeatTtl(6000);
    socket.setReconnectIVL(100);
    socket.setReconnectIVLMax(1000);
    socket.setHandshakeIvl(HANDSHAKE_IVL_MS);
  }
}
