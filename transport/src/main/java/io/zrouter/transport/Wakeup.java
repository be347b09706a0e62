package io.zrouter.transport;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.Pipe;
import java.nio.channels.SelectableChannel;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Wakes a thread (the router's link thread, a worker's IO thread) out of its {@code ZMQ.Poller}
 * when another thread queued work for it.
 *
 * <p>A {@link Pipe} whose source end is registered in the poller, plus a flag so producers write at
 * most one byte per drain cycle: {@link #signal()} writes only when it flips the flag from clear to
 * set. The IO thread calls {@link #acknowledge()} (read the pending bytes, then clear the flag)
 * <em>before</em> draining its queues, so work queued after the drain started always writes a fresh
 * byte and nothing is missed.
 *
 * <p>The sink is an interruptible channel: a write from an interrupted thread would close it. So
 * {@link #signal()} clears the caller's interrupt status around the write and restores it. If the
 * pipe breaks anyway (an interrupt racing the write), the source reports end-of-stream and the IO
 * thread {@linkplain #reopen() reopens} it.
 */
public final class Wakeup implements Closeable {
  private final AtomicBoolean signalled = new AtomicBoolean();
  private static final byte[] ONE_BYTE = {1};
  private final ByteBuffer drain = ByteBuffer.allocate(64);
  private volatile Pipe pipe;
  private volatile boolean closed;

  public Wakeup() throws IOException {
    this.pipe = open();
  }

  private static Pipe open() throws IOException {
    Pipe p = Pipe.open();
    p.source().configureBlocking(false);
    return p;
  }

  /** The channel to register in the poller for reading. */
  public SelectableChannel channel() {
    return pipe.source();
  }

  /** Any thread: make sure the IO thread wakes up and drains its queues. */
  public void signal() {
    if (!signalled.compareAndSet(false, true)) {
      return; // a byte is already on its way for this drain cycle
    }
    boolean interrupted = Thread.interrupted();
    try {
      pipe.sink().write(ByteBuffer.wrap(ONE_BYTE));
    } catch (ClosedChannelException ignored) {
      // Closed by close() (the IO thread is gone) or by an interrupt racing the write; in the
      // latter case the IO thread sees end-of-stream on the source and reopens the pipe.
    } catch (IOException e) {
      signalled.set(false); // no byte went out: let the next producer try again
      throw new UncheckedIOException("wake-up pipe failed", e);
    } catch (RuntimeException | Error e) {
      signalled.set(false);
      throw e;
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * IO thread: consume the wake-up. Reads every pending byte, then clears the flag; call before
   * draining the queues.
   *
   * @return false when the pipe is broken and must be {@linkplain #reopen() reopened}
   */
  public boolean acknowledge() throws IOException {
    boolean healthy = true;
    Pipe.SourceChannel source = pipe.source();
    while (true) {
      drain.clear();
      int n;
      try {
        n = source.read(drain);
      } catch (ClosedChannelException e) {
        n = -1;
      }
      if (n < 0) {
        healthy = false;
        break;
      }
      if (n == 0) {
        break;
      }
    }
    signalled.set(false);
    return healthy;
  }

  /** IO thread: replace a broken pipe. Register {@link #channel()} in the poller again after. */
  public void reopen() throws IOException {
    Pipe old = pipe;
    pipe = open();
    closeQuietly(old);
    signalled.set(false);
  }

  /** Whether {@link #close()} was called. */
  public boolean isClosed() {
    return closed;
  }

  @Override
  public void close() {
    closed = true;
    closeQuietly(pipe);
  }

  private static void closeQuietly(Pipe p) {
    try {
      p.sink().close();
    } catch (IOException ignored) {
      // closing a pipe end has nothing to flush; nothing useful to do with the failure
    }
    try {
      p.source().close();
    } catch (IOException ignored) {
      // as above
    }
  }
}
