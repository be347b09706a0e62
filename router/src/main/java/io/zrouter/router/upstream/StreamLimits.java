package io.zrouter.router.upstream;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * How many of this router's streams each worker may hold, from how its typical latency compares
 * with the other workers'.
 *
 * <p>The DEALER hands every worker the same share of requests whatever its speed. A worker that
 * refuses only when all its handler threads are busy still runs that many requests at once, each as
 * slow as it is, so a worker ten times slower than the rest keeps a full slice of the traffic and
 * its clients wait. So a worker whose typical latency is over {@link #SLOW} times the median of the
 * workers is limited to its concurrency scaled down by how much slower it is, never below 1 (it
 * keeps being measured and recovers); the limit is lifted once it is under {@link #RECOVERED} times
 * the median (the gap between the two keeps a borderline worker from flapping). The worker then
 * refuses what is over its limit and the router sends it elsewhere. An idle fleet never fills any
 * limit: it only bites under load, where it moves requests to the faster workers.
 *
 * <p>With fewer than two workers measured there is nothing to compare: no limits. The same holds
 * when every worker is equally slow.
 */
final class StreamLimits {
  /** A limit of none: the worker runs up to its own concurrency. */
  static final int NONE = 0;

  static final double SLOW = 3.0;
  static final double RECOVERED = 2.0;

  /** Samples a worker needs before its latency counts. */
  static final long MIN_SAMPLES = 20;

  private StreamLimits() {}

  /** The median typical latency of the workers measured enough; 0 when fewer than two are. */
  static long reference(List<TypicalLatency> latencies) {
    List<Long> measured = new ArrayList<>(latencies.size());
    for (TypicalLatency l : latencies) {
      if (l.samples() >= MIN_SAMPLES) {
        measured.add(l.nanos());
      }
    }
    if (measured.size() < 2) {
      return 0;
    }
    Collections.sort(measured);
    return measured.get((measured.size() - 1) / 2); // the lower median: with two, the faster
  }

  /**
   * The next limit of a worker whose limit is {@code current}.
   *
   * @param concurrency how many requests the worker said it runs at once (0 when it did not say)
   */
  static int next(int current, TypicalLatency own, long reference, int concurrency) {
    if (reference <= 0 || own.samples() < MIN_SAMPLES) {
      return NONE;
    }
    double slower = (double) own.nanos() / reference;
    boolean limited = current != NONE ? slower > RECOVERED : slower > SLOW;
    if (!limited) {
      return NONE;
    }
    return (int) Math.max(1, Math.round(Math.max(1, concurrency) / slower));
  }
}
