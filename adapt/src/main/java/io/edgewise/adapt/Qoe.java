package io.edgewise.adapt;

import io.edgewise.EdgewiseException;

/**
 * A user's quality of experience for one answer: its accuracy (1 correct, 0 wrong, or an expected accuracy) less a
 * penalty for latency beyond the user's tolerance, linear in the overshoot relative to the tolerance:
 *
 * <pre>
 *   qoe = accuracy - penalty * max(0, latency / tolerance - 1)
 * </pre>
 *
 * so with penalty 0.5 an answer twice as slow as tolerated is worth half a correct answer less. The shape follows the
 * model-selection paper's reward (CogMI 2019: accuracy traded against latency through the user's tolerance); the
 * linear overshoot is our choice, documented in docs/selection.md.
 */
public record Qoe(double penalty) {
  public Qoe {
    if (!(penalty >= 0) || Double.isInfinite(penalty)) {
      throw EdgewiseException.invalidArgument("Qoe: penalty must be finite and >= 0, got " + penalty);
    }
  }

  public double of(double accuracy, double latencyMs, double toleranceMs) {
    if (!(toleranceMs > 0) || !(latencyMs >= 0)) {
      throw EdgewiseException.invalidArgument("Qoe: need tolerance > 0 and latency >= 0, got " + toleranceMs + " and "
          + latencyMs + " ms");
    }
    return accuracy - penalty * Math.max(0, latencyMs / toleranceMs - 1);
  }
}
