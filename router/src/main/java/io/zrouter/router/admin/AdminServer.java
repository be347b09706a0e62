package io.zrouter.router.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.zrouter.router.stream.StreamRegistry;
import io.zrouter.router.upstream.WorkerLink;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The admin listener ({@code --admin-listen}, loopback by default): read-only views of the router
 * for operators. On its own small event loop, so it answers while traffic saturates the frontend,
 * and never shares a port with users' traffic.
 */
public final class AdminServer implements AutoCloseable {
  private final EventLoopGroup group;
  private final Channel listener;

  private AdminServer(EventLoopGroup group, Channel listener) {
    this.group = group;
    this.listener = listener;
  }

  /** Binds the admin address. */
  public static AdminServer start(InetSocketAddress listen, WorkerLink link, StreamRegistry streams)
      throws InterruptedException {
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    try {
      Channel listener =
          new ServerBootstrap()
              .group(group)
              .channel(NioServerSocketChannel.class)
              .childHandler(
                  new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                      ch.pipeline()
                          .addLast(new HttpServerCodec())
                          .addLast(new HttpServerKeepAliveHandler())
                          .addLast(new HttpObjectAggregator(64 * 1024))
                          .addLast(new AdminHandler(link, streams));
                    }
                  })
              .bind(listen)
              .sync()
              .channel();
      return new AdminServer(group, listener);
    } catch (InterruptedException | RuntimeException e) {
      group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      throw e;
    }
  }

  public InetSocketAddress address() {
    return (InetSocketAddress) listener.localAddress();
  }

  @Override
  public void close() {
    listener.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
