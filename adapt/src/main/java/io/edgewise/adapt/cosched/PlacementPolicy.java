package io.edgewise.adapt.cosched;

import io.edgewise.EdgewiseException;
import java.util.Arrays;
import java.util.List;

/**
 * The learned co-scheduler over whole placements: each model has a home, a weighted set of groups (its requests in
 * parts over them, taken in turn by smooth weighted round robin), chosen by {@link PlacementSearch} from service
 * times learned online ({@link ContentionBandit}'s per-arm model of contention and cold starts, fed every measured
 * run) and the arrival rates measured from the decision times ({@link ArrivalWindow}); a request runs on the home
 * group whose turn it is, and spills to another group only when waiting there is predicted to cost more than a cold
 * run elsewhere. A model is split over several groups only where one group cannot serve it (the split raises the
 * predicted throughput): each split pays cold starts.
 *
 * <p>Why: in the measured runs (docs/benchmarks.md, 2026-12-07) the best fixed placement beat every per-request
 * policy, the learned one included, because it keeps each model's weights warm on one core and a per-request policy
 * spreads every model over every group, so nearly every run starts cold. Learning over placements keeps that and still
 * adapts: the placement is searched again every {@code epoch} observations (the estimates moved) and at once when the
 * mix of arrivals or their rate changes; the current placement is kept unless another is predicted better by more
 * than the search's tolerance (no flipping between placements the estimates cannot tell apart).
 *
 * <p><b>Exploration.</b> Arms never run are predicted at their profile slowed as the node is now, without contention:
 * optimistic, so a placement that uses them is tried when its optimistic score wins, measured, and kept or left.
 *
 * <p><b>Spill.</b> A request of m goes to its home h unless h has requests queued and some idle group g costs less:
 * the cost at h is its backlog plus m's run there; at g, m's cold run there plus the cold start it imposes on g's
 * next run of the model it had plus the delay its run inflicts on the busy groups' queues ({@link #spill}).
 */
public final class PlacementPolicy implements CoschedPolicy {
  /**
   * @param epoch observations between two searches
   * @param tolerance relative difference in predicted throughput or latency a new placement must win by
   * @param memory arrivals the rates and shares are measured over
   * @param mixChange L1 distance between the shares now and at the last search (or relative change of the total rate)
   *     that triggers a search at once
   * @param spill whether requests may leave their home groups
   * @param parts the parts a model's requests are split into over its home groups (1: one home group per model)
   * @param switchMargin relative difference in predicted throughput (or, at equal throughput, latency) the homes
   *     found by a search must win by over the current ones to replace them
   * @param groupSets the online search over the set of groups in use ({@link GroupSetSearch}), or null: every group
   *     always in use
   */
  public record Params(int epoch, double tolerance, int memory, double mixChange, boolean spill, int parts,
      double switchMargin, GroupSetSearch.Params groupSets) {
    public Params {
      if (epoch < 1 || !(tolerance >= 0) || memory < 2 || !(mixChange > 0) || parts < 1 || !(switchMargin >= 0)) {
        throw EdgewiseException.invalidArgument("PlacementPolicy.Params: epoch >= 1, tolerance >= 0, memory >= 2, "
            + "mixChange > 0, parts >= 1, switchMargin >= 0; got " + this);
      }
    }

    /**
     * A search every 30 runs (about 10 per model in a three-model mix: enough for the estimates to move), 3%
     * tolerance, rates over the last 100 arrivals, a search at once when the shares move by 0.3 or the rate by 30%,
     * a model's requests split in quarters (a model one group cannot serve at its rate gets a quarter or more of its
     * requests sent elsewhere; finer parts add search steps and cold starts for little), new homes taken only
     * when predicted 10% better than the current ones (measured: with 3%, the homes moved in 15 of 28 searches of
     * the ocr mix and 22 of 55 of ocr+cnn, each move paying cold starts, on estimates a busy machine moves by more),
     * every group always in use. The search over the set of groups in use is the caller's to turn on ({@link
     * #withGroupSets}), with the fewest groups it may leave in use (the bench: as many as there are cores): in
     * simulation it pays where three busy groups share two cores (+21%, {@code GroupSetSearchTest}) and costs where
     * the estimates already see the contention (the overloaded node of {@code PlacementPolicyTest}: its trials of
     * smaller sets cost about 30% of the run's throughput there, 0.087 against 0.127 requests per ms).
     */
    public static Params defaults() {
      return new Params(30, 0.03, 100, 0.3, true, 4, 0.10, null);
    }

    public Params withSpill(boolean on) {
      return new Params(epoch, tolerance, memory, mixChange, on, parts, switchMargin, groupSets);
    }

    public Params withParts(int n) {
      return new Params(epoch, tolerance, memory, mixChange, spill, n, switchMargin, groupSets);
    }

    public Params withSwitchMargin(double margin) {
      return new Params(epoch, tolerance, memory, mixChange, spill, parts, margin, groupSets);
    }

    /** The same with the given search over the set of groups in use (null: every group always in use). */
    public Params withGroupSets(GroupSetSearch.Params p) {
      return new Params(epoch, tolerance, memory, mixChange, spill, parts, switchMargin, p);
    }
  }

