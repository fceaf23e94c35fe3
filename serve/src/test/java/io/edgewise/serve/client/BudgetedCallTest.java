package io.edgewise.serve.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Which answer wins and what is cancelled. The calls are fakes whose order latches decide, never the clock: a remote
 * call that blocks until interrupted stands for a slow server; budgets are an hour where the timer must not matter.
 */
class BudgetedCallTest {
  private static final Duration HOUR = Duration.ofHours(1);

  /** Blocks until interrupted (then records it), like a slow server whose request is cancelled. */
  private static String blockUntilInterrupted(AtomicBoolean interrupted) {
    try {
      new CountDownLatch(1).await();
    } catch (InterruptedException e) {
      interrupted.set(true);
    }
    return "late";
  }

  @Test
  void inParallelTheFirstAnswerWinsAndTheOtherIsCancelled() throws InterruptedException {
    AtomicBoolean interrupted = new AtomicBoolean();
    CountDownLatch remoteStarted = new CountDownLatch(1);
    try (BudgetedCall call = new BudgetedCall(BudgetedCall.Mode.PARALLEL)) {
      BudgetedCall.Result<String> r = call.call(HOUR, () -> {
        remoteStarted.countDown();
        return blockUntilInterrupted(interrupted);
      }, () -> {
        try {
          remoteStarted.await();  // the remote is running when the local answers
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return "local";
      }, 5);
      assertEquals("local", r.value());
      assertTrue(r.local());
      // waits for the cancelled thread to see its interrupt; asserts no time. Bounded by a deadline rather than 100
      // naps of 10 ms (about a second), which a loaded machine can spend before that thread is scheduled at all
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!interrupted.get() && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertTrue(interrupted.get(), "the remote call was cancelled");
      assertTrue(Double.isNaN(call.estimatedRemoteMs()), "a cancelled call is no round trip");
    }
  }

  @Test
  void asABackupTheLocalCallNeverStartsWhenTheRemoteAnswersInTime() {
    AtomicInteger localRuns = new AtomicInteger();
    try (BudgetedCall call = new BudgetedCall(BudgetedCall.Mode.BACKUP)) {
      for (int i = 0; i < 3; i++) {
        BudgetedCall.Result<String> r = call.call(HOUR, () -> "remote", () -> {
          localRuns.incrementAndGet();
          return "local";
        }, 5);
        assertEquals("remote", r.value());
        assertFalse(r.local());
      }
      assertEquals(0, localRuns.get());
      assertTrue(call.estimatedRemoteMs() >= 0, "round trips measured: " + call.estimatedRemoteMs());
    }
  }

  @Test
  void asABackupTheLocalCallStartsWhenTheRemainingBudgetFallsBelowItsTime() {
    // the local variant needs more than the whole budget: it starts at once, and answers while the remote hangs
    AtomicBoolean interrupted = new AtomicBoolean();
    try (BudgetedCall call = new BudgetedCall(BudgetedCall.Mode.BACKUP)) {
      BudgetedCall.Result<String> r = call.call(Duration.ofMillis(10), () -> blockUntilInterrupted(interrupted),
          () -> "local", TimeUnit.HOURS.toMillis(1));
      assertEquals("local", r.value());
      assertTrue(r.local());
    }
  }

  @Test
  void aFailedRemoteCallStartsTheFallbackAtOnceAndBothFailingThrowsTheRemoteError() {
    try (BudgetedCall call = new BudgetedCall(BudgetedCall.Mode.BACKUP)) {
      BudgetedCall.Result<String> r = call.call(HOUR, () -> {
        throw EdgewiseException.invalidArgument("server said no");
      }, () -> "local", 5);
      assertEquals("local", r.value());
      EdgewiseException remote = EdgewiseException.invalidArgument("server said no");
      EdgewiseException e = assertThrows(EdgewiseException.class, () -> call.<String>call(HOUR, () -> {
        throw remote;
      }, () -> {
        throw EdgewiseException.invalidArgument("device said no");
      }, 5));
      assertSame(remote, e);
      assertThrows(EdgewiseException.class, () -> call.call(Duration.ofMillis(-1), () -> "a", () -> "b", 1));
    }
  }

  @Test
  void theLosersLateAnswerIsDiscardedNotLeaked() throws InterruptedException {
    CountDownLatch remoteMayAnswer = new CountDownLatch(1);
    CountDownLatch discarded = new CountDownLatch(1);
    CountDownLatch remoteStarted = new CountDownLatch(1);
    java.util.List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (BudgetedCall call = new BudgetedCall(BudgetedCall.Mode.PARALLEL)) {
      BudgetedCall.Result<String> r = call.call(HOUR, () -> {
        remoteStarted.countDown();
        // an uninterruptible remote (it ignores the cancel) that answers after the local won
        while (true) {
          try {
            remoteMayAnswer.await();
            return "remote";
          } catch (InterruptedException e) {
            // keep waiting: the answer still arrives, as a run that cannot be stopped would
          }
        }
      }, () -> {
        try {
          remoteStarted.await();  // a remote cancelled before it starts never runs: make it run
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return "local";
      }, 5, v -> {
        seen.add(v);
        discarded.countDown();
      });
      assertEquals("local", r.value());
      assertTrue(seen.isEmpty(), "the winner is never discarded");
      remoteMayAnswer.countDown();
      assertTrue(discarded.await(60, TimeUnit.SECONDS), "the late answer reached discard");
      assertEquals(java.util.List.of("remote"), seen);
    }
  }

  @Test
  void onStandbyTheRemoteAnswerWithinTheBudgetBeatsAnEarlierLocalOne() {
    CountDownLatch localDone = new CountDownLatch(1);
    java.util.List<String> discarded = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (BudgetedCall call = new BudgetedCall(BudgetedCall.Mode.STANDBY)) {
      BudgetedCall.Result<String> r = call.call(HOUR, () -> {
        try {
          localDone.await();  // the local answer is in before the remote one
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return "remote";
      }, () -> {
        localDone.countDown();
        return "local";
      }, 5, discarded::add);
      assertEquals("remote", r.value());
      assertFalse(r.local());
      assertEquals(java.util.List.of("local"), discarded, "the held local answer was the loser");
    }
  }

  @Test
  void onStandbyTheLocalAnswerIsUsedOnceTheBudgetEnds() {
    AtomicBoolean interrupted = new AtomicBoolean();
    try (BudgetedCall call = new BudgetedCall(BudgetedCall.Mode.STANDBY)) {
      // a budget of zero has ended before any answer: the local one is taken as soon as it is ready
      BudgetedCall.Result<String> r = call.call(Duration.ZERO, () -> blockUntilInterrupted(interrupted),
          () -> "local", 5);
      assertEquals("local", r.value());
      assertTrue(r.local());
    }
  }

  @Test
  void aFallbackThatCannotBeOnTimeNeverHoldsBackTheRemoteAnswer() {
    // the local variant needs an hour against a minute's budget: it runs beside the wait (it would block until
    // interrupted), and the remote answer is taken as soon as it comes, the local run then cancelled
    AtomicBoolean interrupted = new AtomicBoolean();
    CountDownLatch localStarted = new CountDownLatch(1);
    try (BudgetedCall call = new BudgetedCall(BudgetedCall.Mode.STANDBY)) {
      BudgetedCall.Result<String> r = call.call(Duration.ofMinutes(1), () -> {
        try {
          localStarted.await();  // the local run is under way when the remote answers
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return "remote";
      }, () -> {
        localStarted.countDown();
        return blockUntilInterrupted(interrupted);
      }, TimeUnit.HOURS.toMillis(1));
      assertEquals("remote", r.value());
      assertFalse(r.local());
    }
  }
}
