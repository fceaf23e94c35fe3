package io.edgewise.adapt.cosched;

import io.edgewise.EdgewiseException;

/**
 * What a policy sees of the node when a request arrives: per device group, how many requests of each model wait in
 * its queue or run on it, which model it is running (if any) and for how long, and when the decision is made on the
 * caller's clock (a policy keeps no clock of its own; the learned one estimates the arrival rate from it). A snapshot:
 * the caller builds a new one per decision.
 */
public final class NodeState {
  private final int[][] queued;
  private final int[] running;
  private final double[] runningMs;
  private final double atMs;
  private final int[] last;

  /** A state without a decision time ({@link #atMs()} NaN) or the groups' last models. */
  public NodeState(int[][] queued, int[] running, double[] runningMs) {
    this(queued, running, runningMs, Double.NaN, null);
  }

  /**
   * @param queued per group and model, the requests waiting or running there (the running one included)
   * @param running per group, the model of the request it is running, or -1 when idle
   * @param runningMs per group, how long its current request has been running (ms; 0 when idle)
   * @param atMs when the decision is made, in ms on the caller's monotonic clock (NaN: unknown)
   * @param last per group, the model a request placed there now would run after (the last one queued there, or the
   *     last one it ran), -1 for none; null: unknown
   */
  public NodeState(int[][] queued, int[] running, double[] runningMs, double atMs, int[] last) {
    if (queued.length == 0 || running.length != queued.length || runningMs.length != queued.length) {
      throw EdgewiseException.invalidArgument("NodeState: " + queued.length + " groups of queues, " + running.length
          + " running models, " + runningMs.length + " running times");
    }
    for (int g = 0; g < queued.length; g++) {
      if (queued[g].length != queued[0].length) {
        throw EdgewiseException.invalidArgument("NodeState: group " + g + " counts " + queued[g].length
            + " models, group 0 " + queued[0].length);
      }
      if (running[g] >= 0 && (running[g] >= queued[g].length || queued[g][running[g]] < 1)) {
        throw EdgewiseException.invalidArgument("NodeState: group " + g + " runs model " + running[g]
            + " but does not count it in its queue");
      }
    }
    this.queued = queued;
    this.running = running;
    this.runningMs = runningMs;
    this.atMs = atMs;
    if (last != null && last.length != queued.length) {
      throw EdgewiseException.invalidArgument("NodeState: " + last.length + " last models for " + queued.length
          + " groups");
    }
    this.last = last;
  }

  /** An idle node. */
  public static NodeState idle(int groups, int models) {
    int[] running = new int[groups];
    java.util.Arrays.fill(running, -1);
    return new NodeState(new int[groups][models], running, new double[groups]);
  }

  public int groups() {
    return queued.length;
  }

  public int models() {
    return queued[0].length;
  }

  /** Requests of {@code model} waiting or running on {@code group}. */
  public int queued(int group, int model) {
    return queued[group][model];
  }

  /** Every request waiting or running on {@code group}. */
  public int queued(int group) {
    int n = 0;
    for (int c : queued[group]) {
      n += c;
    }
    return n;
  }

  public boolean busy(int group) {
    return running[group] >= 0;
  }

  /** The model running on {@code group}, or -1. */
  public int running(int group) {
    return running[group];
  }

  /** When the decision is made (ms on the caller's monotonic clock), NaN where the caller did not say. */
  public double atMs() {
    return atMs;
  }

  /**
   * The model a request placed on {@code group} now would run after (-1: none, or unknown): where it is another
   * model, the new run starts with cold caches.
   */
  public int last(int group) {
    return last == null ? -1 : last[group];
  }

  /** How long the request running on {@code group} has been running (ms). */
  public double runningMs(int group) {
    return runningMs[group];
  }
}
