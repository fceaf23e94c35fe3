package io.edgewise.serve.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.serve.client.BudgetDecision.Action;
import io.edgewise.serve.client.BudgetDecision.Local;
import io.edgewise.serve.client.BudgetDecision.Remote;
import org.junit.jupiter.api.Test;

/**
 * The budgeted call's rule as a table: times in ms (as ns), the schedule computed by hand from the budget, the local
 * p99 and the hand-over time. No clock, no threads.
 */
class BudgetDecisionTest {
  private static final long MS = 1_000_000;

  @Test
  void theScheduleIsTheBudgetLessTheMeasuredTimes() {
    BudgetDecision backup = BudgetDecision.plan(BudgetedCall.Mode.BACKUP, 100 * MS, 10 * MS, 6 * MS);
    assertEquals(84 * MS, backup.localAt(), "100 - (10 + 6)");
    BudgetDecision standby = BudgetDecision.plan(BudgetedCall.Mode.STANDBY, 100 * MS, 10 * MS, 6 * MS);
    assertEquals(0, standby.localAt());
    assertEquals(94 * MS, standby.releaseAt(), "100 - 6: the local answer is in hand, only the hand-over is left");
    BudgetDecision parallel = BudgetDecision.plan(BudgetedCall.Mode.PARALLEL, 100 * MS, 10 * MS, 6 * MS);
    assertEquals(0, parallel.localAt());
    assertEquals(0, parallel.releaseAt());
    // a budget smaller than the local time starts it at once; an unmeasured (infinite) local time too
    assertEquals(0, BudgetDecision.plan(BudgetedCall.Mode.BACKUP, 5 * MS, 10 * MS, 0).localAt());
    assertEquals(0, BudgetDecision.plan(BudgetedCall.Mode.BACKUP, 5 * MS, Long.MAX_VALUE, 6 * MS).localAt());
    assertEquals(0, BudgetDecision.plan(BudgetedCall.Mode.STANDBY, 5 * MS, 10 * MS, 9 * MS).releaseAt());
  }

  @Test
  void standbyHoldsTheLocalAnswerUntilTheReleaseAndNeverLater() {
    BudgetDecision r = BudgetDecision.plan(BudgetedCall.Mode.STANDBY, 100 * MS, 10 * MS, 6 * MS);
    assertEquals(Action.RUN_LOCAL, r.next(0, Local.NOT_RUN, Remote.PENDING));
    assertEquals(Action.WAIT, r.next(5 * MS, Local.READY, Remote.PENDING));
    assertEquals(89 * MS, r.waitNanos(5 * MS, Local.READY), "wait for the remote until 94 ms, no longer");
    assertEquals(Action.RETURN_LOCAL, r.next(94 * MS, Local.READY, Remote.PENDING));
    assertEquals(Action.RETURN_LOCAL, r.next(120 * MS, Local.READY, Remote.PENDING));
    assertEquals(0, r.waitNanos(120 * MS, Local.READY));
    assertEquals(Action.RETURN_REMOTE, r.next(93 * MS, Local.READY, Remote.READY), "the remote arrived in time");
    assertEquals(Action.RETURN_LOCAL, r.next(6 * MS, Local.READY, Remote.FAILED), "no reason to hold it");
  }

  @Test
  void backupStartsTheLocalRunAtItsTimeOrWhenTheRemoteFails() {
    BudgetDecision r = BudgetDecision.plan(BudgetedCall.Mode.BACKUP, 100 * MS, 10 * MS, 6 * MS);
    assertEquals(Action.WAIT, r.next(0, Local.NOT_RUN, Remote.PENDING));
    assertEquals(84 * MS, r.waitNanos(0, Local.NOT_RUN));
    assertEquals(Action.RETURN_REMOTE, r.next(50 * MS, Local.NOT_RUN, Remote.READY));
    assertEquals(Action.RUN_LOCAL, r.next(50 * MS, Local.NOT_RUN, Remote.FAILED));
    assertEquals(Action.RUN_LOCAL, r.next(84 * MS, Local.NOT_RUN, Remote.PENDING));
    assertEquals(Action.RETURN_LOCAL, r.next(95 * MS, Local.READY, Remote.PENDING), "a ready answer goes at once");
    assertEquals(Action.RETURN_REMOTE, r.next(95 * MS, Local.READY, Remote.READY), "it came during the local run");
  }

