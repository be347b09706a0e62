package io.zrouter.router;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A minimal HTTP/2 client speaking prior knowledge (the JDK client only does h2c by Upgrade). Each
 * request yields the aggregated response, or a reset.
 */
final class PriorKnowledgeClient implements AutoCloseable {

  /** What came back on one stream. */
  record Result(int status, String body, long resetCode, java.util.Map<String, String> trailers) {
    boolean wasReset() {
      return resetCode >= 0;
    }
  }

  private final EventLoopGroup group =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final Channel connection;

  PriorKnowledgeClient(int port) throws InterruptedException {
    connection =
        new Bootstrap()
            .group(group)
            .channel(NioSocketChannel.class)
            .handler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    ch.pipeline()
                        .addLast(Http2FrameCodecBuilder.forClient().build())
                        .addLast(new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
                  }
                })
            .connect("127.0.0.1", port)
            .sync()
            .channel();
  }

  CompletableFuture<Result> get(String path) throws InterruptedException {
    CompletableFuture<Result> result = new CompletableFuture<>();
    Http2StreamChannel stream =
        new Http2StreamChannelBootstrap(connection)
            .handler(
                new ChannelInitializer<Http2StreamChannel>() {
                  @Override
                  protected void initChannel(Http2StreamChannel ch) {
                    ch.pipeline()
                        .addLast(new Http2StreamFrameToHttpObjectCodec(false))
                        .addLast(new HttpObjectAggregator(16 * 1024 * 1024))
                        .addLast(new ResultHandler(result));
                  }
                })
            .open()
            .sync()
            .getNow();
    DefaultFullHttpRequest request =
        new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path);
    request.headers().set(HttpHeaderNames.HOST, "127.0.0.1");
    request.headers().set(HttpConversionUtil.ExtensionHeaderNames.SCHEME.text(), "http");
    stream.writeAndFlush(request);
    return result;
  }

  /**
   * Starts a GET and resets the stream (RST_STREAM CANCEL) as soon as the first response bytes
   * arrive. The future completes with the time of the reset, in {@link System#nanoTime()}.
   */
  CompletableFuture<Long> getThenResetAfterFirstData(String path) throws InterruptedException {
    CompletableFuture<Long> resetAt = new CompletableFuture<>();
    Http2StreamChannel stream =
        new Http2StreamChannelBootstrap(connection)
            .handler(
                new ChannelInboundHandlerAdapter() {
                  @Override
                  public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    boolean data = msg instanceof io.netty.handler.codec.http2.Http2DataFrame;
                    ReferenceCountUtil.release(msg);
                    if (data && !resetAt.isDone()) {
                      ctx.writeAndFlush(
                          new io.netty.handler.codec.http2.DefaultHttp2ResetFrame(
                              io.netty.handler.codec.http2.Http2Error.CANCEL));
                      resetAt.complete(System.nanoTime());
                    }
                  }
                })
            .open()
            .sync()
            .getNow();
    io.netty.handler.codec.http2.Http2Headers headers =
        new io.netty.handler.codec.http2.DefaultHttp2Headers()
            .method("GET")
            .path(path)
            .scheme("http")
            .authority("127.0.0.1");
    stream.writeAndFlush(new io.netty.handler.codec.http2.DefaultHttp2HeadersFrame(headers, true));
    return resetAt;
  }

  @Override
  public void close() {
    connection.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  private static final class ResultHandler extends ChannelInboundHandlerAdapter {
    private final CompletableFuture<Result> result;

    ResultHandler(CompletableFuture<Result> result) {
      this.result = result;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (msg instanceof FullHttpResponse response) {
          java.util.Map<String, String> trailers = new java.util.HashMap<>();
          response.trailingHeaders().forEach(e -> trailers.put(e.getKey(), e.getValue()));
          result.complete(
              new Result(
                  response.status().code(),
                  response.content().toString(StandardCharsets.UTF_8),
                  -1,
                  trailers));
        } else if (msg instanceof Http2ResetFrame reset) {
          result.complete(new Result(0, "", reset.errorCode(), java.util.Map.of()));
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof Http2ResetFrame reset) {
        result.complete(new Result(0, "", reset.errorCode(), java.util.Map.of()));
      }
      ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      result.completeExceptionally(new IllegalStateException("stream closed without a response"));
    }
  }
}
