package io.edgewise.serve.dystri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.adapt.dystri.Level;
import io.edgewise.adapt.dystri.LevelLadder;
import io.edgewise.adapt.dystri.LevelRule;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The queue-aware level choice against hand-computed finishes. */
class FinishPlanTest {
  static final LevelLadder LADDER = new LevelLadder(List.of(new Level("small", 0.80, 2), new Level("mid", 0.90, 5),
      new Level("full", 0.95, 10)));
  static final double[] SERVICE = {2, 5, 10};
  static final double NET = 1;
  static final double MARGIN = 3;

  @Test
  void aheadIsOwnWorkDueFirstPlusReportedWorkBeyondAllOwnOverWorkers() {
    // own 6 ms due first of 6 ms outstanding; reported 3 jobs x 4 ms = 12 ms, 6 beyond ours: 6 + 6 = 12 on one worker
    assertEquals(12, FinishPlan.aheadMs(6, 6, 3, 4, 2, 1), 1e-9);
    assertEquals(6, FinishPlan.aheadMs(6, 6, 3, 4, 2, 2), 1e-9);
    // 30 ms of ours, 10 due first; the report's 2 x 4 ms is all ours: 10 / 2 workers (EDF serves the other 20 after)
    assertEquals(5, FinishPlan.aheadMs(10, 30, 2, 4, 2, 2), 1e-9);
    // nothing of ours; the node computed nothing since its last report: each of its 2 jobs costs at least 2.5 ms
    assertEquals(5, FinishPlan.aheadMs(0, 0, 2, 0, 2.5, 1), 1e-9);
  }

  @Test
  void aDrainedQueueAllowsTheWantedLevel() {
    // 0 ahead + 10 + 1 net + 3 margin = 14 <= 20: the wanted 0.95
    LevelRule.Choice c = FinishPlan.choose(LADDER, SERVICE, FinishPlan.aheadMs(0, 0, 0, 0, 2, 1), NET, MARGIN, 20,
        0.95);
    assertEquals(2, c.level());
    assertTrue(c.fits());
    assertTrue(c.meetsWant());
    assertEquals(11, c.finishMs(), 1e-9);  // the prediction, without the margin
  }

  @Test
  void aQueueForcesAStepDownAndTwoWorkersHalveIt() {
    double ahead = FinishPlan.aheadMs(6, 6, 3, 4, 2, 1);  // 12 ms
    // full: 12 + 10 + 1 + 3 = 26 > 22; mid: 12 + 5 + 1 + 3 = 21 <= 22
    LevelRule.Choice mid = FinishPlan.choose(LADDER, SERVICE, ahead, NET, MARGIN, 22, 0.95);
    assertEquals(1, mid.level());
    assertTrue(mid.fits());
    assertFalse(mid.meetsWant());
    assertEquals(18, mid.finishMs(), 1e-9);
    // 20 ms left: mid needs 21, small 12 + 2 + 1 + 3 = 18
    LevelRule.Choice small = FinishPlan.choose(LADDER, SERVICE, ahead, NET, MARGIN, 20, 0.95);
    assertEquals(0, small.level());
    assertTrue(small.fits());
    // the same queue on two workers: 6 + 10 + 1 + 3 = 20 <= 20, back to the wanted level
    LevelRule.Choice full = FinishPlan.choose(LADDER, SERVICE, FinishPlan.aheadMs(6, 6, 3, 4, 2, 2), NET, MARGIN, 20,
        0.95);
    assertEquals(2, full.level());
  }

  @Test
  void theCheapestIsTriedWithoutTheMarginWhenOnlyTheMarginStopsIt() {
    // small: 12 + 2 + 1 = 15 <= 16, but 18 with the margin
    LevelRule.Choice c = FinishPlan.choose(LADDER, SERVICE, 12, NET, MARGIN, 16, 0.95);
    assertEquals(0, c.level());
    assertTrue(c.fits());
    assertEquals(15, c.finishMs(), 1e-9);
  }

  @Test
  void aDeadlineNothingFitsIsSaidSo() {
    // small alone: 12 + 2 + 1 = 15 > 14
    LevelRule.Choice c = FinishPlan.choose(LADDER, SERVICE, 12, NET, MARGIN, 14, 0.95);
    assertFalse(c.fits());
    assertEquals(0, c.level());
    assertEquals(15, c.finishMs(), 1e-9);
  }
}
