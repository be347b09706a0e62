package io.zrouter.router.frontend;

import com.google.protobuf.ByteString;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.zrouter.proto.Frame;
import io.zrouter.proto.FrameCodec;
import io.zrouter.proto.Header;
import io.zrouter.proto.ResetReason;
import io.zrouter.proto.ResponseHead;
import io.zrouter.proto.WebSocketMessage;
import io.zrouter.proto.WebSocketMessage.Opcode;
import io.zrouter.router.frontend.LocalReply.Reason;
import io.zrouter.router.stream.ProxyStream;
import io.zrouter.router.stream.StreamRegistry;
import io.zrouter.router.stream.UpstreamControl;
import io.zrouter.router.upstream.Dispatch;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One proxied WebSocket: waits for the worker's answer to the upgrade, completes the client's
 * handshake on a 101 and then relays messages both ways until either side closes. Any other answer
 * is relayed as a plain response, and the router answers 502, 503 or 504 on its own as for any
 * request. Lives on its channel's event loop.
 */
final class WebSocketExchange implements ProxyStream {
  private static final Logger log = LoggerFactory.getLogger(WebSocketExchange.class);

  /** Largest message either way, after joining continuation frames; bigger closes with 1009. */
  static final int MAX_MESSAGE = 1 << 20;

  private enum State {
    AWAITING_HEAD,
    REFUSING,
    OPEN,
    DONE
  }

  private final long id;
  private final ChannelHandlerContext httpCtx;
  private final StreamRegistry registry;
  private final UpstreamControl upstream;
  private final String requestId;
  private final FullHttpRequest handshakeRequest;
  private State state = State.AWAITING_HEAD;
  private volatile boolean done;
  private ScheduledFuture<?> timeout;
  private UpgradeRefusal refusal;

  /** Where writes go: the upgrade handler before the 101, the relay handler after. */
  private ChannelHandlerContext out;

  private boolean wrote;

  WebSocketExchange(
      long id,
      ChannelHandlerContext httpCtx,
      StreamRegistry registry,
      UpstreamControl upstream,
      String requestId,
      FullHttpRequest handshakeRequest) {
    this.id = id;
    this.httpCtx = httpCtx;
    this.out = httpCtx;
    this.registry = registry;
    this.upstream = upstream;
    this.requestId = requestId;
    this.handshakeRequest = handshakeRequest;
  }

