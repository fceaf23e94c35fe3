package io.edgewise.reuse;

import java.util.List;

/**
 * The homogenized kNN reuse decision (H-kNN, FoggyCache, Guo et al., MobiCom 2018): plain kNN takes
 * the majority label of the k nearest even when they disagree; H-kNN reuses only when the neighbours within the
 * radius are homogeneous, i.e. one label holds at least a share {@code minHomogeneity} of their votes. Votes are
 * weighted by inverse distance, so an exact repeat outweighs far neighbours. Non-classification results have no
 * labels to agree on and are reused only from a neighbour within a tight relative distance of the query.
 */
public final class HknnRule {
  private HknnRule() {}

  /** The two knobs calibrated from the accuracy target. radius 0 disables reuse. */
  public record Thresholds(double radius, double minHomogeneity) {
    public static final Thresholds NEVER = new Thresholds(0, 1.01);
  }

  /**
   * The outcome: whether to reuse, the winning label, its vote share, how many neighbours voted, and the entry
   * to reuse (the nearest with the winning label), -1 if none.
   */
  public record Decision(boolean reuse, int label, double homogeneity, int voters, double nearestDistance,
      long entryId, String origin) {
    static final Decision NONE = new Decision(false, -1, 0, 0, Double.POSITIVE_INFINITY, -1, null);
  }

  /** Classification: the weighted vote of the neighbours within the radius. */
  public static Decision classify(List<Neighbour> nearest, Thresholds th) {
    double[] distances = new double[nearest.size()];
    int[] labels = new int[nearest.size()];
    for (int i = 0; i < distances.length; i++) {
      distances[i] = nearest.get(i).distance();
      labels[i] = nearest.get(i).label();
    }
    Vote v = vote(distances, labels, th.radius());
    if (v == null) {
      return nearest.isEmpty() ? Decision.NONE : new Decision(false, -1, 0, 0, distances[0], -1, null);
    }
    Neighbour chosen = nearest.get(v.firstIndex);
    return new Decision(v.share >= th.minHomogeneity(), v.label, v.share, v.voters, distances[0], chosen.id(),
        chosen.origin());
  }

  /** Non-classification: reuse the nearest only within {@code tightRelative * |query|}. */
  public static Decision nearestWithin(List<Neighbour> nearest, double queryNorm, double tightRelative) {
    if (nearest.isEmpty()) {
      return Decision.NONE;
    }
    Neighbour n = nearest.get(0);
    boolean reuse = n.distance() <= tightRelative * queryNorm;
    return new Decision(reuse, -1, reuse ? 1 : 0, reuse ? 1 : 0, n.distance(), reuse ? n.id() : -1, n.origin());
  }

  /** The weighted vote; null when no neighbour lies within the radius. Shared with the calibrator. */
  static Vote vote(double[] distances, int[] labels, double radius) {
    // at most k distinct labels: parallel arrays, no map (the calibrator runs this ~50k times per recalibration)
    int[] seenLabels = new int[distances.length];
    double[] weights = new double[distances.length];
    int distinct = 0;
    double total = 0;
    int voters = 0;
    // the floor keeps an exact repeat (distance 0) from taking infinite weight
    double floor = Math.max(radius * 0.05, 1e-12);
    for (int i = 0; i < distances.length && distances[i] <= radius; i++) {
      double w = 1 / Math.max(distances[i], floor);
      int slot = 0;
      while (slot < distinct && seenLabels[slot] != labels[i]) {
        slot++;
      }
      if (slot == distinct) {
        seenLabels[distinct++] = labels[i];
      }
      weights[slot] += w;
      total += w;
      voters++;
    }
    if (voters == 0) {
      return null;
    }
    int best = 0;
    for (int slot = 1; slot < distinct; slot++) {
      if (weights[slot] > weights[best]) {
        best = slot;
      }
    }
    int first = 0;
    while (labels[first] != seenLabels[best]) {
      first++;
    }
    return new Vote(seenLabels[best], weights[best] / total, voters, first);
  }

  record Vote(int label, double share, int voters, int firstIndex) {}
}
