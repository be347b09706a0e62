package io.zrouter.router.upstream;

import io.netty.channel.SingleThreadEventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.internal.ThreadExecutorMap;
import io.zrouter.transport.Wakeup;

/**
 * Wakes the link thread for commands queued by an event loop once per event-loop iteration, at its
 * end, instead of once per command.
 *
 * <p>An event loop reads many connections in one iteration and queues a request for each; the link
 * thread, quick to drain them, was usually asleep again by the next, so nearly every request paid a
 * pipe write on the event loop and a wake-up of the link thread. Now the first command of an
 * iteration schedules one signal for after the iteration's tasks (Netty's tail tasks), and the link
 * thread wakes once for all of them. Any other thread (admin, tests) signals at once.
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
    if (current instanceof SingleThreadEventLoop loop && !loop.isShuttingDown()) {
      PendingSignal signal = pending.get();
      if (!signal.scheduled) {
        signal.scheduled = true;
        loop.executeAfterEventLoopIteration(signal);
      }
      return;
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