  private static final int MIN_ARRIVALS = 10;
  private static final int MAX_STEPS = 50;
  /** Runs of its own after which an arm's estimate counts as much as what its group's other models measured. */
  private static final double BORROW = 10;

  private final Profile profile;
  private final Params params;
  private final ContentionBandit estimates;
  private final PlacementSearch search;
  private final int models;
  private final int groups;
  /** Per model and group, the parts of the model's requests sent there (rows sum to the params' parts). */
  private int[][] split;
  /**
   * Per model and group, the smooth weighted round robin's credit: each request adds every home group its parts and
   * takes the parts total from the group chosen (the one with the most credit), so a model with 3 parts on g0 and 1
   * on g1 sends g0, g0, g1, g0 in turn: deterministic, and no run of requests to one group longer than needed.
   */
  private final int[][] credit;
  private final ArrivalWindow arrivals;
  /** The set of groups in use, searched online by measured throughput; null: every group in use. */
  private final GroupSetSearch groupSets;
  /** The set in use changed: the next decision searches again and takes what it finds. */
  private boolean setChanged;
  /** Per set of groups in use, the homes it had when it was left: a set tried and left gets its own homes back. */
  private final java.util.Map<String, int[][]> homesOfSet = new java.util.HashMap<>();
  private String setKey;

  private double[] sharesAtSearch;
  private double rateAtSearch = Double.NaN;
  private int sinceSearch;
  private boolean searchDue;
  private int searches;
  private int switches;
  private int spills;

  /** Every group its own kind. */
  public PlacementPolicy(Profile profile, Params params) {
    this(profile, params, null);
  }

  /** @param kinds per group, its kind (interchangeable groups share what is learned), or null */
  public PlacementPolicy(Profile profile, Params params, List<String> kinds) {
    this.profile = profile;
    this.params = params;
    this.models = profile.models();
    this.groups = profile.groups();
    this.estimates = new ContentionBandit(profile, ContentionBandit.Params.defaults(), kinds);
    this.search = new PlacementSearch(this::serviceMs, models, groups, params.tolerance(), MAX_STEPS,
        params.parts());
    this.arrivals = new ArrivalWindow(models, params.memory());
    this.credit = new int[models][groups];
    if (params.groupSets() != null) {
      boolean[][] runs = new boolean[models][groups];
      for (int m = 0; m < models; m++) {
        for (int g = 0; g < groups; g++) {
          runs[m][g] = profile.runs(m, g);
        }
      }
      this.groupSets = new GroupSetSearch(groups, kinds, runs, params.groupSets());
      this.setKey = Arrays.toString(groupSets.mask());
    } else {
      this.groupSets = null;
    }
    // before any arrival: equal shares, at a total rate that would keep one group of the fastest models busy
    double[] rate = new double[models];
    double fastest = 0;
    for (int m = 0; m < models; m++) {
      fastest += profile.soloMs(m, profile.fastest(m)) / models;
    }
    Arrays.fill(rate, 1.0 / models / fastest);
    this.split = search.searchSplit(null, rate).parts();
  }

  @Override
  public String name() {
    return "learned placement";
  }

  /**
   * The predicted service time of {@code model} on {@code group}: its own arm's estimate, blended with what the
   * group's other models measured there (their predicted slowdown under this occupancy against the other groups
   * idle, applied to this arm's own time alone) until the arm has {@link #BORROW} runs of its own. Why: under
   * load an arm never run is predicted at its bare profile while the arms in use carry the contention they measured,
   * so every unused arm looked faster than the arms in use; in simulation that moved the homes 9-13 times in 1500
   * requests (and each move costs cold starts). The other models on the same group share its cores and neighbours,
   * so their slowdown is the better guess; a group nothing ran on stays at the optimistic profile and gets tried.
   */
  double serviceMs(int model, int group, double[] occupancy, boolean cold) {
    if (!profile.runs(model, group) || !inUse(group)) {
      return Double.POSITIVE_INFINITY;
    }
    double own = estimates.predictMs(model, group, occupancy, cold);
    double[] alone = new double[groups];
    double sum = 0;
    double weights = 0;
    for (int m = 0; m < models; m++) {
      double w = m == model || !profile.runs(m, group) ? 0 : estimates.weight(m, group);
      if (w > 0) {
        sum += w * estimates.predictMs(m, group, occupancy, cold) / estimates.predictMs(m, group, alone, cold);
        weights += w;
      }
    }
    if (weights <= 0) {
      return own;
    }
    // only the contention is borrowed: the other models' slowdown under this occupancy against their own time with
    // the other groups idle, applied to this arm's own time alone (its speed on the group is its own: a profile can
    // be wrong for one model and right for another)
    double borrowed = estimates.predictMs(model, group, alone, cold) * sum / weights;
    double w = estimates.weight(model, group);
    return (w * own + BORROW * borrowed) / (w + BORROW);
  }

