package io.edgewise.reuse;

/**
 * Which entry leaves first when the store is over its byte capacity. The store samples entries at random
 * (Redis-style approximate eviction, the same sampling for both policies so they compare fairly) and evicts the
 * lowest-scored ones.
 */
public enum EvictionPolicy {
  /**
   * Importance after Potluck (Guo and Hu, ASPLOS 2018), which keeps the entries whose reuse saves the most
   * computation: hits times compute time saved, per byte occupied (issue 7's rule for a byte-bounded store), aged so
   * that an entry whose hits are long past fades:
   * {@code (hits + 1) * computeNanos / bytes * 2^(-(now - lastUse) / halfLife)}.
   */
  IMPORTANCE,
  /** Least recently used (inserted or hit): the baseline. */
  LRU;

  double score(long hits, long computeNanos, int bytes, long lastUseMillis, long nowMillis, long halfLifeMillis) {
    if (this == LRU) {
      return lastUseMillis;
    }
    double age = Math.max(0, nowMillis - lastUseMillis);
    return (hits + 1.0) * Math.max(1, computeNanos) / Math.max(1, bytes) * Math.pow(2, -age / halfLifeMillis);
  }
}
