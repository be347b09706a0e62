package io.zrouter.router.upstream;

/**
 * A worker's typical response latency: a moving average of the logarithm of its samples, so a
 * geometric mean. One request that takes a hundred times longer than the rest moves it by a
 * fraction, while a worker that is slow on every request shows within a second or two of traffic.
 * Link thread only.
 */
final class TypicalLatency {
  /** Weight of each new sample: about the last 20 samples count. */
  private static final double WEIGHT = 0.05;

  /** Below this the clock's resolution and scheduling noise dominate. */
  private static final long FLOOR_NANOS = 100_000;

  private double logNanos;
  private long samples;

  void sample(long nanos) {
    double x = Math.log(Math.max(FLOOR_NANOS, nanos));
    logNanos = samples == 0 ? x : logNanos + WEIGHT * (x - logNanos);
    samples++;
  }

  long samples() {
    return samples;
  }

  /** The typical latency; 0 before the first sample. */
  long nanos() {
    return samples == 0 ? 0 : Math.round(Math.exp(logNanos));
  }
}
