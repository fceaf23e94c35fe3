package io.edgewise.serve.dystri;

/**
 * The recent errors of the coordinator's finish predictions (observed round trip minus predicted finish, ms) and
 * their upper tail: the margin a level must leave before its deadline. A window of the last {@code capacity}
 * errors, so the margin follows the machine's load as it changes; until {@code minSamples} have been seen there is
 * no tail ({@link #tailMs} returns NaN and the caller falls back on its per-level deviations). Thread-safe.
 */
final class ErrorTail {
  private final double[] window;
  private final double quantile;
  private final int minSamples;
  private int next;
  private long count;

  /**
   * The planners' tail (the coordinator's and every node controller's: one setting, one rule): the 95th percentile
   * of the last 200 errors, none before 20.
   */
  static ErrorTail forPlanning() {
    return new ErrorTail(200, 0.95, 20);
  }

  /**
   * @param quantile the tail to report, in (0, 1]
   */
  ErrorTail(int capacity, double quantile, int minSamples) {
    if (capacity < 1 || !(quantile > 0 && quantile <= 1) || minSamples < 1 || minSamples > capacity) {
      throw io.edgewise.EdgewiseException.invalidArgument("ErrorTail: capacity >= 1, quantile in (0, 1], minSamples "
          + "in [1, capacity], got " + capacity + ", " + quantile + ", " + minSamples);
    }
    this.window = new double[capacity];
    this.quantile = quantile;
    this.minSamples = minSamples;
  }

  synchronized void observe(double errorMs) {
    window[next] = errorMs;
    next = (next + 1) % window.length;
    count++;
  }

  /** The quantile of the window's errors (nearest rank), never below 0; NaN with fewer than minSamples. */
  synchronized double tailMs() {
    int n = (int) Math.min(count, window.length);
    if (n < minSamples) {
      return Double.NaN;
    }
    double[] sorted = java.util.Arrays.copyOf(window, n);
    java.util.Arrays.sort(sorted);
    int rank = (int) Math.ceil(quantile * n);  // nearest rank, 1-based
    return Math.max(0, sorted[Math.max(1, rank) - 1]);
  }
}
