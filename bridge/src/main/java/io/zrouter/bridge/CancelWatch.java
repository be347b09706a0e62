package io.zrouter.bridge;

import io.zrouter.worker.Request;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops the upstream side of relays whose client went away.
 *
 * <p>The SDK marks such a request cancelled ({@link Request#isCancelled()}) and fails the handler's
 * next read or write; but a relay blocked on the upstream (waiting for its response head, or for
 * the next bytes of a stream that is quiet for now) neither reads nor writes the client's side. So
 * one timer thread looks at every relay in flight a few times a second, and runs the cancel actions
 * of those whose request was cancelled: they cancel the upstream exchange or close its body, which
 * aborts the upstream connection.
 */
final class CancelWatch implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CancelWatch.class);

  private final Set<Watched> inFlight = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService timer;

  CancelWatch(Duration every) {
    timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "bridge-cancel-watch");
              t.setDaemon(true);
              return t;
            });
    timer.scheduleWithFixedDelay(
        this::check, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Watches {@code request} until the returned handle is closed. */
  Watched watch(Request request) {
    Watched w = new Watched(request);
    inFlight.add(w);
    return w;
  }

  private void check() {
    for (Watched w : inFlight) {
      if (w.request.isCancelled()) {
        inFlight.remove(w);
        log.debug("client gone, stopping the upstream request_id = {}", w.request.requestId());
        w.cancel();
      }
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }

  /** One relay's cancel actions; closing it stops the watch. */
  final class Watched implements AutoCloseable {
    private final Request request;
    private final List<Runnable> onCancel = new CopyOnWriteArrayList<>();
    private volatile boolean cancelled;

    private Watched(Request request) {
      this.request = request;
    }

    /** Runs {@code action} when the client goes away, or at once if it already has. */
    void onCancel(Runnable action) {
      onCancel.add(action);
      if (cancelled && onCancel.remove(action)) {
        action.run();
      }
    }

    private void cancel() {
      cancelled = true;
      for (Runnable action : onCancel) {
        if (onCancel.remove(action)) {
          action.run();
        }
      }
    }

    @Override
    public void close() {
      inFlight.remove(this);
    }
  }
}
