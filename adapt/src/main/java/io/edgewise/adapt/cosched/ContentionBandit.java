package io.edgewise.adapt.cosched;

import io.edgewise.EdgewiseException;
import io.edgewise.adapt.Linear;

/**
 * The learned co-scheduler: a linear contextual bandit (LinUCB, Li et al. WWW 2010, with the discount of Russac et
 * al. NeurIPS 2019 as in {@link io.edgewise.adapt.MuLinUcb}) that learns how much each group slows down while the
 * others are busy, and places each request where it costs the node least.
 *
 * <p>Arms are (model, group) pairs. The context of a run on group g is the occupancy of the other groups,
 * x = [1, o_j for j != g], where o_j is the fraction of the run during which group j was busy (measured; at decision
 * time, 1 for a busy group and 0 for an idle one). What is learned, per arm by ridge regression, is the fraction of
 * the run lost to contention, z = 1 - solo(m, g) / service, with solo from the {@link Profile}:
 *
 * <pre>
 *   z = theta_mg' x,   A = gamma A + x x' + (1 - gamma) B,   b = gamma b + x z,   service = solo / (1 - z)
 * </pre>
 *
 * Why that target: when a busy group j slows g's progress by a factor 1 + c (cores or memory shared), a run that
 * overlaps j for a fraction o of its time loses o c / (1 + c) of it, which is linear in o; theta_mg[j] is then
 * c / (1 + c) (0: no contention; 0.5: twice as slow while j is busy), and the intercept is what the profile got
 * wrong (B = diag(profileWeight, beta, ...): the profile counts as profileWeight solo runs). The prior theta = 0 is
 * the profile itself, which is optimistic (contention only adds time): an arm never tried looks as good as its solo
 * time, gets tried, and its real cost is learned, so the prior explores; alpha adds the usual LinUCB bonus,
 * alpha * sqrt(x' A^-1 x), subtracted from the predicted loss.
 *
 * <p>A request of model m is placed on the group g that minimises
 *
 * <pre>
 *   wait_g + service(m, g) + lambda * sum over busy j != g of
 *       queued_j * theta_{r_j, j}[g] * overlap(j),   overlap(j) = max(0, min(wait_j, wait_g + service) - wait_g)
 * </pre>
 *
 * where wait_g is the predicted backlog of g (its running request's remaining time and its queued requests, each at
 * its predicted time under the present occupancy), and the sum is the delay the new run inflicts on the requests
 * queued on the other busy groups: it keeps g busy from wait_g to wait_g + service, and the part of j's backlog in
 * that stretch runs slower (r_j the model running on j: over an overlap of T it loses theta T of progress, and every
 * request queued there waits that much longer). Queueing behind a device that slows the others counts too, since it
 * prolongs the contention; without that term a contending group that had built a queue kept the whole node slow.
 * With lambda = 1 the policy minimises the total latency the decision adds to the node, its own and the others',
 * which is COSREL's reward (latency and throughput) made myopic; lambda = 0 is a contention-aware earliest-finish
 * rule.
 *
 * <p>Why a contextual bandit and not deep RL: the state that matters here is small (a few groups, a few models), the
 * effect of a decision shows up in one measured service time, and a run is seconds long (hundreds of requests); a
 * linear model per arm learns from tens of samples, its coefficients can be read (what slows what), and the profile
 * gives it a sensible start. A deep policy would need far more requests than a run has.
 */
public final class ContentionBandit implements CoschedPolicy {
  /**
   * @param alpha exploration bonus on the predicted lost fraction
   * @param beta ridge regularisation of the contention coefficients
   * @param profileWeight ridge regularisation of the intercept: how many solo runs the profile's time counts as
   * @param gamma discount per observation of an arm (1: never forget)
   * @param lambda weight of the delay inflicted on other groups' queues (0: own latency only)
   */
  public record Params(double alpha, double beta, double profileWeight, double gamma, double lambda) {
    public Params {
      if (!(alpha >= 0) || !(beta > 0) || !(profileWeight > 0) || !(gamma > 0 && gamma <= 1) || !(lambda >= 0)) {
        throw EdgewiseException.invalidArgument("ContentionBandit.Params: alpha >= 0, beta > 0, profileWeight > 0, "
            + "0 < gamma <= 1, lambda >= 0; got " + this);
      }
    }

    public static Params defaults() {
      return new Params(0.1, 1.0, 20.0, 0.99, 1.0);
    }
  }

  /** Bounds of the predicted lost fraction: a run takes between a tenth of and 20 times its solo time. */
  private static final double MIN_LOSS = -9;
  private static final double MAX_LOSS = 0.95;

  private final Profile profile;
  private final Params params;
  private final int groups;
  private final double[][][] a;
  private final double[][] b;
  private final double[][][] inv;
  private final double[][] theta;
  private final int[] observations;

  public ContentionBandit(Profile profile, Params params) {
    this.profile = profile;
    this.params = params;
    this.groups = profile.groups();
    int arms = profile.models() * groups;
    this.a = new double[arms][groups][groups];
    this.b = new double[arms][groups];
    this.inv = new double[arms][groups][groups];
    this.theta = new double[arms][groups];
    this.observations = new int[arms];
    for (int k = 0; k < arms; k++) {
      for (int i = 0; i < groups; i++) {
        a[k][i][i] = prior(i);
        inv[k][i][i] = 1 / prior(i);
      }
    }
  }

