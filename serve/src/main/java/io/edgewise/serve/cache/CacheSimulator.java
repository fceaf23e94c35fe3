package io.edgewise.serve.cache;

import io.edgewise.EdgewiseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Replays a trace of requests against a budget with a policy, without loading anything: each model has a fixed size
 * and load time (measured elsewhere). The same arithmetic as the repository's (evict the policy's victim until the
 * requested model fits; one request at a time, so nothing is in use during an eviction), for tests with hand-computed
 * answers and for trying policies on long traces; every figure it gives is simulated.
 */
public final class CacheSimulator {
  /** The outcome of one replay (simulated). */
  public record Result(long requests, long hits, double addedLoadSeconds, List<String> evictions, long peakBytes) {
    public double hitRate() {
      return requests == 0 ? 0 : hits / (double) requests;
    }
  }

  private CacheSimulator() {}

  /** Replays trace (model keys) with models (key -> size and load time, as CacheEntry.of) under budget bytes. */
  public static Result run(Map<String, CacheEntry> models, long budget, CachePolicy policy, List<String> trace) {
    Map<String, CacheEntry> stats = new HashMap<>();
    models.forEach((k, m) -> stats.put(k, CacheEntry.of(k, m.sizeBytes(), m.loadSeconds())));
    Map<String, CacheEntry> resident = new LinkedHashMap<>();
    long used = 0;
    long peak = 0;
    long hits = 0;
    double added = 0;
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
      if (e.sizeBytes() > budget) {
        throw EdgewiseException.invalidArgument(key + " (" + e.sizeBytes() + " bytes) does not fit the budget of "
            + budget + " bytes");
      }
      while (used + e.sizeBytes() > budget) {
        CacheEntry victim = policy.victim(new ArrayList<>(resident.values()), clock);
        resident.remove(victim.key());
        used -= victim.sizeBytes();
        evictions.add(victim.key());
      }
      resident.put(key, e);
      used += e.sizeBytes();
      peak = Math.max(peak, used);
      added += e.loadSeconds();
    }
    return new Result(trace.size(), hits, added, evictions, peak);
  }
}
