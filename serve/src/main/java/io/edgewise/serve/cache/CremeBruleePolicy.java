package io.edgewise.serve.cache;

import java.util.ArrayList;
import java.util.List;

/**
 * CremeBrulee's value-based eviction (Ogden et al., 2021): a loaded model is worth {@code popularity^a * loadCost^b}
 * (with a = b = 1: the load seconds per request its absence would cost, the expected miss cost rate) held in
 * {@code size} bytes. Popularity is the request count decayed with a half-life of {@code halfLife} requests (so a
 * burst that has passed stops protecting a model), load cost the moving average of the model's measured load times on
 * this machine ({@link CacheEntry#observeLoad}), size its measured memory.
 *
 * <p>Which models go: with {@link Selection#KNAPSACK} (the default) the set of idle models that frees the bytes the
 * new model needs while losing the least value (a small min-knapsack, solved exactly): a large, valuable model is not
 * evicted to make room for a small one when a few small, rarely used models free enough; a model just loaded for a
 * one-off request has the value of one request, so it is the first to go at the next miss (a request must run on a
 * loaded model, so the cache cannot refuse to admit it; it can refuse to keep it). With {@link Selection#GREEDY}, the
 * lowest value per byte first, one at a time (the published rule; it frees a 95 MB model to fit a 5 MB one when that
 * model's value per byte is the lowest).
 */
public final class CremeBruleePolicy implements CachePolicy {
  /**
   * Requests after which an access counts half: long enough to average a model's rate over many of its requests,
   * short enough to let a passed burst or the diurnal swing stop protecting a model. A sweep over generated Zipf and
   * Azure-shaped traces (`cache-bench --simulate --sweep`, docs/benchmarks.md) found half-lives of 50 to 800 requests
   * within a few hundredths of each other on held-out seeds, and a = b = 1 with the knapsack and a load-cost weight
   * of 0.5 best on the training seeds.
   */
  public static final double DEFAULT_HALF_LIFE = 400;

  /** How the victims of one eviction are chosen. */
  public enum Selection { GREEDY, KNAPSACK }

  /** Resolution of the knapsack: the bytes to free are counted in at most this many units. */
  private static final int UNITS = 1024;

  private final double a;
  private final double b;
  private final double halfLife;
  private final double costWeight;
  private final Selection selection;
  private final double priorRequests;
  /** For the benchmark's diagnostics only: a popularity given from outside (an oracle), or null. */
  private final java.util.function.ToDoubleBiFunction<CacheEntry, Long> givenPopularity;

  public CremeBruleePolicy(double a, double b, double halfLife) {
    this(a, b, halfLife, CacheEntry.LOAD_COST_EMA, Selection.KNAPSACK);
  }

  public CremeBruleePolicy(double a, double b, double halfLife, double costWeight, Selection selection) {
    this(a, b, halfLife, costWeight, selection, 0);
  }

  /**
   * @param priorRequests 0: popularity is the decayed access count (the published rule). Above 0: popularity is the
   *     model's request rate since its first access, {@code (count + 1) / (window + priorRequests)}, where count is the
   *     decayed access count and window the decayed number of requests since its first one (the time it could have
   *     been asked for): one prior access spread over priorRequests requests, so a model first asked for a moment ago
   *     is neither worth one request (its count) nor a rate of one per request (its count over its age).
   */
  public CremeBruleePolicy(double a, double b, double halfLife, double costWeight, Selection selection,
      double priorRequests) {
    if (!(priorRequests >= 0)) {
      throw new IllegalArgumentException("priorRequests must be >= 0, got " + priorRequests);
    }
    this.a = a;
    this.b = b;
    this.halfLife = halfLife;
    this.costWeight = costWeight;
    this.selection = selection;
    this.priorRequests = priorRequests;
    this.givenPopularity = null;
  }

  private CremeBruleePolicy(CremeBruleePolicy p, java.util.function.ToDoubleBiFunction<CacheEntry, Long> given) {
    this.a = p.a;
    this.b = p.b;
    this.halfLife = p.halfLife;
    this.costWeight = p.costWeight;
    this.selection = p.selection;
    this.priorRequests = p.priorRequests;
    this.givenPopularity = given;
  }

  /**
   * This policy with the popularity term given by {@code popularity(entry, clock)} instead of estimated from the
   * accesses: for the benchmark's diagnostics (how much better would the rule do if it knew each model's request
   * rate?), never for serving.
   */
  public CremeBruleePolicy withPopularity(java.util.function.ToDoubleBiFunction<CacheEntry, Long> popularity) {
    return new CremeBruleePolicy(this, popularity);
  }

  /** The server's: a = b = 1 (value = expected load seconds per request saved), DEFAULT_HALF_LIFE, knapsack. */
  public static CremeBruleePolicy defaults() {
    return new CremeBruleePolicy(1, 1, DEFAULT_HALF_LIFE);
  }

  @Override
  public String name() {
    return "cremebrulee";
  }

  @Override
  public double halfLife() {
    return halfLife;
  }

  @Override
  public double loadCostWeight() {
    return costWeight;
  }

  /** What keeping e saves: popularity^a * loadCost^b (unscaled; the ranking does not depend on a common scale). */
  public double worth(CacheEntry e, long clock) {
    return Math.pow(popularity(e, clock), a) * Math.pow(e.loadSeconds(), b);
  }

