package io.zrouter.router.frontend;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
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
import io.zrouter.proto.Header;
import io.zrouter.proto.ResetReason;
import io.zrouter.proto.ResponseHead;
import io.zrouter.router.frontend.LocalReply.Reason;
import io.zrouter.router.stream.ProxyStream;
import io.zrouter.router.stream.StreamRegistry;
import io.zrouter.router.stream.UpstreamControl;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The downstream half of one proxied request: turns the worker's response frames into HTTP response
 * objects written to the client as they arrive, and answers on its own (503, 504, 502) when the
 * worker does not. Lives on its channel's event loop.
 */
final class HttpExchange implements ProxyStream {
  private static final Logger log = LoggerFactory.getLogger(HttpExchange.class);

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
  private State state = State.AWAITING_HEAD;
  private volatile boolean done;
  private boolean wrote;

  /** No body may reach the client: HEAD, 204, 304. */
  private boolean bodyless;

  /** Content-length the worker declared, or -1; more or fewer bytes than this is an error. */
  private long declaredLength = -1;

  private long bodyBytes;
  private ScheduledFuture<?> timeout;

  HttpExchange(
      long id,
      ChannelHandlerContext ctx,
      StreamRegistry registry,
      UpstreamControl upstream,
      String requestId,
      boolean http2,
      boolean headRequest,
      boolean http10) {
    this.id = id;
    this.ctx = ctx;
    this.registry = registry;
    this.upstream = upstream;
    this.requestId = requestId;
    this.http2 = http2;
    this.headRequest = headRequest;
    this.http10 = http10;
  }

  /** Registers the exchange and starts its response deadline. */
  void start(Duration requestTimeout) {
    registry.register(this);
    timeout =
        ctx.executor().schedule(this::onTimeout, requestTimeout.toNanos(), TimeUnit.NANOSECONDS);
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
    HttpResponseStatus status = HttpResponseStatus.valueOf(head.getStatus());
    bodyless = headRequest || !mayHaveBody(head.getStatus());
    if (head.getEndStream()) {
      DefaultFullHttpResponse response =
          new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.EMPTY_BUFFER);
      copyResponseHeaders(head.getHeadersList(), response.headers());
      if (!bodyless && !response.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
      }
      write(response);
      finish();
      return;
    }
    HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
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
    if (!bodyless && !http2 && !headers.contains(HttpHeaderNames.CONTENT_LENGTH)) {
      if (http10) {
        headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE); // body ends at close
      } else {
        HttpUtil.setTransferEncodingChunked(response, true);
      }
    }
    write(response);
    state = State.STREAMING;
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
    if (body.getEndStream()) {
      write(
          hasData
              ? new DefaultLastHttpContent(
                  Unpooled.wrappedBuffer(body.getData().asReadOnlyByteBuffer()))
              : LastHttpContent.EMPTY_LAST_CONTENT);
      finish();
    } else if (hasData) {
      write(new DefaultHttpContent(Unpooled.wrappedBuffer(body.getData().asReadOnlyByteBuffer())));
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
    LastHttpContent last = new DefaultLastHttpContent();
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

  private void onTimeout() {
    if (state == State.AWAITING_HEAD) {
      log.debug("no response headers in time: stream = {}, request_id = {}", id, requestId);
      replyLocally(Reason.TIMEOUT, ResetReason.RESET_REASON_TIMEOUT);
      flush();
    }
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
      finish(upstreamReset);
      abortDownstream();
    }
  }

  private void replyLocally(Reason reason, ResetReason upstreamReset) {
    if (state != State.AWAITING_HEAD) {
      return;
    }
    write(LocalReply.of(reason, requestId, ctx.alloc()));
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
    state = State.DONE;
    done = true;
    registry.remove(this);
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

  private static boolean mayHaveBody(int status) {
    return status >= 200 && status != 204 && status != 304;
  }
}