  /** Whether {@code group} is in the set of groups in use now. */
  boolean inUse(int group) {
    return groupSets == null || groupSets.inUse(group);
  }

  @Override
  public int choose(int model, NodeState state) {
    arrivals.arrived(model, state.atMs());
    if (groupSets != null) {
      groupSets.decided(state);
    }
    double[] rate = arrivals.ratesPerMs(MIN_ARRIVALS);
    if (setChanged) {
      rehome(rate);
    } else if (rate != null && (searchDue || mixChanged(rate))) {
      research(rate);
    }
    int h = next(model);
    return params.spill() ? spill(model, h, state) : h;
  }

  /** The home group of {@code model} whose turn it is (smooth weighted round robin over its parts). */
  int next(int model) {
    int[] c = credit[model];
    int to = -1;
    for (int g = 0; g < groups; g++) {
      if (split[model][g] > 0) {
        c[g] += split[model][g];
        if (to < 0 || c[g] > c[to]) {
          to = g;
        }
      } else {
        c[g] = 0;
      }
    }
    c[to] -= params.parts();
    return to;
  }

  /**
   * The group a request of {@code model} whose home is {@code h} goes to now: h, or an idle group (nothing queued:
   * its capacity would go unused) where the request's cold run, the cold start it imposes on that group's next run of
   * its own model, and the delay its run inflicts on the busy groups' queues cost less than waiting at home. Only
   * idle groups: a spill onto a group with a queue of its own only moves the wait there, with a cold start added
   * (simulated, overloaded: spilling onto any shorter queue sent 30% of the requests away from home and cost 20% of
   * the throughput).
   */
  int spill(int model, int h, NodeState state) {
    if (state.queued(h) == 0) {
      return h;
    }
    double[] busy = new double[groups];
    double[] backlog = new double[groups];
    for (int j = 0; j < groups; j++) {
      busy[j] = state.busy(j) ? 1 : 0;
    }
    for (int j = 0; j < groups; j++) {
      backlog[j] = backlogMs(state, j, busy);
    }
    int last = state.last(h);
    double best = backlog[h] + serviceMs(model, h, busy, last >= 0 && last != model);
    int to = h;
    for (int g = 0; g < groups; g++) {
      if (g == h || state.queued(g) > 0 || !profile.runs(model, g) || !inUse(g)) {
        continue;
      }
      int lastThere = state.last(g);
      double own = serviceMs(model, g, busy, lastThere != model);
      double cost = own;
      if (lastThere >= 0 && lastThere != model) {
        // g's own model runs after this one: cold where it would have been warm
        cost += serviceMs(lastThere, g, busy, true) - serviceMs(lastThere, g, busy, false);
      }
      double[] with = busy.clone();
      with[g] = 1;
      for (int j = 0; j < groups; j++) {
        if (j != g && state.busy(j) && inUse(j)) {  // a group left off only drains its queue
          // while both run, j's run loses the fraction g's being busy costs it, and every request queued on j waits
          // that much longer
          int r = state.running(j);
          double lost = 1 - serviceMs(r, j, busy, false) / serviceMs(r, j, with, false);
          cost += state.queued(j) * Math.max(0, lost) * Math.min(backlog[j], own);
        }
      }
      if (cost < best) {
        best = cost;
        to = g;
      }
    }
    if (to != h) {
      spills++;
    }
    return to;
  }

  private double backlogMs(NodeState state, int group, double[] busy) {
    return EarliestFinish.backlogMs(state, group, m -> serviceMs(m, group, busy, false));
  }

