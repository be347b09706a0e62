package io.zrouter.worker.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Makes the worker's handler threads, {@code zrouter-handler-N}: virtual threads where the JDK has
 * them (21 and later), so that hundreds of handlers blocked on a database cost little, and platform
 * threads on Java 17. Remembers every thread it made, so the worker can tell its own handler
 * threads and wait for them to end.
 *
 * <p>Virtual threads are found by reflection, once: the SDK is built and runs on Java 17, and one
 * lookup keeps a single build JDK where a multi-release jar would need a Java 21 compiler in every
 * build.
 */
public final class HandlerThreads implements ThreadFactory {
  private static final String PREFIX = "zrouter-handler-";

  private final ThreadFactory virtualThreads;
  private final AtomicInteger next = new AtomicInteger(1);
  private final List<Thread> created = new ArrayList<>();

  /** Virtual threads when {@code preferVirtual} and the JDK has them, else platform threads. */
  public HandlerThreads(boolean preferVirtual) {
    this.virtualThreads = preferVirtual ? virtualThreadFactory() : null;
  }

  /** Whether the threads made are virtual. */
  public boolean virtual() {
    return virtualThreads != null;
  }

  @Override
  public synchronized Thread newThread(Runnable r) {
    String name = PREFIX + next.getAndIncrement();
    Thread t;
    if (virtualThreads != null) {
      t = virtualThreads.newThread(r);
      t.setName(name);
    } else {
      t = new Thread(r, name);
    }
    created.add(t);
    return t;
  }

  /** Whether {@code thread} is one of this factory's. */
  public synchronized boolean made(Thread thread) {
    return created.contains(thread);
  }

  /** Waits (bounded) until every thread made has ended, not just left the pool. */
  public void join(Duration timeout) throws InterruptedException {
    List<Thread> threads;
    synchronized (this) {
      threads = List.copyOf(created);
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    for (Thread t : threads) {
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (left <= 0) {
        return;
      }
      t.join(left);
    }
  }

  /** {@code Thread.ofVirtual().factory()}, or null before Java 21 (or with it disabled). */
  private static ThreadFactory virtualThreadFactory() {
    try {
      Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
      Class<?> builderType = Class.forName("java.lang.Thread$Builder");
      return (ThreadFactory) builderType.getMethod("factory").invoke(builder);
    } catch (ReflectiveOperationException | RuntimeException ignored) {
      // Java 17 to 20 (no virtual threads, or only as a preview): platform threads it is.
      return null;
    }
  }
}
