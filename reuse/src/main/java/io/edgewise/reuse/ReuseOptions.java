package io.edgewise.reuse;

import io.edgewise.EdgewiseException;

/**
 * How a session reuses results. Immutable; with* return a modified copy.
 *
 * @param tap where the feature is taken: "" for the model's (single) input, else an input name or the name of an
 *     intermediate tensor (e.g. the backbone's output); everything after it is skipped on a hit
 * @param accuracyTarget the fraction of reused results that must agree with the model (FoggyCache's accuracy
 *     target); the H-kNN thresholds are calibrated to it
 * @param k neighbours that vote
 * @param auditRate fraction of hits computed anyway to check them (keeps calibration and per-origin accuracy
 *     honest; an audited request returns the computed result)
 * @param tightRelative non-classification outputs are reused only within this distance relative to the query's norm
 * @param calibrationWindow shadow decisions kept for calibration
 * @param minCalibrationSamples no reuse before this many shadow decisions
 * @param seed the audit sampling seed
 */
public record ReuseOptions(String tap, double accuracyTarget, int k, double auditRate, double tightRelative,
    int calibrationWindow, int minCalibrationSamples, long seed) {
  public ReuseOptions {
    tap = tap == null ? "" : tap;
    if (!(accuracyTarget > 0 && accuracyTarget < 1)) {
      throw EdgewiseException.invalidArgument("reuse accuracy target must be in (0, 1), got " + accuracyTarget);
    }
    if (k < 1 || k > 64) {
      throw EdgewiseException.invalidArgument("reuse k must be in 1..64, got " + k);
    }
    if (!(auditRate >= 0 && auditRate <= 1)) {
      throw EdgewiseException.invalidArgument("reuse audit rate must be in [0, 1], got " + auditRate);
    }
    if (!(tightRelative >= 0)) {
      throw EdgewiseException.invalidArgument("reuse tight distance must be >= 0, got " + tightRelative);
    }
    if (calibrationWindow < 1 || minCalibrationSamples < 1) {
      throw EdgewiseException.invalidArgument("reuse calibration window and minimum must be >= 1");
    }
  }

  /** Model input, 95% target, k = 5, 5% audits, 1% tight distance, 2000-sample window, 30 to start. */
  public static ReuseOptions defaults() {
    return new ReuseOptions("", 0.95, 5, 0.05, 0.01, 2000, 30, 1);
  }

  public ReuseOptions withTap(String t) {
    return new ReuseOptions(t, accuracyTarget, k, auditRate, tightRelative, calibrationWindow, minCalibrationSamples,
        seed);
  }

  public ReuseOptions withAccuracyTarget(double a) {
    return new ReuseOptions(tap, a, k, auditRate, tightRelative, calibrationWindow, minCalibrationSamples, seed);
  }

  public ReuseOptions withK(int n) {
    return new ReuseOptions(tap, accuracyTarget, n, auditRate, tightRelative, calibrationWindow,
        minCalibrationSamples, seed);
  }

  public ReuseOptions withAuditRate(double r) {
    return new ReuseOptions(tap, accuracyTarget, k, r, tightRelative, calibrationWindow, minCalibrationSamples, seed);
  }

  public ReuseOptions withTightRelative(double t) {
    return new ReuseOptions(tap, accuracyTarget, k, auditRate, t, calibrationWindow, minCalibrationSamples, seed);
  }

  public ReuseOptions withMinCalibrationSamples(int m) {
    return new ReuseOptions(tap, accuracyTarget, k, auditRate, tightRelative, calibrationWindow, m, seed);
  }

  public ReuseOptions withSeed(long s) {
    return new ReuseOptions(tap, accuracyTarget, k, auditRate, tightRelative, calibrationWindow,
        minCalibrationSamples, s);
  }
}
