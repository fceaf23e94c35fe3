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
 * @param endMs when the run ended, on the caller's clock (the one {@link NodeState#atMs()} reads; NaN: not given):
 *     what a policy measures its own throughput with
 */
public record Observation(int model, int group, double waitMs, double serviceMs, double[] overlap, boolean cold,
    double endMs) {
  /** Without the end time. */
  public Observation(int model, int group, double waitMs, double serviceMs, double[] overlap, boolean cold) {
    this(model, group, waitMs, serviceMs, overlap, cold, Double.NaN);
  }

  /** A run after one of the same model, without the end time. */
  public Observation(int model, int group, double waitMs, double serviceMs, double[] overlap) {
    this(model, group, waitMs, serviceMs, overlap, false, Double.NaN);
  }

  public double latencyMs() {
    return waitMs + serviceMs;
  }
}
