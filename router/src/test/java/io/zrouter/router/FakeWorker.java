package io.zrouter.router;

import io.zrouter.proto.Frame;
import io.zrouter.proto.FrameCodec;
import io.zrouter.proto.MalformedFrameException;
import io.zrouter.shaded.org.zeromq.SocketType;
import io.zrouter.shaded.org.zeromq.ZContext;
import io.zrouter.shaded.org.zeromq.ZMQ;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A scripted worker speaking the raw wire protocol, for edge cases the SDK never produces: take a
 * request, then send whatever parts the test wants, well-formed or not.
 */
final class FakeWorker implements AutoCloseable {

  /** One request message as received: the router's routing id and the decoded frames. */
  record ReceivedRequest(byte[] routerId, List<Frame> frames) {
    long streamId() {
      return frames.get(0).getStreamId();
    }
  }

  private final ZContext context = new ZContext(1);
  private final BlockingQueue<ReceivedRequest> received = new LinkedBlockingQueue<>();
  private final ConcurrentLinkedQueue<byte[][]> outgoing = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<byte[][]> outgoingAddressed = new ConcurrentLinkedQueue<>();
  private final BlockingQueue<Frame> receivedAddressed = new LinkedBlockingQueue<>();
  private volatile String addressedEndpoint;
  private volatile String addressedIdentity = "fake-worker";
  private final Thread thread;
  private volatile boolean running = true;

  FakeWorker(String endpoint) {
    ZMQ.Socket socket = context.createSocket(SocketType.ROUTER);
    socket.setLinger(0);
    // Like the SDK: retry a connection whose handshake stalls (zeromq/jeromq#1022) quickly.
    socket.setHandshakeIvl(500);
    String monitorEndpoint = "inproc://fake-worker-monitor-" + System.identityHashCode(this);
    socket.monitor(monitorEndpoint, ZMQ.EVENT_HANDSHAKE_PROTOCOL);
    ZMQ.Socket monitor = context.createSocket(SocketType.PAIR);
    monitor.connect(monitorEndpoint);
    socket.connect(endpoint);
    awaitHandshake(monitor);
    thread = new Thread(() -> loop(socket), "fake-worker");
    thread.start();
  }

  /** Tests script exact exchanges, so they start only once the connection is up. */
  private static void awaitHandshake(ZMQ.Socket monitor) {
    monitor.setReceiveTimeOut(10_000);
    ZMQ.Event event = ZMQ.Event.recv(monitor);
    monitor.close();
    if (event == null) {
      throw new AssertionError("fake worker did not connect to the router within 10 s");
    }
  }

  private void loop(ZMQ.Socket socket) {
    ZMQ.Poller poller = context.createPoller(2);
    poller.register(socket, ZMQ.Poller.POLLIN);
    ZMQ.Socket dealer = null;
    while (running) {
      poller.poll(5); // a test double: a short poll keeps it simple
      if (dealer == null && addressedEndpoint != null) {
        dealer = context.createSocket(SocketType.DEALER);
        dealer.setLinger(0);
        dealer.setHandshakeIvl(500); // zeromq/jeromq#1022, as for the ROUTER above
        dealer.setIdentity(addressedIdentity.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        dealer.connect(addressedEndpoint);
        poller.register(dealer, ZMQ.Poller.POLLIN);
      }
      if (dealer != null) {
        byte[][] m;
        while ((m = outgoingAddressed.poll()) != null) {
          for (int i = 0; i < m.length; i++) {
            dealer.send(m[i], i < m.length - 1 ? ZMQ.SNDMORE : 0);
          }
        }
        byte[] part;
        while ((part = dealer.recv(ZMQ.DONTWAIT)) != null) {
          try {
            Frame frame = FrameCodec.decode(part);
            if (frame.hasHeartbeat()) {
              heartbeats.incrementAndGet(); // the router's liveness signal: counted, not queued
            } else if (!frame.hasRouterHello()) { // the answer to our hello: not a test's concern
              receivedAddressed.add(frame);
            }
          } catch (MalformedFrameException e) {
            throw new AssertionError("router sent a malformed frame", e);
          }
        }
      }
      byte[][] message;
      while ((message = outgoing.poll()) != null) {
        for (int i = 0; i < message.length; i++) {
          socket.send(message[i], i < message.length - 1 ? ZMQ.SNDMORE : 0);
        }
      }
      byte[] routerId;
      while ((routerId = socket.recv(ZMQ.DONTWAIT)) != null) {
        List<Frame> frames = new ArrayList<>();
        while (socket.hasReceiveMore()) {
          try {
            frames.add(FrameCodec.decode(socket.recv(0)));
          } catch (MalformedFrameException e) {
            throw new AssertionError("router sent a malformed frame", e);
          }
        }
        received.add(new ReceivedRequest(routerId, frames));
      }
    }
    poller.close();
    socket.close();
    if (dealer != null) {
      dealer.close();
    }
  }

  private final java.util.concurrent.atomic.AtomicInteger heartbeats =
      new java.util.concurrent.atomic.AtomicInteger();

  /** Heartbeats the router sent on the addressed connection so far. */
  int heartbeats() {
    return heartbeats.get();
  }

  /** Connects a DEALER to the router's addressed socket, as a worker does. */
  void connectAddressed(int port) {
    addressedEndpoint = "tcp://127.0.0.1:" + port;
  }

  /** The same, with this routing id (two fake workers need two). */
  void connectAddressed(int port, String identity) {
    addressedIdentity = identity;
    addressedEndpoint = "tcp://127.0.0.1:" + port;
  }

  /** The next request, or null when none arrives within {@code timeout}. */
  ReceivedRequest pollRequest(Duration timeout) throws InterruptedException {
    return received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Sends frames on the addressed connection (one message). */
  void sendAddressed(Frame... frames) {
    byte[][] parts = new byte[frames.length][];
    for (int i = 0; i < frames.length; i++) {
      parts[i] = FrameCodec.encode(frames[i]);
    }
    outgoingAddressed.add(parts);
  }

  /** The next frame the router sent on the addressed connection. */
  Frame takeAddressed(Duration timeout) throws InterruptedException {
    Frame frame = receivedAddressed.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (frame == null) {
      throw new AssertionError("nothing arrived on the addressed connection within " + timeout);
    }
    return frame;
  }

  ReceivedRequest takeRequest(Duration timeout) throws InterruptedException {
    ReceivedRequest request = received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (request == null) {
      throw new AssertionError("no request reached the fake worker within " + timeout);
    }
    return request;
  }

  /** Sends raw parts (after the routing id) to the router the request came from. */
  void sendRaw(ReceivedRequest to, byte[]... parts) {
    byte[][] message = new byte[parts.length + 1][];
    message[0] = to.routerId();
    System.arraycopy(parts, 0, message, 1, parts.length);
    outgoing.add(message);
  }

  void send(ReceivedRequest to, Frame... frames) {
    byte[][] parts = new byte[frames.length][];
    for (int i = 0; i < frames.length; i++) {
      parts[i] = FrameCodec.encode(frames[i]);
    }
    sendRaw(to, parts);
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.join(5000);
    context.close();
  }
}
