package io.zrouter.worker.testing;

import io.zrouter.proto.Frame;
import io.zrouter.proto.FrameCodec;
import io.zrouter.proto.MalformedFrameException;
import io.zrouter.shaded.org.zeromq.SocketType;
import io.zrouter.shaded.org.zeromq.ZContext;
import io.zrouter.shaded.org.zeromq.ZMQ;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The router's side of the worker wire, scripted by a test: a DEALER bound to an ephemeral port, as
 * the router binds one. Use from one thread.
 *
 * <p>{@link #send} dispatches one message (the DEALER hands it to the next connected worker,
 * waiting for one to connect); {@link #takeStream} collects the response frames of one stream.
 * Frames of other streams received meanwhile are kept for later calls.
 */
public final class FakeRouter implements AutoCloseable {
  /** How long a take waits before the test fails. */
  public static final Duration DEFAULT_WAIT = Duration.ofSeconds(5);

  private final ZContext context = new ZContext(1);
  private final ZMQ.Socket dealer;
  private final ZMQ.Socket monitor;
  private final String endpoint;
  private int handshakes;
  private final ArrayDeque<Frame> received = new ArrayDeque<>();
  private final java.util.Set<Long> accepted = new java.util.HashSet<>();
  private final java.util.Map<Long, String> acceptedVia = new java.util.HashMap<>();
  private final List<Integer> messageSizes = new ArrayList<>();

  public FakeRouter() {
    dealer = context.createSocket(SocketType.DEALER);
    dealer.setLinger(0);
    dealer.setIdentity(
        ("router-" + UUID.randomUUID().toString().substring(0, 8))
            .getBytes(StandardCharsets.UTF_8));
    dealer.setSendTimeOut((int) DEFAULT_WAIT.toMillis());
    String monitorAddress = "inproc://fake-router-monitor-" + UUID.randomUUID();
    dealer.monitor(monitorAddress, ZMQ.EVENT_HANDSHAKE_PROTOCOL);
    monitor = context.createSocket(SocketType.PAIR);
    monitor.connect(monitorAddress);
    dealer.bind("tcp://127.0.0.1:*");
    endpoint = dealer.getLastEndpoint();
  }

  /**
   * Waits until {@code n} worker connections in total have completed the ZMTP handshake.
   *
   * <p>{@link #send} waits for the first one by itself: JeroMQ 0.6.0 sometimes stalls the handshake
   * of a fresh connection (zeromq/jeromq#1022) and a message the DEALER queues on such a connection
   * is lost when the worker drops it and reconnects.
   */
  public void awaitHandshakes(int n, Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    while (handshakes < n) {
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (left <= 0) {
        throw new AssertionError(
            "only " + handshakes + " of " + n + " worker handshakes within " + wait);
      }
      monitor.setReceiveTimeOut((int) left);
      ZMQ.Event event = ZMQ.Event.recv(monitor);
      if (event != null && event.getEvent() == ZMQ.EVENT_HANDSHAKE_PROTOCOL) {
        handshakes++;
      }
    }
  }

  /**
   * Binds the router's addressed socket too (a ROUTER on {@code tcp://127.0.0.1:*}); name its
   * {@link FakeAddressedSocket#port()} in a request's {@code addressed_port} and the worker
   * connects to it. Closed with this router.
   */
  public FakeAddressedSocket bindAddressed() {
    return bindAddressed(1000);
  }

  /** As {@link #bindAddressed()}, holding at most {@code receiveHwm} unread messages per worker. */
  public FakeAddressedSocket bindAddressed(int receiveHwm) {
    return new FakeAddressedSocket(context, receiveHwm);
  }

  /** The bound endpoint, e.g. {@code tcp://127.0.0.1:41234}. */
  public String endpoint() {
    return endpoint;
  }

  /** Sends the frames as one multipart message. */
  public void send(Frame... frames) {
    byte[][] parts = new byte[frames.length][];
    for (int i = 0; i < frames.length; i++) {
      parts[i] = FrameCodec.encode(frames[i]);
    }
    sendRaw(parts);
  }

  /** Sends arbitrary parts as one multipart message. */
  public void sendRaw(byte[]... parts) {
    awaitHandshakes(1, DEFAULT_WAIT);
    for (int i = 0; i < parts.length; i++) {
      boolean more = i < parts.length - 1;
      if (!dealer.send(parts[i], more ? ZMQ.SNDMORE : 0)) {
        throw new AssertionError("no worker took the message within " + DEFAULT_WAIT);
      }
    }
  }

  /** The next frame of any stream; fails the test after {@code wait}. */
  public Frame take(Duration wait) {
    if (received.isEmpty()) {
      receiveMessage(wait);
    }
    return received.poll();
  }

  /** Collects the frames of one stream up to its end (end_stream, trailers or reset). */
  public ReceivedResponse takeStream(long streamId) {
    return takeStream(streamId, DEFAULT_WAIT);
  }

  /** As {@link #takeStream(long)}, failing the test after {@code wait} in total. */
  public ReceivedResponse takeStream(long streamId, Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    List<Frame> frames = new ArrayList<>();
    while (true) {
      for (Iterator<Frame> it = received.iterator(); it.hasNext(); ) {
        Frame frame = it.next();
        if (frame.getStreamId() == streamId) {
          it.remove();
          frames.add(frame);
          if (ReceivedResponse.endsStream(frame)) {
            return new ReceivedResponse(frames);
          }
        }
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError(
            "stream " + streamId + " did not end within " + wait + "; got " + frames);
      }
      receiveMessage(Duration.ofNanos(left));
    }
  }

  /** Waits for the next frame of {@code streamId}, leaving the stream open. */
  public Frame takeFrame(long streamId, Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    while (true) {
      for (Iterator<Frame> it = received.iterator(); it.hasNext(); ) {
        Frame frame = it.next();
        if (frame.getStreamId() == streamId) {
          it.remove();
          return frame;
        }
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("no frame for stream " + streamId + " within " + wait);
      }
      receiveMessage(Duration.ofNanos(left));
    }
  }

  /** Whether no frame other than acknowledgements arrives within {@code wait}. */
  public boolean isQuietFor(Duration wait) {
    if (!received.isEmpty()) {
      return false;
    }
    long deadline = System.nanoTime() + wait.toNanos();
    while (true) {
      long left = (deadline - System.nanoTime()) / 1_000_000;
      if (left <= 0) {
        return true;
      }
      dealer.setReceiveTimeOut((int) left);
      byte[] part = dealer.recv(0);
      if (part == null) {
        return true;
      }
      int before = received.size();
      addMessage(part);
      if (received.size() > before) {
        return false;
      }
    }
  }

  /** Waits for the worker's ACCEPT of {@code streamId} (acknowledgements come on this socket). */
  public void awaitAccepted(long streamId, Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    while (!accepted.contains(streamId)) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("no accept of stream " + streamId + " within " + wait);
      }
      receiveMessage(Duration.ofNanos(left));
    }
  }

  /** The addressed routing id the worker named in its ACCEPT of {@code streamId}, or "". */
  public String acceptedVia(long streamId) {
    return acceptedVia.getOrDefault(streamId, "");
  }

  /** The number of parts of every message received so far, in order. */
  public List<Integer> messageSizes() {
    return List.copyOf(messageSizes);
  }

  private void receiveMessage(Duration wait) {
    dealer.setReceiveTimeOut((int) Math.max(1, wait.toMillis()));
    byte[] first = dealer.recv(0);
    if (first == null) {
      throw new AssertionError("no message from the worker within " + wait);
    }
    addMessage(first);
  }

  private void addMessage(byte[] first) {
    int parts = addFrame(decode(first));
    while (dealer.hasReceiveMore()) {
      parts += addFrame(decode(dealer.recv(0)));
    }
    if (parts > 0) {
      messageSizes.add(parts);
    }
  }

  /** Acknowledgements are recorded apart, so tests read the response frames alone. */
  private int addFrame(Frame frame) {
    if (frame.hasAccept()) {
      accepted.add(frame.getStreamId());
      acceptedVia.put(frame.getStreamId(), frame.getAccept().getAddressedId().toStringUtf8());
      return 0;
    }
    received.add(frame);
    return 1;
  }

  /** Whether the worker acknowledged the stream (an ACCEPT frame) so far. */
  public boolean wasAccepted(long streamId) {
    return accepted.contains(streamId);
  }

  private static Frame decode(byte[] part) {
    try {
      return FrameCodec.decode(part);
    } catch (MalformedFrameException e) {
      throw new AssertionError("worker sent a malformed frame: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    context.close();
  }
}
