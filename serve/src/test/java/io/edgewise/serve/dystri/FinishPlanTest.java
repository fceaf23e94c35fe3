package io.edgewise.serve.dystri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.adapt.dystri.Level;
import io.edgewise.adapt.dystri.LevelCosts;
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

  // LevelCosts(LADDER, 0.1, 2) before any observation: means {2, 5, 10}, deviations cost / 4 = {0.5, 1.25, 2.5},
  // so the estimates (mean + 2 deviations) are {3, 7.5, 15}

  @Test
  void beforeTheTailIsMeasuredThePlanUsesMeanPlusTwoDeviationsAndNoMargin() {
    // full: 4 + 15 + 1 = 20 > 18; mid: 4 + 7.5 + 1 = 12.5 <= 18
    FinishPlan.Plan p = FinishPlan.plan(LADDER, new LevelCosts(LADDER, 0.1, 2), Double.NaN, 4, NET, 18, 0, 2, 0.95);
    assertEquals(1, p.level());
    assertTrue(p.fits());
    assertEquals(0, p.marginMs(), 1e-9);
    assertEquals(12.5, p.choice().finishMs(), 1e-9);
    assertEquals(10, p.predictedMs(), 1e-9);  // 4 + mid's mean 5 + 1: the errors are measured against the mean
  }

  @Test
  void onceMeasuredThePlanUsesTheMeansAndTheTail() {
    // full: 4 + 10 + 1 + 3 = 18 <= 18
    FinishPlan.Plan p = FinishPlan.plan(LADDER, new LevelCosts(LADDER, 0.1, 2), 3, 4, NET, 18, 0, 2, 0.95);
    assertEquals(2, p.level());
    assertEquals(3, p.marginMs(), 1e-9);
    assertEquals(15, p.predictedMs(), 1e-9);
    // a tail of 4: full 19 > 18, mid 4 + 5 + 1 + 4 = 14
    assertEquals(1, FinishPlan.plan(LADDER, new LevelCosts(LADDER, 0.1, 2), 4, 4, NET, 18, 0, 2, 0.95).level());
  }

  @Test
  void thePlanKeepsToTheAllowedLevelsAndTriesTheLowestWithoutTheMargin() {
    LevelCosts costs = new LevelCosts(LADDER, 0.1, 2);
    // 10 ms left, 4 ahead, tail 3, no link: small 4 + 2 + 3 = 9 fits
    assertEquals(0, FinishPlan.plan(LADDER, costs, 3, 4, 0, 10, 0, 2, 0.95).level());
    // small not allowed: mid 4 + 5 + 3 = 12 > 10 but 9 without the margin: tried there
    FinishPlan.Plan mid = FinishPlan.plan(LADDER, costs, 3, 4, 0, 10, 1, 2, 0.95);
    assertEquals(1, mid.level());
    assertTrue(mid.fits());
    assertEquals(9, mid.choice().finishMs(), 1e-9);
    // want 0.95 but at most mid allowed, plenty of time: mid (the most accurate allowed)
    FinishPlan.Plan capped = FinishPlan.plan(LADDER, costs, 3, 0, 0, 100, 0, 1, 0.95);
    assertEquals(1, capped.level());
    assertFalse(capped.choice().meetsWant());
  }

  @Test
  void tighterWorkStretchesTheWaitUpToTenTimes() {
    // W = 12 + 0.5 W: 24
    assertEquals(24, FinishPlan.stretchedWaitMs(12, 0.5), 1e-9);
    // a share of 0.95 (or more than the node serves) is taken as 0.9: 12 / 0.1
    assertEquals(120, FinishPlan.stretchedWaitMs(12, 0.95), 1e-9);
    assertEquals(120, FinishPlan.stretchedWaitMs(12, 3), 1e-9);
    assertEquals(12, FinishPlan.stretchedWaitMs(12, 0), 1e-9);
    assertEquals(0, FinishPlan.stretchedWaitMs(0, 0.5), 1e-9);
  }

  @Test
  void theStretchedWaitStepsTheLevelDownButTheLowestIsTriedOnTheWaitAsItIs() {
    LevelCosts costs = new LevelCosts(LADDER, 0.1, 2);  // means {2, 5, 10}; tail 3 measured
    // no tighter work: full 6 + 10 + 1 + 3 = 20 <= 22
    assertEquals(2, FinishPlan.plan(LADDER, costs, 3, 6, 0, 0, NET, 22, 0, 2, 0.95).level());
    // half a worker busy with tighter work: the wait is 12; full 12 + 10 + 1 + 3 = 26 > 22, mid 12 + 5 + 1 + 3 = 21
    FinishPlan.Plan p = FinishPlan.plan(LADDER, costs, 3, 6, 0.5, 0, NET, 22, 0, 2, 0.95);
    assertEquals(1, p.level());
    assertTrue(p.fits());
    assertEquals(18, p.predictedMs(), 1e-9);  // 12 + 5 + 1: the stretched wait is the prediction
    // 10 ms left: small on the stretched wait 12 + 2 + 1 + 3 = 18 > 10; on the wait as it is, no margin: 6 + 2 + 1 = 9
    FinishPlan.Plan lowest = FinishPlan.plan(LADDER, costs, 3, 6, 0.5, 0, NET, 10, 0, 2, 0.95);
    assertEquals(0, lowest.level());
    assertTrue(lowest.fits());
    assertEquals(9, lowest.choice().finishMs(), 1e-9);
    // 8.5 ms left: not even that
    assertFalse(FinishPlan.plan(LADDER, costs, 3, 6, 0.5, 0, NET, 8.5, 0, 2, 0.95).fits());
  }

  @Test
  void atTheLoadCapOnlyTheLowestAllowedLevelIsPlanned() {
    LevelCosts costs = new LevelCosts(LADDER, 0.1, 2);  // means {2, 5, 10}; tail 3 measured
    // nothing ahead, 100 ms left: full (10 + 1 + 3) at a load of 0.64
    assertEquals(2, FinishPlan.plan(LADDER, costs, 3, 0, 0, 0.64, NET, 100, 0, 2, 0.95).level());
    // at 0.65: the lowest allowed, small, or mid where small is not allowed
    FinishPlan.Plan capped = FinishPlan.plan(LADDER, costs, 3, 0, 0, 0.65, NET, 100, 0, 2, 0.95);
    assertEquals(0, capped.level());
    assertTrue(capped.fits());
    assertEquals(3, capped.predictedMs(), 1e-9);  // 0 + 2 + 1
    assertEquals(1, FinishPlan.plan(LADDER, costs, 3, 0, 0, 0.9, NET, 100, 1, 2, 0.95).level());
  }
}
