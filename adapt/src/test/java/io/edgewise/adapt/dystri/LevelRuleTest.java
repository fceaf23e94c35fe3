package io.edgewise.adapt.dystri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The level rule against choices worked out by hand on the digits group's measured accuracies. */
class LevelRuleTest {
  // the digits variants, cheapest first (accuracies as measured on the test split; costs as on ref)
  private static final LevelLadder LADDER = new LevelLadder(List.of(
      new Level("pruned875", 0.9511, 0.24), new Level("pruned75", 0.9778, 0.40), new Level("pruned50", 0.98, 0.67),
      new Level("pruned25", 0.98, 0.98), new Level("float", 0.9822, 1.41)));

  private static double[] finish(double wait) {
    double[] f = new double[LADDER.size()];
    for (int i = 0; i < f.length; i++) {
      f[i] = wait + LADDER.get(i).costMs();
    }
    return f;
  }

  @Test
  void cheapestLevelReachingTheWantAmongThoseThatFit() {
    // plenty of time: want 0.975 is reached first by pruned75 (0.9778), want 0.98 by pruned50 (cheaper of the 0.98s)
    assertEquals(1, LevelRule.choose(LADDER, finish(0), 100, 0, 4, 0.975).level());
    assertEquals(2, LevelRule.choose(LADDER, finish(0), 100, 0, 4, 0.98).level());
    assertEquals(4, LevelRule.choose(LADDER, finish(0), 100, 0, 4, 0.982).level());
    assertEquals(0, LevelRule.choose(LADDER, finish(0), 100, 0, 4, 0.5).level());
    assertTrue(LevelRule.choose(LADDER, finish(0), 100, 0, 4, 0.98).meetsWant());
  }

  @Test
  void mostAccurateThatFitsWhenTheWantCannotBeMet() {
    // 10 ms queued, 10.8 ms left: float (11.41) and pruned25 (10.98) do not fit, pruned50 (10.67) does but is 0.98
    LevelRule.Choice c = LevelRule.choose(LADDER, finish(10), 10.8, 0, 4, 0.99);
    assertEquals(2, c.level());
    assertTrue(c.fits());
    assertFalse(c.meetsWant());
    // the range caps it: highest 1 leaves pruned75
    assertEquals(1, LevelRule.choose(LADDER, finish(0), 100, 0, 1, 0.99).level());
    // and lowest 3 forbids the cheaper ones
    assertEquals(3, LevelRule.choose(LADDER, finish(0), 100, 3, 4, 0.5).level());
  }

  @Test
  void nothingFitsNamesTheLowestAllowedLevel() {
    LevelRule.Choice c = LevelRule.choose(LADDER, finish(50), 20, 0, 4, 0.9);
    assertFalse(c.fits());
    assertEquals(0, c.level());
    assertEquals(50.24, c.finishMs(), 1e-9);
    assertEquals(2, LevelRule.choose(LADDER, finish(50), 20, 2, 4, 0.9).level());
  }

  @Test
  void ladderChecksItsOrderAndNames() {
    assertThrows(EdgewiseException.class, () -> new LevelLadder(List.of()));
    assertThrows(EdgewiseException.class, () -> new LevelLadder(List.of(new Level("a", 0.9, 2),
        new Level("b", 0.8, 1))));
    assertThrows(EdgewiseException.class, () -> new LevelLadder(List.of(new Level("a", 0.9, 1),
        new Level("a", 0.95, 2))));
    assertThrows(EdgewiseException.class, () -> new Level("x", 1.5, 1));
    assertThrows(EdgewiseException.class, () -> new Level("x", 0.5, 0));
    assertEquals(4, LADDER.index("float"));
    assertEquals("[INVALID_ARGUMENT] the level ladder has no level 'int8' (levels: [pruned875, pruned75, pruned50, "
        + "pruned25, float])",
        assertThrows(EdgewiseException.class, () -> LADDER.index("int8")).getMessage());
  }

  @Test
  void costsFollowTheMeasuredTimes() {
    LevelCosts c = new LevelCosts(LADDER, 0.5, 2);
    assertEquals(0.24, c.mean(0), 1e-12);
    assertEquals(0.24 + 2 * 0.06, c.estimate(0), 1e-12);
    c.observe(0, 1.24);  // dev = 0.5*0.06 + 0.5*1.0 = 0.53; mean = 0.74
    assertEquals(0.74, c.mean(0), 1e-12);
    assertEquals(0.74 + 2 * 0.53, c.estimate(0), 1e-12);
    assertEquals(1.41, c.mean(4), 1e-12);
  }
}
