package io.edgewise.serve.dystri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.edgewise.EdgewiseException;
import org.junit.jupiter.api.Test;

/** The share of a worker's time taken by tighter work, on explicit clocks (ms as nanos) against hand sums. */
class TighterLoadTest {
  private static final long MS = 1_000_000L;

  @Test
  void onlyWorkWithAShorterBudgetWithinTheWindowCounts() {
    TighterLoad load = new TighterLoad(100 * MS);
    load.add(0, 50, 5);
    load.add(10 * MS, 200, 10);
    load.add(20 * MS, 50, 5);
    // below 100 ms: the two 50 ms requests, 10 ms of work over a 100 ms window
    assertEquals(0.10, load.shareBelow(30 * MS, 100, 1), 1e-12);
    // below 300 ms: all 20 ms of it, over 2 workers
    assertEquals(0.10, load.shareBelow(30 * MS, 300, 2), 1e-12);
    // strictly below: work with the same budget that arrives later is due later, and EDF serves it after
    assertEquals(0, load.shareBelow(30 * MS, 50, 1), 1e-12);
    // at 105 ms the first request (at 0) has left the window: 5 ms of tighter work remain
    assertEquals(0.05, load.shareBelow(105 * MS, 100, 1), 1e-12);
    // at 121 ms all of it has
    assertEquals(0, load.shareBelow(121 * MS, 1000, 1), 1e-12);
  }

  @Test
  void moreTighterWorkThanTheNodeServesIsAShareAboveOne() {
    TighterLoad load = new TighterLoad(10 * MS);
    load.add(0, 20, 15);
    assertEquals(1.5, load.shareBelow(MS, 100, 1), 1e-12);
  }

  @Test
  void aWindowMustBePositive() {
    EdgewiseException e = assertThrows(EdgewiseException.class, () -> new TighterLoad(0));
    assertEquals(EdgewiseException.ErrorCode.INVALID_ARGUMENT, e.code());
  }
}
