package io.zrouter.worker.internal;

import io.zrouter.proto.FrameCodec;
import java.io.IOException;
import java.io.InterruptedIOException;

/**
 * A stream's credit for response body bytes: the router grants it with {@code window_update} as its
 * client takes the bytes, and a handler writing faster than that waits here. So a slow client slows
 * the handler down instead of filling the router's (or this worker's) memory.
 */
final class SendWindow {
  private long available;
  private String closedBecause;

  private SendWindow(long available) {
    this.available = available;
  }

  /** The window every stream on the addressed path starts with. */
  static SendWindow initial() {
    return new SendWindow(FrameCodec.INITIAL_WINDOW);
  }

  /** For a stream the router cannot send credit to (no addressed path): never waits. */
  static SendWindow unlimited() {
    return new SendWindow(Long.MAX_VALUE / 2);
  }

  /** Takes {@code bytes} of credit if that much is there now. */
  synchronized boolean tryTake(int bytes) {
    if (closedBecause == null && available >= bytes) {
      available -= bytes;
      return true;
    }
    return false;
  }

  /**
   * Waits until {@code bytes} of credit are there ({@code bytes} must not exceed the initial
   * window), then takes them.
   *
   * @throws IOException when the window was closed (stream cancelled) meanwhile
   */
  synchronized void take(int bytes) throws IOException {
    try {
      while (closedBecause == null && available < bytes) {
        wait();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for flow-control credit");
    }
    if (closedBecause != null) {
      throw new IOException(closedBecause);
    }
    available -= bytes;
  }

  /** IO thread: the router granted more credit. */
  synchronized void grant(long bytes) {
    available += bytes;
    notifyAll();
  }

  /** Wakes and fails every waiter, now and later. */
  synchronized void close(String why) {
    if (closedBecause == null) {
      closedBecause = why;
      notifyAll();
    }
  }
}
