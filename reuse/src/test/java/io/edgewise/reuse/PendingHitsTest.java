package io.edgewise.reuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Hits counted in memory: merged per entry, drained for a write, put back when it aborts. */
class PendingHitsTest {
  @Test
  void hitsMergePerEntry() {
    PendingHits p = new PendingHits();
    assertTrue(p.isEmpty());
    p.record(7, 100, 10);
    p.record(7, 50, 5);
    p.record(8, 1, 20);
    assertEquals(new PendingHits.Hit(2, 150, 10), p.of(7));
    assertEquals(new PendingHits.Hit(1, 1, 20), p.of(8));
    assertNull(p.of(9));
    assertArrayEquals(new long[] {3, 151}, p.totals());
    p.forget(8);
    assertNull(p.of(8));
    assertArrayEquals(new long[] {2, 150}, p.totals());
  }

  @Test
  void drainedHitsComeBackMergedWithNewOnes() {
    PendingHits p = new PendingHits();
    p.record(7, 100, 10);
    p.record(8, 1, 20);
    Map<Long, PendingHits.Hit> drained = p.drain();
    assertEquals(Map.of(7L, new PendingHits.Hit(1, 100, 10), 8L, new PendingHits.Hit(1, 1, 20)), drained);
    assertTrue(p.isEmpty());
    p.record(7, 30, 40); // counted while the write ran
    p.restore(drained);  // the write aborted
    assertFalse(p.isEmpty());
    assertEquals(new PendingHits.Hit(2, 130, 40), p.of(7));
    assertEquals(new PendingHits.Hit(1, 1, 20), p.of(8));
    p.clear();
    assertTrue(p.isEmpty());
  }
}