  /** Registers the exchange and starts the deadline for the worker's answer. */
  void start(Duration requestTimeout) {
    registry.register(this);
    timeout =
        httpCtx
            .executor()
            .schedule(this::onTimeout, requestTimeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  @Override
  public long id() {
    return id;
  }

  @Override
  public EventExecutor executor() {
    return httpCtx.executor();
  }

  @Override
  public boolean isDone() {
    return done;
  }

  @Override
  public void onFrame(Frame frame) {
    switch (frame.getKindCase()) {
      case RESPONSE_HEAD -> onResponseHead(frame.getResponseHead());
      case WEBSOCKET_MESSAGE -> onWorkerMessage(frame.getWebsocketMessage());
      case BODY -> {
        if (state != State.REFUSING) {
          onUpstreamProtocolError("body outside a refusal response");
        } else if (refusal.body(frame.getBody())) {
          finish(null);
        }
      }
      case TRAILERS -> {
        if (state != State.REFUSING) {
          onUpstreamProtocolError("trailers outside a refusal response");
        } else {
          refusal.trailers(frame.getTrailers().getHeadersList());
          finish(null);
        }
      }
      case RESET ->
          onUpstreamReset(frame.getReset().getReason() + " " + frame.getReset().getMessage());
      case ACCEPT, WINDOW_UPDATE -> log.debug("ignoring {} on stream {}", frame.getKindCase(), id);
      default ->
          onUpstreamProtocolError("unexpected " + frame.getKindCase() + " frame from worker");
    }
  }

  private void onResponseHead(ResponseHead head) {
    if (state != State.AWAITING_HEAD) {
      onUpstreamProtocolError("second response head");
      return;
    }
    cancelTimeout();
    if (head.getStatus() != 101) {
      state = State.REFUSING;
      refusal = new UpgradeRefusal(httpCtx, requestId);
      wrote = true;
      if (refusal.head(head)) {
        finish(null);
      }
      return;
    }
    if (head.getEndStream()) {
      onUpstreamProtocolError("101 response that ends the stream");
      return;
    }
    completeHandshake(head.getHeadersList());
  }

  /**
   * Answers the client's handshake with the worker's headers and subprotocol, and puts the
   * WebSocket codec and {@link WebSocketRelayHandler} in place of the HTTP handlers.
   */
  private void completeHandshake(List<Header> workerHeaders) {
    HttpHeaders headers = new DefaultHttpHeaders();
    String subprotocol = null;
    for (Header h : workerHeaders) {
      if (h.getName().equals("sec-websocket-protocol")) {
        subprotocol = h.getValue();
      } else if (!h.getName().startsWith("sec-websocket-")) {
        headers.add(h.getName(), h.getValue());
      }
    }
    HopByHop.strip(headers);
    if (!headers.contains(ForwardedHeaders.X_REQUEST_ID)) {
      headers.set(ForwardedHeaders.X_REQUEST_ID, requestId);
    }
    WebSocketServerHandshaker handshaker =
        new WebSocketServerHandshakerFactory(url(), subprotocol, false, MAX_MESSAGE)
            .newHandshaker(handshakeRequest); // the version was checked before dispatch
    state = State.OPEN;
    ChannelPipeline pipeline = httpCtx.pipeline();
    ChannelFuture handshake =
        handshaker.handshake(httpCtx.channel(), handshakeRequest, headers, httpCtx.newPromise());
    ChannelHandlerContext decoder = pipeline.context(WebSocketFrameDecoder.class);
    if (decoder == null) { // the handshake failed before it could change the pipeline
      log.warn("websocket handshake failed: stream = {}, cause = {}", id, handshake.cause());
      httpCtx.close();
      finish(ResetReason.RESET_REASON_CANCEL);
      return;
    }
    // Right behind the decoder, so client frames never reach the HTTP handlers.
    pipeline.addAfter(decoder.name(), "ws-aggregator", new WebSocketFrameAggregator(MAX_MESSAGE));
    pipeline.addAfter("ws-aggregator", "ws-relay", new WebSocketRelayHandler(this));
    handshake.addListener(
        f -> {
          if (f.isSuccess()) {
            removeHandlersAfter(pipeline, "ws-relay");
          } else {
            log.debug("websocket handshake not written: stream = {}", id, f.cause());
            onDownstreamClosed();
          }
        });
    log.debug("websocket open: stream = {}, request_id = {}", id, requestId);
  }

  /** The HTTP/1.1 handlers have written the 101 and are of no more use on this connection. */
  private static void removeHandlersAfter(ChannelPipeline pipeline, String name) {
    List<String> names = pipeline.names();
    for (String later : names.subList(names.indexOf(name) + 1, names.size())) {
      if (pipeline.get(later) != null) {
        pipeline.remove(later);
      }
    }
  }

  private String url() {
    String host = handshakeRequest.headers().get(HttpHeaderNames.HOST, "localhost");
    return "ws://" + host + handshakeRequest.uri();
  }

  /** The relay handler is in the pipeline: messages to the client go out through it. */
  void relayAdded(ChannelHandlerContext relay) {
    out = relay;
  }

  private void onWorkerMessage(WebSocketMessage message) {
    if (state != State.OPEN) {
      onUpstreamProtocolError("websocket message before a 101");
      return;
    }
    var payload = Unpooled.wrappedBuffer(message.getPayload().asReadOnlyByteBuffer());
    switch (message.getOpcode()) {
      case OPCODE_TEXT -> write(new TextWebSocketFrame(payload));
      case OPCODE_BINARY -> write(new BinaryWebSocketFrame(payload));
      case OPCODE_CLOSE -> {
        int code = message.getCloseCode();
        closeDownstream(
            code == 0
                ? new CloseWebSocketFrame(true, 0, payload)
                : new CloseWebSocketFrame(code, message.getPayload().toStringUtf8()));
        finish(null); // the worker's close ends the stream
      }
      default -> {
        payload.release();
        log.debug("ignoring {} from the worker on stream {}", message.getOpcode(), id);
      }
    }
  }

  /** A text or binary message from the client, continuation frames already joined. */
  void onClientMessage(Opcode opcode, ByteString payload) {
    if (state == State.OPEN) {
      sendUpstream(WebSocketMessage.newBuilder().setOpcode(opcode).setPayload(payload));
    }
  }

  /** The client closed: the worker hears it as a CLOSE with the client's code (0 for none). */
  void onClientClose(int code, String reason) {
    if (state == State.OPEN) {
      sendUpstream(
          WebSocketMessage.newBuilder()
              .setOpcode(Opcode.OPCODE_CLOSE)
              .setCloseCode(Math.max(code, 0))
              .setPayload(ByteString.copyFromUtf8(reason)));
      finish(null); // the worker answers with its own CLOSE, which ends the stream at the link
    }
  }

  /** The router closes on its own (a message too big): the client and the worker both hear it. */
  void closeBoth(WebSocketCloseStatus status) {
    if (state == State.OPEN) {
      onClientClose(status.code(), status.reasonText());
      closeDownstream(new CloseWebSocketFrame(status));
      flush();
    }
  }

  private void sendUpstream(WebSocketMessage.Builder message) {
    upstream.sendFollowUp(
        id,
        FrameCodec.encode(Frame.newBuilder().setStreamId(id).setWebsocketMessage(message).build()));
  }

  private void onUpstreamReset(String reason) {
    log.debug("worker reset stream {}: {}", id, reason);
    fail(Reason.UPSTREAM_RESET, null);
  }

  @Override
  public void onUpstreamProtocolError(String reason) {
    log.warn(
        "bad websocket answer from worker: stream = {}, request_id = {}, reason = {}",
        id,
        requestId,
        reason);
    fail(Reason.BAD_UPSTREAM_RESPONSE, ResetReason.RESET_REASON_PROTOCOL_ERROR);
  }

  @Override
  public void onUpstreamLost() {
    log.warn("worker died holding websocket: stream = {}, request_id = {}", id, requestId);
    fail(Reason.UPSTREAM_LOST, null);
    flush();
  }

  @Override
  public void onNoWorker() {
    fail(Reason.NO_WORKER, null); // the link already gave the request up
    flush();
  }

  @Override
  public void onNoRoute(String authority, String path) {
    fail(Reason.NO_ROUTE, null);
    flush();
  }

  /** An upgrade has no body (its dispatch says none follows): it goes out again as it was. */
  @Override
  public void onRefusedBeforeBodyEnded(Dispatch refused) {
    upstream.resendRefused(refused, new byte[0][], false);
  }

  private void onTimeout() {
    if (state == State.AWAITING_HEAD) {
      log.debug("no answer to websocket upgrade in time: stream = {}", id);
      fail(Reason.TIMEOUT, ResetReason.RESET_REASON_TIMEOUT);
      flush();
    }
  }

  /** The client connection closed, with or without a close handshake. */
  void onDownstreamClosed() {
    if (state != State.DONE) {
      finish(ResetReason.RESET_REASON_CANCEL);
    }
  }

  /**
   * Before the 101: a local reply. After it: close 1011, so the client knows the session failed.
   * Mid-refusal: the connection is cut, never a truncated response. {@code upstreamReset}: what to
   * tell the worker, null when it ended the stream itself.
   */
  private void fail(Reason reason, ResetReason upstreamReset) {
    switch (state) {
      case AWAITING_HEAD -> {
        FullHttpResponse reply = LocalReply.of(reason, requestId, httpCtx.alloc());
        reply.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        wrote = true;
        httpCtx.write(reply).addListener(ChannelFutureListener.CLOSE);
      }
      case OPEN ->
          closeDownstream(new CloseWebSocketFrame(WebSocketCloseStatus.INTERNAL_SERVER_ERROR));
      case REFUSING ->
          httpCtx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
      case DONE -> {
        return;
      }
    }
    finish(upstreamReset);
  }

  private void closeDownstream(CloseWebSocketFrame close) {
    wrote = true;
    out.write(close).addListener(ChannelFutureListener.CLOSE);
  }

  private void write(Object msg) {
    out.write(msg, out.voidPromise());
    wrote = true;
  }

  @Override
  public void flush() {
    if (wrote) {
      wrote = false;
      out.flush();
    }
  }

  private void cancelTimeout() {
    if (timeout != null) {
      timeout.cancel(false);
    }
  }

  /** Ends the exchange; a non-null {@code upstreamReset} tells the worker to stop. */
  private void finish(ResetReason upstreamReset) {
    state = State.DONE;
    done = true;
    registry.remove(this);
    cancelTimeout();
    if (upstreamReset != null) {
      upstream.reset(id, upstreamReset);
    }
  }
}
