package io.edgewise.serve.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Each policy's victims on hand-made traces, replayed by the simulator (the repository's eviction arithmetic); the
 * expected victims are worked out by hand in the comments.
 */
class CachePolicyTest {
  /** Models of one size each (the budget then counts models) and a load time each. */
  private static Map<String, CacheEntry> models(long size, Object... keyAndSeconds) {
    Map<String, CacheEntry> m = new LinkedHashMap<>();
    for (int i = 0; i < keyAndSeconds.length; i += 2) {
      String k = (String) keyAndSeconds[i];
      m.put(k, CacheEntry.of(k, size, (Double) keyAndSeconds[i + 1]));
    }
    return m;
  }

  private static List<String> trace(String s) {
    return List.of(s.split(" "));
  }

  @Test
  void lruEvictsTheLeastRecentlyUsed() {
    // budget: 2 models. A B A C: at C (clock 3) A was used at 2, B at 1 -> B goes. Then B (clock 4): A used at 2,
    // C at 3 -> A goes. Then A (clock 5): C at 3, B at 4 -> C goes.
    CacheSimulator.Result r = CacheSimulator.run(models(10, "A", 1.0, "B", 1.0, "C", 1.0), 20, new LruPolicy(),
        trace("A B A C B A"));
    assertEquals(List.of("B", "A", "C"), r.evictions());
    assertEquals(1, r.hits());
    assertEquals(5.0, r.addedLoadSeconds(), 1e-12);
  }

  @Test
  void lfuEvictsTheLeastFrequentlyUsed() {
    // budget: 2. A A B C: at C, A has 2 requests, B 1 -> B goes. B (clock 4): A 2, C 1 -> C goes. C: A 2, B 2 (tie:
    // the least recently used of the two, A at 1 vs B at 4) -> A goes.
    CacheSimulator.Result r = CacheSimulator.run(models(10, "A", 1.0, "B", 1.0, "C", 1.0), 20, new LfuPolicy(),
        trace("A A B C B C"));
    assertEquals(List.of("B", "C", "A"), r.evictions());
  }

  @Test
  void beladyEvictsTheModelNeededLast() {
    // budget: 2. A B C A B A: at C (clock 2) A is next used at 3, B at 4 -> B goes. B (clock 4): A next at 5, C
    // never again -> C goes.
    CacheSimulator.Result r = CacheSimulator.run(models(10, "A", 1.0, "B", 1.0, "C", 1.0), 20,
        new BeladyPolicy(trace("A B C A B A")), trace("A B C A B A"));
    assertEquals(List.of("B", "C"), r.evictions());
    assertEquals(2, r.hits());
  }

  @Test
  void beladyNeedsTheTrace() {
    assertThrows(EdgewiseException.class, () -> CachePolicy.of("belady", null, 0));
    assertThrows(EdgewiseException.class, () -> CachePolicy.of("fifo", null, 0));
  }

  @Test
  void randomIsTheSeededDrawOverTheCandidatesSortedByKey() {
    // the same draws computed independently: SplittableRandom(seed).nextInt(candidates) over the sorted keys
    long seed = 42;
    List<CacheEntry> candidates = new ArrayList<>(List.of(CacheEntry.of("c", 1, 1), CacheEntry.of("a", 1, 1),
        CacheEntry.of("b", 1, 1)));
    RandomPolicy p = new RandomPolicy(seed);
    SplittableRandom oracle = new SplittableRandom(seed);
    List<String> sorted = List.of("a", "b", "c");
    for (int i = 0; i < 20; i++) {
      assertEquals(sorted.get(oracle.nextInt(3)), p.victim(candidates, i).key());
    }
  }

  @Test
  void cremeBruleeWeighsPopularityLoadCostAndSize() {
    // at clock 10 with an infinite half-life: A asked 4 times, load 2 s, 100 bytes; B 1 time, 4 s, 50 bytes;
    // C 2 times, 1 s, 200 bytes. Scaled: pop A 1, B 0.25, C 0.5; cost A 0.5, B 1, C 0.25; 1/size scaled by the
    // largest (1/50): A 0.5, B 1, C 0.25. Values: A 0.25, B 0.25, C 0.03125 -> C goes (low value per byte).
    CremeBruleePolicy p = new CremeBruleePolicy(1, 1, Double.POSITIVE_INFINITY);
    CacheEntry a = CacheEntry.of("A", 100, 2);
    CacheEntry b = CacheEntry.of("B", 50, 4);
    CacheEntry c = CacheEntry.of("C", 200, 1);
    for (int t = 0; t < 4; t++) {
      a.accessed(t, Double.POSITIVE_INFINITY);
    }
    b.accessed(4, Double.POSITIVE_INFINITY);
    c.accessed(5, Double.POSITIVE_INFINITY);
    c.accessed(6, Double.POSITIVE_INFINITY);
    double[] v = p.values(List.of(a, b, c), 10);
    assertEquals(0.25, v[0], 1e-12);
    assertEquals(0.25, v[1], 1e-12);
    assertEquals(0.03125, v[2], 1e-12);
    assertEquals("C", p.victim(List.of(a, b, c), 10).key());
    // without C: A and B tie at 0.25 -> the least recently used, A (last at 3; B at 4)
    assertEquals("A", p.victim(List.of(a, b), 10).key());
  }

