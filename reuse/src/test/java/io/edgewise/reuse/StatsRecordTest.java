package io.edgewise.reuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** The stats row's layout. */
class StatsRecordTest {
  @Test
  void rowRoundTripsAndHasItsSize() {
    StatsRecord r = new StatsRecord(7, 1000, 2000, 3, 4000, 5000, 600, new long[] {11, -12, 13});
    ByteBuffer b = r.encode();
    assertEquals(8 * 6 + 4 + 1 + 8 * 3, b.remaining());
    assertEquals(77, StatsRecord.size(3));
    StatsRecord back = StatsRecord.decode(b);
    assertEquals(7, back.ns());
    assertEquals(1000, back.created());
    assertEquals(2000, back.lastHit());
    assertEquals(3, back.hits());
    assertEquals(4000, back.saved());
    assertEquals(5000, back.compute());
    assertEquals(600, back.size());
    assertArrayEquals(new long[] {11, -12, 13}, back.codes());
  }

  @Test
  void pendingHitsAddCountsAndKeepTheLaterLastHit() {
    StatsRecord r = new StatsRecord(7, 1000, 2000, 3, 4000, 5000, 600, new long[] {1});
    StatsRecord earlier = r.plus(new PendingHits.Hit(2, 500, 1500));
    assertEquals(5, earlier.hits());
    assertEquals(4500, earlier.saved());
    assertEquals(2000, earlier.lastHit());
    StatsRecord later = r.plus(new PendingHits.Hit(1, 10, 2500));
    assertEquals(4, later.hits());
    assertEquals(4010, later.saved());
    assertEquals(2500, later.lastHit());
    assertEquals(5000, later.compute());
    assertEquals(1000, later.created());
  }
}
