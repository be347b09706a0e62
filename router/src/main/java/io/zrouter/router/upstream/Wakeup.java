package io.zrouter.router.upstream;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.SelectableChannel;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Wakes the worker-link thread out of its ZeroMQ poll when another thread queued work.
 *
 * <p>A pipe's read end sits in the same poller as the ZeroMQ socket. Producers write one byte only
 * when no wake-up is pending, so a burst of requests costs one syscall, and the link thread drains
 * everything queued in one pass.
 */
final class Wakeup implements AutoCloseable {
  private final Pipe pipe;
  private final AtomicBoolean pending = new AtomicBoolean();
  private final ByteBuffer one = ByteBuffer.allocateDirect(1);
  private final ByteBuffer drain = ByteBuffer.allocateDirect(64);

  Wakeup() {
    try {
      pipe = Pipe.open();
      pipe.source().configureBlocking(false);
      pipe.sink().configureBlocking(false);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open wake-up pipe", e);
    }
  }

  /** The channel to register for reading in the poller. */
  SelectableChannel channel() {
    return pipe.source();
  }

  /** Any thread: make sure the link thread wakes up soon. */
  void signal() {
    if (pending.compareAndSet(false, true)) {
      synchronized (one) {
        one.clear();
        try {
          pipe.sink().write(one);
        } catch (IOException ignored) {
          // Only fails once the pipe is closed at shutdown, when nobody is waiting any more.
        }
      }
    }
  }

  /**
   * Link thread: acknowledge the wake-up. Call before draining the queues, so a producer that
   * queues during the drain signals again.
   */
  void clear() {
    pending.set(false);
    try {
      while (true) {
        drain.clear();
        if (pipe.source().read(drain) <= 0) {
          return;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("wake-up pipe failed", e);
    }
  }

  @Override
  public void close() {
    try {
      pipe.sink().close();
      pipe.source().close();
    } catch (IOException ignored) {
      // Closing at shutdown; nothing left to recover.
    }
  }
}