  /**
   * The ridge weight of feature i. The intercept's is large: a run's extra time is put on the groups that were busy
   * during it unless many runs say the profile itself is off; with one weight for all, the groups that are usually
   * busy together (everything is, under load) shared the blame with the intercept and a contending group looked
   * cheap.
   */
  private double prior(int i) {
    return i == 0 ? params.profileWeight() : params.beta();
  }

  @Override
  public String name() {
    return "learned (LinUCB)";
  }

  private int arm(int model, int group) {
    return model * groups + group;
  }

  /** The context of a run on {@code group}: 1, then the occupancy of every other group in index order. */
  private double[] context(int group, double[] occupancy) {
    double[] x = new double[groups];
    x[0] = 1;
    int i = 1;
    for (int j = 0; j < groups; j++) {
      if (j != group) {
        x[i++] = occupancy[j];
      }
    }
    return x;
  }

  /** Where group {@code other} sits in the context of a run on {@code group}. */
  private static int feature(int group, int other) {
    return other < group ? other + 1 : other;
  }

  /** Predicted service time of {@code model} on {@code group} under {@code occupancy}, less the bonus (ms). */
  private double serviceMs(int model, int group, double[] occupancy, double bonus) {
    int k = arm(model, group);
    double[] x = context(group, occupancy);
    double loss = Linear.dot(theta[k], x);
    if (bonus > 0) {
      loss -= bonus * Math.sqrt(Math.max(0, Linear.quadratic(inv[k], x)));
    }
    return profile.soloMs(model, group) / (1 - Math.min(MAX_LOSS, Math.max(MIN_LOSS, loss)));
  }

  @Override
  public int choose(int model, NodeState state) {
    double[] busy = new double[groups];
    for (int j = 0; j < groups; j++) {
      busy[j] = state.busy(j) ? 1 : 0;
    }
    double[] backlog = new double[groups];
    for (int j = 0; j < groups; j++) {
      backlog[j] = backlogMs(state, j, busy);
    }
    int best = -1;
    double bestCost = Double.POSITIVE_INFINITY;
    for (int g = 0; g < groups; g++) {
      if (!profile.runs(model, g)) {
        continue;
      }
      double own = serviceMs(model, g, busy, params.alpha());
      double cost = backlog[g] + own;
      if (params.lambda() > 0) {
        for (int j = 0; j < groups; j++) {
          if (j != g && state.busy(j)) {
            // the new run keeps g busy from backlog_g to backlog_g + own: that stretch of j's backlog runs slower
            double overlap = Math.max(0, Math.min(backlog[j], backlog[g] + own) - backlog[g]);
            double w = Math.min(MAX_LOSS, Math.max(0, theta[arm(state.running(j), j)][feature(j, g)]));
            cost += params.lambda() * state.queued(j) * w * overlap;
          }
        }
      }
      if (cost < bestCost) {
        bestCost = cost;
        best = g;
      }
    }
    return best;
  }

  /** The predicted time until {@code group} has run everything queued on it now. */
  private double backlogMs(NodeState state, int group, double[] occupancy) {
    return EarliestFinish.backlogMs(state, group, m -> serviceMs(m, group, occupancy, 0));
  }

  @Override
  public void observe(Observation o) {
    if (!profile.runs(o.model(), o.group()) || o.overlap().length != groups) {
      throw EdgewiseException.invalidArgument("ContentionBandit: observation of model " + o.model() + " on group "
          + o.group() + " with " + o.overlap().length + " overlaps for " + groups + " groups");
    }
    int k = arm(o.model(), o.group());
    double[] x = context(o.group(), o.overlap());
    double y = 1 - profile.soloMs(o.model(), o.group()) / o.serviceMs();
    double g = params.gamma();
    for (int i = 0; i < groups; i++) {
      for (int j = 0; j < groups; j++) {
        a[k][i][j] = g * a[k][i][j] + x[i] * x[j] + (i == j ? (1 - g) * prior(i) : 0);
      }
      b[k][i] = g * b[k][i] + x[i] * y;
    }
    inv[k] = Linear.inverse(a[k]);
    theta[k] = Linear.times(inv[k], b[k]);
    observations[k]++;
  }

  /**
   * The learned fraction of a run of {@code model} on {@code group} lost while {@code other} is busy (theta_mg[other]:
   * c / (1 + c) for a slowdown by 1 + c); {@code other == group} gives the intercept, the loss with every other group
   * idle (1 - solo / measured: negative where the profile's solo time was too long).
   */
  public double loss(int model, int group, int other) {
    int k = arm(model, group);
    return other == group ? theta[k][0] : theta[k][feature(group, other)];
  }

  /** The predicted service time of {@code model} on {@code group} while the other groups are as busy as given (ms). */
  public double predictMs(int model, int group, double[] occupancy) {
    if (occupancy.length != groups) {
      throw EdgewiseException.invalidArgument("ContentionBandit.predictMs: " + occupancy.length + " occupancies for "
          + groups + " groups");
    }
    return serviceMs(model, group, occupancy, 0);
  }

  /** How many runs of {@code model} on {@code group} the policy has learned from. */
  public int observations(int model, int group) {
    return observations[arm(model, group)];
  }
}
