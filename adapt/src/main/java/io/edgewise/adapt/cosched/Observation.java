package io.edgewise.adapt.cosched;

/**
 * What one request cost, measured by the caller: the time it waited in its group's queue, the time it ran, and for
 * each group the fraction of that run during which the group was busy (its own group: 1).
 *
 * @param model the request's model
 * @param group the group that ran it
 * @param waitMs from arrival to the start of its run
 * @param serviceMs its run
 * @param overlap per group, the fraction of the run (0..1) that group was busy running something
 * @param cold whether the group's run before this one was of another model (or there was none): the model's weights
 *     and buffers were not in that core's caches
 */
public record Observation(int model, int group, double waitMs, double serviceMs, double[] overlap, boolean cold) {
  /** A run after one of the same model. */
  public Observation(int model, int group, double waitMs, double serviceMs, double[] overlap) {
    this(model, group, waitMs, serviceMs, overlap, false);
  }

  public double latencyMs() {
    return waitMs + serviceMs;
  }
}