  @Test
  void aLocalRunThatCannotBeOnTimeRunsBesideTheWait() {
    // 100 - (10 + 6) = 84: a run started by then is handed over in time; later (or with a p99 over the budget) not
    BudgetDecision r = BudgetDecision.plan(BudgetedCall.Mode.STANDBY, 100 * MS, 10 * MS, 6 * MS);
    assertTrue(r.inline(0));
    assertTrue(r.inline(84 * MS));
    assertFalse(r.inline(85 * MS));
    BudgetDecision slow = BudgetDecision.plan(BudgetedCall.Mode.STANDBY, 100 * MS, 150 * MS, 0);
    assertFalse(slow.inline(0));
    assertEquals(Action.WAIT, slow.next(10 * MS, Local.RUNNING, Remote.PENDING));
    assertEquals(Long.MAX_VALUE, slow.waitNanos(10 * MS, Local.RUNNING), "whichever answers first");
    assertEquals(Action.RETURN_REMOTE, slow.next(90 * MS, Local.RUNNING, Remote.READY));
    assertEquals(Action.WAIT, slow.next(90 * MS, Local.RUNNING, Remote.FAILED));
    assertFalse(BudgetDecision.plan(BudgetedCall.Mode.BACKUP, 100 * MS, Long.MAX_VALUE, 0).inline(0));
  }

  @Test
  void aFailedLocalRunWaitsForTheRemoteAndBothFailingFails() {
    BudgetDecision r = BudgetDecision.plan(BudgetedCall.Mode.PARALLEL, 100 * MS, 10 * MS, 6 * MS);
    assertEquals(Action.RUN_LOCAL, r.next(0, Local.NOT_RUN, Remote.PENDING));
    assertEquals(Action.RETURN_LOCAL, r.next(3 * MS, Local.READY, Remote.PENDING));
    assertEquals(Action.WAIT, r.next(3 * MS, Local.FAILED, Remote.PENDING));
    assertEquals(Long.MAX_VALUE, r.waitNanos(3 * MS, Local.FAILED), "a late answer beats none");
    assertEquals(Action.RETURN_REMOTE, r.next(300 * MS, Local.FAILED, Remote.READY));
    assertEquals(Action.FAIL, r.next(300 * MS, Local.FAILED, Remote.FAILED));
  }

  @Test
  void theMarginIsTwiceTheLargestMeasuredHandOver() {
    assertEquals(2, BudgetDecision.HEADROOM);
    assertEquals(0, BudgetDecision.releaseMargin(0, 100 * MS), "nothing measured: no margin");
    assertEquals(0, BudgetDecision.releaseMargin(-3 * MS, 100 * MS), "a negative time is no time");
    // the quiet host's late answers: planned with a margin of the largest hand-over so far (5.0 ms), their own
    // hand-over was 6.5 ms, and released at 100 - 5.0 = 95.0 ms it ended at 101.5 ms
    long margin = BudgetDecision.releaseMargin(5 * MS, 100 * MS);
    assertEquals(10 * MS, margin, "2 x 5.0");
    BudgetDecision standby = BudgetDecision.plan(BudgetedCall.Mode.STANDBY, 100 * MS, 10 * MS, margin);
    assertEquals(90 * MS, standby.releaseAt(), "100 - 10");
    assertTrue(standby.releaseAt() + 6_500_000 <= 100 * MS, "the 6.5 ms hand-over now ends at 96.5 ms");
    assertEquals(Action.WAIT, standby.next(89 * MS, Local.READY, Remote.PENDING));
    assertEquals(Action.RETURN_LOCAL, standby.next(90 * MS, Local.READY, Remote.PENDING));
    // BACKUP: the local p99 (10 ms) and the margin (10 ms) before the end: started at 80 ms, and a run that is started
    // after 80 ms cannot be handed over in time, so it runs beside the wait
    BudgetDecision backup = BudgetDecision.plan(BudgetedCall.Mode.BACKUP, 100 * MS, 10 * MS, margin);
    assertEquals(80 * MS, backup.localAt(), "100 - (10 + 2 x 5)");
    assertTrue(backup.inline(80 * MS));
    assertFalse(backup.inline(81 * MS));
    assertEquals(Long.MAX_VALUE, BudgetDecision.releaseMargin(Long.MAX_VALUE, Long.MAX_VALUE), "saturates");
  }

