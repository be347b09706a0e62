package io.zrouter.router.upstream;

import io.zrouter.shaded.org.zeromq.SocketType;
import io.zrouter.shaded.org.zeromq.ZContext;
import io.zrouter.shaded.org.zeromq.ZMQ;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the dispatch socket's connections (a ZeroMQ socket monitor) and logs workers connecting
 * and leaving. Link thread only.
 */
final class ConnectionLog implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ConnectionLog.class);
  private static final int EVENTS =
      ZMQ.EVENT_ACCEPTED | ZMQ.EVENT_DISCONNECTED | ZMQ.EVENT_HANDSHAKE_PROTOCOL;

  private final ZMQ.Socket events;
  private int connections;

  ConnectionLog(ZContext context, ZMQ.Socket watched, String name) {
    String endpoint = "inproc://zrouter-monitor-" + name;
    watched.monitor(endpoint, EVENTS);
    events = context.createSocket(SocketType.PAIR);
    events.connect(endpoint);
  }

  /** Connections whose handshake completed and that have not closed since. */
  int count() {
    return connections;
  }

  ZMQ.Socket socket() {
    return events;
  }

  /** Reads and logs every pending event. */
  void drain() {
    ZMQ.Event event;
    while ((event = ZMQ.Event.recv(events, ZMQ.DONTWAIT)) != null) {
      switch (event.getEvent()) {
        case ZMQ.EVENT_ACCEPTED -> log.debug("worker connection accepted");
        case ZMQ.EVENT_HANDSHAKE_PROTOCOL -> {
          connections++;
          log.info("worker connected: connections = {}", connections);
        }
        case ZMQ.EVENT_DISCONNECTED -> {
          if (connections > 0) {
            connections--;
          }
          log.info("worker connection closed: connections = {}", connections);
        }
        default -> log.debug("worker socket event {}", event.getEvent());
      }
    }
  }

  @Override
  public void close() {
    events.close();
  }
}