  @Test
  void cremeBruleeKeepsWhatIsSlowToLoadWhereLruDoesNot() {
    // budget: 2 of equal size. S is slow to load (10 s), F1 and F2 fast (1 s). Trace S F1 F2 S F1 F2 ...:
    // LRU always evicts the model needed next (every request misses after the first two);
    // CremeBrulee (a=1, b=1): at F2 (clock 2), S: pop 1 cost 1 -> 1; F1: pop 1 cost 0.1 -> 0.1: F1 goes, S stays.
    Map<String, CacheEntry> m = models(10, "S", 10.0, "F1", 1.0, "F2", 1.0);
    List<String> t = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      t.addAll(trace("S F1 F2"));
    }
    CacheSimulator.Result lru = CacheSimulator.run(m, 20, new LruPolicy(), t);
    CacheSimulator.Result cb = CacheSimulator.run(m, 20, new CremeBruleePolicy(1, 1, 400), t);
    assertEquals(0, lru.hits());
    assertEquals(5 * 10 + 10 * 1.0, lru.addedLoadSeconds(), 1e-9);  // S misses 5x (50 s), F1 and F2 10x (10 s)
    assertEquals("F1", cb.evictions().get(0));
    assertEquals(4, cb.hits());  // S hits at every later request
    assertEquals(10 + 10 * 1.0, cb.addedLoadSeconds(), 1e-9);  // S once, F1 and F2 every time
    assertTrue(cb.addedLoadSeconds() < lru.addedLoadSeconds());
  }

  @Test
  void theBudgetIsNeverExceeded() {
    Map<String, CacheEntry> m = new LinkedHashMap<>();
    long[] sizes = {30, 50, 20, 70, 10};
    for (int i = 0; i < sizes.length; i++) {
      m.put("m" + i, CacheEntry.of("m" + i, sizes[i], 1 + i));
    }
    List<String> t = new ArrayList<>();
    SplittableRandom r = new SplittableRandom(3);
    for (int i = 0; i < 500; i++) {
      t.add("m" + r.nextInt(sizes.length));
    }
    for (String name : CachePolicy.NAMES) {
      CacheSimulator.Result res = CacheSimulator.run(m, 100, CachePolicy.of(name, t, 1), t);
      assertTrue(res.peakBytes() <= 100, name + " peaked at " + res.peakBytes());
    }
  }

  /** An entry asked for at the given clocks (infinite half-life: plain counts). */
  private static CacheEntry asked(String key, long size, double loadSeconds, long... clocks) {
    CacheEntry e = CacheEntry.of(key, size, loadSeconds);
    for (long c : clocks) {
      e.accessed(c, Double.POSITIVE_INFINITY);
    }
    return e;
  }

  @Test
  void cremeBruleeFreesTheLeastWorthNotTheLowestValuePerByte() {
    // Need 20 bytes. Big: 90 bytes, asked once, 4.5 s to load: worth 4.5, per byte 0.05. S1 and S2: 10 bytes, once,
    // 1 s: worth 1 each, per byte 0.1. Greedy per byte evicts Big (loses 4.5 s of expected loads to free 90 bytes);
    // the knapsack evicts S1 and S2 (loses 2 to free exactly 20).
    List<CacheEntry> c = List.of(asked("Big", 90, 4.5, 0), asked("S1", 10, 1, 1), asked("S2", 10, 1, 2));
    CremeBruleePolicy knap = new CremeBruleePolicy(1, 1, Double.POSITIVE_INFINITY, 0.5,
        CremeBruleePolicy.Selection.KNAPSACK);
    CremeBruleePolicy greedy = new CremeBruleePolicy(1, 1, Double.POSITIVE_INFINITY, 0.5,
        CremeBruleePolicy.Selection.GREEDY);
    assertEquals(java.util.Set.of("S1", "S2"), keys(knap.victims(c, 20, 3)));
    assertEquals(java.util.Set.of("Big"), keys(greedy.victims(c, 20, 3)));
    // need 10: S1 or S2 alone (worth 1); the tie goes to the fewer bytes, both 10: either one, not Big
    List<CacheEntry> one = knap.victims(c, 10, 3);
    assertEquals(1, one.size());
    assertTrue(one.get(0).key().startsWith("S"));
    // need more than all hold: every candidate (the repository then waits for models in use)
    assertEquals(3, knap.victims(c, 200, 3).size());
  }

  private static java.util.Set<String> keys(List<CacheEntry> entries) {
    java.util.Set<String> out = new java.util.HashSet<>();
    entries.forEach(e -> out.add(e.key()));
    return out;
  }

  @Test
  void cremeBruleesKnapsackMatchesExhaustiveSearch() {
    // oracle: every subset of the candidates, the least total worth among those freeing at least need (sizes under
    // 1024 bytes, so the knapsack's units are bytes and it must be exact)
    SplittableRandom r = new SplittableRandom(11);
    CremeBruleePolicy p = new CremeBruleePolicy(1, 1, Double.POSITIVE_INFINITY);
    for (int round = 0; round < 200; round++) {
      int n = 1 + r.nextInt(10);
      List<CacheEntry> c = new ArrayList<>();
      long all = 0;
      for (int i = 0; i < n; i++) {
        long[] at = new long[1 + r.nextInt(4)];
        for (int k = 0; k < at.length; k++) {
          at[k] = r.nextInt(50);
        }
        CacheEntry e = asked("m" + i, 1 + r.nextInt(300), 0.1 + r.nextInt(40) / 10.0, at);
        all += e.sizeBytes();
        c.add(e);
      }
      long need = 1 + r.nextInt((int) all);
      double best = Double.POSITIVE_INFINITY;
      for (int mask = 1; mask < 1 << n; mask++) {
        long freed = 0;
        double worth = 0;
        for (int i = 0; i < n; i++) {
          if ((mask & 1 << i) != 0) {
            freed += c.get(i).sizeBytes();
            worth += c.get(i).accesses() * c.get(i).loadSeconds();
          }
        }
        if (freed >= need) {
          best = Math.min(best, worth);
        }
      }
      List<CacheEntry> v = p.victims(c, need, 60);
      long freed = v.stream().mapToLong(CacheEntry::sizeBytes).sum();
      double worth = v.stream().mapToDouble(e -> e.accesses() * e.loadSeconds()).sum();
      assertTrue(freed >= need, "round " + round + ": freed " + freed + " < " + need);
      assertEquals(best, worth, 1e-9, "round " + round);
    }
  }

  @Test
  void cremeBruleesKnapsackFreesEnoughAtLargeSizes() {
    // sizes of real models (megabytes): units of need/1024 rounded down can never free less than need
    SplittableRandom r = new SplittableRandom(5);
    CremeBruleePolicy p = CremeBruleePolicy.defaults();
    for (int round = 0; round < 100; round++) {
      List<CacheEntry> c = new ArrayList<>();
      long all = 0;
      for (int i = 0; i < 20; i++) {
        CacheEntry e = asked("m" + i, 60_000 + r.nextLong(95_000_000), 0.01 + r.nextDouble() * 3, i);
        all += e.sizeBytes();
        c.add(e);
      }
      long need = 1 + r.nextLong(all - 1);
      long freed = p.victims(c, need, 30).stream().mapToLong(CacheEntry::sizeBytes).sum();
      assertTrue(freed >= need, "round " + round + ": freed " + freed + " < " + need);
    }
  }

  @Test
  void theLoadCostIsAMovingAverageOfMeasuredLoads() {
    // weight 0.5: 4 (the first sets it), then 2 -> 3, then 2 -> 2.5, then 6 -> 4.25
    CacheEntry e = new CacheEntry("m");
    e.observeLoad(4, 0.5);
    assertEquals(4, e.loadSeconds(), 1e-12);
    e.observeLoad(2, 0.5);
    assertEquals(3, e.loadSeconds(), 1e-12);
    e.observeLoad(2, 0.5);
    assertEquals(2.5, e.loadSeconds(), 1e-12);
    e.observeLoad(6, 0.5);
    assertEquals(4.25, e.loadSeconds(), 1e-12);
    assertEquals(4, e.loads());
  }

  @Test
  void theSimulatorCountsCompulsoryLoadsApart() {
    // budget 2 of equal size, LRU, a first load takes 3 s and a reload 1 s. A B A C B: A (3) B (3) A hit, C (3;
    // evicts B, used at 1), B (1; evicts A, used at 2). Added 10 s, of which the first loads of A, B, C: 9 s.
    Map<String, CacheEntry> m = models(10, "A", 0.0, "B", 0.0, "C", 0.0);
    CacheSimulator.Result r = CacheSimulator.run(m, 20, new LruPolicy(), trace("A B A C B"),
        (key, n) -> n == 0 ? 3 : 1);
    assertEquals(10, r.addedLoadSeconds(), 1e-12);
    assertEquals(9, r.compulsorySeconds(), 1e-12);
    assertEquals(List.of("B", "A"), r.evictions());
  }

  @Test
  void aRatePriorWeighsANewModelByItsAgeNotItsCount() {
    // Old: asked at 0, 50, 90; New: asked at 95; both 10 bytes, 1 s to load; eviction at clock 99 needs 10 bytes.
    // Count (no prior): Old worth 3, New 1: New goes.
    // Rate, prior 10: Old (3 + 1) / (100 + 10) = 0.0364, New (1 + 1) / (5 + 10) = 0.133: Old goes.
    // Rate, prior 200: Old 4 / 300 = 0.0133, New 2 / 205 = 0.00976: New goes (the prior outweighs New's one access).
    List<CacheEntry> c = List.of(asked("Old", 10, 1, 0, 50, 90), asked("New", 10, 1, 95));
    CremeBruleePolicy count = new CremeBruleePolicy(1, 1, Double.POSITIVE_INFINITY, 0.5,
        CremeBruleePolicy.Selection.KNAPSACK);
    CremeBruleePolicy prior10 = new CremeBruleePolicy(1, 1, Double.POSITIVE_INFINITY, 0.5,
        CremeBruleePolicy.Selection.KNAPSACK, 10);
    CremeBruleePolicy prior200 = new CremeBruleePolicy(1, 1, Double.POSITIVE_INFINITY, 0.5,
        CremeBruleePolicy.Selection.KNAPSACK, 200);
    assertEquals(java.util.Set.of("New"), keys(count.victims(c, 10, 99)));
    assertEquals(java.util.Set.of("Old"), keys(prior10.victims(c, 10, 99)));
    assertEquals(java.util.Set.of("New"), keys(prior200.victims(c, 10, 99)));
    assertEquals(4.0 / 110, prior10.popularity(c.get(0), 99), 1e-12);
    assertEquals(2.0 / 15, prior10.popularity(c.get(1), 99), 1e-12);
    assertEquals(3, count.popularity(c.get(0), 99), 1e-12);
    // the greedy order reads the same popularity: Old has the lower value per byte under prior 10
    CremeBruleePolicy greedy10 = new CremeBruleePolicy(1, 1, Double.POSITIVE_INFINITY, 0.5,
        CremeBruleePolicy.Selection.GREEDY, 10);
    assertEquals("Old", greedy10.victim(c, 99).key());
  }

  @Test
  void aRatePriorDecaysItsWindowWithTheHalfLife() {
    // half-life 1: asked once at 0; at clock 2 the count is 0.25 and the window since the first access counts
    // 1 + 0.5 + 0.25 = 1.75 requests; prior 1: (0.25 + 1) / (1.75 + 1)
    CacheEntry e = CacheEntry.of("m", 10, 1);
    e.accessed(0, 1);
    CremeBruleePolicy p = new CremeBruleePolicy(1, 1, 1, 0.5, CremeBruleePolicy.Selection.KNAPSACK, 1);
    assertEquals(1.25 / 2.75, p.popularity(e, 2), 1e-12);
    assertThrows(IllegalArgumentException.class,
        () -> new CremeBruleePolicy(1, 1, 1, 0.5, CremeBruleePolicy.Selection.KNAPSACK, -1));
  }

  @Test
  void aGivenPopularityReplacesTheCounts() {
    // A asked 3 times, B once, equal sizes and load times: the counts evict B; told A's popularity is 1 and B's 5
    // (an oracle), the same rule evicts A
    List<CacheEntry> c = List.of(asked("A", 10, 1, 0, 1, 2), asked("B", 10, 1, 3));
    CremeBruleePolicy p = new CremeBruleePolicy(1, 1, Double.POSITIVE_INFINITY);
    assertEquals(java.util.Set.of("B"), keys(p.victims(c, 10, 4)));
    CremeBruleePolicy told = p.withPopularity((e, clock) -> e.key().equals("A") ? 1 : 5);
    assertEquals(java.util.Set.of("A"), keys(told.victims(c, 10, 4)));
    assertEquals(5, told.popularity(c.get(1), 4), 0);
  }
}
