package io.edgewise.bench.cache;

import io.edgewise.serve.cache.CacheEntry;
import io.edgewise.serve.cache.CachePolicy;
import io.edgewise.serve.cache.CacheSimulator;
import io.edgewise.serve.cache.CremeBruleePolicy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Simulated replays of many generated traces (Zipf and Azure-shaped, one per seed) over a measured population, for
 * choosing CremeBrulee's parameters without fitting them to one trace: a grid is scored on training seeds (the mean,
 * over both trace kinds and every seed, of its added load time over random's on the same trace) and the chosen point
 * is then reported on held-out seeds beside the other policies, Belady's oracle and the compulsory loads (the first
 * load of every model asked for, which no policy avoids). Loads take the measured time with seeded log-normal noise
 * (a busy machine), the first load of a model its measured first-load time. Every figure is simulated.
 */
final class CacheSweep {
  /** One model of the population: measured bytes, steady load seconds, first-load seconds. */
  record Model(String name, long bytes, double loadSeconds, double firstLoadSeconds) {}

  /** A policy to simulate, by a label, made fresh for each trace (belady needs the trace's keys). */
  record Candidate(String label, Function<List<String>, CachePolicy> make) {}

  /** One candidate's mean figures over some seeds of one trace kind (simulated). */
  record Summary(String trace, String label, int seeds, double addedSeconds, double ratioRandom, double ratioLru,
      double compulsorySeconds, double hitRate) {}

  private final List<Model> models;
  private final long budget;
  private final int requests;
  private final double noise;

  CacheSweep(List<Model> models, long budget, int requests, double noise) {
    this.models = models;
    this.budget = budget;
    this.requests = requests;
    this.noise = noise;
  }

  /** The trace of one kind ("zipf" at s = 1 or "azure") and seed. */
  CacheTraces.Trace trace(String kind, long seed) {
    List<String> names = models.stream().map(Model::name).toList();
    return kind.equals("zipf") ? CacheTraces.zipf(names, 1.0, requests, seed) : CacheTraces.azure(names, requests,
        seed);
  }

  /** One replay: the measured sizes, load times with noise drawn from (seed, model, n-th load). */
  CacheSimulator.Result replay(CacheTraces.Trace trace, CachePolicy policy, long seed) {
    Map<String, CacheEntry> entries = new LinkedHashMap<>();
    Map<String, Model> byKey = new LinkedHashMap<>();
    for (Model m : models) {
      entries.put(m.name() + "/1", CacheEntry.of(m.name() + "/1", m.bytes(), m.loadSeconds()));
      byKey.put(m.name() + "/1", m);
    }
    List<String> keys = keys(trace);
    return CacheSimulator.run(entries, budget, policy, keys, (key, n) -> loadTime(byKey.get(key), key, n, seed));
  }

  /**
   * The n-th load of m (0: the first, its measured first-load time); later ones its load time with log-normal noise,
   * the same draw for the same (seed, model, n) whichever policy asks: every policy sees the same machine.
   */
  private double loadTime(Model m, String key, int n, long seed) {
    if (n == 0) {
      return m.firstLoadSeconds();
    }
    SplittableRandom r = new SplittableRandom(seed * 1_000_003L + key.hashCode() * 31L + n);
    return m.loadSeconds() * Math.exp(noise * gaussian(r) - noise * noise / 2);
  }

  /**
   * CostLowerBound on trace t: no policy, even an offline one, adds less. A reload costs at least the least of the
   * draws a policy could meet (loads 1 .. requests - 1 of that model).
   */
  double lowerBound(CacheTraces.Trace t, long seed) {
    Map<String, Long> sizes = new LinkedHashMap<>();
    Map<String, Model> byKey = new LinkedHashMap<>();
    for (Model m : models) {
      sizes.put(m.name() + "/1", m.bytes());
      byKey.put(m.name() + "/1", m);
    }
    return CostLowerBound.of(keys(t), sizes, budget, (key, count) -> {
      double least = Double.POSITIVE_INFINITY;
      for (int n = 1; n < count; n++) {
        least = Math.min(least, loadTime(byKey.get(key), key, n, seed));
      }
      return least;
    }, key -> byKey.get(key).firstLoadSeconds());
  }

  static List<String> keys(CacheTraces.Trace trace) {
    return trace.requests().stream().map(n -> n + "/1").toList();
  }

