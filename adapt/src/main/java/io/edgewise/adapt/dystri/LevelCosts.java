package io.edgewise.adapt.dystri;

/**
 * Each level's latency as measured online: an exponential moving average of the observed times and of their absolute
 * deviation from it, starting from the ladder's measured cost. The estimate is the average plus {@code k} deviations:
 * on a shared machine the times have long tails (a busy 2-core VM stretched 0.24 ms runs to 17 ms, budget-bench), and
 * a deadline is missed by the tail, not by the mean. Thread-safe.
 */
public final class LevelCosts {
  private final double[] mean;
  private final double[] dev;
  private final double weight;
  private final double k;

  /**
   * @param weight weight of the newest observation (0, 1]
   * @param k deviations added to the average in {@link #estimate}
   */
  public LevelCosts(LevelLadder ladder, double weight, double k) {
    if (!(weight > 0 && weight <= 1) || !(k >= 0)) {
      throw io.edgewise.EdgewiseException.invalidArgument("LevelCosts: weight in (0, 1] and k >= 0, got " + weight
          + ", " + k);
    }
    this.mean = new double[ladder.size()];
    this.dev = new double[ladder.size()];
    for (int i = 0; i < mean.length; i++) {
      mean[i] = ladder.get(i).costMs();
      dev[i] = ladder.get(i).costMs() / 4;
    }
    this.weight = weight;
    this.k = k;
  }

  public synchronized void observe(int level, double ms) {
    dev[level] = (1 - weight) * dev[level] + weight * Math.abs(ms - mean[level]);
    mean[level] = (1 - weight) * mean[level] + weight * ms;
  }

  /** The average observed time of the level (ms). */
  public synchronized double mean(int level) {
    return mean[level];
  }

  /** The time to plan with: average plus k deviations (ms). */
  public synchronized double estimate(int level) {
    return mean[level] + k * dev[level];
  }

  /** Every level's average observed time (ms). */
  public synchronized double[] means() {
    return mean.clone();
  }

  /** Every level's estimate. */
  public synchronized double[] estimates() {
    double[] out = new double[mean.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = mean[i] + k * dev[i];
    }
    return out;
  }
}