  /**
   * The set of groups in use changed: back to a set it had, the homes it had there; else a model's parts on a group
   * now left off move to its groups still in use (its fastest one by the profile where it had none), then a search
   * from there takes whatever it finds (the set is judged by the throughput it measures, not by the predicted
   * scores, so no margin applies).
   */
  private void rehome(double[] rate) {
    setChanged = false;
    homesOfSet.put(setKey, split());
    setKey = Arrays.toString(groupsInUse());
    int[][] kept = homesOfSet.get(setKey);
    if (kept != null) {
      // back to a set it had: its homes then (a search from a trial's homes can end elsewhere, and every move pays
      // cold starts; in simulation, reverted trials cost 20% of the throughput that way)
      split = kept;
      switches++;
      return;
    }
    for (int m = 0; m < models; m++) {
      int off = 0;
      int keep = -1;
      for (int g = 0; g < groups; g++) {
        if (!inUse(g)) {
          off += split[m][g];
          split[m][g] = 0;
        } else if (split[m][g] > 0 && (keep < 0 || split[m][g] > split[m][keep])) {
          keep = g;
        }
      }
      if (off == 0) {
        continue;
      }
      if (keep < 0) {
        for (int g = 0; g < groups; g++) {
          if (inUse(g) && profile.runs(m, g) && (keep < 0 || profile.soloMs(m, g) < profile.soloMs(m, keep))) {
            keep = g;
          }
        }
      }
      split[m][keep] += off;
    }
    if (rate == null) {
      return;
    }
    split = search.searchSplit(split, rate).parts();
    switches++;
    searches++;
    searchDue = false;
    sinceSearch = 0;
    sharesAtSearch = shares(rate);
    rateAtSearch = total(rate);
  }

  private void research(double[] rate) {
    PlacementSearch.SplitResult found = search.searchSplit(split, rate);
    int[][] next = found.parts();
    if (!Arrays.deepEquals(next, split) && clearlyBetter(found.score(), search.score(split, rate))) {
      switches++;
      split = next;
    }
    searches++;
    searchDue = false;
    sinceSearch = 0;
    sharesAtSearch = shares(rate);
    rateAtSearch = total(rate);
  }

  /** Whether {@code a} beats {@code b} by the switch margin: throughput first, at equal throughput latency. */
  private boolean clearlyBetter(PlacementSearch.Score a, PlacementSearch.Score b) {
    double k = params.switchMargin();
    if (a.throughputPerMs() > b.throughputPerMs() * (1 + k)) {
      return true;
    }
    if (b.throughputPerMs() > a.throughputPerMs() * (1 + params.tolerance())) {
      return false;
    }
    return a.latencyMs() < b.latencyMs() * (1 - k);
  }

  private boolean mixChanged(double[] rate) {
    if (sharesAtSearch == null) {
      return true;
    }
    double[] s = shares(rate);
    double d = 0;
    for (int m = 0; m < models; m++) {
      d += Math.abs(s[m] - sharesAtSearch[m]);
    }
    return d > params.mixChange() || Math.abs(total(rate) / rateAtSearch - 1) > params.mixChange();
  }

  private static double total(double[] rate) {
    return Arrays.stream(rate).sum();
  }

  private static double[] shares(double[] rate) {
    double t = total(rate);
    return Arrays.stream(rate).map(r -> r / t).toArray();
  }

  @Override
  public void observe(Observation o) {
    estimates.observe(o);
    if (groupSets != null && groupSets.finished(o.endMs(), o.serviceMs(), o.latencyMs())) {
      setChanged = true;
    }
    if (++sinceSearch >= params.epoch()) {
      searchDue = true;
    }
  }

  /** Per model, its home group now: the group with the most of its parts (the lowest index among equals). */
  public int[] home() {
    return new PlacementSearch.SplitResult(split, null, 0).primary();
  }

  /** Per model and group, the parts of the model's requests sent there now (rows sum to the params' parts). */
  public int[][] split() {
    int[][] c = new int[models][];
    for (int m = 0; m < models; m++) {
      c[m] = split[m].clone();
    }
    return c;
  }

  /** Searches run, how many of them moved a model, requests spilled from their home. */
  public int searches() {
    return searches;
  }

  public int switches() {
    return switches;
  }

  public int spills() {
    return spills;
  }

  /** Per group, whether it is in use now (all true without the group-set search). */
  public boolean[] groupsInUse() {
    boolean[] m = new boolean[groups];
    for (int g = 0; g < groups; g++) {
      m[g] = inUse(g);
    }
    return m;
  }

  /** The online search over the set of groups in use, or null where it is off. */
  public GroupSetSearch groupSets() {
    return groupSets;
  }

  /** The learned service-time model the placements are scored with. */
  public ContentionBandit estimates() {
    return estimates;
  }
}
