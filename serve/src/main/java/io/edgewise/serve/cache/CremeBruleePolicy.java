package io.edgewise.serve.cache;

import java.util.List;

/**
 * CremeBrulee's value-based eviction (Ogden et al., 2021): a loaded model is worth
 * {@code popularity^a * loadCost^b / size}, each term divided by its largest value among the candidates so that
 * seconds, bytes and request counts weigh alike; the model worth least goes. Popularity is the request count decayed
 * with a half-life of {@code halfLife} requests (so a burst that has passed stops protecting a model), load cost the
 * model's last measured load time on this machine, size its measured memory. A model that is cheap to load again,
 * large, and rarely asked for goes first; a popular one that is slow to load stays.
 */
public final class CremeBruleePolicy implements CachePolicy {
  /** Requests after which an access counts half; a few hundred follows a diurnal swing and outlives a burst. */
  public static final double DEFAULT_HALF_LIFE = 400;

  private final double a;
  private final double b;
  private final double halfLife;

  public CremeBruleePolicy(double a, double b, double halfLife) {
    this.a = a;
    this.b = b;
    this.halfLife = halfLife;
  }

  @Override
  public String name() {
    return "cremebrulee";
  }

  @Override
  public double halfLife() {
    return halfLife;
  }

  /** The value of each candidate, in the order given (for tests and the benchmark's explanations). */
  public double[] values(List<CacheEntry> candidates, long clock) {
    double maxPop = 0;
    double maxCost = 0;
    double maxInvSize = 0;
    for (CacheEntry e : candidates) {
      maxPop = Math.max(maxPop, e.popularity(clock, halfLife));
      maxCost = Math.max(maxCost, e.loadSeconds());
      maxInvSize = Math.max(maxInvSize, 1.0 / Math.max(1, e.sizeBytes()));
    }
    double[] v = new double[candidates.size()];
    for (int i = 0; i < v.length; i++) {
      CacheEntry e = candidates.get(i);
      double pop = maxPop > 0 ? e.popularity(clock, halfLife) / maxPop : 1;
      double cost = maxCost > 0 ? e.loadSeconds() / maxCost : 1;
      double invSize = (1.0 / Math.max(1, e.sizeBytes())) / maxInvSize;
      v[i] = Math.pow(pop, a) * Math.pow(cost, b) * invSize;
    }
    return v;
  }

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
}
