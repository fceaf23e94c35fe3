package io.edgewise.serve.client;

/**
 * What a budgeted call ({@link BudgetedCall}) does next, from the time since it started and what it holds: a pure
 * function of its inputs, so that the rule is tested without a clock. The times are nanoseconds since the call
 * started.
 *
 * <p>The rule: a valid remote answer that has arrived wins (the server's variants are the accurate ones); a local
 * answer in hand is handed over at once unless the mode is {@link BudgetedCall.Mode#STANDBY}, which holds it for the
 * remote one until {@link #releaseAt} (the budget less the margin for the hand-over, so that the hand-over still lands
 * within the budget) or until the remote fails, and only while the remote answer can still come by then: when even the
 * fastest of the remote side's recent round trips ({@code remoteFloor}) would arrive after the release, holding gains
 * nothing and only leaves the answer exposed to a stall of the machine, so it is handed over at once; the local
 * variant runs (on the calling thread) once {@link #localAt} has come or the remote has failed. Nothing is waited
 * for past the point where it would make the answer late: a held local answer is released at {@code releaseAt},
 * never later.
 *
 * <p>The margin ({@link #releaseMargin}): every step is planned that much before the budget ends, where the margin is
 * {@value #HEADROOM} times the largest hand-over time measured, not that largest one alone. With the largest alone, the
 * answer whose hand-over sets a new maximum is late by construction (on the quiet host, the three late answers of
 * 2,400 each had a hand-over 1.3-1.6x the margin it was planned with: docs/benchmarks.md); the headroom covers such a
 * record up to {@value #HEADROOM}x the earlier ones. Its cost: a held answer gives the remote side that much less time,
 * so the headroom (the part above the largest hand-over) never moves the release before half the budget: after one
 * stall of 123 ms on the loaded VM, a margin of twice it released held 250 ms answers at 4 ms, and 80% of that row's
 * answers were the local variant's, less accurate than the server's that would have come in time
 * (docs/benchmarks.md).
 *
 * @param localAt when the local variant starts: 0 for PARALLEL and STANDBY; for BACKUP the budget less the local
 *     variant's measured p99 and the margin (at once when that is negative)
 * @param releaseAt when a held local answer is handed over in STANDBY: the budget less the margin
 * @param lastInline the latest start at which a local run, taking its p99, is handed over within the budget: a run
 *     started later cannot be on time, so it runs beside the wait for the remote answer instead of blocking it
 * @param remoteFloor the fastest recent remote round trip (0 when too few are measured): a remote answer is not
 *     expected before it
 */
record BudgetDecision(long localAt, long releaseAt, long lastInline, long remoteFloor, BudgetedCall.Mode mode) {
  /** The next step. */
  enum Action { RETURN_REMOTE, RETURN_LOCAL, RUN_LOCAL, WAIT, FAIL }

  /** Where the local side is: RUNNING only for a run beside the wait ({@link #inline} false). */
  enum Local { NOT_RUN, RUNNING, READY, FAILED }

  /** Where the remote side is. */
  enum Remote { PENDING, READY, FAILED }

  /** The release margin in multiples of the largest measured hand-over time. */
  static final int HEADROOM = 2;

  /**
   * The margin planned for the hand-over in a call of {@code budget} (ns): {@value #HEADROOM} times
   * {@code maxHandover}, the largest hand-over time of the last calls (ns), but the headroom above it at most up to
   * half the budget; never less than {@code maxHandover} itself.
   */
  static long releaseMargin(long maxHandover, long budget) {
    long h = Math.max(0, maxHandover);
    long doubled = h > Long.MAX_VALUE / HEADROOM ? Long.MAX_VALUE : h * HEADROOM;
    return Math.min(doubled, Math.max(h, Math.max(0, budget) / 2));
  }

  /** As below, with no remote round trip measured. */
  static BudgetDecision plan(BudgetedCall.Mode mode, long budget, long localP99, long margin) {
    return plan(mode, budget, localP99, margin, 0);
  }

  /**
   * The schedule for one call: {@code budget} is the whole budget, {@code localP99} the local variant's measured
   * p99, {@code margin} the time kept for the hand-over, from an answer's due moment to the caller having it
   * ({@link #releaseMargin} of the measured ones), and {@code remoteFloor} the fastest recent remote round trip, 0 when
   * unknown (all ns).
   */
  static BudgetDecision plan(BudgetedCall.Mode mode, long budget, long localP99, long margin, long remoteFloor) {
    long release = Math.max(0, budget - margin);
    long lastInline = budget - satAdd(localP99, margin);
    long floor = Math.max(0, remoteFloor);
    return switch (mode) {
      case PARALLEL -> new BudgetDecision(0, 0, lastInline, floor, mode);
      case STANDBY -> new BudgetDecision(0, release, lastInline, floor, mode);
      case BACKUP -> new BudgetDecision(Math.max(0, lastInline), 0, lastInline, floor, mode);
    };
  }

  /**
   * Whether a held local answer is handed over before the release because the remote answer cannot come by then:
   * the fastest recent round trip already ends at or after the release.
   */
  boolean remoteTooSlow() {
    return remoteFloor > 0 && remoteFloor >= releaseAt;
  }

  /**
   * Whether a local run starting at {@code now} runs on the calling thread: when its p99 and the hand-over still fit
   * the budget. Otherwise its answer would be late anyway, and running it inline would hold back a remote answer that
   * could still come in time; it runs on a worker and the first answer wins.
   */
  boolean inline(long now) {
    return now <= lastInline;
  }

  private static long satAdd(long a, long b) {
    long s = a + b;
    return ((a ^ s) & (b ^ s)) < 0 ? Long.MAX_VALUE : s;
  }

  /** The next step at {@code now}. */
  Action next(long now, Local local, Remote remote) {
    if (remote == Remote.READY) {
      return Action.RETURN_REMOTE;
    }
    if (local == Local.READY) {
      boolean hold = mode == BudgetedCall.Mode.STANDBY && now < releaseAt && remote == Remote.PENDING
          && !remoteTooSlow();
      return hold ? Action.WAIT : Action.RETURN_LOCAL;
    }
    if (local == Local.NOT_RUN) {
      return now >= localAt || remote == Remote.FAILED ? Action.RUN_LOCAL : Action.WAIT;
    }
    if (local == Local.RUNNING) {
      return Action.WAIT;  // beside the remote call: whichever answers first
    }
    return remote == Remote.FAILED ? Action.FAIL : Action.WAIT;  // the local failed: the remote is all that is left
  }

  /**
   * How long a WAIT at {@code now} may last before the next step is due (ns): until the local start or the release
   * of a held answer; {@link Long#MAX_VALUE} when only an answer can end it (the local side runs beside or failed).
   */
  long waitNanos(long now, Local local) {
    return switch (local) {
      case NOT_RUN -> Math.max(0, localAt - now);
      case READY -> remoteTooSlow() ? 0 : Math.max(0, releaseAt - now);
      case RUNNING, FAILED -> Long.MAX_VALUE;
    };
  }
}
