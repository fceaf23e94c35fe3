package io.edgewise.zoo.index;

/** A variant on one target, as a query weighs it. */
public record Candidate(String variant, String target, double accuracy, String metric, double metricValue,
    double medianMs, double p90Ms, long bytes, String kind) {

  /** At least as good in accuracy, latency and size, and better in one. */
  boolean dominates(Candidate o) {
    boolean noWorse = accuracy >= o.accuracy && medianMs <= o.medianMs && bytes <= o.bytes;
    boolean better = accuracy > o.accuracy || medianMs < o.medianMs || bytes < o.bytes;
    return noWorse && better;
  }
}
