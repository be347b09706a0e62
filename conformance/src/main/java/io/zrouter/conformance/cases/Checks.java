package io.zrouter.conformance.cases;

import io.zrouter.conformance.http.Reply;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;

/** Assertions and bounded polling for cases; every failure is a {@link CaseFailure}. */
final class Checks {
  private Checks() {}

  static void check(boolean condition, String message, Object... args) throws CaseFailure {
    if (!condition) {
      throw new CaseFailure(String.format(message, args));
    }
  }

  /** A 200 whose {@code x-worker-id} is present. */
  static Reply ok(Reply r, String what) throws CaseFailure {
    check(r.status() == 200, "%s: expected 200, got %s", what, r.describe());
    check(r.workerId() != null, "%s: no x-worker-id header (%s)", what, r.describe());
    return r;
  }

  /**
   * Calls {@code probe} every {@code every} until it returns non-null, for at most {@code timeout};
   * the value it returned.
   */
  static <T> T poll(Duration timeout, Duration every, String waitingFor, Callable<T> probe)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      T value = probe.call();
      if (value != null) {
        return value;
      }
      if (System.nanoTime() > deadline) {
        throw new CaseFailure(
            "waited " + timeout.toMillis() + " ms in vain for " + waitingFor + "");
      }
      LockSupport.parkNanos(every.toNanos());
    }
  }

  static String ms(double millis) {
    return millis < 10 ? String.format("%.1f ms", millis) : String.format("%.0f ms", millis);
  }

  static double millisSince(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e6;
  }
}
