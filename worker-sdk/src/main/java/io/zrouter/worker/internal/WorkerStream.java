package io.zrouter.worker.internal;

import io.zrouter.proto.Accept;
import io.zrouter.proto.Frame;
import io.zrouter.proto.FrameCodec;
import io.zrouter.proto.Reset;
import io.zrouter.proto.ResetReason;
import io.zrouter.proto.WebSocketMessage;
import io.zrouter.proto.WindowUpdate;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request and its response on this worker.
 *
 * <p>Created by the IO thread from a {@code request_head}, with the {@link ReplyPath} all its
 * frames will take; the IO thread feeds its request body and, on a {@code reset} from the router
 * (on either path), cancels it. The handler thread answers through {@link #send}, which encodes
 * frames on the calling thread and queues them for the IO thread.
 */
public final class WorkerStream {
  private static final Logger log = LoggerFactory.getLogger(WorkerStream.class);

  private final StreamKey key;
  private final ReplyPath replyPath;
  private final String requestId;
  private final RequestBodyStream requestBody;
  private final OutboundQueue outbound;
  private final SendWindow sendWindow;
  private volatile String cancelReason;

  /** The WebSocket of a request that asked for one (set before the handler starts), else null. */
  private volatile WebSocketSession webSocket;

  /** IO thread only: whether the request side has ended. */
  private boolean requestEnded;

  /** IO thread only: request body bytes received so far. */
  private long requestBytesReceived;

  WorkerStream(StreamKey key, ReplyPath replyPath, String requestId, OutboundQueue outbound) {
    this.key = key;
    this.replyPath = replyPath;
    this.requestId = requestId;
    this.outbound = outbound;
    // Credit needs the addressed path: the router can send it nowhere else.
    this.sendWindow =
        replyPath instanceof AddressedLink ? SendWindow.initial() : SendWindow.unlimited();
    this.requestBody = new RequestBodyStream(this::grantRequestCredit);
  }

  public StreamKey key() {
    return key;
  }

  public long id() {
    return key.streamId();
  }

  /** Where every frame of this stream goes; fixed for the stream's life. */
  ReplyPath replyPath() {
    return replyPath;
  }

  public String requestId() {
    return requestId;
  }

  RequestBodyStream requestBody() {
    return requestBody;
  }

  boolean isRequestEnded() {
    return requestEnded;
  }

  long requestBytesReceived() {
    return requestBytesReceived;
  }

  /** IO thread: {@code bytes} more request body bytes arrived. */
  void received(int bytes) {
    requestBytesReceived += bytes;
  }

  /** Tells the router the stream is abandoned ({@code reason}), then cancels it here. */
  void abandon(ResetReason reason, String why) {
    Reset reset = Reset.newBuilder().setReason(reason).setMessage(why).build();
    byte[] frame = FrameCodec.encode(Frame.newBuilder().setStreamId(id()).setReset(reset).build());
    try {
      outbound.offer(this, List.of(new OutboundFrame(this, frame, true, false, true)), false);
    } catch (IOException e) {
      log.debug("could not reset stream stream = {} cause = {}", id(), e.toString());
    }
    cancel(why); // the handler's reads and writes fail; the reset above still goes out
  }

  /** IO thread: the request side is complete. */
  void endRequest() {
    requestEnded = true;
    requestBody.end();
  }

  WebSocketSession webSocket() {
    return webSocket;
  }

  /** IO thread, before the handler starts: the request asked for a WebSocket. */
  void attachWebSocket(WebSocketSession session) {
    webSocket = session;
  }

  /** Whether the router reset the stream, it became unreachable or the worker closed. */
  public boolean isCancelled() {
    return cancelReason != null;
  }

  /**
   * Abandons the stream: the request body fails, response writes fail (a handler waiting for
   * outbound budget is woken to fail too) and frames still queued for it are dropped. Safe from any
   * thread; the first reason wins.
   */
  void cancel(String reason) {
    if (cancelReason == null) {
      cancelReason = reason;
      requestBody.abort(new IOException("stream " + key.streamId() + " cancelled: " + reason));
      sendWindow.close("stream " + key.streamId() + " cancelled: " + reason);
      outbound.wakeBudgetWaiters();
      WebSocketSession ws = webSocket;
      if (ws != null) {
        ws.endInbound();
      }
    }
  }

  /** Throws when the stream was cancelled. */
  void ensureOpen() throws IOException {
    String reason = cancelReason;
    if (reason != null) {
      throw new IOException("stream " + key.streamId() + " cancelled: " + reason);
    }
  }

  /**
   * One frame of this stream, encoded, and what queueing it needs to know.
   *
   * @param windowBytes body bytes it carries, which take flow-control credit
   * @param carriesData whether it waits for the worker's outbound budget (body data, WebSocket text
   *     and binary messages)
   * @param endsStream whether the worker's side of the stream ends with it
   */
  record Encoded(byte[] bytes, int windowBytes, boolean carriesData, boolean endsStream) {
    static Encoded of(Frame frame) {
      int data = frame.hasBody() ? frame.getBody().getData().size() : 0;
      return new Encoded(
          FrameCodec.encode(frame),
          data,
          data > 0 || isWebSocketData(frame),
          FrameCodec.endsStream(frame));
    }
  }

  /** Handler thread: {@link #sendEncoded} of these frames, encoded here. */
  boolean send(List<Frame> frames) throws IOException {
    List<Encoded> encoded = new ArrayList<>(frames.size());
    for (Frame frame : frames) {
      encoded.add(Encoded.of(frame));
      if (log.isDebugEnabled()) {
        log.debug("queue stream = {} kind = {}", key.streamId(), frame.getKindCase());
      }
    }
    return sendEncoded(encoded);
  }

  /**
   * Handler thread: queue frames of this stream, in order, as one batch. A batch carrying body data
   * waits first while the worker's outbound budget is exhausted.
   *
   * @return false when the stream was cancelled and nothing was queued
   */
  boolean sendEncoded(List<Encoded> frames) throws IOException {
    if (isCancelled()) {
      log.debug("dropping frames of cancelled stream stream = {}", key.streamId());
      return false;
    }
    List<OutboundFrame> batch = new ArrayList<>(frames.size());
    boolean carriesData = false;
    for (int i = 0, n = frames.size(); i < n; i++) {
      Encoded frame = frames.get(i);
      int data = frame.windowBytes();
      if (data > 0 && !sendWindow.tryTake(data)) {
        // Out of credit: what is encoded goes first (the router's credit depends on it), then
        // wait for the router to say the client took enough.
        if (!batch.isEmpty()) {
          outbound.offer(this, batch, carriesData);
          batch = new ArrayList<>(n);
          carriesData = false;
        }
        if (outbound.onIoThread()) {
          throw new IOException(
              "a handler running inline cannot wait for flow-control credit: answer responses"
                  + " over the first window ("
                  + FrameCodec.INITIAL_WINDOW
                  + " bytes) from a handler thread (Handler.runsInline false)");
        }
        sendWindow.take(data);
      }
      carriesData |= frame.carriesData();
      batch.add(new OutboundFrame(this, frame.bytes(), frame.endsStream()));
    }
    if (!batch.isEmpty()) {
      outbound.offer(this, batch, carriesData);
    }
    return true;
  }

  /** IO thread: the router's {@code window_update}: its client took this many more bytes. */
  void grantResponseCredit(long bytes) {
    sendWindow.grant(bytes);
  }

  /** Handler thread: it read this many request body bytes, so the router may send as many more. */
  private void grantRequestCredit(int bytes) {
    Frame update =
        Frame.newBuilder()
            .setStreamId(id())
            .setWindowUpdate(WindowUpdate.newBuilder().setIncrement(bytes))
            .build();
    queue(new OutboundFrame(this, FrameCodec.encode(update), false));
  }

  /**
   * This stream's acknowledgement: tells the router this worker has the request and will run it, so
   * the router never sends it elsewhere. It goes on the ROUTER socket whatever the stream's path
   * (that connection just delivered the request, so it works).
   */
  OutboundFrame acceptFrame() {
    Accept.Builder accept = Accept.newBuilder();
    if (replyPath instanceof AddressedLink link) {
      accept.setAddressedId(com.google.protobuf.ByteString.copyFrom(link.identityBytes()));
    }
    Frame frame = Frame.newBuilder().setStreamId(id()).setAccept(accept).build();
    return new OutboundFrame(this, FrameCodec.encode(frame), false, true);
  }

  /**
   * Refuses a request this worker acknowledged but never started (it waited for its start), then
   * cancels the stream. The refusal goes on the ROUTER socket behind the acknowledgement: were it
   * to overtake it on the addressed link, the router would take the late acknowledgement for a new
   * one and start a request nobody runs.
   */
  void refuseAcknowledged(String why) {
    Reset reset =
        Reset.newBuilder().setReason(ResetReason.RESET_REASON_REFUSED).setMessage(why).build();
    byte[] frame = FrameCodec.encode(Frame.newBuilder().setStreamId(id()).setReset(reset).build());
    queue(new OutboundFrame(this, frame, true, true, true));
    cancel(why);
  }

  /** Queues one prepared frame (no body data, so it never waits for budget). */
  void queue(OutboundFrame frame) {
    try {
      outbound.offer(this, List.of(frame), false);
    } catch (IOException e) {
      log.debug("could not queue frame stream = {} cause = {}", id(), e.toString());
    }
  }

  /** The request's deadline passed before a handler thread got to it: it is not started. */
  void expire() {
    Reset reset =
        Reset.newBuilder()
            .setReason(ResetReason.RESET_REASON_TIMEOUT)
            .setMessage("deadline passed before the request started")
            .build();
    try {
      send(List.of(Frame.newBuilder().setStreamId(id()).setReset(reset).build()));
    } catch (IOException e) {
      log.debug("could not expire stream stream = {} cause = {}", id(), e.toString());
    }
  }

  /**
   * Answers a request that will never run with a {@code reset} (REFUSED): nothing was started, so
   * the router may send it elsewhere. Best effort; logs and gives up when the worker is gone.
   */
  void refuse(String why) {
    reject(ResetReason.RESET_REASON_REFUSED, why);
  }

  /** Answers a request it will not take with a reset of {@code reason}, before any accept. */
  void reject(ResetReason reason, String why) {
    Reset reset = Reset.newBuilder().setReason(reason).setMessage(why).build();
    try {
      send(List.of(Frame.newBuilder().setStreamId(id()).setReset(reset).build()));
    } catch (IOException e) {
      log.debug("could not reset stream stream = {} cause = {}", id(), e.toString());
    }
  }

  /** Text and binary messages wait for budget like body bytes; a close never does. */
  private static boolean isWebSocketData(Frame frame) {
    return frame.hasWebsocketMessage()
        && frame.getWebsocketMessage().getOpcode() != WebSocketMessage.Opcode.OPCODE_CLOSE
        && !frame.getWebsocketMessage().getPayload().isEmpty();
  }
}
