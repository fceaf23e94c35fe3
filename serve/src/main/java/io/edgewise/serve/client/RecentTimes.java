package io.edgewise.serve.client;

import java.util.Arrays;

/**
 * The last {@code capacity} measured times (ms) and their nearest-rank quantiles: the local variant's p99 and the
 * hand-over time of {@link BudgetedCall} follow the machine as its load changes, which a mean over all time would not.
 * Not thread-safe: the owner synchronizes.
 */
final class RecentTimes {
  private final double[] ring;
  private long count;

  RecentTimes(int capacity) {
    ring = new double[capacity];
  }

  void add(double ms) {
    ring[(int) (count % ring.length)] = ms;
    count++;
  }

  long count() {
    return count;
  }

  /** Nearest-rank quantile q in [0, 1] of the times held (0: the smallest); NaN when none. */
  double quantile(double q) {
    int n = (int) Math.min(count, ring.length);
    if (n == 0) {
      return Double.NaN;
    }
    double[] sorted = Arrays.copyOf(ring, n);
    Arrays.sort(sorted);
    return sorted[Math.max(0, (int) Math.ceil(q * n) - 1)];
  }
}
