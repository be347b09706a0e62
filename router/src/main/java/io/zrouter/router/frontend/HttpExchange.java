package io.zrouter.router.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.zrouter.proto.Body;
import io.zrouter.proto.Frame;
import io.zrouter.proto.FrameCodec;
import io.zrouter.proto.Header;
import io.zrouter.proto.ResetReason;
import io.zrouter.proto.ResponseHead;
import io.zrouter.proto.WindowUpdate;
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
 * The downstream half of one proxied request: turns the worker's response frames into HTTP response
 * objects written to the client as they arrive, and answers on its own (503, 504, 502) when the
 * worker does not. Lives on its channel's event loop.
 *
 * <p>Response body bytes are credited back to the worker ({@code window_update}) only once they
 * were written to the client's connection, so a client that reads slowly holds the worker's handler
 * back and the router keeps at most one window of its response. Credit the worker grants for the
 * request body goes to the stream's {@link RequestBodyRelay}.
 */
final class HttpExchange implements ProxyStream {
  private static final Logger log = LoggerFactory.getLogger(HttpExchange.class);

  /**
   * Headers for what the worker sent: {@link io.zrouter.proto.FrameCodec} already checked every
   * name and value on decode (tokens; no NUL, CR or LF), so Netty need not check them again.
   */
  private static final HttpHeadersFactory CHECKED_HEADERS =
      DefaultHttpHeadersFactory.headersFactory().withValidation(false);

  /** Credit goes back to the worker in steps of this many bytes, not per write. */
  private static final int CREDIT_STEP = FrameCodec.INITIAL_WINDOW / 4;

  private enum State {
    AWAITING_HEAD,
    STREAMING,
    DONE
  }

  private final long id;
  private final ChannelHandlerContext ctx;
  private final StreamRegistry registry;
  private final UpstreamControl upstream;
  private final String requestId;
  private final boolean http2;
  private final boolean headRequest;
  private final boolean http10;
  private final RequestBodyRelay requestBody;
  private State state = State.AWAITING_HEAD;
  private volatile boolean done;
  private boolean wrote;

  /** No body may reach the client: HEAD, 204, 304. */
  private boolean bodyless;

  /** Content-length the worker declared, or -1; more or fewer bytes than this is an error. */
  private long declaredLength = -1;

  private long bodyBytes;

  /** Response body bytes the client took that the worker was not yet credited for. */
  private int uncredited;

  /** The response head, held back until its first body frame or the end of its batch. */
  private HttpResponse heldHead;

  private ScheduledFuture<?> timeout;
  private long requestTimeoutNanos;

  /** Request body bytes received when the timeout was last (re)armed. */
  private long bodyReceivedAtTimeoutStart;

  HttpExchange(
      long id,
      ChannelHandlerContext ctx,
      StreamRegistry registry,
      UpstreamControl upstream,
      String requestId,
      boolean http2,
      boolean headRequest,
      boolean http10,
      RequestBodyRelay requestBody) {
    this.id = id;
    this.ctx = ctx;
    this.registry = registry;
    this.upstream = upstream;
    this.requestId = requestId;
    this.http2 = http2;
    this.headRequest = headRequest;
    this.http10 = http10;
    this.requestBody = requestBody;
  }

  /** Registers the exchange and starts its response deadline. */
  void start(Duration requestTimeout) {
    registry.register(this);
    this.requestTimeoutNanos = requestTimeout.toNanos();
    timeout = ctx.executor().schedule(this::onTimeout, requestTimeoutNanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public long id() {
    return id;
  }

  @Override
  public EventExecutor executor() {
    return ctx.executor();
  }

  @Override
  public boolean isDone() {
    return done;
  }

  @Override
  public void onFrame(Frame frame) {
    switch (frame.getKindCase()) {
      case RESPONSE_HEAD -> onResponseHead(frame.getResponseHead());
      case BODY -> onBody(frame.getBody());
      case TRAILERS -> onTrailers(frame.getTrailers().getHeadersList());
      case RESET ->
          onUpstreamReset(frame.getReset().getReason() + " " + frame.getReset().getMessage());
      case ACCEPT -> requestBody.onAccepted();
      case WINDOW_UPDATE -> {
        requestBody.onAccepted(); // credit comes on the addressed path: the worker has it
        requestBody.onCredit(frame.getWindowUpdate().getIncrement());
      }
      default ->
          onUpstreamProtocolError("unexpected " + frame.getKindCase() + " frame from worker");
    }
  }

  @Override
  public void onRefusedBeforeBodyEnded(Dispatch refused) {
    if (done) {
      return;
    }
    RequestBodyRelay.FirstPart more = requestBody.takeFirstPart();
    try {
      byte[][] moreBody =
          RequestEncoder.bodyFrames(id, more.offset(), more.data(), more.complete());
      upstream.resendRefused(refused, moreBody, !more.complete());
    } finally {
      more.data().release();
    }
  }

  private void onResponseHead(ResponseHead head) {
    if (state != State.AWAITING_HEAD) {
      onUpstreamProtocolError("second response head");
      return;
    }
    if (head.getStatus() < 200) {
      onUpstreamProtocolError("status " + head.getStatus() + " on a request that asked no upgrade");
      return;
    }
    HttpResponseStatus status = HttpResponseStatus.valueOf(head.getStatus());
    bodyless = headRequest || !mayHaveBody(head.getStatus());
    if (head.getEndStream()) {
      DefaultFullHttpResponse response =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1,
              status,
              Unpooled.EMPTY_BUFFER,
              CHECKED_HEADERS,
              CHECKED_HEADERS);
      copyResponseHeaders(head.getHeadersList(), response.headers());
      if (!bodyless && !response.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
      }
      write(response);
      finish();
      return;
    }
    HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status, CHECKED_HEADERS);
    HttpHeaders headers = response.headers();
    copyResponseHeaders(head.getHeadersList(), headers);
    if (!bodyless && headers.contains(HttpHeaderNames.CONTENT_LENGTH)) {
      try {
        declaredLength = Long.parseLong(headers.get(HttpHeaderNames.CONTENT_LENGTH).trim());
      } catch (NumberFormatException e) {
        onUpstreamProtocolError(
            "bad content-length " + headers.get(HttpHeaderNames.CONTENT_LENGTH));
        return;
      }
    }
    heldHead = response; // framed and written with the first body frame, or at the flush
    wrote = true;
    state = State.STREAMING;
  }

