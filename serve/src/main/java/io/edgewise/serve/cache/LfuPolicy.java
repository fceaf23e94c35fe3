package io.edgewise.serve.cache;

import java.util.Comparator;
import java.util.List;

/** Least frequently used: the fewest requests since the server started (ties: least recently used, then the key). */
public final class LfuPolicy implements CachePolicy {
  @Override
  public String name() {
    return "lfu";
  }

  @Override
  public CacheEntry victim(List<CacheEntry> candidates, long clock) {
    return candidates.stream().min(Comparator.comparingLong(CacheEntry::accesses)
        .thenComparingLong(CacheEntry::lastAccess).thenComparing(CacheEntry::key)).orElseThrow();
  }
}
