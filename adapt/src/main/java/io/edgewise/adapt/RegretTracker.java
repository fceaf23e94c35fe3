package io.edgewise.adapt;

import java.util.ArrayList;
import java.util.List;

/**
 * Regret bookkeeping of one policy over a run: per round the expected reward of the arm it chose and of the best arm
 * for that round's context (pseudo-regret: expectations, so the noise of the observed rewards does not blur the
 * comparison of policies), and the observed reward. Keeps the per-round regrets so that the run can be split into
 * quarters (is regret sublinear?) and the cumulative curve sampled for a plot.
 */
public final class RegretTracker {
  private final List<Double> regrets = new ArrayList<>();
  private double cumulative;
  private double rewardSum;

  /**
   * @param chosenExpected expected reward of the chosen arm
   * @param bestExpected expected reward of the best arm this round (>= chosenExpected up to rounding)
   * @param observed the reward the policy saw
   */
  public void record(double chosenExpected, double bestExpected, double observed) {
    double r = Math.max(0, bestExpected - chosenExpected);
    regrets.add(r);
    cumulative += r;
    rewardSum += observed;
  }

  public int rounds() {
    return regrets.size();
  }

  public double cumulativeRegret() {
    return cumulative;
  }

  /** The mean observed reward per round (0 before the first round). */
  public double meanReward() {
    return regrets.isEmpty() ? 0 : rewardSum / regrets.size();
  }

  /**
   * Mean regret per round over quarter q (0..3) of the rounds so far; the rounds are split as evenly as possible,
   * quarter q covering [q n / 4, (q + 1) n / 4).
   */
  public double quarterMeanRegret(int q) {
    if (q < 0 || q > 3) {
      throw io.edgewise.EdgewiseException.invalidArgument("RegretTracker: quarter " + q + " is not 0..3");
    }
    int n = regrets.size();
    int from = q * n / 4;
    int to = (q + 1) * n / 4;
    double s = 0;
    for (int i = from; i < to; i++) {
      s += regrets.get(i);
    }
    return to > from ? s / (to - from) : 0;
  }

  /** Cumulative regret after round t (1-based: after the first round is t = 1). */
  public double cumulativeAt(int t) {
    double s = 0;
    for (int i = 0; i < t; i++) {
      s += regrets.get(i);
    }
    return s;
  }

  /** About {@code points} (round, cumulative regret) pairs for a plot, always including the last round. */
  public double[][] curve(int points) {
    int n = regrets.size();
    int step = Math.max(1, n / Math.max(1, points));
    List<double[]> out = new ArrayList<>();
    double s = 0;
    for (int i = 0; i < n; i++) {
      s += regrets.get(i);
      if ((i + 1) % step == 0 || i == n - 1) {
        out.add(new double[] {i + 1, s});
      }
    }
    return out.toArray(double[][]::new);
  }
}