  private static double gaussian(SplittableRandom r) {
    double u = 1 - r.nextDouble();
    double v = r.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /**
   * Each candidate's mean over seeds [from, from + n) of each trace kind; ratios are per seed (against random and LRU
   * on the same trace and load times; random's the mean of RANDOM_DRAWS draws) and then averaged.
   */
  List<Summary> evaluate(List<Candidate> candidates, long from, int n) {
    List<Summary> out = new ArrayList<>();
    for (String kind : List.of("zipf", "azure")) {
      double[] added = new double[candidates.size()];
      double[] ratioRandom = new double[candidates.size()];
      double[] ratioLru = new double[candidates.size()];
      double[] hit = new double[candidates.size()];
      double compulsory = 0;
      for (long seed = from; seed < from + n; seed++) {
        CacheTraces.Trace t = trace(kind, seed);
        long s = seed;
        double random = randomMean(t, s);
        CacheSimulator.Result lru = replay(t, CachePolicy.of("lru", null, seed), s);
        compulsory += lru.compulsorySeconds();
        for (int i = 0; i < candidates.size(); i++) {
          CacheSimulator.Result r = replay(t, candidates.get(i).make().apply(keys(t)), s);
          added[i] += r.addedLoadSeconds();
          ratioRandom[i] += r.addedLoadSeconds() / random;
          ratioLru[i] += r.addedLoadSeconds() / lru.addedLoadSeconds();
          hit[i] += r.hitRate();
        }
      }
      for (int i = 0; i < candidates.size(); i++) {
        out.add(new Summary(kind, candidates.get(i).label(), n, added[i] / n, ratioRandom[i] / n, ratioLru[i] / n,
            compulsory / n, hit[i] / n));
      }
    }
    return out;
  }

  /** Random eviction's added seconds on trace t, the mean of RANDOM_DRAWS seeded draws (random varies by its seed). */
  double randomMean(CacheTraces.Trace t, long seed) {
    double sum = 0;
    for (int k = 0; k < RANDOM_DRAWS; k++) {
      sum += replay(t, new io.edgewise.serve.cache.RandomPolicy(seed * 131 + k), seed).addedLoadSeconds();
    }
    return sum / RANDOM_DRAWS;
  }

  /** How many seeded runs of random eviction its reference figure averages. */
  static final int RANDOM_DRAWS = 4;

  /**
   * Per trace kind, the mean over seeds of {compulsory first loads, CostLowerBound} over random's added time: no
   * policy's ratio to random goes below either.
   */
  Map<String, double[]> boundRatios(long from, int n) {
    Map<String, double[]> out = new LinkedHashMap<>();
    for (String kind : List.of("zipf", "azure")) {
      double[] sum = new double[2];
      for (long seed = from; seed < from + n; seed++) {
        CacheTraces.Trace t = trace(kind, seed);
        double random = randomMean(t, seed);
        sum[0] += replay(t, CachePolicy.of("lru", null, seed), seed).compulsorySeconds() / random;
        sum[1] += lowerBound(t, seed) / random;
      }
      out.put(kind, new double[] {sum[0] / n, sum[1] / n});
    }
    return out;
  }

  /** CremeBrulee with these parameters, labelled by them. */
  static Candidate cremebrulee(double a, double b, double halfLife, double costWeight,
      CremeBruleePolicy.Selection selection) {
    return cremebrulee(a, b, halfLife, costWeight, selection, 0);
  }

  /** The same with popularity as a rate since the first access under a prior of priorRequests (0: the count). */
  static Candidate cremebrulee(double a, double b, double halfLife, double costWeight,
      CremeBruleePolicy.Selection selection, double priorRequests) {
    String label = String.format("cremebrulee(a=%s,b=%s,h=%s,ema=%s,%s%s)", num(a), num(b), num(halfLife),
        num(costWeight), selection.name().toLowerCase(java.util.Locale.ROOT),
        priorRequests > 0 ? ",rate prior=" + num(priorRequests) : "");
    return new Candidate(label, keys -> new CremeBruleePolicy(a, b, halfLife, costWeight, selection, priorRequests));
  }

  /**
   * A diagnostic, offline: the server's CremeBrulee (infinite half-life) whose popularity is each model's request
   * count in the whole trace instead of its count so far. On a Zipf trace (independent requests) that is the best
   * estimate of its rate there is; how far it beats the default is what estimating popularity online costs.
   */
  static Candidate oracleCounts() {
    return new Candidate("cremebrulee knowing each model's count in the whole trace (offline diagnostic)", keys -> {
      Map<String, Long> counts = new java.util.HashMap<>();
      keys.forEach(k -> counts.merge(k, 1L, Long::sum));
      return new CremeBruleePolicy(1, 1, Double.POSITIVE_INFINITY).withPopularity(
          (e, clock) -> counts.getOrDefault(e.key(), 0L));
    });
  }

  /** The rate-popularity points the sweep adds (a = b = 1, knapsack, weight 0.5; the prior and half-life vary). */
  static List<Candidate> rateGrid() {
    List<Candidate> out = new ArrayList<>();
    for (double h : new double[] {CremeBruleePolicy.DEFAULT_HALF_LIFE, Double.POSITIVE_INFINITY}) {
      for (double prior : new double[] {10, 50, 200}) {
        out.add(cremebrulee(1, 1, h, CacheEntry.LOAD_COST_EMA, CremeBruleePolicy.Selection.KNAPSACK, prior));
      }
    }
    return out;
  }

  private static String num(double v) {
    return Double.isInfinite(v) ? "inf" : v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }

  /**
   * The grid the sweep scores: exponents, half-lives, load-cost weights and both selections (popularity the decayed
   * count), then the rate-popularity points.
   */
  static List<Candidate> grid() {
    List<Candidate> out = new ArrayList<>();
    for (CremeBruleePolicy.Selection sel : CremeBruleePolicy.Selection.values()) {
      for (double a : new double[] {0.5, 1, 2}) {
        for (double b : new double[] {0.5, 1, 2}) {
          for (double h : new double[] {50, 200, 800, Double.POSITIVE_INFINITY}) {
            for (double w : new double[] {0.5, 1}) {
              out.add(cremebrulee(a, b, h, w, sel));
            }
          }
        }
      }
    }
    out.addAll(rateGrid());
    return out;
  }

  /** The grid point with the lowest mean ratio to random over both trace kinds of the summaries. */
  static String best(List<Summary> summaries) {
    Map<String, Double> score = new LinkedHashMap<>();
    summaries.forEach(s -> score.merge(s.label(), s.ratioRandom(), Double::sum));
    return score.entrySet().stream().min(Map.Entry.comparingByValue()).orElseThrow().getKey();
  }
}
