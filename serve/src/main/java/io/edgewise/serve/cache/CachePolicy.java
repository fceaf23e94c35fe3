package io.edgewise.serve.cache;

import io.edgewise.EdgewiseException;
import java.util.List;

/**
 * Chooses the loaded model to evict. The repository calls {@link #accessed} for every request (with its logical
 * clock, the number of requests before it) and {@link #victim} with the models it may evict (loaded, no request in
 * flight); it evicts the one returned and asks again until the new model fits.
 */
public interface CachePolicy {
  /** The names {@link #of} accepts. */
  List<String> NAMES = List.of("cremebrulee", "lru", "lfu", "random", "belady");

  String name();

  /** Requests after which an access counts half in {@link CacheEntry#popularity} (the repository decays by it). */
  default double halfLife() {
    return CremeBruleePolicy.DEFAULT_HALF_LIFE;
  }

  /** A request for {@code key} at logical time {@code clock} (0, 1, 2, ...). */
  default void accessed(String key, long clock) {}

  /** One of candidates (never empty) to evict at logical time {@code clock}. */
  CacheEntry victim(List<CacheEntry> candidates, long clock);

  /**
   * A policy by name. belady needs the future: give it {@code trace} (the keys of every request, in order); the
   * others ignore it. seed fixes random's choices.
   */
  static CachePolicy of(String name, List<String> trace, long seed) {
    return switch (name) {
      case "cremebrulee" -> new CremeBruleePolicy(1, 1, CremeBruleePolicy.DEFAULT_HALF_LIFE);
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
