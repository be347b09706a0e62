package io.zrouter.worker.internal;

import io.zrouter.transport.Wakeup;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Frames on their way from handler threads to the IO thread, which alone may touch the socket.
 *
 * <p>Producers append and {@linkplain Wakeup#signal() signal}; the IO thread drains everything
 * queued in one go and sends it in as few messages as it can. The queue also carries the worker's
 * back-pressure: it counts the bytes accepted but not yet handed to ZeroMQ, and a producer offering
 * body data waits while that count is over the limit (a slow or stalled router slows the handlers
 * down instead of filling the heap). Control frames never wait.
 */
public final class OutboundQueue {
  private final ConcurrentLinkedQueue<OutboundFrame> frames = new ConcurrentLinkedQueue<>();
  private final AtomicLong pendingBytes = new AtomicLong();
  private final AtomicInteger budgetWaiters = new AtomicInteger();
  private final Object budgetLock = new Object();
  private final long byteLimit;
  private final Wakeup wakeup;
  private volatile boolean closed;
  private volatile Thread ioThread;

  public OutboundQueue(Wakeup wakeup, long byteLimit) {
    this.wakeup = wakeup;
    this.byteLimit = byteLimit;
  }

  /** The IO thread, once it runs: what it queues itself needs no wake-up, and never waits. */
  void ownedBy(Thread thread) {
    this.ioThread = thread;
  }

  /**
   * Whether the caller is the IO thread: a handler running inline there must never wait for budget
   * or credit, for only that thread could bring it.
   */
  boolean onIoThread() {
    return Thread.currentThread() == ioThread;
  }

  /**
   * Queues frames of {@code stream}, in order, and wakes the IO thread (unless it is the caller: it
   * drains the queue before it polls again).
   *
   * @param waitForBudget wait first while more than the limit is pending (for body data)
   * @throws InterruptedIOException when interrupted while waiting
   * @throws IOException when the worker has closed or the stream was cancelled meanwhile
   */
  void offer(WorkerStream stream, List<OutboundFrame> batch, boolean waitForBudget)
      throws IOException {
    boolean fromIoThread = onIoThread();
    if (waitForBudget && !fromIoThread) {
      awaitBudget(stream);
    }
    if (closed) {
      throw new IOException("worker closed");
    }
    stream.ensureOpen();
    long bytes = 0;
    for (OutboundFrame frame : batch) {
      bytes += frame.bytes().length;
    }
    pendingBytes.addAndGet(bytes);
    frames.addAll(batch);
    if (!fromIoThread) {
      wakeup.signal();
    }
  }

  private void awaitBudget(WorkerStream stream) throws IOException {
    if (pendingBytes.get() <= byteLimit) {
      return;
    }
    budgetWaiters.incrementAndGet();
    try {
      synchronized (budgetLock) {
        while (pendingBytes.get() > byteLimit && !closed && !stream.isCancelled()) {
          budgetLock.wait();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting to send");
    } finally {
      budgetWaiters.decrementAndGet();
    }
  }

  /** IO thread: the next queued frame, or null. */
  OutboundFrame poll() {
    return frames.poll();
  }

  /** Whether nothing is queued. */
  boolean isEmpty() {
    return frames.isEmpty();
  }

  /** IO thread: a frame's bytes left the queue for ZeroMQ (or were dropped). */
  void release(int bytes) {
    long now = pendingBytes.addAndGet(-bytes);
    if (now <= byteLimit && budgetWaiters.get() > 0) {
      synchronized (budgetLock) {
        budgetLock.notifyAll();
      }
    }
  }

  /** Bytes accepted and not yet handed to ZeroMQ. */
  long pendingBytes() {
    return pendingBytes.get();
  }

  /** A stream was cancelled: a producer waiting for budget on it must give up at once. */
  void wakeBudgetWaiters() {
    if (budgetWaiters.get() > 0) {
      synchronized (budgetLock) {
        budgetLock.notifyAll();
      }
    }
  }

  /** Refuses further frames and releases every waiting producer. */
  public void close() {
    closed = true;
    synchronized (budgetLock) {
      budgetLock.notifyAll();
    }
  }
}
