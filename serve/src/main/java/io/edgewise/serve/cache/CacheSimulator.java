package io.edgewise.serve.cache;

import io.edgewise.EdgewiseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Replays a trace of requests against a budget with a policy, without loading anything: each model has a size and
 * load times (measured elsewhere). The same arithmetic as the repository's (ask the policy for victims until the
 * requested model fits; one request at a time, so nothing is in use during an eviction), and the policy learns as the
 * repository's does: a model's size and load cost become known when it loads, each load's time is folded into its
 * cost. For tests with hand-computed answers and for trying policies on long traces; every figure it gives is
 * simulated.
 */
public final class CacheSimulator {
  /**
   * The outcome of one replay (simulated). compulsorySeconds: the first load of every model the trace asks for, which
   * no policy avoids (a lower bound on addedLoadSeconds for any policy).
   */
  public record Result(long requests, long hits, double addedLoadSeconds, List<String> evictions, long peakBytes,
      double compulsorySeconds) {
    public double hitRate() {
      return requests == 0 ? 0 : hits / (double) requests;
    }
  }

  /** The time a load takes: the n-th load (0 = the first) of a model. */
  @FunctionalInterface
  public interface LoadTimes {
    double seconds(String key, int n);
  }

  private CacheSimulator() {}

  /** Replays trace (model keys) with models (key -> size and load time, as CacheEntry.of) under budget bytes. */
  public static Result run(Map<String, CacheEntry> models, long budget, CachePolicy policy, List<String> trace) {
    return run(models, budget, policy, trace, (key, n) -> models.get(key).loadSeconds());
  }

  /**
   * Replays trace with models' sizes (as CacheEntry.of; their load times are not used) and each load taking
   * loadTimes' seconds.
   */
  public static Result run(Map<String, CacheEntry> models, long budget, CachePolicy policy, List<String> trace,
      LoadTimes loadTimes) {
    Map<String, CacheEntry> stats = new HashMap<>();
    models.forEach((k, m) -> stats.put(k, new CacheEntry(k)));
    Map<String, Integer> loads = new HashMap<>();
    Map<String, CacheEntry> resident = new LinkedHashMap<>();
    Set<String> seen = new HashSet<>();
    long used = 0;
    long peak = 0;
    long hits = 0;
    double added = 0;
    double compulsory = 0;
    List<String> evictions = new ArrayList<>();
    for (int clock = 0; clock < trace.size(); clock++) {
      String key = trace.get(clock);
      CacheEntry e = stats.get(key);
      if (e == null) {
        throw EdgewiseException.invalidArgument("trace position " + clock + " asks for '" + key + "', which is not "
            + "among the models " + models.keySet());
      }
      e.accessed(clock, policy.halfLife());
      policy.accessed(key, clock);
      if (resident.containsKey(key)) {
        hits++;
        continue;
      }
      long size = models.get(key).sizeBytes();
      if (size > budget) {
        throw EdgewiseException.invalidArgument(key + " (" + size + " bytes) does not fit the budget of "
            + budget + " bytes");
      }
      while (used + size > budget) {
        for (CacheEntry victim : policy.victims(new ArrayList<>(resident.values()), used + size - budget, clock)) {
          resident.remove(victim.key());
          used -= victim.sizeBytes();
          evictions.add(victim.key());
        }
      }
      int n = loads.merge(key, 1, Integer::sum) - 1;
      double seconds = loadTimes.seconds(key, n);
      e.sizeBytes(size);
      e.observeLoad(seconds, policy.loadCostWeight());
      resident.put(key, e);
      used += size;
      peak = Math.max(peak, used);
      added += seconds;
      if (seen.add(key)) {
        compulsory += seconds;
      }
    }
    return new Result(trace.size(), hits, added, evictions, peak, compulsory);
  }
}
