package io.edgewise.bench.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.serve.cache.BeladyPolicy;
import io.edgewise.serve.cache.CacheEntry;
import io.edgewise.serve.cache.CacheSimulator;
import io.edgewise.serve.cache.CremeBruleePolicy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The flow bound against hand-computed answers and against the true offline optimum, found by exhaustive search over
 * every eviction schedule of small traces (no request may bypass the cache, as in the server): the bound never
 * exceeds the optimum, and no policy's simulated cost goes below the optimum.
 */
class CostLowerBoundTest {
  @Test
  void everythingFitsOnlyTheFirstLoadsCount() {
    // budget holds A and B: A B A B costs the two first loads, 3 + 5
    double b = CostLowerBound.of(List.of("A", "B", "A", "B"), Map.of("A", 10L, "B", 10L), 20, (k, n) -> 1,
        k -> k.equals("A") ? 3 : 5);
    assertEquals(8, b, 1e-9);
  }

  @Test
  void oneSlotKeepsTheDearerModel() {
    // budget holds one: A B A B. A's interval (0, 2) and B's (1, 3) share the step 1 -> 2, so one of them reloads;
    // the bound (and the optimum) reloads the cheaper: first loads 2 + 2, plus B's reload 1 (A's costs 4)
    double b = CostLowerBound.of(List.of("A", "B", "A", "B"), Map.of("A", 10L, "B", 10L), 10,
        (k, n) -> k.equals("A") ? 4 : 1, k -> 2);
    assertEquals(5, b, 1e-9);
  }

  @Test
  void theBoundNeverExceedsTheOfflineOptimum() {
    SplittableRandom r = new SplittableRandom(17);
    for (int round = 0; round < 150; round++) {
      int m = 2 + r.nextInt(3);
      Map<String, Long> sizes = new LinkedHashMap<>();
      Map<String, Double> cost = new HashMap<>();
      for (int i = 0; i < m; i++) {
        sizes.put("m" + i, 1L + r.nextInt(6));
        cost.put("m" + i, 0.5 + r.nextInt(8));
      }
      long budget = sizes.values().stream().mapToLong(Long::longValue).max().orElseThrow() + r.nextInt(6);
      List<String> trace = new ArrayList<>();
      for (int i = 0, len = 4 + r.nextInt(6); i < len; i++) {
        trace.add("m" + r.nextInt(m));
      }
      double opt = optimum(trace, sizes, cost, budget, 0, new HashSet<>());
      double bound = CostLowerBound.of(trace, sizes, budget, (k, n) -> cost.get(k), cost::get);
      assertTrue(bound <= opt + 1e-9, "round " + round + ": bound " + bound + " > optimum " + opt);
      Map<String, CacheEntry> models = new LinkedHashMap<>();
      sizes.forEach((k, s) -> models.put(k, CacheEntry.of(k, s, cost.get(k))));
      for (var policy : List.of(new BeladyPolicy(trace), CremeBruleePolicy.defaults())) {
        double c = CacheSimulator.run(models, budget, policy, trace).addedLoadSeconds();
        assertTrue(c >= opt - 1e-9, "round " + round + ": " + policy.name() + " " + c + " < optimum " + opt);
      }
    }
  }

  /**
   * The least load seconds to serve trace from position i with resident loaded: a hit costs nothing; a miss loads the
   * model after evicting any subset of the others that makes it fit (every subset tried).
   */
  private static double optimum(List<String> trace, Map<String, Long> sizes, Map<String, Double> cost, long budget,
      int i, Set<String> resident) {
    if (i == trace.size()) {
      return 0;
    }
    String k = trace.get(i);
    if (resident.contains(k)) {
      return optimum(trace, sizes, cost, budget, i + 1, resident);
    }
    List<String> in = new ArrayList<>(resident);
    double best = Double.POSITIVE_INFINITY;
    for (int mask = 0; mask < 1 << in.size(); mask++) {
      Set<String> keep = new HashSet<>();
      long used = sizes.get(k);
      for (int j = 0; j < in.size(); j++) {
        if ((mask & 1 << j) != 0) {
          keep.add(in.get(j));
          used += sizes.get(in.get(j));
        }
      }
      if (used <= budget) {
        keep.add(k);
        best = Math.min(best, cost.get(k) + optimum(trace, sizes, cost, budget, i + 1, keep));
      }
    }
    return best;
  }
}
