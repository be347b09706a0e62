package io.zrouter.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AddressedLinksTest {

  @ParameterizedTest
  @CsvSource({
    "tcp://127.0.0.1:5555, 6000, tcp://127.0.0.1:6000",
    "tcp://router.internal:5555, 6000, tcp://router.internal:6000",
    "tcp://[::1]:5555, 6000, tcp://[::1]:6000",
    "tcp://10.0.0.9:0;10.0.0.5:5555, 6000, tcp://10.0.0.5:6000",
    "tcp://10.0.0.5:5555, 65535, tcp://10.0.0.5:65535",
  })
  void addressedEndpoint_keepsTheHostAndTakesThePort(String router, int port, String expected) {
    assertThat(AddressedLinks.addressedEndpoint(router, port)).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource({
    "ipc:///tmp/router, 6000",
    "inproc://router, 6000",
    "tcp://10.0.0.5:5555, 0",
    "tcp://10.0.0.5:5555, 65536",
    "tcp://10.0.0.5:5555, -1",
    "tcp://:5555, 6000",
    "tcp://nohost, 6000",
  })
  void addressedEndpoint_isNullWhenThereIsNoUsableOne(String router, int port) {
    assertThat(AddressedLinks.addressedEndpoint(router, port)).isNull();
  }

  @Test
  void peerId_printsAnEndpointAsText() {
    assertThat(new PeerId("tcp://127.0.0.1:5555".getBytes())).hasToString("tcp://127.0.0.1:5555");
    assertThat(new PeerId(new byte[] {0, 1, (byte) 0xAB})).hasToString("0001ab");
  }
}
