package io.edgewise.serve.cache;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Belady's offline optimum (for the benchmark only: it reads the future): evicts the candidate whose next request
 * comes last, one never asked for again first (ties: the key). Optimal for hit count with equal sizes; with sizes
 * and load costs it is the classic reference point, not a bound. The clock must be the index into the trace it was
 * given (the benchmark replays the trace one request at a time).
 */
public final class BeladyPolicy implements CachePolicy {
  /** For each key, the positions it is asked for at, ascending. */
  private final Map<String, int[]> positions = new HashMap<>();

  public BeladyPolicy(List<String> trace) {
    Map<String, List<Integer>> at = new HashMap<>();
    for (int i = 0; i < trace.size(); i++) {
      at.computeIfAbsent(trace.get(i), k -> new ArrayList<>()).add(i);
    }
    at.forEach((k, v) -> positions.put(k, v.stream().mapToInt(Integer::intValue).toArray()));
  }

  @Override
  public String name() {
    return "belady";
  }

  /** The first position after {@code clock} asking for key, or Long.MAX_VALUE when none. */
  long nextUse(String key, long clock) {
    int[] p = positions.get(key);
    if (p == null) {
      return Long.MAX_VALUE;
    }
    int lo = 0;
    int hi = p.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (p[mid] <= clock) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo < p.length ? p[lo] : Long.MAX_VALUE;
  }

  @Override
  public CacheEntry victim(List<CacheEntry> candidates, long clock) {
    CacheEntry best = null;
    long bestNext = -1;
    for (CacheEntry e : candidates) {
      long next = nextUse(e.key(), clock);
      if (best == null || next > bestNext || (next == bestNext && e.key().compareTo(best.key()) < 0)) {
        best = e;
        bestNext = next;
      }
    }
    return best;
  }
}
