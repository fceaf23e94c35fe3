package io.edgewise.serve.cache;

import io.edgewise.EdgewiseException;
import java.util.ArrayList;
import java.util.List;

/**
 * Chooses the loaded models to evict. The repository calls {@link #accessed} for every request (with its logical
 * clock, the number of requests before it) and {@link #victims} with the models it may evict (loaded, no request in
 * flight) and the bytes it must free; it evicts those returned and asks again if the new model still does not fit.
 */
public interface CachePolicy {
  /** The names {@link #of} accepts. */
  List<String> NAMES = List.of("cremebrulee", "lru", "lfu", "random", "belady");

  String name();

  /** Requests after which an access counts half in {@link CacheEntry#popularity} (the repository decays by it). */
  default double halfLife() {
    return CremeBruleePolicy.DEFAULT_HALF_LIFE;
  }

  /** The weight of a new measured load time in an entry's load cost ({@link CacheEntry#observeLoad}). */
  default double loadCostWeight() {
    return CacheEntry.LOAD_COST_EMA;
  }

  /** A request for {@code key} at logical time {@code clock} (0, 1, 2, ...). */
  default void accessed(String key, long clock) {}

  /** One of candidates (never empty) to evict at logical time {@code clock}. */
  CacheEntry victim(List<CacheEntry> candidates, long clock);

  /**
   * Candidates to evict so that at least {@code needBytes} are freed (all of them when together they hold less), at
   * logical time {@code clock}. By default the policy's {@link #victim} one at a time, in its order.
   */
  default List<CacheEntry> victims(List<CacheEntry> candidates, long needBytes, long clock) {
    List<CacheEntry> left = new ArrayList<>(candidates);
    List<CacheEntry> out = new ArrayList<>();
    long freed = 0;
    while (freed < needBytes && !left.isEmpty()) {
      CacheEntry v = victim(left, clock);
      left.remove(v);
      out.add(v);
      freed += v.sizeBytes();
    }
    return out;
  }

  /**
   * A policy by name. belady needs the future: give it {@code trace} (the keys of every request, in order); the
   * others ignore it. seed fixes random's choices.
   */
  static CachePolicy of(String name, List<String> trace, long seed) {
    return switch (name) {
      case "cremebrulee" -> CremeBruleePolicy.defaults();
      case "lru" -> new LruPolicy();
      case "lfu" -> new LfuPolicy();
      case "random" -> new RandomPolicy(seed);
      case "belady" -> {
        if (trace == null) {
          throw EdgewiseException.invalidArgument("cache policy belady is the offline oracle: it needs the whole "
              + "request trace in advance (cache-bench only)");
        }
        yield new BeladyPolicy(trace);
      }
      default -> throw EdgewiseException.invalidArgument("unknown cache policy '" + name + "'; known: " + NAMES);
    };
  }
}
