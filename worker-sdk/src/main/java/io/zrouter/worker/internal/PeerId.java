package io.zrouter.worker.internal;

import java.util.Arrays;

/**
 * The ZeroMQ routing id of one connected router: the envelope part the worker's ROUTER socket puts
 * before every message from it, and the address of every message back to it. The worker sets it to
 * the endpoint it connected to ({@code ZMQ_CONNECT_ROUTING_ID}), e.g. {@code tcp://10.0.0.5:5555},
 * so it also says where the router is.
 */
public final class PeerId {
  private final byte[] bytes;
  private final int hash;

  /** Wraps a routing id; the array must not be modified afterwards. */
  public PeerId(byte[] bytes) {
    this.bytes = bytes;
    this.hash = Arrays.hashCode(bytes);
  }

  /** The routing id; callers must not modify it. */
  byte[] bytes() {
    return bytes;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PeerId other && hash == other.hash && Arrays.equals(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  /** The endpoint for logs; hex when it is not printable ASCII. */
  @Override
  public String toString() {
    boolean printable = bytes.length > 0;
    for (byte b : bytes) {
      printable &= b >= 0x20 && b < 0x7F;
    }
    if (printable) {
      return new String(bytes, java.nio.charset.StandardCharsets.US_ASCII);
    }
    StringBuilder sb = new StringBuilder(bytes.length * 2);
    for (byte b : bytes) {
      sb.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
    }
    return sb.toString();
  }
}
