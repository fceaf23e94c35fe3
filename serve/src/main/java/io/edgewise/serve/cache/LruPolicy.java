package io.edgewise.serve.cache;

import java.util.Comparator;
import java.util.List;

/** Least recently used: the model asked for longest ago (ties: the key, for determinism). */
public final class LruPolicy implements CachePolicy {
  @Override
  public String name() {
    return "lru";
  }

  @Override
  public CacheEntry victim(List<CacheEntry> candidates, long clock) {
    return candidates.stream().min(Comparator.comparingLong(CacheEntry::lastAccess)
        .thenComparing(CacheEntry::key)).orElseThrow();
  }
}
