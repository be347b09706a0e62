package io.zrouter.router.upstream;

import io.netty.channel.SingleThreadIoEventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.internal.ThreadExecutorMap;
import io.zrouter.transport.Wakeup;
import java.util.concurrent.RejectedExecutionException;

/**
 * Wakes the link thread for commands queued by an event loop once per event-loop iteration, at its
 * end, instead of once per command.
 *
 * <p>An event loop reads many connections in one iteration and queues a request for each; the link
 * thread, quick to drain them, was usually asleep again by the next, so nearly every request paid a
 * pipe write on the event loop and a wake-up of the link thread. Now the first command of an
 * iteration schedules one signal for after the iteration's tasks (Netty's tail tasks), and the link
 * thread wakes once for all of them. The admin server's event loops defer the same way; any other
 * thread (tests, a plain executor) signals at once.
 */
final class IterationWakeup {
  private final Wakeup wakeup;

  /** Each event loop's pending signal; event loop threads only. */
  private final FastThreadLocal<PendingSignal> pending =
      new FastThreadLocal<>() {
        @Override
        protected PendingSignal initialValue() {
          return new PendingSignal();
        }
      };

  IterationWakeup(Wakeup wakeup) {
    this.wakeup = wakeup;
  }

  /** Any thread: make sure the link thread wakes for what was just queued. */
  void signal() {
    EventExecutor current = ThreadExecutorMap.currentExecutor();
    // An I/O event loop runs its tail tasks every iteration (a DefaultEventLoop would not).
    if (current instanceof SingleThreadIoEventLoop loop && !loop.isShuttingDown()) {
      PendingSignal signal = pending.get();
      if (signal.scheduled) {
        return;
      }
      try {
        loop.executeAfterEventLoopIteration(signal);
        signal.scheduled = true;
        return;
      } catch (RejectedExecutionException e) {
        // shutting down, or its tail queue is bounded and full: signal now instead
      }
    }
    wakeup.signal();
  }

  private final class PendingSignal implements Runnable {
    boolean scheduled;

    @Override
    public void run() {
      scheduled = false;
      wakeup.signal();
    }
  }
}
