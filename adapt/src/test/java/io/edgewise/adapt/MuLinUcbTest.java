package io.edgewise.adapt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The bandit on synthetic delays with a known best arm: remote delay = theta' x + Gaussian noise, front-end delay
 * known. Regret is counted on the expected delays, against the arm that is best under the true theta.
 */
class MuLinUcbTest {
  // 7 offloading cuts and all-local; context: [work after the cut, bytes sent, offload]
  private static final double[][] X = {
      {1.0, 1.0, 1}, {0.85, 0.70, 1}, {0.70, 0.25, 1}, {0.55, 0.60, 1}, {0.40, 0.30, 1}, {0.25, 0.15, 1},
      {0.10, 0.05, 1}, {0, 0, 0}};
  private static final double[] FRONT_MS = {0, 3, 6, 10, 14, 18, 22, 26};

  /** Fast peer, fast link: [compute 8 ms per unit of work, 10 ms per unit of bytes, 2 ms round trip]. */
  private static final double[] FAST_LINK = {8, 10, 2};
  /** The link got 20x slower: sending is expensive, the local end of the model wins. */
  private static final double[] SLOW_LINK = {8, 200, 2};

  private static double expected(double[] theta, int arm) {
    return FRONT_MS[arm] + Linear.dot(theta, X[arm]);
  }

  private static int best(double[] theta) {
    int b = 0;
    for (int a = 1; a < X.length; a++) {
      if (expected(theta, a) < expected(theta, b)) {
        b = a;
      }
    }
    return b;
  }

  /** Runs the policy against theta(t); returns per-step regret. */
  private static double[] play(PartitionPolicy policy, int steps, java.util.function.IntFunction<double[]> theta,
      long seed) {
    Random noise = new Random(seed);
    double[] regret = new double[steps];
    for (int t = 0; t < steps; t++) {
      double[] th = theta.apply(t);
      int arm = policy.choose(t);
      regret[t] = expected(th, arm) - expected(th, best(th));
      double remote = arm == X.length - 1 ? 0 : Linear.dot(th, X[arm]) + noise.nextGaussian();
      policy.observe(arm, FRONT_MS[arm] + 0.5 * noise.nextGaussian(), remote);
    }
    return regret;
  }

  private static double sum(double[] v, int from, int to) {
    double s = 0;
    for (int i = from; i < to; i++) {
      s += v[i];
    }
    return s;
  }

  @Test
  void syntheticBestArmIsTheOneHandComputed() {
    // fast link: arm 2 = 6 + 8*0.7 + 10*0.25 + 2 = 16.1 ms, the lowest (all-local 26, all-remote 20)
    assertEquals(2, best(FAST_LINK));
    assertEquals(16.1, expected(FAST_LINK, 2), 1e-9);
    // slow link: arm 6 = 22 + 0.8 + 10 + 2 = 34.8 > all-local 26: staying local wins
    assertEquals(7, best(SLOW_LINK));
  }

  @Test
  void regretGrowsSublinearlyAndTheBestArmDominates() {
    MuLinUcb policy = new MuLinUcb(X, FRONT_MS, MuLinUcb.Params.paper(2.0));
    int steps = 4000;
    double[] regret = play(policy, steps, t -> FAST_LINK, 1);
    double firstHalf = sum(regret, 0, steps / 2);
    double secondHalf = sum(regret, steps / 2, steps);
    assertTrue(firstHalf > 0, "the learner must explore at first");
    assertTrue(secondHalf < 0.5 * firstHalf, "regret not sublinear: " + firstHalf + " then " + secondHalf);
    // all-local (26 ms) would lose 9.9 ms a request, i.e. 39600 ms over the run
    assertTrue(sum(regret, 0, steps) < 0.05 * 9.9 * steps, "total regret " + sum(regret, 0, steps));
    int bestPicks = 0;
    for (int t = steps - 500; t < steps; t++) {
      bestPicks += policy.choose(t) == 2 ? 1 : 0;
    }
    assertTrue(bestPicks >= 450, "best arm chosen " + bestPicks + " of the last 500");
  }

