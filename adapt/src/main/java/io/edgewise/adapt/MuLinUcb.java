package io.edgewise.adapt;

import io.edgewise.EdgewiseException;
import java.util.Arrays;

/**
 * ANS's online partitioning, muLinUCB (Zhang, Chen, Xu: "Autodidactic Neurosurgeon: Collaborative Deep Inference
 * for Mobile Edge Intelligence via Online Learning", WWW 2021). No offline profile of the peer: the remote part's
 * delay (transfer + peer compute) of cut p is modeled as linear in a context x_p that describes the cut (layer-type
 * composition after it, intermediate data size), d_e(p) = theta' x_p + noise, and theta is learned online by ridge
 * regression from the delays observed whenever the device offloads:
 *
 * <pre>
 *   A_t = beta I + sum x x',   b_t = sum x d_e,   theta_t = A_t^-1 b_t
 * </pre>
 *
 * The paper's rule picks the cut with the lowest lower confidence bound of the total delay (front-end delay on
 * the device is known to the device):
 *
 * <pre>
 *   p_t = argmin_p  d_f(p) + theta_t' x_p - alpha * sqrt((1 - L_t) x_p' A_t^-1 x_p)
 * </pre>
 *
 * where alpha is the exploration weight and L_t in [0, 1) the importance of frame t (key frames explore less:
 * the paper's l_key = 0.8, others 0.2). The all-local cut has x = 0: it reveals nothing about theta, so a learner
 * that once believes offloading is slow could stay local forever. The paper's "mu" fixes that by forced sampling:
 * every ceil(T^mu)-th frame (mu = 0.25; T the horizon, grown by the doubling trick) the argmin is taken over the
 * offloading cuts only.
 *
 * One extension: a discount gamma (Russac et al., "Weighted linear bandits for non-stationary environments",
 * NeurIPS 2019): A_t = gamma A_t-1 + x x' + (1 - gamma) beta I and b_t = gamma b_t-1 + x d, so that old delays fade
 * and the model follows changes of bandwidth or peer load; gamma = 1 is the paper's rule exactly. The device's own
 * front-end delays start from a profile and follow the measured ones (exponential average).
 */
public final class MuLinUcb implements PartitionPolicy {
  /** The paper's importance weights of key and ordinary frames. */
  public static final double L_KEY = 0.8;
  public static final double L_ORDINARY = 0.2;

  /**
   * @param alpha exploration weight (in the delay's unit, ms, per unit of context)
   * @param mu forced-sampling exponent: one forced offload every ceil(T^mu) requests (paper: 0.25)
   * @param horizon initial horizon T of the doubling trick (paper: 200 frames)
   * @param beta ridge regularisation
   * @param gamma discount of old observations per update (1: none, the paper's rule)
   */
  public record Params(double alpha, double mu, int horizon, double beta, double gamma) {
    public Params {
      if (!(alpha >= 0) || !(mu > 0 && mu < 1) || horizon < 1 || !(beta > 0) || !(gamma > 0 && gamma <= 1)) {
        throw EdgewiseException.invalidArgument("MuLinUcb.Params: alpha >= 0, 0 < mu < 1, horizon >= 1, beta > 0, "
            + "0 < gamma <= 1; got " + this);
      }
    }

    public static Params paper(double alpha) {
      return new Params(alpha, 0.25, 200, 1.0, 1.0);
    }

    public Params withGamma(double g) {
      return new Params(alpha, mu, horizon, beta, g);
    }
  }

  private final double[][] x;
  private final double[] frontMs;
  private final Params params;
  private final int d;
  private final int local;
  private final double[][] a;
  private final double[] b;
  private int horizon;
  private long forcedPeriod;
  private int forcedSamples;

  /**
   * @param contexts per arm, the cut's context (the last arm, all-local, must be all zeros)
   * @param frontMs per arm, the device's delay for the part before the cut (a profile; refined by observations)
   */
  public MuLinUcb(double[][] contexts, double[] frontMs, Params params) {
    if (contexts.length == 0 || contexts.length != frontMs.length) {
      throw EdgewiseException.invalidArgument("MuLinUcb: " + contexts.length + " contexts for " + frontMs.length
          + " front-end delays");
    }
    this.d = contexts[0].length;
    this.local = contexts.length - 1;
    for (double[] c : contexts) {
      if (c.length != d) {
        throw EdgewiseException.invalidArgument("MuLinUcb: contexts of different lengths");
      }
    }
    if (Arrays.stream(contexts[local]).anyMatch(v -> v != 0)) {
      throw EdgewiseException.invalidArgument("MuLinUcb: the last arm is all-local and must have a zero context");
    }
    this.x = Arrays.stream(contexts).map(double[]::clone).toArray(double[][]::new);
    this.frontMs = frontMs.clone();
    this.params = params;
    this.a = new double[d][d];
    for (int i = 0; i < d; i++) {
      a[i][i] = params.beta();
    }
    this.b = new double[d];
    this.horizon = params.horizon();
    this.forcedPeriod = forcedPeriod(horizon);
  }

  private long forcedPeriod(int t) {
    return (long) Math.ceil(Math.pow(t, params.mu()));
  }

  @Override
  public String name() {
    return "muLinUCB";
  }

  @Override
  public int choose(int step) {
    return choose(step, false);
  }

  /** The paper's rule for request {@code step}; key frames (keyFrame true) explore less. */
  public int choose(int step, boolean keyFrame) {
    while (step >= horizon) {  // doubling trick: the horizon the forced-sampling rate is computed for
      horizon *= 2;
      forcedPeriod = forcedPeriod(horizon);
    }
    double[][] inv = Linear.inverse(a);
    double[] theta = Linear.times(inv, b);
    double weight = Math.sqrt(1 - (keyFrame ? L_KEY : L_ORDINARY));
    boolean forced = step % forcedPeriod == 0;
    int best = -1;
    double bestValue = Double.POSITIVE_INFINITY;
    for (int p = 0; p < x.length; p++) {
      if (forced && p == local) {
        continue;
      }
      double value = frontMs[p];
      if (p != local) {
        double width = Math.sqrt(Math.max(0, Linear.quadratic(inv, x[p])));
        value += Linear.dot(theta, x[p]) - params.alpha() * weight * width;
      }
      if (value < bestValue) {
        bestValue = value;
        best = p;
      }
    }
    if (forced && best != local) {
      forcedSamples++;
    }
    return best;
  }

  @Override
  public void observe(int arm, double localMs, double remoteMs) {
    frontMs[arm] = 0.8 * frontMs[arm] + 0.2 * localMs;
    if (arm == local) {
      return;  // all-local reveals nothing about the remote delay
    }
    double g = params.gamma();
    for (int i = 0; i < d; i++) {
      for (int j = 0; j < d; j++) {
        a[i][j] = g * a[i][j] + x[arm][i] * x[arm][j] + (i == j ? (1 - g) * params.beta() : 0);
      }
      b[i] = g * b[i] + x[arm][i] * remoteMs;
    }
  }

  /** The current estimate of each arm's remote delay, theta' x_p (ms). */
  public double[] remoteEstimatesMs() {
    double[] theta = Linear.times(Linear.inverse(a), b);
    double[] out = new double[x.length];
    for (int p = 0; p < x.length; p++) {
      out[p] = Linear.dot(theta, x[p]);
    }
    return out;
  }

  /** How many choices forced sampling made (an offloading arm where the rule alone may have stayed local). */
  public int forcedSamples() {
    return forcedSamples;
  }
}
