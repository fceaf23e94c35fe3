package io.edgewise.adapt.cosched;

import io.edgewise.EdgewiseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An online search over the set of device groups in use, judged by measured reward: the set in use (the incumbent)
 * is measured for an epoch, then a neighbouring set (one group of some kind left off, or one put back) is tried for
 * an epoch, and kept where its epoch measured better, else the incumbent comes back. This is the search a fixed
 * placement sweep does offline, made online: on a machine where a third busy group slows the two others by more than
 * it adds (three 1-thread groups on two shared cores) leaving it off wins and is kept; on a machine with a core per
 * group the smaller set finishes less and is dropped, so nothing about a machine is built in.
 *
 * <p><b>Why measured, not predicted.</b> The learned service times cannot rank these sets under overload: every group
 * in use is busy all the time, so what one group costs the others is not separately identified from the intercepts
 * (measured, branch cosched3: the best fixed placement left a cpu group idle and won by 17-21%, the learned placement
 * never tried it). The epoch's own throughput needs no model.
 *
 * <p><b>An epoch's reward.</b> After a switch the first {@code settle} finished runs are not counted (the groups
 * left off drain their queues, moved models start cold) and counting waits until every group left off is idle; then
 * {@code epoch} finished runs are: throughput = runs / the time the node was busy (some group running) from the end of
 * the run before the first counted to the end of the last, and their mean latency. Busy time, not wall time: a pause
 * in the arrivals (the bench's rounds, a quiet minute) would otherwise count as lost throughput. The epoch is <i>saturated</i> where at least {@link
 * #SATURATED_SHARE} of the arrivals during it found every group in use busy: then throughput measures what the set
 * can do. A trial wins where both epochs were saturated and its throughput is higher by more than {@code margin}
 * (under overload, latency is the backlog carried from before the switch, not the set's doing); it loses where only
 * it was saturated (the incumbent kept up with what arrived, it did not); otherwise, its mean latency must be lower
 * by more than {@code margin} (both finish what arrives, or the trial does where the incumbent did not; an epoch's
 * tens of runs give a mean, not a p99). Throughput is not compared where an epoch was not saturated: per busy time
 * it is no capacity there, and per wall time it is the arrivals' luck.
 *
 * <p><b>Which sets, how often.</b> Sets are counted per kind (groups of one kind are interchangeable: the lowest
 * indices of a kind are the ones in use), so a node of {@code cpu, cpu, ort} has six sets, each a neighbour of the
 * ones one group away. Neighbours are tried in turn; a set that lost waits 2^losses epochs (at most {@code
 * maxWait}) before it is tried again, and the set that was left for a winner counts as having lost once, so a set
 * kept by a lucky epoch is challenged again and a machine that changes is followed. A set is allowed only where every
 * model still has a group in it.
 */
public final class GroupSetSearch {
  /**
   * @param epoch finished runs measured per epoch
   * @param settle finished runs not counted after a switch
   * @param margin relative difference a trial must win by (throughput higher, or latency lower)
   * @param maxWait the most epochs a set that lost waits before it is tried again
   * @param minGroups the fewest groups a set may have (e.g. the cores the groups share: fewer busy groups than cores
   *     leave a core idle; 1: any set)
   */
  public record Params(int epoch, int settle, double margin, int maxWait, int minGroups) {
    public Params {
      if (epoch < 2 || settle < 0 || !(margin >= 0) || maxWait < 1 || minGroups < 1) {
        throw EdgewiseException.invalidArgument("GroupSetSearch.Params: epoch >= 2, settle >= 0, margin >= 0, "
            + "maxWait >= 1, minGroups >= 1; got " + this);
      }
    }

    /** Any set down to one group. */
    public Params(int epoch, int settle, double margin, int maxWait) {
      this(epoch, settle, margin, maxWait, 1);
    }

    /** The same with sets of at least {@code n} groups. */
    public Params withMinGroups(int n) {
      return new Params(epoch, settle, margin, maxWait, n);
    }

    /**
     * Epochs of 60 runs (0.5-1.5 s of the bench's mixes: throughput to a few percent), 20 not counted after a switch
     * (a moved model's first runs are cold, and a group left off drains its queue), 5% (the bench's noise between
     * adjacent seconds; what a left-off group won by was 17-21%), a loser waits at most 16 epochs.
     */
    public static Params defaults() {
      return new Params(60, 20, 0.05, 16);
    }
  }

  /** The share of an epoch's arrivals that must find every group in use busy for the epoch to count as saturated. */
  static final double SATURATED_SHARE = 0.75;

  /** What one measured epoch gave. */
  public record Reward(double throughputPerMs, double meanLatencyMs, boolean saturated) {}

  private enum Phase { SETTLE, MEASURE }

  private final Params params;
  private final int groups;
  private final int[] kindOf;
  private final int kinds;
  private final boolean[][] runs;
  /** Per kind, how many of its groups there are. */
  private final int[] ofKind;

  /** Epochs of the first set before any trial: the learned homes settle first. */
  static final int WARMUP_EPOCHS = 2;

  private int[] incumbent;
  /** A trial that beat the incumbent's epoch before it, waiting for the incumbent's epoch after it. */
  private int[] pending;
  private Reward pendingReward;
  private int[] inUse;
  private boolean trial;
  private Reward incumbentReward;
  private Phase phase = Phase.MEASURE;
  private int settled;
  private final Map<String, Integer> losses = new HashMap<>();
  private final Map<String, Integer> waitUntil = new HashMap<>();
  private int epochs;
  private int nextCandidate;
  private int trials;
  private int wins;

  // the epoch being measured
  private int counted;
  private double startMs = Double.NaN;
  private double lastEndMs = Double.NaN;
  private double latencySum;
  /** The counted runs' starts and ends (ms), for the node's busy time. */
  private final List<double[]> runsMs = new ArrayList<>();
  private int decisions;
  private int backlogged;

  /**
   * @param kinds per group, its kind (equal kinds are interchangeable), or null: every group its own kind
   * @param runs per model and group, whether the group can run the model
   */
  public GroupSetSearch(int groups, List<String> kinds, boolean[][] runs, Params params) {
    if (groups < 1 || kinds != null && kinds.size() != groups || runs.length == 0 || runs[0].length != groups) {
      throw EdgewiseException.invalidArgument("GroupSetSearch: " + groups + " groups, "
          + (kinds == null ? "no" : kinds.size()) + " kinds, runs for " + (runs.length == 0 ? 0 : runs[0].length)
          + " groups");
    }
    this.params = params;
    this.groups = groups;
    this.runs = runs;
    this.kindOf = GroupKinds.of(kinds, groups);
    this.kinds = GroupKinds.count(kindOf);
    this.ofKind = new int[this.kinds];
    for (int g = 0; g < groups; g++) {
      ofKind[kindOf[g]]++;
    }
    this.incumbent = ofKind.clone();
    this.inUse = incumbent;
  }

  /** Whether {@code group} is in the set in use now. */
  public boolean inUse(int group) {
    return inUse(inUse, group);
  }

  /** Whether {@code group} is in the set that has {@code count[k]} groups of each kind k (the lowest of each kind). */
  private boolean inUse(int[] count, int group) {
    int rank = 0;
    for (int h = 0; h < group; h++) {
      if (kindOf[h] == kindOf[group]) {
        rank++;
      }
    }
    return rank < count[kindOf[group]];
  }

  /** Per group, whether it is in use now. */
  public boolean[] mask() {
    boolean[] m = new boolean[groups];
    for (int g = 0; g < groups; g++) {
      m[g] = inUse(g);
    }
    return m;
  }

  /** Whether a trial set is in use now (not the incumbent). */
  public boolean trying() {
    return trial;
  }

  /** Trials run and how many of them were kept. */
  public int trials() {
    return trials;
  }

  public int wins() {
    return wins;
  }

  /** The incumbent's last measured epoch (null before the first). */
  public Reward incumbentReward() {
    return incumbentReward;
  }

  /**
   * An arrival's view of the node: counts whether every group in use was busy (the epoch's saturation) and, while
   * settling, whether the groups left off are still working.
   */
  public void decided(NodeState state) {
    boolean all = true;
    boolean offIdle = true;
    for (int g = 0; g < groups; g++) {
      if (inUse(g)) {
        all &= state.busy(g);
      } else {
        offIdle &= state.queued(g) == 0;
      }
    }
    if (phase == Phase.SETTLE) {
      if (settled >= params.settle() && offIdle) {
        phase = Phase.MEASURE;
        startMs = lastEndMs;  // counting starts at the end of the last run before it
        clearEpoch();
      }
      return;
    }
    decisions++;
    backlogged += all ? 1 : 0;
  }

  /**
   * A finished run: its end on the caller's clock, its run and its latency (ms). Returns whether the set in use
   * changed (the caller places its models again).
   */
  public boolean finished(double endMs, double serviceMs, double latencyMs) {
    if (Double.isNaN(endMs)) {
      return false;  // no clock: nothing to measure, the set stays
    }
    if (phase == Phase.SETTLE) {
      settled++;
      lastEndMs = endMs;
      return false;
    }
    if (Double.isNaN(startMs)) {
      startMs = endMs;  // the very first run only marks the start
      lastEndMs = endMs;
      return false;
    }
    counted++;
    latencySum += latencyMs;
    runsMs.add(new double[] {endMs - serviceMs, endMs});
    lastEndMs = Math.max(lastEndMs, endMs);
    double busy = busyMs(runsMs, startMs, lastEndMs);
    if (counted < params.epoch() || !(busy > 0)) {
      return false;
    }
    Reward r = new Reward(counted / busy, latencySum / counted,
        decisions > 0 && backlogged >= SATURATED_SHARE * decisions);
    epochs++;
    return trial ? judge(r) : next(r);
  }

  /**
   * The incumbent measured an epoch: where a trial won against the epoch before it, it must beat this one too (then
   * it is kept); else a neighbour whose wait is over is tried, or the incumbent is measured again.
   */
  private boolean next(Reward r) {
    if (pending != null) {
      int[] challenger = pending;
      Reward before = pendingReward;
      pending = null;
      if (wins(before, r)) {
        wins++;
        lost(incumbent);
        losses.remove(key(challenger));
        incumbent = challenger;
        incumbentReward = null;
        return use(challenger);
      }
      lost(challenger);
    }
    incumbentReward = r;
    if (epochs < WARMUP_EPOCHS) {
      restart();
      return false;
    }
    List<int[]> candidates = neighbours(incumbent);
    for (int i = 0; i < candidates.size(); i++) {
      int[] c = candidates.get((nextCandidate + i) % candidates.size());
      if (waitUntil.getOrDefault(key(c), 0) <= epochs) {
        nextCandidate = (nextCandidate + i + 1) % Math.max(1, candidates.size());
        trials++;
        trial = true;
        return use(c);
      }
    }
    restart();
    return false;
  }

  /**
   * The trial measured its epoch. Where it lost, back to the incumbent. Where it won, back to the incumbent too, for
   * one more epoch of it: the trial is kept only if it beats that epoch as well. Why: the node drifts (the learned
   * homes improve, a shared machine speeds up or slows down), and a trial compared with the epoch before it alone
   * wins whenever the drift is upwards; compared with the epochs on both sides it wins only on its own.
   */
  private boolean judge(Reward r) {
    trial = false;
    if (wins(r, incumbentReward)) {
      pending = inUse;
      pendingReward = r;
    } else {
      lost(inUse);
    }
    return use(incumbent);
  }

  /** Whether the trial's epoch {@code t} beats the incumbent's {@code i}. */
  boolean wins(Reward t, Reward i) {
    double k = params.margin();
    if (t.saturated() && i.saturated()) {
      return t.throughputPerMs() > i.throughputPerMs() * (1 + k);
    }
    if (t.saturated()) {
      return false;  // the incumbent kept up with what arrived, the trial did not
    }
    return t.meanLatencyMs() < i.meanLatencyMs() * (1 - k);
  }

  private void lost(int[] set) {
    String key = key(set);
    int n = losses.merge(key, 1, Integer::sum);
    waitUntil.put(key, epochs + Math.min(params.maxWait(), 1 << Math.min(20, n)));
  }

  private boolean use(int[] set) {
    inUse = set;
    phase = Phase.SETTLE;
    settled = 0;
    return true;
  }

  /** Measures the set in use again from the next run on (no switch: nothing to settle). */
  private void restart() {
    phase = Phase.MEASURE;
    startMs = lastEndMs;
    clearEpoch();
  }

  private void clearEpoch() {
    counted = 0;
    latencySum = 0;
    runsMs.clear();
    decisions = 0;
    backlogged = 0;
  }

  /** The length of the union of the intervals {@code runs} within [from, to] (ms). */
  static double busyMs(List<double[]> runs, double from, double to) {
    List<double[]> sorted = new ArrayList<>(runs);
    sorted.sort((a, b) -> Double.compare(a[0], b[0]));
    double total = 0;
    double coveredTo = from;
    for (double[] r : sorted) {
      double s = Math.max(r[0], coveredTo);
      double e = Math.min(r[1], to);
      if (e > s) {
        total += e - s;
        coveredTo = e;
      }
    }
    return total;
  }

  /** The sets one group away from {@code set} (a group of one kind off or back on) that every model can run on. */
  List<int[]> neighbours(int[] set) {
    List<int[]> out = new ArrayList<>();
    int total = 0;
    for (int c : set) {
      total += c;
    }
    for (int k = 0; k < kinds; k++) {
      if (set[k] > 0 && total > params.minGroups()) {
        int[] less = set.clone();
        less[k]--;
        if (serves(less)) {
          out.add(less);
        }
      }
      if (set[k] < ofKind[k]) {
        int[] more = set.clone();
        more[k]++;
        out.add(more);
      }
    }
    return out;
  }

  /** Whether every model can run on some group of {@code set}. */
  private boolean serves(int[] set) {
    for (boolean[] model : runs) {
      boolean any = false;
      for (int g = 0; g < groups && !any; g++) {
        any = model[g] && inUse(set, g);
      }
      if (!any) {
        return false;
      }
    }
    return true;
  }

  private static String key(int[] set) {
    return java.util.Arrays.toString(set);
  }
}
