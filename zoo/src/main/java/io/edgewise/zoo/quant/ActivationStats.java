package io.edgewise.zoo.quant;

/**
 * The running statistics of one activation tensor over a calibration set: its min and max, and a histogram of |x|
 * whose range doubles (merging bin pairs) when a larger value arrives, so one pass serves min-max, percentile and
 * entropy calibration alike.
 */
public final class ActivationStats {
  static final int BINS = 2048;
  private double min = Double.POSITIVE_INFINITY;
  private double max = Double.NEGATIVE_INFINITY;
  private double range;
  private final long[] hist = new long[BINS];
  private long count;

  void add(float[] v) {
    double localMax = 0;
    for (float x : v) {
      if (Float.isFinite(x)) {
        min = Math.min(min, x);
        max = Math.max(max, x);
        localMax = Math.max(localMax, Math.abs(x));
      }
    }
    if (range == 0) {
      range = localMax > 0 ? localMax : 0;
    }
    while (localMax > range) {
      // halve the resolution: bin i takes bins 2i and 2i+1
      for (int i = 0; i < BINS / 2; i++) {
        hist[i] = hist[2 * i] + hist[2 * i + 1];
      }
      java.util.Arrays.fill(hist, BINS / 2, BINS, 0);
      range *= 2;
    }
    if (range == 0) {
      count += v.length;
      hist[0] += v.length;
      return;
    }
    double perBin = BINS / range;
    for (float x : v) {
      if (Float.isFinite(x)) {
        hist[Math.min(BINS - 1, (int) (Math.abs(x) * perBin))]++;
        count++;
      }
    }
  }

  public double min() {
    return min;
  }

  public double max() {
    return max;
  }

  /** The value of |x| below which {@code percentile}% of the observations fall (upper bin edge). */
  public double percentileAbs(double percentile) {
    long target = (long) Math.ceil(count * percentile / 100.0);
    long seen = 0;
    for (int i = 0; i < BINS; i++) {
      seen += hist[i];
      if (seen >= target) {
        return (i + 1) * range / BINS;
      }
    }
    return range;
  }

  /**
   * The |x| threshold minimising the KL divergence between the clipped distribution and its quantized form on
   * {@code levels} levels (the TensorRT calibration method), searched over every bin edge from {@code levels} up.
   */
  public double entropyThreshold(int levels) {
    if (range == 0 || count == 0) {
      return range;
    }
    double best = Double.POSITIVE_INFINITY;
    int bestEdge = BINS;
    for (int edge = levels; edge <= BINS; edge++) {
      double[] p = new double[edge];
      for (int i = 0; i < edge; i++) {
        p[i] = hist[i];
      }
      for (int i = edge; i < BINS; i++) {
        p[edge - 1] += hist[i];
      }
      // q: the first `edge` bins merged into `levels` groups, each group's mass spread over its non-empty bins
      double[] q = new double[edge];
      for (int l = 0; l < levels; l++) {
        int from = (int) ((long) l * edge / levels);
        int to = (int) ((long) (l + 1) * edge / levels);
        double mass = 0;
        int nonEmpty = 0;
        for (int i = from; i < to; i++) {
          mass += hist[i];
          if (hist[i] > 0) {
            nonEmpty++;
          }
        }
        for (int i = from; i < to; i++) {
          q[i] = hist[i] > 0 ? mass / nonEmpty : 0;
        }
      }
      double kl = kl(p, q);
      if (kl < best) {
        best = kl;
        bestEdge = edge;
      }
    }
    return bestEdge * range / BINS;
  }

  private static double kl(double[] p, double[] q) {
    double ps = 0;
    double qs = 0;
    for (int i = 0; i < p.length; i++) {
      ps += p[i];
      qs += q[i];
    }
    if (ps == 0 || qs == 0) {
      return Double.POSITIVE_INFINITY;
    }
    double kl = 0;
    for (int i = 0; i < p.length; i++) {
      if (p[i] > 0) {
        double pi = p[i] / ps;
        double qi = q[i] / qs;
        // a bin q says is empty while p has mass: penalise without an infinity (TensorRT smooths likewise)
        kl += pi * Math.log(pi / Math.max(qi, 1e-12));
      }
    }
    return kl;
  }

  /** The clipping range [lo, hi] a calibration method chooses (always containing 0). */
  public double[] range(String method, double percentile) {
    double lo = Math.min(0, min);
    double hi = Math.max(0, max);
    double t = switch (method) {
      case "minmax" -> Double.POSITIVE_INFINITY;
      case "percentile" -> percentileAbs(percentile);
      case "entropy" -> entropyThreshold(128);
      default -> throw new IllegalArgumentException(method);
    };
    return new double[] {Math.max(lo, -t), Math.min(hi, t)};
  }
}
