package io.edgewise.serve.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * {@link BudgetedCall} on a fake clock: the local runner advances it by its run time, and every timed wait that no
 * answer ends advances it by the wait plus a scheduler's lateness the test sets (the wake-up that made answers late
 * on the loaded VM). The remote call never answers (it blocks until cancelled), so every result is decided by the
 * fake times alone, computed by hand.
 */
class BudgetedCallClockTest {
  private static final long MS = 1_000_000;

  /** Fake time: waits advance it by their length plus {@link #late}. */
  private static final class FakeClock implements BudgetedCall.Clock {
    final AtomicLong now = new AtomicLong(1_000 * MS);
    volatile long late;
    final List<Long> waits = new ArrayList<>();

    @Override
    public long nanoTime() {
      return now.get();
    }

    @Override
    public <E> E poll(LinkedBlockingQueue<E> queue, long nanos) throws InterruptedException {
      E e = queue.poll();
      if (e != null) {
        return e;
      }
      if (nanos == Long.MAX_VALUE) {
        return queue.take();
      }
      waits.add(nanos);
      now.addAndGet(nanos + late);
      return null;
    }
  }

  private static String neverAnswers() {
    try {
      new CountDownLatch(1).await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return null;
  }

  private static String runFor(FakeClock c, long nanos) {
    c.now.addAndGet(nanos);
    return "local";
  }

  @Test
  void standbyReleasesTheHeldAnswerEarlierByTwiceTheMeasuredHandOver() {
    FakeClock c = new FakeClock();
    c.late = 6 * MS;  // every timed wait wakes 6 ms late
    try (BudgetedCall call = new BudgetedCall(BudgetedCall.Mode.STANDBY, c)) {
      // nothing measured yet: released at 100 ms, woken at 106: late, and that hand-over is measured
      BudgetedCall.Result<String> first = call.call(Duration.ofMillis(100), BudgetedCallClockTest::neverAnswers,
          () -> runFor(c, 4 * MS), 10);
      assertEquals("local", first.value());
      assertTrue(first.local());
      assertEquals(106.0, first.elapsedMs(), 1e-9);
      assertEquals(6.0, first.handoverMs(), 1e-9);
      assertEquals(0.0, first.marginMs(), 1e-9);
      assertEquals(6.0, call.handoverMs(), 1e-9);
      assertEquals(12.0, call.marginMs(100), 1e-9, "2 x 6");
      // now released at 100 - 12 = 88 ms (waited 84 after the 4 ms run), woken at 94: on time
      BudgetedCall.Result<String> second = call.call(Duration.ofMillis(100), BudgetedCallClockTest::neverAnswers,
          () -> runFor(c, 4 * MS), 10);
      assertEquals(94.0, second.elapsedMs(), 1e-9);
      assertEquals(12.0, second.marginMs(), 1e-9);
      // a wake-up later than every one before (11 ms against 6): released at 88, woken at 99, still on time; with the
      // largest hand-over alone as the margin it would have been released at 94 and handed over at 105, late
      c.late = 11 * MS;
      BudgetedCall.Result<String> record = call.call(Duration.ofMillis(100), BudgetedCallClockTest::neverAnswers,
          () -> runFor(c, 4 * MS), 10);
      assertEquals(99.0, record.elapsedMs(), 1e-9);
      assertEquals(11.0, record.handoverMs(), 1e-9);
      assertEquals(22.0, call.marginMs(100), 1e-9, "2 x 11: the new largest");
      assertEquals(List.of(96 * MS, 84 * MS, 84 * MS), c.waits);
    }
  }

  @Test
  void backupStartsEarlierByTheMeasuredHandOverAndNeverWaitsPastTheBudget() {
    FakeClock c = new FakeClock();
    c.late = 6 * MS;
    try (BudgetedCall call = new BudgetedCall(BudgetedCall.Mode.BACKUP, c)) {
      // start due at 100 - 10 = 90, woken at 96, 10 ms run: 106, and the 6 ms late start is the hand-over
      BudgetedCall.Result<String> first = call.call(Duration.ofMillis(100), BudgetedCallClockTest::neverAnswers,
          () -> runFor(c, 10 * MS), 10);
      assertEquals(106.0, first.elapsedMs(), 1e-9);
      assertEquals(6.0, call.handoverMs(), 1e-9);
      // start due at 100 - (10 + 2 x 6) = 78, woken at 84, run to 94: on time; the local answer is returned at once
      BudgetedCall.Result<String> second = call.call(Duration.ofMillis(100), BudgetedCallClockTest::neverAnswers,
          () -> runFor(c, 10 * MS), 10);
      assertTrue(second.local());
      assertEquals(94.0, second.elapsedMs(), 1e-9);
      assertEquals(List.of(90 * MS, 78 * MS), c.waits);
    }
  }

  @Test
  void aLocalAnswerReadyAfterTheReleaseIsHandedOverWithoutAnyWait() {
    FakeClock c = new FakeClock();
    c.late = 50 * MS;  // any wait would show
    try (BudgetedCall call = new BudgetedCall(BudgetedCall.Mode.STANDBY, c)) {
      BudgetedCall.Result<String> r = call.call(Duration.ofMillis(100), BudgetedCallClockTest::neverAnswers,
          () -> runFor(c, 130 * MS), 10);
      assertEquals("local", r.value());
      assertEquals(130.0, r.elapsedMs(), 1e-9, "the run's own time, nothing waited for");
      assertTrue(c.waits.isEmpty(), c.waits.toString());
      assertEquals(0.0, r.handoverMs(), 1e-9);
    }
  }

  /** A remote answer that takes {@code nanos} of fake time (on the worker; the local side does not move the clock). */
  private static String remoteAfter(FakeClock c, long nanos) {
    c.now.addAndGet(nanos);
    return "remote";
  }

  private static String noLocal() {
    throw new IllegalStateException("no local answer");
  }

  /** {@link BudgetedCall#REMOTE_FLOOR_MIN} calls whose remote answers take {@code nanos}: the floor is measured. */
  private static void measureRemote(BudgetedCall call, FakeClock c, long nanos) {
    for (int i = 0; i < BudgetedCall.REMOTE_FLOOR_MIN; i++) {
      BudgetedCall.Result<String> r = call.call(Duration.ofMillis(100), () -> remoteAfter(c, nanos),
          BudgetedCallClockTest::noLocal, 10);
      assertEquals("remote", r.value());
    }
  }

  @Test
  void standbyHandsOverAtOnceWhenEvenTheFastestRemoteRoundTripEndsAfterTheRelease() {
    FakeClock c = new FakeClock();
    try (BudgetedCall call = new BudgetedCall(BudgetedCall.Mode.STANDBY, c)) {
      measureRemote(call, c, 150 * MS);
      assertEquals(150.0, call.remoteFloorMs(), 1e-9);
      c.late = 50 * MS;  // a stall: any wait would show
      // release at 100 ms, but no remote answer has come in under 150: the 4 ms answer goes at once, nothing held
      BudgetedCall.Result<String> r = call.call(Duration.ofMillis(100), BudgetedCallClockTest::neverAnswers,
          () -> runFor(c, 4 * MS), 10);
      assertEquals("local", r.value());
      assertEquals(4.0, r.elapsedMs(), 1e-9);
      assertTrue(c.waits.isEmpty(), c.waits.toString());
    }
  }

  @Test
  void standbyStillHoldsWhileTheRemoteCanComeOrIsNotMeasuredEnough() {
    FakeClock c = new FakeClock();
    try (BudgetedCall call = new BudgetedCall(BudgetedCall.Mode.STANDBY, c)) {
      // remote answers in 60 ms: they can beat the 100 ms release, so the local answer is held until then
      measureRemote(call, c, 60 * MS);
      assertEquals(60.0, call.remoteFloorMs(), 1e-9);
      BudgetedCall.Result<String> held = call.call(Duration.ofMillis(100), BudgetedCallClockTest::neverAnswers,
          () -> runFor(c, 4 * MS), 10);
      assertEquals(100.0, held.elapsedMs(), 1e-9);
      assertEquals(List.of(96 * MS), c.waits);
    }
    FakeClock c2 = new FakeClock();
    try (BudgetedCall call = new BudgetedCall(BudgetedCall.Mode.STANDBY, c2)) {
      // one slow round trip short of the minimum count: not trusted yet, the answer is held
      for (int i = 0; i < BudgetedCall.REMOTE_FLOOR_MIN - 1; i++) {
        call.call(Duration.ofMillis(100), () -> remoteAfter(c2, 150 * MS), BudgetedCallClockTest::noLocal, 10);
      }
      assertEquals(0.0, call.remoteFloorMs(), 1e-9);
      BudgetedCall.Result<String> held = call.call(Duration.ofMillis(100), BudgetedCallClockTest::neverAnswers,
          () -> runFor(c2, 4 * MS), 10);
      assertEquals(100.0, held.elapsedMs(), 1e-9);
    }
  }
}
