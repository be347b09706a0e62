package io.zrouter.router.frontend;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerAdapter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;

/**
 * Builds the pipeline of each accepted connection. Cleartext, one port speaks HTTP/1.1 and HTTP/2
 * (prior knowledge or {@code Upgrade: h2c}); with TLS, ALPN picks h2 or http/1.1. All paths end in
 * the same {@link ProxyHandler}: HTTP/2 streams become HTTP/1-style objects. Bodies are not
 * aggregated anywhere: they stream.
 */
final class FrontendInitializer extends ChannelInitializer<Channel> {
  private static final int MAX_INITIAL_LINE = 8 * 1024;

  /** Streams one HTTP/2 connection may have open at once. */
  private static final int MAX_CONCURRENT_STREAMS = 1000;

  private final ProxyContext proxy;
  private final ChannelGroup connections;
  private final SslContext tls;
  private final String scheme;

  /** {@code tls} null: cleartext. */
  FrontendInitializer(ProxyContext proxy, ChannelGroup connections, SslContext tls) {
    this.proxy = proxy;
    this.connections = connections;
    this.tls = tls;
    this.scheme = tls == null ? "http" : "https";
  }

  @Override
  protected void initChannel(Channel ch) {
    connections.add(ch);
    if (tls != null) {
      ch.pipeline().addLast(tls.newHandler(ch.alloc()), new AlpnSelector());
      return;
    }
    HttpServerCodec http1 = http1Codec();
    HttpServerUpgradeHandler upgrade =
        new HttpServerUpgradeHandler(http1, this::upgradeCodec, MAX_UPGRADE_REQUEST_BODY) {
          @Override
          protected boolean shouldHandleUpgradeRequest(HttpRequest request) {
            // An upgrade would read the whole body first; one with a body stays HTTP/1.1 and
            // streams (RFC 9110 lets a server ignore Upgrade). The client upgrades next time.
            return HttpUtil.getContentLength(request, 0L) == 0
                && !HttpUtil.isTransferEncodingChunked(request)
                && super.shouldHandleUpgradeRequest(request);
          }
        };
    ch.pipeline()
        .addLast(new CleartextHttp2ServerUpgradeHandler(http1, upgrade, http2PriorKnowledge()))
        .addLast(new Http1ChainInstaller());
  }

  /**
   * An {@code Upgrade: h2c} request is read whole before the switch; it has no business being big.
   */
  private static final int MAX_UPGRADE_REQUEST_BODY = 64 * 1024;

  private ExpectContinue expectContinue() {
    return new ExpectContinue(proxy.config().maxBody());
  }

  private HttpServerCodec http1Codec() {
    return new HttpServerCodec(MAX_INITIAL_LINE, proxy.config().maxHeaderSize(), 64 * 1024);
  }

  /** The HTTP/1.1 handlers after the codec, from validation to the proxy. */
  private void addHttp1Chain(ChannelPipeline pipeline, String after) {
    pipeline.addAfter(after, "http1-validator", new Http1RequestValidator());
    pipeline.addAfter("http1-validator", "http1-keepalive", new HttpServerKeepAliveHandler());
    pipeline.addAfter("http1-keepalive", "http1-pipelining", new Http1PipeliningHandler());
    pipeline.addAfter("http1-pipelining", "http1-expect", expectContinue());
    pipeline.addAfter("http1-expect", "proxy", new ProxyHandler(proxy, scheme));
    pipeline.addAfter(
        "http1-pipelining", "websocket-upgrade", new WebSocketUpgradeHandler(proxy, scheme));
  }

  private HttpServerUpgradeHandler.UpgradeCodec upgradeCodec(CharSequence protocol) {
    if (AsciiString.contentEquals(Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME, protocol)) {
      return new Http2ServerUpgradeCodec(http2FrameCodec(), http2Multiplexer());
    }
    return null;
  }

  /** Replaces itself with the HTTP/2 handlers, in its own place (before the HTTP/1 installer). */
  private ChannelHandler http2PriorKnowledge() {
    return new ChannelHandlerAdapter() {
      @Override
      public void handlerAdded(ChannelHandlerContext ctx) {
        addHttp2(ctx.pipeline(), ctx.name());
        ctx.pipeline().remove(this);
      }
    };
  }

  private void addHttp2(ChannelPipeline pipeline, String after) {
    // The multiplexer looks for the frame codec when added, so the codec goes in first.
    pipeline.addAfter(after, "http2-codec", http2FrameCodec());
    pipeline.addAfter("http2-codec", "http2-multiplexer", http2Multiplexer());
  }

  private Http2FrameCodec http2FrameCodec() {
    return Http2FrameCodecBuilder.forServer()
        .initialSettings(
            Http2Settings.defaultSettings()
                .maxConcurrentStreams(MAX_CONCURRENT_STREAMS)
                .maxHeaderListSize(proxy.config().maxHeaderSize()))
        .validateHeaders(true)
        .build();
  }

  private Http2MultiplexHandler http2Multiplexer() {
    return new Http2MultiplexHandler(
        new ChannelInitializer<Http2StreamChannel>() {
          @Override
          protected void initChannel(Http2StreamChannel stream) {
            stream
                .pipeline()
                .addLast(new Http2StreamFrameToHttpObjectCodec(true))
                .addLast(expectContinue())
                .addLast(new ProxyHandler(proxy, scheme));
          }
        });
  }

  /** After the TLS handshake: h2 or http/1.1, as ALPN agreed (http/1.1 when ALPN was not used). */
  private final class AlpnSelector extends ApplicationProtocolNegotiationHandler {
    AlpnSelector() {
      super(ApplicationProtocolNames.HTTP_1_1);
    }

    @Override
    protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
      ChannelPipeline pipeline = ctx.pipeline();
      if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
        addHttp2(pipeline, ctx.name());
      } else if (ApplicationProtocolNames.HTTP_1_1.equals(protocol)) {
        pipeline.addAfter(ctx.name(), "http1-codec", http1Codec());
        addHttp1Chain(pipeline, "http1-codec");
      } else {
        throw new IllegalStateException("unexpected ALPN protocol: " + protocol);
      }
    }
  }

  /**
   * Installs the HTTP/1.1 handlers when the first plain HTTP/1 request arrives. A connection that
   * switches to HTTP/2 never gets them; its requests live on stream channels. A client asks for h2c
   * with its first request (RFC 7540 3.2), and a server may ignore Upgrade (RFC 9110 7.8), so a
   * connection still on HTTP/1.1 after it stays so: the upgrade handler leaves with the installer,
   * or every later request and body chunk would pass through it.
   */
  private final class Http1ChainInstaller extends SimpleChannelInboundHandler<HttpMessage> {
    Http1ChainInstaller() {
      super(false);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpMessage msg) {
      addHttp1Chain(ctx.pipeline(), ctx.name());
      if (ctx.pipeline().get(HttpServerUpgradeHandler.class) != null) {
        ctx.pipeline().remove(HttpServerUpgradeHandler.class);
      }
      ctx.pipeline().remove(this);
      ctx.fireChannelRead(msg);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
      if (msg instanceof HttpMessage) {
        super.channelRead(ctx, msg);
      } else {
        // Connection-level HTTP/2 frames (SETTINGS, PING) after a switch to HTTP/2: handled.
        ReferenceCountUtil.release(msg);
      }
    }
  }
}