  /** The popularity term: the decayed access count, or with a prior the rate since the first access. */
  public double popularity(CacheEntry e, long clock) {
    if (givenPopularity != null) {
      return givenPopularity.applyAsDouble(e, clock);
    }
    double count = e.popularity(clock, halfLife);
    if (priorRequests == 0) {
      return count;
    }
    // the decayed number of requests since the first access (inclusive): sum of 0.5^(k / halfLife), k < age
    long age = e.firstAccess() < 0 ? 0 : clock - e.firstAccess() + 1;
    double window = Double.isInfinite(halfLife) ? age
        : (1 - Math.pow(0.5, age / halfLife)) / (1 - Math.pow(0.5, 1 / halfLife));
    return (count + 1) / (window + priorRequests);
  }

  /**
   * The value per byte of each candidate, in the order given, each term divided by its largest value among the
   * candidates so that seconds, bytes and request counts weigh alike (for tests and the benchmark's explanations).
   */
  public double[] values(List<CacheEntry> candidates, long clock) {
    double maxPop = 0;
    double maxCost = 0;
    double maxInvSize = 0;
    for (CacheEntry e : candidates) {
      maxPop = Math.max(maxPop, popularity(e, clock));
      maxCost = Math.max(maxCost, e.loadSeconds());
      maxInvSize = Math.max(maxInvSize, 1.0 / Math.max(1, e.sizeBytes()));
    }
    double[] v = new double[candidates.size()];
    for (int i = 0; i < v.length; i++) {
      CacheEntry e = candidates.get(i);
      double pop = maxPop > 0 ? popularity(e, clock) / maxPop : 1;
      double cost = maxCost > 0 ? e.loadSeconds() / maxCost : 1;
      double invSize = (1.0 / Math.max(1, e.sizeBytes())) / maxInvSize;
      v[i] = Math.pow(pop, a) * Math.pow(cost, b) * invSize;
    }
    return v;
  }

  /** The lowest value per byte (ties: the least recently used). */
  @Override
  public CacheEntry victim(List<CacheEntry> candidates, long clock) {
    double[] v = values(candidates, clock);
    int best = 0;
    for (int i = 1; i < v.length; i++) {
      CacheEntry e = candidates.get(i);
      CacheEntry cur = candidates.get(best);
      if (v[i] < v[best] || (v[i] == v[best] && e.lastAccess() < cur.lastAccess())) {
        best = i;
      }
    }
    return candidates.get(best);
  }

  @Override
  public List<CacheEntry> victims(List<CacheEntry> candidates, long needBytes, long clock) {
    if (selection == Selection.GREEDY || needBytes <= 0) {
      return CachePolicy.super.victims(candidates, needBytes, clock);
    }
    long all = candidates.stream().mapToLong(CacheEntry::sizeBytes).sum();
    if (all <= needBytes) {
      return new ArrayList<>(candidates);  // not enough even with every idle one: the repository waits for the rest
    }
    return leastWorth(candidates, needBytes, clock);
  }

  /**
   * The subset of candidates holding at least need bytes whose total worth is least: a 0/1 min-knapsack over sizes
   * counted in units of need/UNITS (rounded down, so what the chosen set really frees is never less than need),
   * solved by dynamic programming over the units freed (capped at need). Ties: fewer bytes freed.
   */
  private List<CacheEntry> leastWorth(List<CacheEntry> candidates, long need, long clock) {
    int n = candidates.size();
    long unit = Math.max(1, (need + UNITS - 1) / UNITS);
    int cap = (int) ((need + unit - 1) / unit);
    // cost[i][j]: least worth evicted among the first i candidates freeing j units (j == cap: at least cap);
    // from[i][j]: the state of i - 1 that taking candidate i - 1 came from, or -1 when it was not taken
    double[][] cost = new double[n + 1][cap + 1];
    long[][] bytes = new long[n + 1][cap + 1];
    int[][] from = new int[n + 1][cap + 1];
    java.util.Arrays.fill(cost[0], Double.POSITIVE_INFINITY);
    cost[0][0] = 0;
    for (int i = 0; i < n; i++) {
      CacheEntry e = candidates.get(i);
      int w = (int) Math.min(cap, e.sizeBytes() / unit);
      double worth = worth(e, clock);
      System.arraycopy(cost[i], 0, cost[i + 1], 0, cap + 1);
      System.arraycopy(bytes[i], 0, bytes[i + 1], 0, cap + 1);
      java.util.Arrays.fill(from[i + 1], -1);
      for (int j = 0; j <= cap; j++) {
        if (cost[i][j] == Double.POSITIVE_INFINITY) {
          continue;
        }
        int to = Math.min(cap, j + w);
        double c = cost[i][j] + worth;
        long by = bytes[i][j] + e.sizeBytes();
        if (c < cost[i + 1][to] || (c == cost[i + 1][to] && by < bytes[i + 1][to])) {
          cost[i + 1][to] = c;
          bytes[i + 1][to] = by;
          from[i + 1][to] = j;
        }
      }
    }
    if (cost[n][cap] == Double.POSITIVE_INFINITY) {
      // the sizes rounded down to units fall just short of need: the greedy order still frees enough
      return CachePolicy.super.victims(candidates, need, clock);
    }
    List<CacheEntry> out = new ArrayList<>();
    for (int i = n, j = cap; i > 0; i--) {
      if (from[i][j] >= 0) {
        out.add(candidates.get(i - 1));
        j = from[i][j];
      }
    }
    return out;
  }
}
