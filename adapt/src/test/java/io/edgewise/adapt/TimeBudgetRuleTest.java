package io.edgewise.adapt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** MDInference's rule on a hand-made group: mean + gamma * std against SLA - network. */
class TimeBudgetRuleTest {
  // mean + std: big 50 + 10 = 60, mid 20 + 15 = 35, small 5 + 1 = 6
  private static final List<TimeBudgetRule.VariantStats> GROUP = List.of(
      new TimeBudgetRule.VariantStats("mid", 0.90, 20, 15),
      new TimeBudgetRule.VariantStats("big", 0.95, 50, 10),
      new TimeBudgetRule.VariantStats("small", 0.80, 5, 1));

  @Test
  void theMostAccurateVariantWhoseMeanPlusGammaStdFitsTheBudgetRuns() {
    // budget 100 - 40 = 60: big fits exactly
    assertEquals(1, TimeBudgetRule.choose(GROUP, 100, 40, 1).variant());
    // budget 59: big no longer; mid 35 fits
    TimeBudgetRule.Choice c = TimeBudgetRule.choose(GROUP, 99, 40, 1);
    assertEquals(0, c.variant());
    assertTrue(c.eligible());
    assertEquals(59, c.budgetMs(), 1e-12);
    // gamma 0 compares means only: budget 30, mid's mean 20 fits, its mean + std 35 would not
    assertEquals(0, TimeBudgetRule.choose(GROUP, 70, 40, 0).variant());
    assertEquals(2, TimeBudgetRule.choose(GROUP, 70, 40, 1).variant());
  }

  @Test
  void whenNothingFitsTheFastestRuns() {
    TimeBudgetRule.Choice c = TimeBudgetRule.choose(GROUP, 40, 40, 1);
    assertEquals(2, c.variant());
    assertFalse(c.eligible());
  }

  @Test
  void badInputIsRejected() {
    assertThrows(EdgewiseException.class, () -> TimeBudgetRule.choose(List.of(), 100, 0, 1));
    assertThrows(EdgewiseException.class, () -> TimeBudgetRule.choose(GROUP, Double.NaN, 0, 1));
    assertThrows(EdgewiseException.class, () -> new TimeBudgetRule.VariantStats("x", 1.5, 1, 0));
  }

  @Test
  void latencyStatsKeepMeanStdAndMovingAverage() {
    LatencyStats s = new LatencyStats(0.5);
    for (double v : new double[] {2, 4, 4, 4, 5, 5, 7, 9}) {
      s.add(v);
    }
    // mean 5, sum of squared deviations 32, sample variance 32/7
    assertEquals(5, s.mean(), 1e-12);
    assertEquals(Math.sqrt(32.0 / 7), s.std(), 1e-12);
    // EMA with weight 1/2: 2, 3, 3.5, 3.75, 4.375, 4.6875, 5.84375, 7.421875
    assertEquals(7.421875, s.ema(), 1e-12);
    assertEquals(8, s.count());
    assertThrows(EdgewiseException.class, () -> new LatencyStats(0));
  }
}
