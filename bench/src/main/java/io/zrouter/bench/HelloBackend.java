package io.zrouter.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The upstream for the nginx and haproxy baselines in {@code bench/run.sh} and {@code
 * bench/suite.py}: a plain Netty HTTP/1.1 keep-alive server. {@code POST /echo} answers {@code 200}
 * with the request body and its content type (bodies up to 1 MiB; larger gets 413), like the sample
 * worker's {@code /echo}; {@code GET /bytes?n=N} and {@code POST /sha256} stream, as the sample
 * worker's do (see {@link BulkHandler}); every other request gets {@code 200 text/plain "hello from
 * backend\n"}.
 *
 * <p>Flags: {@code --listen HOST:PORT} (port 0 picks a free one), {@code --threads N}. Once bound
 * it prints exactly one line, {@code listening HOST:PORT}, to stdout so a script can read the port.
 */
public final class HelloBackend {

  private static final byte[] BODY = "hello from backend\n".getBytes(StandardCharsets.US_ASCII);

  /** The largest request body aggregated; larger gets 413 from {@link HttpObjectAggregator}. */
  private static final int MAX_BODY = 1024 * 1024;

  private HelloBackend() {}

  public static void main(String[] args) throws InterruptedException {
    InetSocketAddress listen = new InetSocketAddress("127.0.0.1", 0);
    int threads = Runtime.getRuntime().availableProcessors();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--listen" -> listen = parseHostPort(valueOf(args, ++i, "--listen"));
        case "--threads" -> threads = Integer.parseInt(valueOf(args, ++i, "--threads"));
        case "-h", "--help" -> {
          System.out.println("usage: HelloBackend [--listen HOST:PORT] [--threads N]");
          return;
        }
        default -> throw new IllegalArgumentException("unknown flag: " + args[i]);
      }
    }

    boolean epoll = Epoll.isAvailable();
    IoHandlerFactory ioHandler = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    Class<? extends ServerSocketChannel> channelType =
        epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, ioHandler);
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> group.shutdownGracefully().syncUninterruptibly()));

    Channel server =
        new ServerBootstrap()
            .group(group)
            .channel(channelType)
            .option(ChannelOption.SO_BACKLOG, 1024)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.pipeline()
                        .addLast(
                            new HttpServerCodec(),
                            new BulkHandler(),
                            new HttpObjectAggregator(MAX_BODY),
                            new HelloHandler());
                  }
                })
            .bind(listen)
            .sync()
            .channel();

    InetSocketAddress bound = (InetSocketAddress) server.localAddress();
    System.out.println("listening " + bound.getAddress().getHostAddress() + ":" + bound.getPort());
    System.out.flush();
    System.err.println("transport = " + (epoll ? "epoll" : "nio") + ", threads = " + threads);
    server.closeFuture().sync();
  }

  private static String valueOf(String[] args, int i, String flag) {
    if (i >= args.length) {
      throw new IllegalArgumentException(flag + " needs a value");
    }
    return args[i];
  }

  private static InetSocketAddress parseHostPort(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("expected HOST:PORT, got " + hostPort);
    }
    return new InetSocketAddress(
        hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
  }

  /**
   * Answers each aggregated request: {@code POST /echo} with its body, anything else with {@link
   * #BODY}. Writes are flushed once per read batch, which keeps pipelined requests cheap.
   */
  private static final class HelloHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
      // SimpleChannelInboundHandler releases request after this returns.
      FullHttpResponse response = isEcho(request) ? echo(request) : hello(ctx);
      if (HttpUtil.isKeepAlive(request)) {
        ctx.write(response);
      } else {
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
      }
    }

    private static boolean isEcho(FullHttpRequest request) {
      return HttpMethod.POST.equals(request.method())
          && "/echo".equals(new QueryStringDecoder(request.uri()).path());
    }

    private static FullHttpResponse hello(ChannelHandlerContext ctx) {
      ByteBuf body = ctx.alloc().buffer(BODY.length).writeBytes(BODY);
      FullHttpResponse response =
          new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
      response
          .headers()
          .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
          .setInt(HttpHeaderNames.CONTENT_LENGTH, BODY.length);
      return response;
    }

    /** The request's bytes and content type, sent back; the body buffer is shared, not copied. */
    private static FullHttpResponse echo(FullHttpRequest request) {
      ByteBuf body = request.content().retain();
      FullHttpResponse response =
          new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
      String contentType = request.headers().get(HttpHeaderNames.CONTENT_TYPE);
      if (contentType != null) {
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
      }
      response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
      return response;
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      ctx.flush();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // A load generator resetting its connections at the end of a run is normal here; the
      // connection is simply dropped.
      ctx.close();
    }
  }
}
