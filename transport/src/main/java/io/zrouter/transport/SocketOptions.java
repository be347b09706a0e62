package io.zrouter.transport;

import io.zrouter.shaded.org.zeromq.ZMQ;

/**
 * The ZeroMQ options of every socket between a router and its workers, in one place: the router's
 * bound sockets and the workers' connections to them share the heartbeat settings, so each side
 * notices a dead peer as fast as the other.
 */
public final class SocketOptions {
  /**
   * Messages ZeroMQ may hold for one router before a worker's send answers EAGAIN. With the SDK's
   * byte cap per message this bounds what a slow router can pin in a worker's memory to about 20
   * MiB; ZeroMQ's default (1000) would allow gigabytes.
   */
  public static final int WORKER_SEND_HWM_MESSAGES = 64;

  /**
   * A worker's connection whose ZMTP handshake has not finished by then is dropped and retried.
   * JeroMQ 0.6.0 sometimes never sends the greeting on a freshly connected socket (a stale
   * selection key in its IO poller, zeromq/jeromq#1022; a few percent of connects here); the
   * default 30 s would leave such a worker deaf to that router for half a minute.
   */
  public static final int WORKER_HANDSHAKE_IVL_MS = 1000;

  /**
   * On the router's side: a connection whose handshake stalls (zeromq/jeromq#1022) is dropped after
   * this. The DEALER queues requests to a connection from its accept on, so until then it swallows
   * them (they come back by the accept timeout). Longer than the worker's, which redials sooner.
   */
  public static final int ROUTER_HANDSHAKE_IVL_MS = 3000;

  /** How long frames handed to ZeroMQ may still go out once a worker closes. */
  public static final int WORKER_CLOSE_LINGER_MS = 1000;

  private SocketOptions() {}

  /** A worker's connection to a router, DEALER or ROUTER: heartbeats, reconnect pacing, HWM. */
  public static void applyToWorkerConnection(ZMQ.Socket socket) {
    socket.setLinger(0);
    socket.setSndHWM(WORKER_SEND_HWM_MESSAGES);
    heartbeats(socket);
    socket.setReconnectIVL(100);
    socket.setReconnectIVLMax(1000);
    socket.setHandshakeIvl(WORKER_HANDSHAKE_IVL_MS);
  }

  /** A socket the router binds for workers to connect to. */
  public static void applyToRouterSocket(ZMQ.Socket socket) {
    socket.setLinger(0); // at shutdown, what no worker took is answered 503 by the router anyway
    heartbeats(socket);
    socket.setHandshakeIvl(ROUTER_HANDSHAKE_IVL_MS);
  }

  /** ZMTP heartbeats: a peer whose host vanished is dropped within seconds. */
  private static void heartbeats(ZMQ.Socket socket) {
    socket.setHeartbeatIvl(1000);
    socket.setHeartbeatTimeout(3000);
    socket.setHeartbeatTtl(6000);
  }
}
