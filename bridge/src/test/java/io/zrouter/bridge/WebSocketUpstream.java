package io.zrouter.bridge;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A WebSocket app behind the bridge (the JDK has no WebSocket server; Netty does): at {@code /ws}
 * it speaks subprotocol {@code chat} when offered, echoes text and binary messages (whole, up to 1
 * MiB), answers {@code "close please"} by closing with 4000 "bye", and records the close the other
 * side sent.
 */
final class WebSocketUpstream implements AutoCloseable {
  private final EventLoopGroup group =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final Channel server;

  /** The close frames the upstream received: status code and reason. */
  final LinkedBlockingQueue<String> closesReceived = new LinkedBlockingQueue<>();

  /** Completes when a session's connection to the upstream closes. */
  final CompletableFuture<Void> connectionClosed = new CompletableFuture<>();

  WebSocketUpstream() throws InterruptedException {
    server =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.closeFuture().addListener(f -> connectionClosed.complete(null));
                    ch.pipeline()
                        .addLast(new HttpServerCodec())
                        .addLast(new HttpObjectAggregator(65536))
                        .addLast(
                            new WebSocketServerProtocolHandler(
                                WebSocketServerProtocolConfig.newBuilder()
                                    .websocketPath("/ws")
                                    .subprotocols("chat")
                                    .handleCloseFrames(false)
                                    .maxFramePayloadLength(1 << 20)
                                    .build()))
                        .addLast(new WebSocketFrameAggregator(1 << 20))
                        .addLast(new NotFound())
                        .addLast(new Echo());
                  }
                })
            .bind(new InetSocketAddress("127.0.0.1", 0))
            .sync()
            .channel();
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort());
  }

  /** Plain HTTP (any path but {@code /ws}, which the protocol handler took): 404. */
  private static final class NotFound extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
      DefaultFullHttpResponse response =
          new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_FOUND);
      HttpUtil.setContentLength(response, 0);
      ctx.writeAndFlush(response);
    }
  }

  /** Echoes messages; whoever consumes a frame releases it (SimpleChannelInboundHandler does). */
  private final class Echo extends SimpleChannelInboundHandler<WebSocketFrame> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
      if (frame instanceof TextWebSocketFrame text) {
        if (text.text().equals("close please")) {
          ctx.writeAndFlush(new CloseWebSocketFrame(4000, "bye"));
        } else {
          ctx.writeAndFlush(new TextWebSocketFrame(text.text()));
        }
      } else if (frame instanceof BinaryWebSocketFrame binary) {
        ctx.writeAndFlush(new BinaryWebSocketFrame(Unpooled.copiedBuffer(binary.content())));
      } else if (frame instanceof CloseWebSocketFrame close) {
        closesReceived.add(close.statusCode() + " " + close.reasonText());
        // answer the close, then hang up, as a server does
        ctx.writeAndFlush(new CloseWebSocketFrame(close.statusCode(), ""))
            .addListener(f -> ctx.close());
      }
    }
  }

  @Override
  public void close() throws InterruptedException {
    server.close().sync();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
  }
}
