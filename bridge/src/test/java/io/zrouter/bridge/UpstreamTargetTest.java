package io.zrouter.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import org.junit.jupiter.api.Test;

class UpstreamTargetTest {
  private static final URI APP = URI.create("http://127.0.0.1:3000");

  @Test
  void targets_goAsTheyCame_percentEncodingKept() {
    UpstreamTarget target = new UpstreamTarget(APP, null);

    assertThat(target.http("/a/b?q=1&r=%2F")).hasToString("http://127.0.0.1:3000/a/b?q=1&r=%2F");
    assertThat(target.webSocket("/ws?x")).hasToString("ws://127.0.0.1:3000/ws?x");
    assertThat(new UpstreamTarget(URI.create("https://h"), null).webSocket("/"))
        .hasToString("wss://h/");
  }

  @Test
  void aBasePath_goesInFront() {
    UpstreamTarget target = new UpstreamTarget(URI.create("http://h:1/base"), null);

    assertThat(target.http("/x?y")).hasToString("http://h:1/base/x?y");
  }

  @Test
  void stripPrefix_onSegmentBoundariesOnly() {
    UpstreamTarget target = new UpstreamTarget(APP, "/api");

    assertThat(target.path("/api/users?x=1")).isEqualTo("/users?x=1");
    assertThat(target.path("/api")).isEqualTo("/");
    assertThat(target.path("/api?x")).isEqualTo("/?x");
    assertThat(target.path("/api/")).isEqualTo("/");
    assertThat(target.path("/apix")).isEqualTo("/apix");
    assertThat(target.path("/other/api")).isEqualTo("/other/api");
  }

  @Test
  void charactersAUriMayNotHold_arePercentEncoded_octetForOctet() {
    assertThat(UpstreamTarget.escapeIllegal("/a b|{c}?q=\"x\""))
        .isEqualTo("/a%20b%7C%7Bc%7D?q=%22x%22");
    assertThat(UpstreamTarget.escapeIllegal("/caf\u00e9")).isEqualTo("/caf%E9");
    assertThat(UpstreamTarget.escapeIllegal("/plain/a-b_c.d~e!$&'()*+,;=:@%41"))
        .isEqualTo("/plain/a-b_c.d~e!$&'()*+,;=:@%41");
  }

  @Test
  void aTargetNotInOriginForm_cannotGoUpstream() {
    UpstreamTarget target = new UpstreamTarget(APP, null);

    assertThatThrownBy(() -> target.http("*")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> target.http("/bad%zz")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void clientAddress_isTheIpOfTheRemoteAddress() {
    assertThat(UpstreamHeaders.clientAddress("10.1.2.3:5555")).isEqualTo("10.1.2.3");
    assertThat(UpstreamHeaders.clientAddress("[::1]:5555")).isEqualTo("::1");
    assertThat(UpstreamHeaders.clientAddress("fe80::1:5555")).isEqualTo("fe80::1");
    assertThat(UpstreamHeaders.clientAddress("")).isEmpty();
  }
}
