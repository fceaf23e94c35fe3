package io.edgewise.adapt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The bandit on a synthetic linear environment whose best arm per context is known by hand: reward = theta' x +
 * Gaussian noise (sd 0.1) with theta = [0.9, 0.5, 0.2, 0.7].
 * Context 0 offers e0, e1, e2: expected 0.9, 0.5, 0.2, best arm 0.
 * Context 1 offers [0.5,0,0,0], [0,1,0,1], [0,0,1,0]: expected 0.45, 1.2, 0.2, best arm 1.
 */
class LinearBanditTest {
  private static final double[] THETA = {0.9, 0.5, 0.2, 0.7};
  private static final double[][][] ARMS = {
      {{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}},
      {{0.5, 0, 0, 0}, {0, 1, 0, 1}, {0, 0, 1, 0}}};
  private static final int[] BEST = {0, 1};

  private static RegretTracker play(LinearBandit bandit, int rounds, int[] lastQuarterBest) {
    Random noise = new Random(42);
    RegretTracker t = new RegretTracker();
    for (int round = 0; round < rounds; round++) {
      int c = round % 2;
      int a = bandit.choose(ARMS[c]);
      double expected = Linear.dot(THETA, ARMS[c][a]);
      double best = Linear.dot(THETA, ARMS[c][BEST[c]]);
      double reward = expected + 0.1 * noise.nextGaussian();
      bandit.observe(ARMS[c][a], reward);
      t.record(expected, best, reward);
      if (round >= rounds * 3 / 4 && a == BEST[c]) {
        lastQuarterBest[0]++;
      }
    }
    return t;
  }

  @Test
  void linUcbConvergesToTheBestArmOfEachContext() {
    int[] hits = new int[1];
    RegretTracker t = play(LinearBandit.linUcb(4, 0.5), 2000, hits);
    assertTrue(hits[0] >= 0.98 * 500, "best arm in the last quarter: " + hits[0] + " of 500");
    assertTrue(t.quarterMeanRegret(3) < t.quarterMeanRegret(0) / 2, "sublinear: " + t.quarterMeanRegret(0) + " -> "
        + t.quarterMeanRegret(3));
  }

  @Test
  void thompsonConvergesToTheBestArmOfEachContext() {
    int[] hits = new int[1];
    RegretTracker t = play(LinearBandit.thompson(4, 0.5, 3), 2000, hits);
    assertTrue(hits[0] >= 0.98 * 500, "best arm in the last quarter: " + hits[0] + " of 500");
    assertTrue(t.quarterMeanRegret(3) < t.quarterMeanRegret(0) / 2, "sublinear: " + t.quarterMeanRegret(0) + " -> "
        + t.quarterMeanRegret(3));
  }

  @Test
  void theRidgeEstimateIsTheLeastSquaresFitOfTheObservations() {
    // noiseless rewards of e0, e1 and [0,1,0,1] with ridge 1: A = I + diag(1,2,0,1) + offdiag(1,3)=(3,1)=1,
    // b = [0.9, 0.5 + 1.2, 0, 1.2]; solved by hand: theta0 = 0.45; [[3,1],[1,2]] [t1,t3] = [1.7,1.2] -> t1 = 0.44,
    // t3 = 0.38; theta2 = 0
    LinearBandit b = LinearBandit.linUcb(4, 0);
    b.observe(new double[] {1, 0, 0, 0}, 0.9);
    b.observe(new double[] {0, 1, 0, 0}, 0.5);
    b.observe(new double[] {0, 1, 0, 1}, 1.2);
    assertArrayEquals(new double[] {0.45, 0.44, 0, 0.38}, b.theta(), 1e-12);
    assertEquals(0.45 * 2, b.estimate(new double[] {2, 0, 0, 0}), 1e-12);
    assertEquals(3, b.observations());
  }

  @Test
  void epsilonGreedyExploresAboutEpsilonOfTheRounds() {
    LinearBandit b = LinearBandit.epsilonGreedy(4, 0.2, 5);
    b.observe(ARMS[0][0], 1.0);  // arm 0 looks best from now on
    int others = 0;
    for (int i = 0; i < 5000; i++) {
      if (b.choose(ARMS[0]) != 0) {
        others++;
      }
    }
    // a random pick is another arm 2 times in 3: expected 0.2 * 2/3 * 5000 = 667
    assertTrue(Math.abs(others - 667) < 100, "non-greedy picks: " + others);
  }

  @Test
  void badInputIsRejectedWithAReason() {
    LinearBandit b = LinearBandit.linUcb(4, 1);
    assertThrows(EdgewiseException.class, () -> b.choose(new double[0][]));
    assertThrows(EdgewiseException.class, () -> b.choose(new double[][] {{1, 2}}));
    assertThrows(EdgewiseException.class, () -> b.observe(new double[] {1, 0, 0, 0}, Double.NaN));
    assertThrows(EdgewiseException.class, () -> new LinearBandit(3, LinearBandit.Rule.EPSILON_GREEDY, 1.5, 1, 0));
  }

  @Test
  void shermanMorrisonAndCholeskyMatchTheDirectComputation() {
    double[][] a = {{4, 2, 0}, {2, 3, 1}, {0, 1, 2}};
    double[] x = {1, -2, 0.5};
    double[][] inv = Linear.inverse(a);
    Linear.rankOneUpdateInverse(inv, x);
    double[][] direct = new double[3][3];
    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < 3; j++) {
        direct[i][j] = a[i][j] + x[i] * x[j];
      }
    }
    double[][] expected = Linear.inverse(direct);
    for (int i = 0; i < 3; i++) {
      assertArrayEquals(expected[i], inv[i], 1e-12);
    }
    // [[4,2],[2,3]] = L L' with L = [[2,0],[1,sqrt 2]]
    double[][] l = Linear.cholesky(new double[][] {{4, 2}, {2, 3}});
    assertArrayEquals(new double[] {2, 0}, l[0], 1e-12);
    assertArrayEquals(new double[] {1, Math.sqrt(2)}, l[1], 1e-12);
  }
}
