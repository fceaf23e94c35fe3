package io.edgewise.adapt.cosched;

import io.edgewise.EdgewiseException;
import io.edgewise.adapt.Linear;
import java.util.List;

/**
 * The learned co-scheduler: a linear contextual bandit (LinUCB, Li et al. WWW 2010, discounted as in Russac et al.
 * NeurIPS 2019) that learns how much each device group slows down while the others are busy, and places each request
 * where it costs the node least, looking one arrival ahead.
 *
 * <p><b>What is learned.</b> Arms are (model, group kind) pairs: groups of one kind (the two {@code cpu/1} groups of
 * a run) are interchangeable, so they share one arm and one solo time (the mean of the profile's figures for them),
 * and every run on either teaches both. The context of a run on group g is whether it starts cold and how busy the
 * other groups were, counted per kind: x = [1, cold, o_k for each kind k], cold 1 where the group's run before was
 * of another model (its weights and buffers are not in that core's caches: a group that keeps running one model
 * runs it faster, which is what a fixed placement gets for free), o_k the sum over the other groups of kind k of the
 * fraction of the run each was busy (measured; at decision time 1 for a busy group and 0 for an idle one). What is learned, per arm by
 * ridge regression, is the fraction of the run lost to contention, z = 1 - solo(m, kind) / service:
 *
 * <pre>
 *   z = theta' x,   A = gamma A + (1 - gamma) B [+ x x' for the arm observed],   b = gamma b [+ x z],
 *   service = solo / (1 - z)
 * </pre>
 *
 * Why that target: when a busy group slows g's progress by a factor 1 + c (cores or memory shared), a run that
 * overlaps it for a fraction o of its time loses o c / (1 + c) of it, which is linear in o; theta[k] is then
 * c / (1 + c) per busy group of kind k (0: no contention; 0.5: twice as slow while it is busy), theta[cold] the
 * fraction lost to cold caches, and the intercept is
 * what the profile got wrong (B = diag(profileWeight, beta, ...): the profile counts as profileWeight solo runs).
 * The prior theta = 0 is the profile itself, which is optimistic (contention only adds time): an arm never tried
 * looks as good as its solo time, gets tried, and its real cost is learned, so the prior explores; alpha adds the
 * usual LinUCB bonus, alpha * sqrt(x' A^-1 x), subtracted from the predicted loss.
 *
 * <p><b>Forgetting.</b> Every arm forgets at every observation of the node, not only at its own: on a shared machine
 * an arm measured during a slow minute would otherwise keep that figure for as long as it is not chosen again, and it
 * would not be (its figure says it is slow). Decaying it towards its prior brings it back into play after
 * about 1 / (1 - gamma) observations of the node. The prior is the profile slowed as the node is now ({@link
 * #nodePrior}: what the node's runs lost that their contention and cold terms do not explain), not the bare profile:
 * other processes on a shared machine slow every arm alike, and an arm forgotten down to its bare profile looked
 * faster than the arms in use only because it had not been run lately.
 *
 * <p><b>Decision.</b> A request of model m is placed on the group g that minimises what the decision adds to the
 * latency of the node's requests, its own, the queued ones' and the next arrival's:
 *
 * <pre>
 *   wait_g + service(m, g)                                            its own latency
 *   + lambda * sum over busy j != g of queued_j * theta_{r_j, j}[g] * overlap(j)     the delay inflicted on j's queue
 *   + sum over models m' of share(m') * min over g' of [max(0, wait'_g' - gap) + service(m', g')]   the next arrival
 * </pre>
 *
 * wait_g is the predicted backlog of g (its running request's remaining time and its queued requests, each at its
 * predicted time under the present occupancy). The inflicted delay: the new run keeps g busy from wait_g to wait_g +
 * service, the part of j's backlog in that stretch runs slower (r_j the model running on j: over an overlap of T it
 * loses theta T of progress) and every request queued there waits that much longer; without that term a contending
 * group that had built a queue kept the whole node slow. The last term is a one-step lookahead: the next request
 * arrives after the mean gap between arrivals (measured from the decision times), is of model m' with the share m'
 * has had of the arrivals, and takes its best group given the backlogs wait' this decision leaves. This is what keeps
 * the fastest group for the model that gains most from it: taking it for a request that is nearly as fast elsewhere
 * costs the next request its wait there or its slow run elsewhere. Under light load every backlog has drained by the
 * next arrival and the term is the same for every choice; without decision times (a state's {@code atMs} NaN) it is
 * left out.
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
   * @param gamma discount of every arm per observation of the node (1: never forget)
   * @param lambda weight of the delay inflicted on other groups' queues (0: own latency only)
   * @param lookahead whether the next arrival's latency counts (the one-step lookahead)
   * @param memory the number of arrivals the arrival rate and the models' shares are averaged over
   * @param nodePrior whether forgetting pulls an arm towards the node's common slowdown (the discounted mean lost
   *     fraction of every run of the node) rather than towards its bare profile; only with gamma below 1
   */
  public record Params(double alpha, double beta, double profileWeight, double gamma, double lambda,
      boolean lookahead, int memory, boolean nodePrior) {
    public Params {
      if (!(alpha >= 0) || !(beta > 0) || !(profileWeight > 0) || !(gamma > 0 && gamma <= 1) || !(lambda >= 0)
          || memory < 1) {
        throw EdgewiseException.invalidArgument("ContentionBandit.Params: alpha >= 0, beta > 0, profileWeight > 0, "
            + "0 < gamma <= 1, lambda >= 0, memory >= 1; got " + this);
      }
    }

    /** Without the lookahead. */
    public Params(double alpha, double beta, double profileWeight, double gamma, double lambda) {
      this(alpha, beta, profileWeight, gamma, lambda, false, 1, true);
    }

    /** With the node's common slowdown as the prior. */
    public Params(double alpha, double beta, double profileWeight, double gamma, double lambda, boolean lookahead,
        int memory) {
      this(alpha, beta, profileWeight, gamma, lambda, lookahead, memory, true);
    }

    /** The same, with or without the node's common slowdown as the prior. */
    public Params withNodePrior(boolean on) {
      return new Params(alpha, beta, profileWeight, gamma, lambda, lookahead, memory, on);
    }

    /**
     * alpha 0.1, beta 1, the profile as 20 runs, gamma 0.995 (about the last 200 runs of the node count: tens of
     * runs per arm on a few groups and models, seconds of a loaded node), the inflicted delay at full weight (the
     * total latency), the lookahead on, arrival statistics over the last 50 arrivals.
     */
    public static Params defaults() {
      return new Params(0.1, 1.0, 20.0, 0.995, 1.0, true, 50);
    }
  }

  /** Where the features are: the intercept, the cold-cache flag, then the occupancy per kind. */
  private static final int COLD = 1;
  private static final int FIRST_KIND = 2;

  /** Bounds of the predicted lost fraction: a run takes between a tenth of and 20 times its solo time. */
  private static final double MIN_LOSS = -9;
  private static final double MAX_LOSS = 0.95;

  private final Profile profile;
  private final Params params;
  private final int groups;
  private final int models;
  /** Per group, its kind's index; per kind, the groups of it. */
  private final int[] kindOf;
  private final int kinds;
  /** Per model and kind, the mean solo time of the kind's groups that run the model (ms). */
  private final double[][] soloMs;
  private final int dim;
  private final double[][][] a;
  private final double[][] b;
  private final double[][][] inv;
  private final double[][] theta;
  private final int[] observations;
  /**
   * The node's common slowdown: the lost fraction of every run of the node that its arm's contention and cold-start
   * terms do not explain, discounted as the arms are (sum and weight), the prior mean of every arm's intercept where
   * {@link Params#nodePrior}.
   */
  private double nodeLossSum;
  private double nodeLossWeight;
  /** Per arm, its runs discounted as its statistics are: how much of its intercept is data, not prior. */
  private final double[] weight;
  /** Arrival statistics for the lookahead (the mean gap, the shares): the estimator the placement policy uses too. */
  private final ArrivalWindow arrivals;

  /** Every group its own kind. */
  public ContentionBandit(Profile profile, Params params) {
    this(profile, params, null);
  }

  /**
   * @param kinds per group, its kind (groups of one kind are interchangeable and share what is learned), or null:
   *     every group its own kind
   */
  public ContentionBandit(Profile profile, Params params, List<String> kinds) {
    this.profile = profile;
    this.params = params;
    this.groups = profile.groups();
    this.models = profile.models();
    if (kinds != null && kinds.size() != groups) {
      throw EdgewiseException.invalidArgument("ContentionBandit: " + kinds.size() + " kinds for " + groups
          + " groups");
    }
    this.kindOf = GroupKinds.of(kinds, groups);
    this.kinds = GroupKinds.count(kindOf);
    this.soloMs = new double[models][this.kinds];
    for (int m = 0; m < models; m++) {
      for (int k = 0; k < this.kinds; k++) {
        double sum = 0;
        int n = 0;
        for (int g = 0; g < groups; g++) {
          if (kindOf[g] == k && profile.runs(m, g)) {
            sum += profile.soloMs(m, g);
            n++;
          }
        }
        soloMs[m][k] = n == 0 ? Double.POSITIVE_INFINITY : sum / n;
      }
    }
    this.dim = FIRST_KIND + this.kinds;
    int arms = models * this.kinds;
    this.a = new double[arms][dim][dim];
    this.b = new double[arms][dim];
    this.inv = new double[arms][dim][dim];
    this.theta = new double[arms][dim];
    this.observations = new int[arms];
    this.weight = new double[arms];
    for (int k = 0; k < arms; k++) {
      for (int i = 0; i < dim; i++) {
        a[k][i][i] = prior(i);
        inv[k][i][i] = 1 / prior(i);
      }
    }
    this.arrivals = new ArrivalWindow(models, Math.max(2, params.memory()));
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
    return model * kinds + kindOf[group];
  }

  /**
   * The context of a run on {@code group}: 1, whether it starts cold, then per kind the occupancy of the other groups
   * of that kind.
   */
  private double[] context(int group, double[] occupancy, boolean cold) {
    double[] x = new double[dim];
    x[0] = 1;
    x[COLD] = cold ? 1 : 0;
    for (int j = 0; j < groups; j++) {
      if (j != group) {
        x[FIRST_KIND + kindOf[j]] += occupancy[j];
      }
    }
    return x;
  }

  /** Whether a run of {@code model} after one of {@code last} (-1: none or unknown) starts cold. */
  private static boolean cold(int model, int last) {
    return last >= 0 && last != model;
  }

  /** Predicted service time of {@code model} on {@code group} under {@code occupancy}, less the bonus (ms). */
  private double serviceMs(int model, int group, double[] occupancy, boolean cold, double bonus) {
    int k = arm(model, group);
    double[] x = context(group, occupancy, cold);
    double loss = Linear.dot(theta[k], x);
    // theta's intercept is shrunk towards 0 (the bare profile) by the prior's weight against the arm's runs; that
    // share of it is moved to the node's slowdown instead. Added here, not as the ridge prior's mean: there it shifted
    // the contention terms of the arms in use (a higher intercept left less to explain), so a device that slows the
    // others looked cheap (simulated: mean latency 55 ms -> 2.9 s)
    loss += params.profileWeight() / (params.profileWeight() + weight[k]) * nodePrior();
    if (bonus > 0) {
      loss -= bonus * Math.sqrt(Math.max(0, Linear.quadratic(inv[k], x)));
    }
    return soloMs[model][kindOf[group]] / (1 - Math.min(MAX_LOSS, Math.max(MIN_LOSS, loss)));
  }

  @Override
  public int choose(int model, NodeState state) {
    boolean ahead = params.lookahead() && arrived(model, state.atMs());
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
      double own = serviceMs(model, g, busy, cold(model, state.last(g)), params.alpha());
      double cost = backlog[g] + own;
      if (params.lambda() > 0) {
        for (int j = 0; j < groups; j++) {
          if (j != g && state.busy(j)) {
            // the new run slows j for as long as both run: whenever it starts, j's backlog is there then too
            // while the node is loaded (queueing the run behind a long backlog only moves its toll onto the
            // requests queued on j by then), so the overlap is taken as if it started now
            double overlap = Math.min(backlog[j], own);
            double w = Math.min(MAX_LOSS, Math.max(0, theta[arm(state.running(j), j)][FIRST_KIND + kindOf[g]]));
            cost += params.lambda() * state.queued(j) * w * overlap;
          }
        }
      }
      if (ahead) {
        cost += nextArrivalMs(model, g, backlog[g] + own, backlog, state);
      }
      if (cost < bestCost) {
        bestCost = cost;
        best = g;
      }
    }
    return best;
  }

  /**
   * Counts an arrival of {@code model} at {@code atMs} into the arrival statistics; whether the lookahead has what it
   * needs (a decision time and a gap measured).
   */
  private boolean arrived(int model, double atMs) {
    arrivals.arrived(model, atMs);
    return !Double.isNaN(atMs) && !Double.isNaN(arrivals.meanGapMs());
  }

  /**
   * The expected latency of the next arrival if this request goes to {@code group} and leaves it {@code until} ms of
   * work: it arrives after the mean gap, is of each model with its share, and takes the group where it would finish
   * first given the backlogs then (a group still busy then counts as busy for its predicted run).
   */
  private double nextArrivalMs(int model, int group, double until, double[] backlog, NodeState state) {
    double gapMs = arrivals.meanGapMs();
    double[] share = arrivals.shares();
    double[] left = new double[groups];
    double[] busyThen = new double[groups];
    for (int j = 0; j < groups; j++) {
      left[j] = Math.max(0, (j == group ? until : backlog[j]) - gapMs);
      busyThen[j] = left[j] > 0 ? 1 : 0;
    }
    double expected = 0;
    for (int m = 0; m < models; m++) {
      if (share[m] <= 0) {
        continue;
      }
      double best = Double.POSITIVE_INFINITY;
      for (int j = 0; j < groups; j++) {
        if (profile.runs(m, j)) {
          int last = j == group ? model : state.last(j);
          best = Math.min(best, left[j] + serviceMs(m, j, busyThen, cold(m, last), 0));
        }
      }
      expected += share[m] * best;
    }
    return expected;
  }

  /** The predicted time until {@code group} has run everything queued on it now. */
  private double backlogMs(NodeState state, int group, double[] occupancy) {
    return EarliestFinish.backlogMs(state, group, m -> serviceMs(m, group, occupancy, false, 0));
  }

  @Override
  public void observe(Observation o) {
    if (!profile.runs(o.model(), o.group()) || o.overlap().length != groups) {
      throw EdgewiseException.invalidArgument("ContentionBandit: observation of model " + o.model() + " on group "
          + o.group() + " with " + o.overlap().length + " overlaps for " + groups + " groups");
    }
    int observed = arm(o.model(), o.group());
    double[] x = context(o.group(), o.overlap(), o.cold());
    double y = 1 - soloMs[o.model()][kindOf[o.group()]] / o.serviceMs();
    double g = params.gamma();
    // the part of the loss the arm's context does not explain (its contention and cold-start terms taken off): what
    // the profile got wrong in this run, common to the node where other processes slow everything
    double explained = 0;
    for (int i = 1; i < dim; i++) {
      explained += theta[observed][i] * x[i];
    }
    // weighted by how alone the run was: a run beside busy groups carries contention its arm may not have learned
    // yet, a run alone only what the node's own groups cannot explain
    double together = 0;
    for (int i = FIRST_KIND; i < dim; i++) {
      together += x[i];
    }
    double w = 1 / (1 + together);
    nodeLossSum = g * nodeLossSum + w * (y - explained);
    nodeLossWeight = g * nodeLossWeight + w;
    for (int k = 0; k < a.length; k++) {
      boolean hit = k == observed;
      if (!hit && g == 1) {
        continue;
      }
      for (int i = 0; i < dim; i++) {
        for (int j = 0; j < dim; j++) {
          a[k][i][j] = g * a[k][i][j] + (hit ? x[i] * x[j] : 0) + (i == j ? (1 - g) * prior(i) : 0);
        }
        b[k][i] = g * b[k][i] + (hit ? x[i] * y : 0);
      }
      inv[k] = Linear.inverse(a[k]);
      theta[k] = Linear.times(inv[k], b[k]);
      weight[k] = g * weight[k] + (hit ? 1 : 0);
    }
    observations[observed]++;
  }

  /**
   * The prior mean of every arm's intercept: the node's common slowdown where {@link Params#nodePrior} and the arms
   * forget (gamma below 1), else 0 (the bare profile). On a shared machine most of a run's extra time came from
   * processes outside the node's groups (40 runnable threads on 2 cores in the measured runs), which slows every arm
   * alike; an arm not run for a while then drifted back to its bare profile, looked 2-3x faster than the arms in use
   * (measured in the same minutes), and was tried again at once: under overload that cost a slow run and a cold
   * start each time (a measured ocr run put det on ort/1 64 times of 169 at 75 ms against 46 on cpu). Pulled towards
   * the node's slowdown instead, an arm is tried again only when its profile, slowed as everything is now, beats the
   * arms in use.
   */
  private double nodePrior() {
    if (!params.nodePrior() || params.gamma() == 1 || nodeLossWeight == 0) {
      return 0;
    }
    // a slowdown only: where the node's runs were faster than their profiles the bare profile stays the optimistic
    // prior
    return Math.min(MAX_LOSS, Math.max(0, nodeLossSum / nodeLossWeight));
  }

  /**
   * The learned fraction of a run of {@code model} on {@code group} lost while {@code other} is busy (theta[kind of
   * other]: c / (1 + c) for a slowdown by 1 + c); {@code other == group} gives the intercept, the loss with every
   * other group idle (1 - solo / measured: negative where the profile's solo time was too long).
   */
  public double loss(int model, int group, int other) {
    int k = arm(model, group);
    return other == group ? theta[k][0] : theta[k][FIRST_KIND + kindOf[other]];
  }

  /** The predicted service time of {@code model} on {@code group} while the other groups are as busy as given (ms). */
  public double predictMs(int model, int group, double[] occupancy) {
    if (occupancy.length != groups) {
      throw EdgewiseException.invalidArgument("ContentionBandit.predictMs: " + occupancy.length + " occupancies for "
          + groups + " groups");
    }
    return serviceMs(model, group, occupancy, false, 0);
  }

  /**
   * The predicted service time of {@code model} on {@code group} while the other groups are as busy as given, starting
   * cold (after a run of another model there) or warm (ms): what {@link PlacementPolicy} scores placements with.
   */
  public double predictMs(int model, int group, double[] occupancy, boolean cold) {
    if (occupancy.length != groups) {
      throw EdgewiseException.invalidArgument("ContentionBandit.predictMs: " + occupancy.length + " occupancies for "
          + groups + " groups");
    }
    return serviceMs(model, group, occupancy, cold, 0);
  }

  /** The learned fraction of a run of {@code model} on {@code group} lost to starting with cold caches. */
  public double coldLoss(int model, int group) {
    return theta[arm(model, group)][COLD];
  }

  /** The runs of {@code model} on {@code group}'s kind, discounted as its statistics are (what it still counts). */
  public double weight(int model, int group) {
    return weight[arm(model, group)];
  }

  /** How many runs of {@code model} on {@code group}'s kind the policy has learned from. */
  public int observations(int model, int group) {
    return observations[arm(model, group)];
  }

  /** The mean gap between arrivals the lookahead uses (ms; NaN before two arrivals with decision times). */
  public double meanGapMs() {
    return arrivals.meanGapMs();
  }
}