  /**
   * Writes the head held back by {@link #onResponseHead}, if it still waits. Without a length, the
   * body is streamed: chunked for HTTP/1.1, up to the connection's close for HTTP/1.0.
   */
  private void writeHeldHead() {
    HttpResponse response = heldHead;
    if (response == null) {
      return;
    }
    heldHead = null;
    HttpHeaders headers = response.headers();
    if (!bodyless && !http2 && !headers.contains(HttpHeaderNames.CONTENT_LENGTH)) {
      if (http10) {
        headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE); // body ends at close
      } else {
        HttpUtil.setTransferEncodingChunked(response, true);
      }
    }
    write(response);
  }

  /**
   * The whole body came in the same batch as the head: one response with a length, one message
   * through the pipeline.
   */
  private void writeWhole(HttpResponse head, Body body) {
    heldHead = null;
    DefaultFullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            head.status(),
            bytesOf(body),
            head.headers(),
            EmptyHttpHeaders.INSTANCE);
    if (!response.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
      response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.getData().size());
    }
    write(response);
  }

  private void onBody(Body body) {
    if (state != State.STREAMING) {
      onUpstreamProtocolError("body before response head");
      return;
    }
    boolean hasData = !bodyless && !body.getData().isEmpty();
    bodyBytes += hasData ? body.getData().size() : 0;
    if (declaredLength >= 0
        && (bodyBytes > declaredLength || (body.getEndStream() && bodyBytes < declaredLength))) {
      onUpstreamProtocolError(
          "body length " + bodyBytes + " does not match content-length " + declaredLength);
      return;
    }
    if (heldHead != null && body.getEndStream() && hasData) {
      writeWhole(heldHead, body);
      finish();
      return;
    }
    writeHeldHead();
    if (body.getEndStream()) {
      write(
          hasData
              ? new DefaultLastHttpContent(bytesOf(body), CHECKED_HEADERS)
              : LastHttpContent.EMPTY_LAST_CONTENT);
      finish();
    } else if (hasData) {
      int size = body.getData().size();
      ctx.write(new DefaultHttpContent(bytesOf(body)))
          .addListener(written -> credit(written.isSuccess() ? size : 0));
      wrote = true;
    } else {
      credit(body.getData().size()); // not for the client (HEAD, 204, 304): taken at once
    }
  }

  /** The client took {@code bytes} more of the response: the worker may send as many again. */
  private void credit(int bytes) {
    if (state != State.STREAMING) {
      return;
    }
    uncredited += bytes;
    if (uncredited >= CREDIT_STEP) {
      upstream.sendFollowUp(
          id,
          FrameCodec.encode(
              Frame.newBuilder()
                  .setStreamId(id)
                  .setWindowUpdate(WindowUpdate.newBuilder().setIncrement(uncredited))
                  .build()));
      uncredited = 0;
    }
  }

  private void onTrailers(List<Header> trailers) {
    if (state != State.STREAMING) {
      onUpstreamProtocolError("trailers before response head");
      return;
    }
    if (declaredLength >= 0 && bodyBytes != declaredLength) {
      onUpstreamProtocolError(
          "body length " + bodyBytes + " does not match content-length " + declaredLength);
      return;
    }
    writeHeldHead();
    LastHttpContent last = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER, CHECKED_HEADERS);
    copyHeaders(trailers, last.trailingHeaders());
    write(last);
    finish();
  }

  private void onUpstreamReset(String reason) {
    log.debug("worker reset stream {}: {}", id, reason);
    fail(Reason.UPSTREAM_RESET, null);
  }

  @Override
  public void onUpstreamProtocolError(String reason) {
    log.warn(
        "bad response from worker: stream = {}, request_id = {}, reason = {}",
        id,
        requestId,
        reason);
    fail(Reason.BAD_UPSTREAM_RESPONSE, ResetReason.RESET_REASON_PROTOCOL_ERROR);
  }

  @Override
  public void onUpstreamLost() {
    log.warn("worker died holding stream: stream = {}, request_id = {}", id, requestId);
    fail(Reason.UPSTREAM_LOST, null);
    flush();
  }

  @Override
  public void onNoWorker() {
    replyLocally(Reason.NO_WORKER, null); // the link already gave the request up
    flush();
  }

  @Override
  public void onNoRoute(String authority, String path) {
    replyLocally(Reason.NO_ROUTE, "host " + authority + ", path " + path, null);
    flush();
  }

  /**
   * The worker has --request-timeout to answer, counted from the last request body bytes the client
   * sent: an upload that takes longer than that but keeps moving is not cut off.
   */
  private void onTimeout() {
    long received = requestBody.received();
    if (state == State.AWAITING_HEAD && received != bodyReceivedAtTimeoutStart) {
      bodyReceivedAtTimeoutStart = received;
      timeout = ctx.executor().schedule(this::onTimeout, requestTimeoutNanos, TimeUnit.NANOSECONDS);
      return;
    }
    if (state == State.AWAITING_HEAD) {
      log.debug("no response headers in time: stream = {}, request_id = {}", id, requestId);
      replyLocally(Reason.TIMEOUT, ResetReason.RESET_REASON_TIMEOUT);
      flush();
    }
  }

  /** The request body grew past --max-body: 413 if the response has not started, else a reset. */
  void onRequestTooLarge() {
    fail(Reason.BODY_TOO_LARGE, ResetReason.RESET_REASON_CANCEL);
    flush();
  }

  /** Whether the response is complete (or the exchange was abandoned). */
  boolean isFinished() {
    return state == State.DONE;
  }

  /** The client went away (connection closed, or RST_STREAM): the worker should stop too. */
  void onDownstreamClosed() {
    if (state != State.DONE) {
      finish(ResetReason.RESET_REASON_CANCEL);
    }
  }

  /**
   * Before any byte reached the client: a 502. After: a reset, never a truncated success. {@code
   * upstreamReset}: what to tell the worker, null when it ended the stream itself.
   */
  private void fail(Reason reason, ResetReason upstreamReset) {
    if (state == State.AWAITING_HEAD) {
      replyLocally(reason, upstreamReset);
    } else if (state == State.STREAMING) {
      writeHeldHead();
      finish(upstreamReset);
      abortDownstream();
    }
  }

  private void replyLocally(Reason reason, ResetReason upstreamReset) {
    replyLocally(reason, null, upstreamReset);
  }

  private void replyLocally(Reason reason, String detail, ResetReason upstreamReset) {
    if (state != State.AWAITING_HEAD) {
      return;
    }
    write(LocalReply.of(reason, detail, requestId, ctx.alloc()));
    finish(upstreamReset);
  }

  private void abortDownstream() {
    if (http2) {
      ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.INTERNAL_ERROR))
          .addListener(ChannelFutureListener.CLOSE);
    } else {
      // What was written so far goes out first, so the client sees a response cut short
      // by a closed connection rather than a connection that never answered (which a client
      // may take as safe to retry).
      ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
  }

  private void write(Object msg) {
    ctx.write(msg, ctx.voidPromise());
    wrote = true;
  }

  @Override
  public void flush() {
    writeHeldHead();
    if (wrote) {
      wrote = false;
      ctx.flush();
    }
  }

  /** The worker ended the stream. */
  private void finish() {
    finish(null);
  }

  /** Ends the exchange; a non-null {@code upstreamReset} tells the worker to stop. */
  private void finish(ResetReason upstreamReset) {
    heldHead = null; // written by now, unless the client left first
    state = State.DONE;
    done = true;
    registry.remove(this);
    requestBody.close();
    if (timeout != null) {
      timeout.cancel(false);
    }
    if (upstreamReset != null) {
      upstream.reset(id, upstreamReset);
    }
  }

  private void copyHeaders(List<Header> from, HttpHeaders to) {
    for (Header h : from) {
      to.add(h.getName(), h.getValue());
    }
    HopByHop.strip(to);
  }

  private void copyResponseHeaders(List<Header> from, HttpHeaders to) {
    copyHeaders(from, to);
    if (!to.contains(ForwardedHeaders.X_REQUEST_ID)) {
      to.set(ForwardedHeaders.X_REQUEST_ID, requestId);
    }
  }

  /** The body frame's bytes as a buffer for the client, without a copy. */
  private static ByteBuf bytesOf(Body body) {
    return Unpooled.wrappedBuffer(body.getData().asReadOnlyByteBuffer());
  }

  private static boolean mayHaveBody(int status) {
    return status >= 200 && status != 204 && status != 304;
  }
}
