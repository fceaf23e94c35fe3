package io.edgewise.reuse;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Sets the H-kNN thresholds from an accuracy target, as FoggyCache makes its accuracy "tunable":
 * every time the model really runs (a miss, or an audited hit) we know the true label and what the neighbours
 * found by the lookup said, so we keep a window of such shadow decisions. Calibration picks the (radius,
 * homogeneity) pair that would have reused most often while the fraction of reused results agreeing with the
 * model stays at or above the target with one-sided 95% confidence (Wilson lower bound): with few samples it
 * stays conservative, and it loosens as evidence accumulates. No reuse happens before {@code minSamples}.
 */
public final class ThresholdCalibrator {
  /** z for a one-sided 95% Wilson bound. */
  private static final double Z = 1.645;
  private static final double[] HOMOGENEITY_GRID = {0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0};
  private static final int RADIUS_GRID = 24;

  private final double target;
  private final int window;
  private final int minSamples;
  private final Deque<Sample> samples = new ArrayDeque<>();
  private int sinceCalibration;
  private HknnRule.Thresholds thresholds = HknnRule.Thresholds.NEVER;

  /** One shadow decision: neighbour distances (ascending) and labels, and the label the model computed. */
  public record Sample(double[] distances, int[] labels, int truth) {}

  public ThresholdCalibrator(double accuracyTarget, int window, int minSamples) {
    if (!(accuracyTarget > 0 && accuracyTarget < 1)) {
      throw io.edgewise.EdgewiseException.invalidArgument("accuracy target must be in (0, 1), got " + accuracyTarget);
    }
    this.target = accuracyTarget;
    this.window = window;
    this.minSamples = minSamples;
  }

  public double target() {
    return target;
  }

  public synchronized HknnRule.Thresholds thresholds() {
    return thresholds;
  }

  public synchronized int samples() {
    return samples.size();
  }

  /**
   * Adds a shadow decision from neighbours and the true label; recalibrates every 32 samples, or every 8 while no
   * thresholds pass (a cold start: a 95% target needs about 52 right votes before its Wilson bound passes, and
   * waiting for the next multiple of 32 kept a slow model's cache from reusing anything for 30 more computations).
   */
  public synchronized void add(List<Neighbour> nearest, int truth) {
    if (nearest.isEmpty() || truth < 0) {
      return;
    }
    double[] d = new double[nearest.size()];
    int[] l = new int[nearest.size()];
    for (int i = 0; i < d.length; i++) {
      d[i] = nearest.get(i).distance();
      l[i] = nearest.get(i).label();
    }
    samples.addLast(new Sample(d, l, truth));
    while (samples.size() > window) {
      samples.removeFirst();
    }
    int every = thresholds == HknnRule.Thresholds.NEVER ? 8 : 32;
    if (++sinceCalibration >= every) {
      recalibrate();
    }
  }

  /** Re-derives the thresholds from the window now. */
  public synchronized HknnRule.Thresholds recalibrate() {
    sinceCalibration = 0;
    if (samples.size() < minSamples) {
      thresholds = HknnRule.Thresholds.NEVER;
      return thresholds;
    }
    double[] nearest = samples.stream().mapToDouble(s -> s.distances()[0]).sorted().toArray();
    HknnRule.Thresholds best = HknnRule.Thresholds.NEVER;
    int bestReuses = 0;
    double bestLower = 0;
    List<Sample> window = new ArrayList<>(samples);
    for (int r = 1; r <= RADIUS_GRID; r++) {
      double radius = nearest[Math.min(nearest.length - 1, (int) ((long) r * nearest.length / (RADIUS_GRID + 1)))];
      if (radius <= 0) {
        radius = Math.ulp(1.0);
      }
      // one vote per sample at this radius; each homogeneity threshold then only filters the votes
      double[] share = new double[window.size()];
      boolean[] right = new boolean[window.size()];
      for (int i = 0; i < share.length; i++) {
        Sample s = window.get(i);
        HknnRule.Vote v = HknnRule.vote(s.distances(), s.labels(), radius);
        share[i] = v == null ? -1 : v.share();
        right[i] = v != null && v.label() == s.truth();
      }
      for (double h : HOMOGENEITY_GRID) {
        int reuses = 0;
        int correct = 0;
        for (int i = 0; i < share.length; i++) {
          if (share[i] >= h) {
            reuses++;
            if (right[i]) {
              correct++;
            }
          }
        }
        double lower = wilsonLower(correct, reuses);
        if (lower >= target && (reuses > bestReuses || reuses == bestReuses && lower > bestLower)) {
          best = new HknnRule.Thresholds(radius, h);
          bestReuses = reuses;
          bestLower = lower;
        }
      }
    }
    thresholds = best;
    return best;
  }

  static double wilsonLower(int correct, int n) {
    if (n == 0) {
      return 0;
    }
    double p = (double) correct / n;
    double z2 = Z * Z;
    double centre = p + z2 / (2 * n);
    double margin = Z * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n));
    return (centre - margin) / (1 + z2 / n);
  }

  /** The window as bytes, so a store can keep it across restarts. */
  public synchronized byte[] serialize() {
    int size = 4;
    for (Sample s : samples) {
      size += 4 + 4 + s.distances().length * 12;
    }
    ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(samples.size());
    for (Sample s : samples) {
      b.putInt(s.truth()).putInt(s.distances().length);
      for (int i = 0; i < s.distances().length; i++) {
        b.putDouble(s.distances()[i]).putInt(s.labels()[i]);
      }
    }
    return b.array();
  }

  /** Restores a window saved by serialize() and recalibrates. Malformed bytes are ignored (a cold start). */
  public synchronized void restore(byte[] data) {
    List<Sample> restored = new ArrayList<>();
    try {
      ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
      int n = b.getInt();
      for (int k = 0; k < n; k++) {
        int truth = b.getInt();
        int m = b.getInt();
        double[] d = new double[m];
        int[] l = new int[m];
        for (int i = 0; i < m; i++) {
          d[i] = b.getDouble();
          l[i] = b.getInt();
        }
        restored.add(new Sample(d, l, truth));
      }
    } catch (RuntimeException e) {
      return;
    }
    samples.clear();
    restored.forEach(samples::addLast);
    while (samples.size() > window) {
      samples.removeFirst();
    }
    recalibrate();
  }

  @Override
  public synchronized String toString() {
    return "target " + target + ", " + samples.size() + " samples, radius " + thresholds.radius() + ", homogeneity >= "
        + thresholds.minHomogeneity();
  }
}
