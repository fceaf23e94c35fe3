package io.edgewise.reuse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which sampled entry leaves first, by policy, against scores worked out by hand. */
class EvictorTest {
  private static final long NOW = 1000;
  private static final long HALF_LIFE = 1000;

  /**
   * Importance = (hits + 1) x compute / bytes x 2^(-age / half-life), age from max(created, last hit):
   * 1: 1 x 1000/100 x 2^0 = 10; 2: 4 x 1000/100 x 2^-1 = 20; 3: 2 x 2000/100 x 2^-0.001 = 39.97;
   * 4: 10 x 1000/1000 x 2^-0.5 = 7.07. LRU orders by last use: 2 (0), 4 (500), 3 (999), 1 (1000).
   */
  private static Map<Long, StatsRecord> sample() {
    Map<Long, StatsRecord> s = new HashMap<>();
    s.put(1L, new StatsRecord(9, 1000, 0, 0, 0, 1000, 100, new long[] {0}));
    s.put(2L, new StatsRecord(9, 0, 0, 3, 0, 1000, 100, new long[] {0}));
    s.put(3L, new StatsRecord(9, 999, 0, 1, 0, 2000, 100, new long[] {0}));
    s.put(4L, new StatsRecord(9, 0, 500, 9, 0, 1000, 1000, new long[] {0}));
    return s;
  }

  private static List<Long> order(EvictionPolicy policy) {
    return Evictor.rank(sample(), policy, NOW, HALF_LIFE).stream().map(Map.Entry::getKey).toList();
  }

  @Test
  void importanceEvictsTheLeastValuablePerByteFirst() {
    assertEquals(List.of(4L, 1L, 2L, 3L), order(EvictionPolicy.IMPORTANCE));
  }

  @Test
  void lruEvictsTheLeastRecentlyUsedFirst() {
    assertEquals(List.of(2L, 4L, 3L, 1L), order(EvictionPolicy.LRU));
  }

  @Test
  void importanceScoresAsWorkedOut() {
    EvictionPolicy p = EvictionPolicy.IMPORTANCE;
    assertEquals(10.0, p.score(0, 1000, 100, 1000, NOW, HALF_LIFE), 1e-12);
    assertEquals(20.0, p.score(3, 1000, 100, 0, NOW, HALF_LIFE), 1e-12);
    assertEquals(10 / Math.sqrt(2), p.score(9, 1000, 1000, 500, NOW, HALF_LIFE), 1e-12);
    assertEquals(500.0, EvictionPolicy.LRU.score(9, 1000, 1000, 500, NOW, HALF_LIFE));
  }
}
