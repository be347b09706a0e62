package io.zrouter.router.frontend;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.zrouter.router.frontend.LocalReply.Reason;
import io.zrouter.router.upstream.Dispatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of every request pipeline, HTTP/1.1 connection or HTTP/2 stream alike: turns
 * each request into a dispatched message, an {@link HttpExchange} that writes the response back and
 * a {@link RequestBodyRelay} that streams the rest of the body to the worker. On HTTP/1.1 requests
 * arrive here one at a time (see {@link Http1PipeliningHandler}); on HTTP/2 each stream has its own
 * instance.
 *
 * <p>The request is dispatched as soon as what has arrived of it is read (the end of a read burst,
 * the end of the body, or a window's worth of body): a small request goes out whole in one message,
 * a large or slow upload starts at once and streams. A body still arriving at the end of a read
 * burst gets {@link #BODY_WAIT_NANOS} more to end first: a client that sent {@code Expect:
 * 100-continue} sends its body only after the router's 100, so without the wait its head would
 * always go out alone, and the body would need the addressed path even when it is small.
 */
final class ProxyHandler extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(ProxyHandler.class);

  /** How long a request whose body is still arriving waits for the rest before it goes. */
  static final long BODY_WAIT_NANOS = TimeUnit.MICROSECONDS.toNanos(500);

  private final ProxyContext proxy;
  private final String scheme;

  /** The exchange of the request being read or answered; null before the first. */
  private HttpExchange current;

  private RequestBodyRelay body;

  /** The request whose head waits for its first body bytes; null once dispatched. */
  private PendingDispatch pending;

  /** Dispatches {@link #pending} when its body has not ended within {@link #BODY_WAIT_NANOS}. */
  private ScheduledFuture<?> bodyWait;

  /** Whether content read now belongs to a request that is being ignored (answered locally). */
  private boolean discarding;

  private record PendingDispatch(
      HttpRequest request, RequestEncoder.Envelope envelope, long contentLength) {}

  ProxyHandler(ProxyContext proxy, String scheme) {
    this.proxy = proxy;
    this.scheme = scheme;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (msg instanceof HttpRequest request) {
        startExchange(ctx, request);
      }
      if (msg instanceof HttpContent content) {
        onContent(content);
      }
    } finally {
      ReferenceCountUtil.release(msg); // what the relay keeps, it retained
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (pending != null && bodyWait == null) {
      // what arrived so far goes in a moment, unless the body ends first; the rest streams
      PendingDispatch waiting = pending;
      bodyWait =
          ctx.executor()
              .schedule(
                  () -> {
                    if (pending == waiting) {
                      dispatch();
                    }
                  },
                  BODY_WAIT_NANOS,
                  TimeUnit.NANOSECONDS);
    }
    ctx.fireChannelReadComplete();
  }

  private void startExchange(ChannelHandlerContext ctx, HttpRequest request) {
    discarding = false;
    boolean http2 = ctx.channel() instanceof Http2StreamChannel;
    ClientAddress client = ClientAddress.of(ctx.channel());
    long contentLength = HttpUtil.getContentLength(request, -1L);
    boolean chunked = HttpUtil.isTransferEncodingChunked(request);
    HopByHop.strip(request.headers());
    String requestId = ForwardedHeaders.apply(request.headers(), client, scheme);
    if (proxy.isDraining()) {
      discarding = true;
      FullHttpResponse reply = LocalReply.of(Reason.SHUTTING_DOWN, requestId, ctx.alloc());
      reply.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      ctx.writeAndFlush(reply).addListener(ChannelFutureListener.CLOSE);
      return;
    }
    long maxBody = proxy.config().maxBody();
    if (maxBody > 0 && contentLength > maxBody) {
      // Answered before the body is read; the body that follows anyway is read and dropped.
      discarding = true;
      ctx.writeAndFlush(LocalReply.of(Reason.BODY_TOO_LARGE, requestId, ctx.alloc()));
      return;
    }
    long id = proxy.registry().nextId();
    boolean http10 = !http2 && request.protocolVersion().equals(HttpVersion.HTTP_1_0);
    body = new RequestBodyRelay(id, proxy.link(), ReadGate.of(ctx.channel()));
    current =
        new HttpExchange(
            id,
            ctx,
            proxy.registry(),
            proxy.link(),
            requestId,
            http2,
            HttpMethod.HEAD.equals(request.method()),
            http10,
            body);
    long deadline = System.currentTimeMillis() + proxy.config().requestTimeout().toMillis();
    RequestEncoder.Envelope envelope =
        new RequestEncoder.Envelope(
            id,
            requestId,
            scheme,
            http2 ? "HTTP/2" : request.protocolVersion().text(),
            client.ipAndPort(),
            deadline,
            proxy.link().addressedPort());
    pending = new PendingDispatch(request, envelope, chunked ? -1 : Math.max(contentLength, 0));
    current.start(proxy.config().requestTimeout());
  }

  private void onContent(HttpContent content) {
    if (discarding || current == null) {
      return;
    }
    body.offer(content);
    long maxBody = proxy.config().maxBody();
    if (maxBody > 0 && body.received() > maxBody) {
      log.debug("request body over --max-body: stream = {}", current.id());
      takePending();
      discarding = true;
      current.onRequestTooLarge();
      return;
    }
    if (pending != null && body.hasFirstPartReady()) {
      dispatch();
    }
  }

  /** The request waiting to be dispatched, which from now on is not. */
  private PendingDispatch takePending() {
    PendingDispatch p = pending;
    pending = null;
    if (bodyWait != null) {
      bodyWait.cancel(false);
      bodyWait = null;
    }
    return p;
  }

  private void dispatch() {
    PendingDispatch p = takePending();
    if (current.isFinished()) {
      return; // answered already (504 while the first bytes trickled in)
    }
    RequestBodyRelay.FirstPart first = body.takeFirstPart();
    boolean idempotent = isIdempotent(p.request());
    byte[][] parts;
    try {
      parts =
          RequestEncoder.encode(
              p.envelope(),
              p.request(),
              first.data(),
              first.complete(),
              p.contentLength(),
              !idempotent);
    } finally {
      first.data().release();
    }
    proxy
        .link()
        .dispatch(
            new Dispatch(
                current,
                parts,
                System.nanoTime(),
                idempotent,
                !first.complete(),
                p.request().headers().get(HttpHeaderNames.HOST, ""),
                RequestEncoder.originForm(p.request().uri())));
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    log.debug("downstream closed: exchange = {}", current == null ? "none" : current.id());
    if (current != null) {
      current.onDownstreamClosed();
    }
    ctx.fireChannelInactive();
  }

  /** RFC 9110 idempotent methods, or a client that vouches with an Idempotency-Key. */
  private static boolean isIdempotent(HttpRequest request) {
    HttpMethod m = request.method();
    return HttpMethod.GET.equals(m)
        || HttpMethod.HEAD.equals(m)
        || HttpMethod.OPTIONS.equals(m)
        || HttpMethod.PUT.equals(m)
        || HttpMethod.DELETE.equals(m)
        || request.headers().contains("idempotency-key");
  }

  /** The last handler: whatever went wrong on this connection or stream ends it. */
  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof java.io.IOException) {
      log.debug("downstream connection failed: {}", cause.toString()); // resets are routine
    } else {
      log.warn("closing downstream channel after an unexpected error", cause);
    }
    ctx.close();
  }
}