  @Test
  void theHeadroomAboveTheLargestHandOverStopsAtHalfTheBudget() {
    // 250 ms after a 123 ms stall (the loaded VM's campus row): 2 x 123 = 246 would release at 4 ms; the headroom
    // stops at 250 / 2 = 125, so the answer is held to 125 ms
    assertEquals(125 * MS, BudgetDecision.releaseMargin(123 * MS, 250 * MS));
    assertEquals(125 * MS, BudgetDecision.plan(BudgetedCall.Mode.STANDBY, 250 * MS, 10 * MS,
        BudgetDecision.releaseMargin(123 * MS, 250 * MS)).releaseAt(), "250 - 125");
    // 30 ms at 100: 60 is cut to 50; 40 at 100: 80 cut to 50
    assertEquals(50 * MS, BudgetDecision.releaseMargin(30 * MS, 100 * MS));
    assertEquals(50 * MS, BudgetDecision.releaseMargin(40 * MS, 100 * MS));
    // the largest hand-over itself is never cut: 60 at 100 keeps 60 (released at 40), 120 keeps 120 (at once)
    assertEquals(60 * MS, BudgetDecision.releaseMargin(60 * MS, 100 * MS));
    assertEquals(0, BudgetDecision.plan(BudgetedCall.Mode.STANDBY, 100 * MS, 10 * MS,
        BudgetDecision.releaseMargin(120 * MS, 100 * MS)).releaseAt());
    // below half the budget the full headroom: 20 at 100 keeps 40; 5 at 1000 keeps 10
    assertEquals(40 * MS, BudgetDecision.releaseMargin(20 * MS, 100 * MS));
    assertEquals(10 * MS, BudgetDecision.releaseMargin(5 * MS, 1000 * MS));
  }

  @Test
  void standbyDoesNotHoldForARemoteAnswerThatCannotComeByTheRelease() {
    // release at 100 - 6 = 94; the fastest recent round trip 120: held for nothing
    BudgetDecision r = BudgetDecision.plan(BudgetedCall.Mode.STANDBY, 100 * MS, 10 * MS, 6 * MS, 120 * MS);
    assertTrue(r.remoteTooSlow());
    assertEquals(Action.RETURN_LOCAL, r.next(5 * MS, Local.READY, Remote.PENDING));
    assertEquals(0, r.waitNanos(5 * MS, Local.READY));
    // a floor of exactly the release: the remote would come as the answer is released, too late to matter
    assertTrue(BudgetDecision.plan(BudgetedCall.Mode.STANDBY, 100 * MS, 10 * MS, 6 * MS, 94 * MS).remoteTooSlow());
    // 93 < 94: it can still come in time, so the answer is held as before
    BudgetDecision can = BudgetDecision.plan(BudgetedCall.Mode.STANDBY, 100 * MS, 10 * MS, 6 * MS, 93 * MS);
    assertFalse(can.remoteTooSlow());
    assertEquals(Action.WAIT, can.next(5 * MS, Local.READY, Remote.PENDING));
    assertEquals(89 * MS, can.waitNanos(5 * MS, Local.READY));
    // unknown (0): held
    assertFalse(BudgetDecision.plan(BudgetedCall.Mode.STANDBY, 100 * MS, 10 * MS, 6 * MS, 0).remoteTooSlow());
    // a remote answer that did arrive still wins
    assertEquals(Action.RETURN_REMOTE, r.next(5 * MS, Local.READY, Remote.READY));
  }
}
