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
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * The router's addressed socket, scripted by a test: a ROUTER bound to an ephemeral port that
 * workers connect a DEALER to. Every message from a worker is {@code [identity, frames...]}; {@link
 * #send} addresses one worker by its identity. Made by {@link FakeRouter#bindAddressed()}; use from
 * the test thread.
 *
 * <p>{@code worker_hello} and {@code accept} frames are recorded apart ({@link #hellos()}, {@link
 * #wasAccepted}), so the take methods read the response frames alone.
 */
public final class FakeAddressedSocket {
  /** A frame and the identity of the worker connection it came on. */
  public record Received(byte[] identity, Frame frame) {
    public String identityText() {
      return new String(identity, StandardCharsets.UTF_8);
    }
  }

  private final ZContext context;
  private final int receiveHwm;
  private ZMQ.Socket router;
  private final int port;
  private final List<Frame> arrivals = new ArrayList<>();
  private int heartbeats;
  private final ArrayDeque<Received> received = new ArrayDeque<>();
  private final List<Received> hellos = new ArrayList<>();
  private final Set<Long> accepted = new HashSet<>();

  FakeAddressedSocket(ZContext context, int receiveHwm) {
    this.context = context;
    this.receiveHwm = receiveHwm;
    router = open();
    router.bind("tcp://127.0.0.1:*");
    String endpoint = router.getLastEndpoint();
    port = Integer.parseInt(endpoint.substring(endpoint.lastIndexOf(':') + 1));
  }

  private ZMQ.Socket open() {
    ZMQ.Socket socket = context.createSocket(SocketType.ROUTER);
    socket.setLinger(0);
    socket.setRouterMandatory(true);
    socket.setRcvHWM(receiveHwm);
    return socket;
  }

  /**
   * Closes the socket and binds a new one to the same port, as a restarted router would: workers
   * reconnect by themselves. What was received and not taken is kept.
   */
  public void restart(Duration wait) {
    context.destroySocket(router);
    router = open();
    long deadline = System.nanoTime() + wait.toNanos();
    while (true) {
      try {
        router.bind("tcp://127.0.0.1:" + port);
        return;
      } catch (io.zrouter.shaded.org.zeromq.ZMQException e) {
        // the closed socket's listener is released by ZeroMQ's reaper in the background
        if (System.nanoTime() > deadline) {
          throw new AssertionError("could not bind port " + port + " again", e);
        }
        Thread.onSpinWait();
      }
    }
  }

  /** Every frame received so far, in arrival order, hellos and accepts included. */
  public List<Frame> arrivals() {
    return List.copyOf(arrivals);
  }

  /** The bound port: what a request's {@code addressed_port} names. */
  public int port() {
    return port;
  }

  /** Waits for the next {@code worker_hello}; fails the test after {@code wait}. */
  public Received takeHello(Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    while (hellos.isEmpty()) {
      receiveMessage(deadline, "a worker_hello");
    }
    return hellos.remove(0);
  }

  /** Every {@code worker_hello} received and not yet taken. */
  public List<Received> hellos() {
    return List.copyOf(hellos);
  }

  /** Whether the worker acknowledged the stream on this socket so far. */
  public boolean wasAccepted(long streamId) {
    return accepted.contains(streamId);
  }

  /** Waits until the worker acknowledged the stream on this socket. */
  public void awaitAccepted(long streamId, Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    while (!accepted.contains(streamId)) {
      receiveMessage(deadline, "an accept of stream " + streamId);
    }
  }

  /** Waits for the next frame of {@code streamId}, leaving the stream open. */
  public Received takeFrame(long streamId, Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    while (true) {
      for (Iterator<Received> it = received.iterator(); it.hasNext(); ) {
        Received r = it.next();
        if (r.frame().getStreamId() == streamId) {
          it.remove();
          return r;
        }
      }
      receiveMessage(deadline, "a frame of stream " + streamId);
    }
  }

  /** Collects the frames of one stream up to its end (end_stream, trailers or reset). */
  public ReceivedResponse takeStream(long streamId, Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    List<Frame> frames = new ArrayList<>();
    while (true) {
      Duration left = Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
      Frame frame = takeFrame(streamId, left).frame();
      frames.add(frame);
      if (ReceivedResponse.endsStream(frame)) {
        return new ReceivedResponse(frames);
      }
    }
  }

  /** Sends frames to the worker connection with {@code identity}, as one message. */
  public void send(byte[] identity, Frame... frames) {
    byte[][] parts = new byte[frames.length][];
    for (int i = 0; i < frames.length; i++) {
      parts[i] = FrameCodec.encode(frames[i]);
    }
    sendRaw(identity, parts);
  }

  /** Sends arbitrary parts to the worker connection with {@code identity}, as one message. */
  public void sendRaw(byte[] identity, byte[]... parts) {
    if (!router.send(identity, ZMQ.SNDMORE)) {
      throw new AssertionError("no worker connection with that identity, errno " + router.errno());
    }
    for (int i = 0; i < parts.length; i++) {
      router.send(parts[i], i < parts.length - 1 ? ZMQ.SNDMORE : 0);
    }
  }

  /** Every response frame of {@code streamId} that arrives within {@code window}. */
  public List<Frame> framesWithin(long streamId, Duration window) {
    long deadline = System.nanoTime() + window.toNanos();
    List<Frame> frames = new ArrayList<>();
    while (true) {
      for (Iterator<Received> it = received.iterator(); it.hasNext(); ) {
        Received r = it.next();
        if (r.frame().getStreamId() == streamId) {
          it.remove();
          frames.add(r.frame());
        }
      }
      long left = (deadline - System.nanoTime()) / 1_000_000;
      if (left <= 0) {
        return frames;
      }
      router.setReceiveTimeOut((int) left);
      byte[] identity = router.recv(0);
      if (identity != null) {
        addMessage(identity);
      }
    }
  }

  /**
   * Whether no frame arrives within {@code wait} (hellos and accepts count too; heartbeats, the
   * link's idle chatter, do not).
   */
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
      router.setReceiveTimeOut((int) left);
      byte[] identity = router.recv(0);
      if (identity == null) {
        return true;
      }
      if (addMessage(identity) > 0) {
        return false;
      }
    }
  }

  /** Heartbeats received so far (kept apart from every other frame). */
  public int heartbeats() {
    return heartbeats;
  }

  private void receiveMessage(long deadline, String what) {
    long left = (deadline - System.nanoTime()) / 1_000_000;
    if (left <= 0) {
      throw new AssertionError("no " + what + " on the addressed socket in time");
    }
    router.setReceiveTimeOut((int) left);
    byte[] identity = router.recv(0);
    if (identity == null) {
      throw new AssertionError("no " + what + " on the addressed socket in time");
    }
    addMessage(identity);
  }

  /** Returns how many frames other than heartbeats the message held. */
  private int addMessage(byte[] identity) {
    int frames = 0;
    while (router.hasReceiveMore()) {
      Frame frame = decode(router.recv(0));
      if (frame.hasHeartbeat()) {
        heartbeats++;
        continue;
      }
      frames++;
      arrivals.add(frame);
      Received r = new Received(identity, frame);
      if (frame.hasWorkerHello()) {
        hellos.add(r);
      } else if (frame.hasAccept()) {
        accepted.add(frame.getStreamId());
      } else {
        received.add(r);
      }
    }
    return frames;
  }

  private static Frame decode(byte[] part) {
    try {
      return FrameCodec.decode(part);
    } catch (MalformedFrameException e) {
      throw new AssertionError("worker sent a malformed frame: " + e.getMessage(), e);
    }
  }
}
