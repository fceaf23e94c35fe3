package io.edgewise.serve.dystri;

import java.util.ArrayDeque;

/**
 * The work recently sent to one node (by the coordinator) or admitted by it (by its controller), with each request's
 * budget: how much of a worker's time work with a shorter budget than a given one has been taking. An EDF node serves
 * such work, arriving while a request waits, before that request, so its wait is stretched by this share
 * ({@link FinishPlan#stretchedWaitMs}): a 200 ms request queued behind 20 ms of work at a node that receives a 50 ms
 * request every 10 ms, each 5 ms of work, waits 20 / (1 - 0.5) = 40 ms, not 20. Counting only the work already
 * queued, the planners let such requests step up to levels that then expired in the queue. Thread-safe.
 */
final class TighterLoad {
  private final long windowNanos;
  private final ArrayDeque<double[]> recent = new ArrayDeque<>();  // {atNanos, budgetMs, workMs}, oldest first

  /** @param windowNanos how far back work counts (the share is its work over this window) */
  TighterLoad(long windowNanos) {
    if (windowNanos <= 0) {
      throw io.edgewise.EdgewiseException.invalidArgument("TighterLoad: window must be positive, got " + windowNanos);
    }
    this.windowNanos = windowNanos;
  }

  /** The planners' setting: the last half second (about 100 requests a node at the bench's rates). */
  static TighterLoad forPlanning() {
    return new TighterLoad(500_000_000L);
  }

  /** Work of {@code workMs} with a budget of {@code budgetMs} was sent or admitted at {@code nowNanos}. */
  synchronized void add(long nowNanos, double budgetMs, double workMs) {
    recent.addLast(new double[] {nowNanos, budgetMs, workMs});
    expire(nowNanos);
  }

  /**
   * The share of a worker's time that the work of the last window with a budget below {@code budgetMs} took: its
   * work over the window and the workers (may exceed 1: more such work than the node can serve).
   */
  synchronized double shareBelow(long nowNanos, double budgetMs, int workers) {
    expire(nowNanos);
    double work = 0;
    for (double[] r : recent) {
      if (r[1] < budgetMs) {
        work += r[2];
      }
    }
    return work / (windowNanos / 1e6) / Math.max(1, workers);
  }

  private void expire(long nowNanos) {
    while (!recent.isEmpty() && nowNanos - (long) recent.peekFirst()[0] > windowNanos) {
      recent.removeFirst();
    }
  }
}
