package io.zrouter.router.frontend;

import io.netty.channel.Channel;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.Attribute;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * The client's address as {@code X-Forwarded-For} ({@code ip}) and workers ({@code ipAndPort}, IPv6
 * in brackets) see it. Formatted once per connection, not twice per request.
 */
record ClientAddress(String ip, String ipAndPort) {
  private static final AttributeKey<ClientAddress> KEY =
      AttributeKey.valueOf(ClientAddress.class, "client");

  /** The client of {@code channel}'s connection (an HTTP/2 stream's: its parent's). */
  static ClientAddress of(Channel channel) {
    Channel connection = channel instanceof Http2StreamChannel ? channel.parent() : channel;
    Attribute<ClientAddress> attribute = connection.attr(KEY);
    ClientAddress address = attribute.get();
    if (address == null) {
      address = of(connection.remoteAddress());
      attribute.set(address);
    }
    return address;
  }

  static ClientAddress of(SocketAddress address) {
    if (address instanceof InetSocketAddress inet && inet.getAddress() != null) {
      String ip = inet.getAddress().getHostAddress();
      String host = ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip;
      return new ClientAddress(ip, host + ":" + inet.getPort());
    }
    return new ClientAddress("unknown", String.valueOf(address));
  }
}
