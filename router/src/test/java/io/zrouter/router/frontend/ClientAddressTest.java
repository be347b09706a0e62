package io.zrouter.router.frontend;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/**
 * The client's address, as X-Forwarded-For and workers get it, and formatted once per connection.
 */
class ClientAddressTest {

  @Test
  void ipv4_andIpv6InBrackets() throws Exception {
    assertThat(ClientAddress.of(new InetSocketAddress(InetAddress.getByName("10.1.2.3"), 4321)))
        .isEqualTo(new ClientAddress("10.1.2.3", "10.1.2.3:4321"));
    assertThat(ClientAddress.of(new InetSocketAddress(InetAddress.getByName("::1"), 80)))
        .isEqualTo(new ClientAddress("0:0:0:0:0:0:0:1", "[0:0:0:0:0:0:0:1]:80"));
  }

  @Test
  void aConnectionsAddress_isFormattedOnce() {
    EmbeddedChannel channel = new EmbeddedChannel();
    ClientAddress first = ClientAddress.of(channel);
    assertThat(ClientAddress.of(channel)).isSameAs(first);
    assertThat(first.ip()).isEqualTo("unknown"); // not an IP socket
    channel.finishAndReleaseAll();
  }
}
