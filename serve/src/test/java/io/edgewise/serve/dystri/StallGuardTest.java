package io.edgewise.serve.dystri;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Our stall or the node's, on a fake clock: interval 50 ms, timeout 500 ms, tolerance 250 ms. */
class StallGuardTest {
  static final long MS = 1_000_000;
  final AtomicLong now = new AtomicLong(1_000 * MS);
  final StallGuard guard = new StallGuard(50 * MS, 250 * MS, now::get);

  /** One tick: starts after `gapMs` since the previous end, its query fails after `tookMs`; is the failure ours? */
  boolean tick(long gapMs, long tookMs) {
    now.addAndGet(gapMs * MS);
    guard.tickStart();
    now.addAndGet(tookMs * MS);
    boolean ours = guard.ownStall(500 * MS);
    guard.tickEnd();
    return ours;
  }

  @Test
  void aTimeoutOnTimeAfterATickOnTimeIsTheNodes() {
    assertFalse(tick(0, 500));   // the first tick: nothing to be late against
    assertFalse(tick(50, 500));  // due 50 ms after the last end, timed out after 500 ms: the node did not answer
    assertFalse(tick(300, 740)); // 250 ms late is within the tolerance, and so is a timeout 240 ms late
  }

  @Test
  void aLateTickIsOurStall() {
    tick(0, 10);
    assertTrue(tick(50 + 251, 500));  // started 251 ms after it was due
    assertFalse(tick(50, 500));       // the next one on time counts again
  }

  @Test
  void aTimeoutThatFiredLateIsOurStall() {
    tick(0, 10);
    assertTrue(tick(50, 500 + 251));  // the 500 ms timer fired 751 ms after the call: we were not running
  }
}
