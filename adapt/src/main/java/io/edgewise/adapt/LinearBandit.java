package io.edgewise.adapt;

import io.edgewise.EdgewiseException;
import java.util.Random;

/**
 * A contextual bandit over a linear reward model shared by all arms: each round the caller passes one feature vector
 * per available arm (the context joined with the arm's own features, see {@link ModelSelector}), the bandit picks
 * one, and the reward observed for it refines a ridge regression
 *
 * <pre>
 *   A = ridge I + sum x x',   b = sum x r,   theta = A^-1 b
 * </pre>
 *
 * The rules differ only in how they explore:
 * <ul>
 *   <li>LinUCB (Li, Chu, Langford, Schapire, WWW 2010): argmax x' theta + alpha sqrt(x' A^-1 x);</li>
 *   <li>Thompson sampling (Agrawal and Goyal, ICML 2013): draw theta~ from N(theta, v^2 A^-1), argmax x' theta~;</li>
 *   <li>epsilon-greedy: a uniformly random arm with probability epsilon, else argmax x' theta;</li>
 *   <li>greedy: epsilon 0 (no exploration), a baseline.</li>
 * </ul>
 * A^-1 is kept up to date by Sherman-Morrison ({@link Linear#rankOneUpdateInverse}), so a round costs O(d^2) (O(d^3)
 * for Thompson's Cholesky factor). Ties go to the lowest arm index. Not thread-safe: one owner feeds it.
 */
public final class LinearBandit {
  /** How the bandit explores. */
  public enum Rule { GREEDY, EPSILON_GREEDY, LINUCB, THOMPSON }

  private final Rule rule;
  private final double explore;
  private final int d;
  private final double[][] inv;
  private final double[] b;
  private final Random random;
  private double[] theta;
  private long observations;

  /**
   * @param dimension length of every feature vector
   * @param rule the exploration rule
   * @param explore alpha for LinUCB, v for Thompson, epsilon for epsilon-greedy (ignored for greedy)
   * @param ridge the ridge regularisation (the prior precision), > 0
   * @param seed randomness of Thompson and epsilon-greedy
   */
  public LinearBandit(int dimension, Rule rule, double explore, double ridge, long seed) {
    if (dimension < 1 || !(explore >= 0) || !(ridge > 0) || (rule == Rule.EPSILON_GREEDY && explore > 1)) {
      throw EdgewiseException.invalidArgument("LinearBandit: need dimension >= 1, explore >= 0 (<= 1 for "
          + "epsilon-greedy), ridge > 0; got " + dimension + ", " + explore + ", " + ridge);
    }
    this.rule = rule;
    this.explore = explore;
    this.d = dimension;
    this.inv = new double[d][d];
    for (int i = 0; i < d; i++) {
      inv[i][i] = 1 / ridge;
    }
    this.b = new double[d];
    this.theta = new double[d];
    this.random = new Random(seed);
  }

  public static LinearBandit linUcb(int dimension, double alpha) {
    return new LinearBandit(dimension, Rule.LINUCB, alpha, 1, 0);
  }

  public static LinearBandit thompson(int dimension, double v, long seed) {
    return new LinearBandit(dimension, Rule.THOMPSON, v, 1, seed);
  }

  public static LinearBandit epsilonGreedy(int dimension, double epsilon, long seed) {
    return new LinearBandit(dimension, Rule.EPSILON_GREEDY, epsilon, 1, seed);
  }

  public Rule rule() {
    return rule;
  }

  public int dimension() {
    return d;
  }

  /** The index (into {@code arms}) of the arm to play this round. */
  public int choose(double[][] arms) {
    if (arms.length == 0) {
      throw EdgewiseException.invalidArgument("LinearBandit.choose: no arm to choose from");
    }
    for (double[] x : arms) {
      check(x);
    }
    double[] weights = theta;
    if (rule == Rule.EPSILON_GREEDY && random.nextDouble() < explore) {
      return random.nextInt(arms.length);
    }
    if (rule == Rule.THOMPSON) {
      weights = sampleTheta();
    }
    int best = 0;
    double bestValue = Double.NEGATIVE_INFINITY;
    for (int a = 0; a < arms.length; a++) {
      double value = Linear.dot(weights, arms[a]);
      if (rule == Rule.LINUCB) {
        value += explore * Math.sqrt(Math.max(0, Linear.quadratic(inv, arms[a])));
      }
      if (value > bestValue) {
        bestValue = value;
        best = a;
      }
    }
    return best;
  }

  /** Learns from the reward observed for the arm with features {@code x}. */
  public void observe(double[] x, double reward) {
    check(x);
    if (!Double.isFinite(reward)) {
      throw EdgewiseException.invalidArgument("LinearBandit.observe: reward " + reward + " is not finite");
    }
    Linear.rankOneUpdateInverse(inv, x);
    for (int i = 0; i < d; i++) {
      b[i] += x[i] * reward;
    }
    theta = Linear.times(inv, b);
    observations++;
  }

  /** The current reward estimate x' theta. */
  public double estimate(double[] x) {
    check(x);
    return Linear.dot(theta, x);
  }

  public double[] theta() {
    return theta.clone();
  }

  public long observations() {
    return observations;
  }

  private double[] sampleTheta() {
    double[][] l = Linear.cholesky(inv);
    double[] z = new double[d];
    for (int i = 0; i < d; i++) {
      z[i] = random.nextGaussian();
    }
    // l is lower-triangular (zeros above the diagonal): l z is the plain product
    double[] lz = Linear.times(l, z);
    double[] out = theta.clone();
    for (int i = 0; i < d; i++) {
      out[i] += explore * lz[i];
    }
    return out;
  }

  private void check(double[] x) {
    if (x.length != d) {
      throw EdgewiseException.invalidArgument("LinearBandit: a feature vector of length " + x.length + ", expected "
          + d);
    }
  }
}
