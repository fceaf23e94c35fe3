package io.edgewise.serve.dystri;

import java.util.function.LongSupplier;

/**
 * Tells a node's unanswered load query from a stall of the coordinator's own process (a busy machine, a GC pause):
 * then the probe task itself runs late. Two signs, both on the coordinator's own clock: the tick started more than
 * {@code tolerance} after it was due (the previous tick's end plus the interval), or the query's timeout fired more
 * than {@code tolerance} after it should have (a hung node makes it fire on time). A failure with either sign is ours,
 * not the node's, and does not count towards marking the node down. One per node, used by its probe task only.
 */
final class StallGuard {
  private final long intervalNanos;
  private final long toleranceNanos;
  private final LongSupplier clock;
  private long previousEndNanos;
  private long tickStartNanos;
  private boolean lateTick;

  /**
   * @param intervalNanos the time between the end of one tick and the start of the next
   * @param toleranceNanos lateness beyond which a tick or a timeout shows our own stall
   * @param clock System::nanoTime, or a fake one in tests
   */
  StallGuard(long intervalNanos, long toleranceNanos, LongSupplier clock) {
    this.intervalNanos = intervalNanos;
    this.toleranceNanos = toleranceNanos;
    this.clock = clock;
  }

  /** Call as a tick starts; returns its start time. */
  long tickStart() {
    long now = clock.getAsLong();
    lateTick = previousEndNanos != 0 && now - (previousEndNanos + intervalNanos) > toleranceNanos;
    tickStartNanos = now;
    return now;
  }

  /** Call as a tick ends. */
  void tickEnd() {
    previousEndNanos = clock.getAsLong();
  }

  /**
   * Whether a query that failed now, started at this tick's start with this timeout, failed because of our own
   * stall (the tick was late, or the call took longer than its timeout by more than the tolerance).
   */
  boolean ownStall(long timeoutNanos) {
    return lateTick || clock.getAsLong() - tickStartNanos - timeoutNanos > toleranceNanos;
  }
}
