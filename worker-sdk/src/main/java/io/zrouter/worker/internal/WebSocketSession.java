package io.zrouter.worker.internal;

import com.google.protobuf.ByteString;
import io.zrouter.proto.Frame;
import io.zrouter.proto.Header;
import io.zrouter.proto.ResponseHead;
import io.zrouter.proto.WebSocketMessage;
import io.zrouter.proto.WebSocketMessage.Opcode;
import io.zrouter.worker.WebSocket;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WebSocket of one stream. Created by the IO thread for a request that asks for one; the
 * handler accepts it ({@link #accept}, a 101) and then receives what the IO thread hands in ({@link
 * #onMessage}) and sends message frames on the stream's reply path.
 *
 * <p>The session ends once a CLOSE went out (ours, or the echo of the router's) or the stream is
 * cancelled; a CLOSE ends the stream on both sides.
 */
final class WebSocketSession implements WebSocket {
  private static final Logger log = LoggerFactory.getLogger(WebSocketSession.class);

  /** Sent when the router's CLOSE carries no code. */
  private static final int NORMAL_CLOSURE = 1000;

  private static final int NO_STATUS_RECEIVED = 1005;
  private static final int MAX_REASON_BYTES = 123;

  private final WorkerStream stream;
  private final ArrayDeque<Message> inbox = new ArrayDeque<>();
  private final AtomicBoolean closeSent = new AtomicBoolean();
  private volatile boolean accepted;

  /** Guarded by this: no more messages will arrive. */
  private boolean inboundEnded;

  private volatile int peerCloseCode = -1;

  WebSocketSession(WorkerStream stream) {
    this.stream = stream;
  }

  /** Handler thread: sends the 101 with the response's headers (and the chosen subprotocol). */
  void accept(List<Header> headers, String subprotocol) throws IOException {
    List<Header> all = new ArrayList<>(headers);
    if (subprotocol != null) {
      all.add(Header.newBuilder().setName("sec-websocket-protocol").setValue(subprotocol).build());
    }
    ResponseHead head = ResponseHead.newBuilder().setStatus(101).addAllHeaders(all).build();
    // Open before the 101 leaves: the router relays the client's first messages as soon as it
    // has it, and the IO thread must not drop them as arriving before the session opened.
    accepted = true;
    if (!stream.send(
        List.of(Frame.newBuilder().setStreamId(stream.id()).setResponseHead(head).build()))) {
      accepted = false;
      throw new IOException("stream " + stream.id() + " cancelled before the websocket opened");
    }
  }

  boolean isAccepted() {
    return accepted;
  }

  /** IO thread: a message the router relayed from the client. */
  void onMessage(WebSocketMessage message) {
    switch (message.getOpcode()) {
      case OPCODE_TEXT ->
          deliver(new Message(Message.Type.TEXT, message.getPayload().toByteArray()));
      case OPCODE_BINARY ->
          deliver(new Message(Message.Type.BINARY, message.getPayload().toByteArray()));
      case OPCODE_CLOSE -> {
        int code = message.getCloseCode();
        peerCloseCode = code == 0 ? NO_STATUS_RECEIVED : code;
        // Answer the close (RFC 6455 section 5.5.1): that ends the stream for the router too.
        // The answer is claimed before receive() returns null, or the handler, seeing the end,
        // could close first with its own code.
        sendClose(code == 0 ? NORMAL_CLOSURE : code, "");
        endInbound();
      }
      default ->
          log.debug("ignoring {} on websocket stream = {}", message.getOpcode(), stream.id());
    }
  }

  private synchronized void deliver(Message message) {
    if (!inboundEnded) {
      inbox.add(message);
      notifyAll();
    }
  }

  /** Any thread: the stream was cancelled (router reset, router gone, worker closed). */
  synchronized void endInbound() {
    inboundEnded = true;
    notifyAll();
  }

  @Override
  public synchronized Message receive() throws IOException {
    while (inbox.isEmpty() && !inboundEnded) {
      try {
        wait();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while waiting for a websocket message");
      }
    }
    return inbox.poll();
  }

  @Override
  public void sendText(String text) throws IOException {
    send(Opcode.OPCODE_TEXT, ByteString.copyFromUtf8(text));
  }

  @Override
  public void sendBinary(byte[] data) throws IOException {
    send(Opcode.OPCODE_BINARY, ByteString.copyFrom(data));
  }

  private void send(Opcode opcode, ByteString payload) throws IOException {
    if (closeSent.get()) {
      throw new IOException("websocket closed");
    }
    Frame frame = messageFrame(WebSocketMessage.newBuilder().setOpcode(opcode).setPayload(payload));
    if (!stream.send(List.of(frame))) {
      throw new IOException("websocket stream " + stream.id() + " was reset");
    }
  }

  @Override
  public void close(int code, String reason) {
    checkCloseCode(code);
    byte[] utf8 = reason == null ? new byte[0] : reason.getBytes(StandardCharsets.UTF_8);
    if (utf8.length > MAX_REASON_BYTES) {
      throw new IllegalArgumentException("close reason over " + MAX_REASON_BYTES + " bytes");
    }
    sendClose(code, reason == null ? "" : reason);
  }

  /** Handler returned or failed with the session open: close it with {@code code}. */
  void closeIfOpen(int code, String reason) {
    if (accepted) {
      sendClose(code, reason);
    }
  }

  /** Sends the one CLOSE of this session (later calls do nothing) and ends receiving. */
  private void sendClose(int code, String reason) {
    if (!closeSent.compareAndSet(false, true)) {
      return;
    }
    endInbound();
    Frame frame =
        messageFrame(
            WebSocketMessage.newBuilder()
                .setOpcode(Opcode.OPCODE_CLOSE)
                .setCloseCode(code)
                .setPayload(ByteString.copyFromUtf8(reason)));
    try {
      stream.send(List.of(frame)); // never waits: a close carries no data budget
    } catch (IOException e) {
      log.debug("could not send websocket close stream = {} cause = {}", stream.id(), e.toString());
    }
  }

  @Override
  public boolean isOpen() {
    return accepted && !closeSent.get() && !stream.isCancelled() && peerCloseCode < 0;
  }

  @Override
  public int closeCode() {
    return peerCloseCode;
  }

  private Frame messageFrame(WebSocketMessage.Builder message) {
    return Frame.newBuilder().setStreamId(stream.id()).setWebsocketMessage(message).build();
  }

  private static void checkCloseCode(int code) {
    boolean sendable =
        code >= 1000
            && code <= 4999
            && code != 1004
            && code != 1005
            && code != 1006
            && code != 1015;
    if (!sendable) {
      throw new IllegalArgumentException("websocket close code may not be sent: " + code);
    }
  }
}
