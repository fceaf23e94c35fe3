package io.edgewise.adapt.cosched;

import io.edgewise.EdgewiseException;
import java.util.Arrays;

/**
 * The arrivals a policy has seen, over the last {@code memory} of them: per model its rate and share, and the mean gap
 * between arrivals. One estimator for every policy that needs them (the placement policy's rates, the LinUCB
 * policy's lookahead), so that the two do not measure the same quantity two ways. A window rather than a moving
 * average: the rates of a window of n arrivals are exact counts over a known span (n arrivals span n - 1 gaps), so a
 * test can compute them by hand, and an arrival older than the window stops counting at once.
 */
final class ArrivalWindow {
  private final int models;
  private final double[] atMs;
  private final int[] modelAt;
  private int arrivals;

  /** @param memory the arrivals remembered (at least 2) */
  ArrivalWindow(int models, int memory) {
    if (models < 1 || memory < 2) {
      throw EdgewiseException.invalidArgument("ArrivalWindow: models " + models + ", memory " + memory
          + " (need 1+, 2+)");
    }
    this.models = models;
    this.atMs = new double[memory];
    this.modelAt = new int[memory];
  }

  /** Counts an arrival of {@code model} at decision time {@code at} (ms; NaN: no time given, not counted). */
  void arrived(int model, double at) {
    if (Double.isNaN(at)) {
      return;
    }
    int i = arrivals % atMs.length;
    atMs[i] = at;
    modelAt[i] = model;
    arrivals++;
  }

  /** The arrivals in the window now. */
  int size() {
    return Math.min(arrivals, atMs.length);
  }

  /** The time from the oldest to the newest arrival in the window (ms; 0 with fewer than 2). */
  private double spanMs() {
    int n = size();
    if (n < 2) {
      return 0;
    }
    return atMs[(arrivals - 1) % atMs.length] - atMs[(arrivals - n) % atMs.length];
  }

  /** Per model, its share of the arrivals in the window; equal shares before any. */
  double[] shares() {
    double[] s = new double[models];
    int n = size();
    if (n == 0) {
      Arrays.fill(s, 1.0 / models);
      return s;
    }
    for (int k = 0; k < n; k++) {
      s[modelAt[(arrivals - n + k) % atMs.length]] += 1.0 / n;
    }
    return s;
  }

  /** The mean gap between two arrivals in the window (ms); NaN with fewer than 2 or all at one time. */
  double meanGapMs() {
    double span = spanMs();
    return span > 0 ? span / (size() - 1) : Double.NaN;
  }

  /**
   * Per model, arrivals per ms (its share over the mean gap); null with fewer than {@code min} arrivals in the window
   * or no time between them.
   */
  double[] ratesPerMs(int min) {
    double gap = meanGapMs();
    if (size() < min || Double.isNaN(gap)) {
      return null;
    }
    double[] s = shares();
    for (int m = 0; m < models; m++) {
      s[m] /= gap;
    }
    return s;
  }
}
