package io.edgewise.adapt.cosched;

import io.edgewise.EdgewiseException;

/**
 * Each model's service time on each device group when it runs alone (ms, measured by the caller), the input of the
 * greedy baseline and the prior of the learned policy. Infinite where a group cannot run a model.
 */
public final class Profile {
  private final double[][] soloMs;

  /** @param soloMs per model and group, the solo service time in ms (positive; infinity: cannot run there) */
  public Profile(double[][] soloMs) {
    if (soloMs.length == 0 || soloMs[0].length == 0) {
      throw EdgewiseException.invalidArgument("Profile: no models or no groups");
    }
    for (int m = 0; m < soloMs.length; m++) {
      if (soloMs[m].length != soloMs[0].length) {
        throw EdgewiseException.invalidArgument("Profile: model " + m + " has " + soloMs[m].length
            + " groups, model 0 " + soloMs[0].length);
      }
      boolean any = false;
      for (int g = 0; g < soloMs[m].length; g++) {
        double v = soloMs[m][g];
        if (!(v > 0)) {
          throw EdgewiseException.invalidArgument("Profile: model " + m + " on group " + g + ": " + v
              + " ms (must be positive, or infinity where it cannot run)");
        }
        any |= Double.isFinite(v);
      }
      if (!any) {
        throw EdgewiseException.invalidArgument("Profile: model " + m + " runs on no group");
      }
    }
    this.soloMs = new double[soloMs.length][];
    for (int m = 0; m < soloMs.length; m++) {
      this.soloMs[m] = soloMs[m].clone();
    }
  }

  public int models() {
    return soloMs.length;
  }

  public int groups() {
    return soloMs[0].length;
  }

  public double soloMs(int model, int group) {
    return soloMs[model][group];
  }

  public boolean runs(int model, int group) {
    return Double.isFinite(soloMs[model][group]);
  }

  /** The group where {@code model} runs fastest alone. */
  public int fastest(int model) {
    int best = -1;
    for (int g = 0; g < groups(); g++) {
      if (runs(model, g) && (best < 0 || soloMs[model][g] < soloMs[model][best])) {
        best = g;
      }
    }
    return best;
  }
}
