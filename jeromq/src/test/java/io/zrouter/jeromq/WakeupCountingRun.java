package io.zrouter.jeromq;

import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * A bare JeroMQ request/reply run that counts the server's wake-ups. The server waits on its ROUTER
 * socket's {@code ZMQ_FD} with a selector of its own, as an event loop does, and asks {@code
 * ZMQ_EVENTS} on every wake-up; a wake-up after which the socket has nothing to read is a spurious
 * one. Uses only the JDK and JeroMQ, so that it can be loaded beside any JeroMQ jar.
 */
public final class WakeupCountingRun {
  private WakeupCountingRun() {}

  /**
   * Runs {@code roundTrips} request/reply exchanges, {@code inFlight} at a time, between a DEALER
   * client and the ROUTER server, each in its own thread and its own context (one JeroMQ I/O thread
   * each), over loopback TCP.
   *
   * @return {round trips, wake-ups, spurious wake-ups}
   */
  public static long[] run(int roundTrips, int inFlight, long timeoutMillis) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    try (ZContext serverContext = new ZContext(1);
        ZContext clientContext = new ZContext(1)) {
      ZMQ.Socket server = serverContext.createSocket(SocketType.ROUTER);
      server.setLinger(0);
      server.bind("tcp://127.0.0.1:*");
      String endpoint = server.getLastEndpoint();

      long[] result = new long[3];
      Throwable[] clientFailure = new Throwable[1];
      Thread client =
          new Thread(
              () -> {
                try {
                  runClient(clientContext, endpoint, roundTrips, inFlight, deadline);
                } catch (Throwable t) {
                  clientFailure[0] = t;
                }
              },
              "wakeup-run-client");
      client.start();
      try {
        serve(server, roundTrips, deadline, result, () -> clientFailure[0]);
      } finally {
        client.join(TimeUnit.MILLISECONDS.toMillis(timeoutMillis));
      }
      return result;
    }
  }

  private static void serve(
      ZMQ.Socket server,
      int roundTrips,
      long deadline,
      long[] result,
      Supplier<Throwable> clientFailure)
      throws Exception {
    try (Selector selector = Selector.open()) {
      SelectableChannel fd = server.getFD();
      fd.register(selector, SelectionKey.OP_READ);
      long served = 0;
      long wakeups = 0;
      long spurious = 0;
      while (served < roundTrips) {
        if (clientFailure.get() != null) {
          throw new IllegalStateException("client failed", clientFailure.get());
        }
        if (System.nanoTime() - deadline > 0) {
          throw new IllegalStateException("served " + served + " of " + roundTrips + " in time");
        }
        // ZMQ_EVENTS first: the FD only signals changes, so pending messages are read before
        // waiting.
        boolean readSome = false;
        while ((server.getEvents() & ZMQ.Poller.POLLIN) != 0) {
          byte[] identity = server.recv(ZMQ.DONTWAIT);
          byte[] payload = server.recv(ZMQ.DONTWAIT);
          server.sendMore(identity);
          server.send(payload, 0);
          served++;
          readSome = true;
        }
        if (served >= roundTrips) {
          break;
        }
        if (selector.select(100) == 0) {
          continue;
        }
        selector.selectedKeys().clear();
        wakeups++;
        if ((server.getEvents() & ZMQ.Poller.POLLIN) == 0) {
          spurious++;
        }
      }
      result[0] = served;
      result[1] = wakeups;
      result[2] = spurious;
    }
  }

  private static void runClient(
      ZContext context, String endpoint, int roundTrips, int inFlight, long deadline) {
    ZMQ.Socket client = context.createSocket(SocketType.DEALER);
    client.setLinger(0);
    client.setReceiveTimeOut(1000);
    client.connect(endpoint);
    byte[] request = new byte[700];
    int sent = 0;
    int received = 0;
    while (sent < Math.min(inFlight, roundTrips)) {
      client.send(request, 0);
      sent++;
    }
    while (received < roundTrips) {
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException("received " + received + " of " + roundTrips + " in time");
      }
      if (client.recv(0) == null) {
        continue;
      }
      received++;
      if (sent < roundTrips) {
        client.send(request, 0);
        sent++;
      }
    }
  }
}
