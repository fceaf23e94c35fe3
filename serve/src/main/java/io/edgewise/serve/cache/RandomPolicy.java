package io.edgewise.serve.cache;

import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/** A uniformly random candidate (seeded; candidates sorted by key first, so a seed gives one sequence of choices). */
public final class RandomPolicy implements CachePolicy {
  private final SplittableRandom random;

  public RandomPolicy(long seed) {
    this.random = new SplittableRandom(seed);
  }

  @Override
  public String name() {
    return "random";
  }

  @Override
  public synchronized CacheEntry victim(List<CacheEntry> candidates, long clock) {
    List<CacheEntry> sorted = candidates.stream().sorted(Comparator.comparing(CacheEntry::key)).toList();
    return sorted.get(random.nextInt(sorted.size()));
  }
}