  @Test
  void adaptsAfterTheLinkSlowsDown() {
    MuLinUcb policy = new MuLinUcb(X, FRONT_MS, MuLinUcb.Params.paper(2.0).withGamma(0.98));
    int change = 1500;
    int steps = 3000;
    double[] regret = play(policy, steps, t -> t < change ? FAST_LINK : SLOW_LINK, 2);
    // shortly after the change it pays; by the end it has moved to all-local (forced samples aside)
    double lateRegret = sum(regret, steps - 500, steps);
    double justAfter = sum(regret, change, change + 100);
    assertTrue(justAfter > 0, "the change must cost something at first");
    int local = 0;
    for (int t = steps - 200; t < steps; t++) {
      local += policy.choose(t) == X.length - 1 ? 1 : 0;
    }
    assertTrue(local >= 140, "all-local chosen " + local + " of the last 200 after the link slowed down");
    assertTrue(lateRegret / 500 < 3.0, "mean regret " + lateRegret / 500 + " ms in the last 500 requests");
  }

  @Test
  void forcedSamplingNeverLetsItStickToAllLocal() {
    // offloading looks hopeless at first (slow link), then the link becomes fast: only forced samples reveal it,
    // since all-local tells nothing about theta
    MuLinUcb policy = new MuLinUcb(X, FRONT_MS, MuLinUcb.Params.paper(0.0).withGamma(0.98));
    int change = 1000;
    int steps = 2500;
    double[] regret = play(policy, steps, t -> t < change ? SLOW_LINK : FAST_LINK, 3);
    assertTrue(policy.forcedSamples() > 0);
    int bestPicks = 0;
    for (int t = steps - 200; t < steps; t++) {
      bestPicks += policy.choose(t) == 2 ? 1 : 0;
    }
    assertTrue(bestPicks >= 150, "after the link became fast, arm 2 chosen " + bestPicks + " of the last 200");
    assertTrue(sum(regret, steps - 500, steps) < sum(regret, change, change + 500));
  }

  @Test
  void withoutForcedSamplingAGreedyLearnerSticksToAllLocal() {
    // the control for the test above: exploration weight 0 and a forced-sampling period longer than the run
    MuLinUcb policy = new MuLinUcb(X, FRONT_MS, new MuLinUcb.Params(0.0, 0.99, 1 << 20, 1.0, 0.98));
    play(policy, 1000, t -> SLOW_LINK, 4);
    int local = 0;
    for (int t = 1; t < 1000; t++) {
      int arm = policy.choose(1000 + t);
      local += arm == X.length - 1 ? 1 : 0;
      policy.observe(arm, FRONT_MS[arm], arm == X.length - 1 ? 0 : Linear.dot(FAST_LINK, X[arm]));
    }
    assertTrue(local >= 990, "greedy learner left all-local " + (999 - local) + " times");
  }

  @Test
  void neurosurgeonTakesTheArgminOfItsProfile() {
    double[] device = {0, 5, 20};
    double[] peer = {10, 4, 0};
    long[] bytes = {1000, 200, 0};
    // arm 0: 0 + 1 + 1000/100 + 10 = 21; arm 1: 5 + 1 + 2 + 4 = 12; arm 2 (local): 20
    NeurosurgeonPolicy ns = new NeurosurgeonPolicy(device, peer, bytes, 100, 1);
    assertArrayEquals(new double[] {21, 12, 20}, ns.predictedMs(), 1e-9);
    assertEquals(1, ns.choose(0));
    ns.observe(1, 50, 500);  // static: observations change nothing
    assertEquals(1, ns.choose(1));
  }

  @Test
  void badParametersAreRefused() {
    assertThrows(EdgewiseException.class, () -> new MuLinUcb.Params(1, 0, 200, 1, 1));
    double[][] localNotZero = {{1, 1}, {1, 0}};
    assertThrows(EdgewiseException.class, () -> new MuLinUcb(localNotZero, new double[2],
        MuLinUcb.Params.paper(1)));
  }
}
