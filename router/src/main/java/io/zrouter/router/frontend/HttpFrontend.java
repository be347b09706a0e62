package io.zrouter.router.frontend;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/** The HTTP listener: accepts connections and runs their pipelines on Netty event loops. */
public final class HttpFrontend implements AutoCloseable {
  private final EventLoopGroup group;
  private final ChannelGroup connections;
  private final Channel listener;
  private final String transport;

  private HttpFrontend(
      EventLoopGroup group, ChannelGroup connections, Channel listener, String transport) {
    this.group = group;
    this.connections = connections;
    this.listener = listener;
    this.transport = transport;
  }

  /**
   * Binds the listen address; native epoll when available, NIO otherwise.
   *
   * @throws InterruptedException if interrupted while binding
   * @throws java.net.BindException (sneaky, from Netty) when the address is in use
   */
  public static HttpFrontend start(
      InetSocketAddress listen, int ioThreads, SslContext tls, ProxyContext proxy)
      throws InterruptedException {
    boolean epoll = Epoll.isAvailable();
    IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    Class<? extends ServerChannel> channelType =
        epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    // One event loop per core by default, not Netty's two: the link thread and JeroMQ's I/O
    // thread need cores too, and more loops than cores only adds wake-ups (docs/performance.md).
    int loops = ioThreads > 0 ? ioThreads : Runtime.getRuntime().availableProcessors();
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(loops, io);
    ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    try {
      Channel listener =
          new ServerBootstrap()
              .group(group)
              .channel(channelType)
              .option(ChannelOption.SO_BACKLOG, 1024)
              .option(ChannelOption.SO_REUSEADDR, true) // a restarted router takes its port back
              .childOption(ChannelOption.TCP_NODELAY, true)
              .childHandler(new FrontendInitializer(proxy, connections, tls))
              .bind(listen)
              .sync()
              .channel();
      return new HttpFrontend(group, connections, listener, epoll ? "epoll" : "nio");
    } catch (InterruptedException | RuntimeException e) {
      group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      throw e;
    }
  }

  /** The address actually bound (the real port when 0 was asked for). */
  public InetSocketAddress address() {
    return (InetSocketAddress) listener.localAddress();
  }

  /** "epoll" or "nio". */
  public String transport() {
    return transport;
  }

  /** Stops accepting new connections; open ones keep going. */
  public void stopAccepting() {
    listener.close().syncUninterruptibly();
  }

  /** Closes every connection and stops the event loops. */
  @Override
  public void close() {
    listener.close().syncUninterruptibly();
    connections.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
