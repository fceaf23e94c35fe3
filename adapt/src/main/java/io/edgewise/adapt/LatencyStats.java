package io.edgewise.adapt;

/**
 * Running mean and standard deviation of one variant's measured latency (Welford's update), and an exponential moving
 * average for a quantity that drifts (a network round trip): what {@link TimeBudgetRule} is fed, updated online from
 * every observation. Not thread-safe: one owner updates it.
 */
public final class LatencyStats {
  private long count;
  private double mean;
  private double m2;
  private double ema = Double.NaN;
  private final double emaWeight;

  /** @param emaWeight weight of the newest observation in the moving average (0, 1] */
  public LatencyStats(double emaWeight) {
    if (!(emaWeight > 0 && emaWeight <= 1)) {
      throw io.edgewise.EdgewiseException.invalidArgument("LatencyStats: EMA weight must be in (0, 1], got "
          + emaWeight);
    }
    this.emaWeight = emaWeight;
  }

  public void add(double ms) {
    count++;
    double delta = ms - mean;
    mean += delta / count;
    m2 += delta * (ms - mean);
    ema = Double.isNaN(ema) ? ms : (1 - emaWeight) * ema + emaWeight * ms;
  }

  public long count() {
    return count;
  }

  public double mean() {
    return mean;
  }

  /** Sample standard deviation (0 with fewer than two observations). */
  public double std() {
    return count < 2 ? 0 : Math.sqrt(m2 / (count - 1));
  }

  /** The exponential moving average (NaN before the first observation). */
  public double ema() {
    return ema;
  }
}
