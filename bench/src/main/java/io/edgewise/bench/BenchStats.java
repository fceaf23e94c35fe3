package io.edgewise.bench;

import java.util.Arrays;

/** The summaries every experiment driver of this module uses: one copy each. */
public final class BenchStats {
  private BenchStats() {}

  /** The arithmetic mean (NaN for no values). */
  public static double mean(double[] v) {
    return Arrays.stream(v).average().orElse(Double.NaN);
  }

  /** Nearest-rank percentile, p in [0, 100] (NaN for no values). */
  public static double percentile(double[] values, double p) {
    if (values.length == 0) {
      return Double.NaN;
    }
    double[] s = values.clone();
    Arrays.sort(s);
    int rank = (int) Math.ceil(p / 100 * s.length);
    return s[Math.max(0, Math.min(s.length - 1, rank - 1))];
  }

}
