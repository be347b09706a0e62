package io.zrouter.worker.internal;

import java.util.Arrays;

/**
 * The ZeroMQ routing id of one connected router: the envelope part the worker's ROUTER socket puts
 * before every message from it, and the address of every message back to it.
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

  /** Hex, for logs. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(bytes.length * 2);
    for (byte b : bytes) {
      sb.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
    }
    return sb.toString();
  }
}
