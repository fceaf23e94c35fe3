package io.edgewise.adapt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.edgewise.EdgewiseException;
import org.junit.jupiter.api.Test;

/** Regret bookkeeping against sums done by hand. */
class RegretTrackerTest {
  @Test
  void cumulativeQuartersAndCurveAddUp() {
    RegretTracker t = new RegretTracker();
    double[][] rounds = {  // chosen expected, best expected, observed
        {0.5, 1, 1}, {0.7, 1, 0}, {1, 1, 1}, {0.8, 1, 1},
        {0.2, 0.6, 0.5}, {0.6, 0.6, 0}, {0.9, 0.9, 1}, {0.85, 0.9, 1}};
    for (double[] r : rounds) {
      t.record(r[0], r[1], r[2]);
    }
    // regrets 0.5 0.3 0 0.2 | 0.4 0 0 0.05
    assertEquals(8, t.rounds());
    assertEquals(1.45, t.cumulativeRegret(), 1e-12);
    assertEquals(5.5 / 8, t.meanReward(), 1e-12);
    assertEquals(0.4, t.quarterMeanRegret(0), 1e-12);
    assertEquals(0.1, t.quarterMeanRegret(1), 1e-12);
    assertEquals(0.2, t.quarterMeanRegret(2), 1e-12);
    assertEquals(0.025, t.quarterMeanRegret(3), 1e-12);
    assertEquals(1.0, t.cumulativeAt(4), 1e-12);
    double[][] curve = t.curve(4);
    assertEquals(4, curve.length);
    assertArrayEquals(new double[] {2, 0.8}, curve[0], 1e-12);
    assertArrayEquals(new double[] {8, 1.45}, curve[3], 1e-12);
    assertThrows(EdgewiseException.class, () -> t.quarterMeanRegret(4));
  }

  @Test
  void aChoiceBetterThanTheBestByRoundingCountsAsNoRegret() {
    RegretTracker t = new RegretTracker();
    t.record(0.9000000001, 0.9, 1);
    assertEquals(0, t.cumulativeRegret());
  }
}
