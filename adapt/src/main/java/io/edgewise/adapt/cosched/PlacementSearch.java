package io.edgewise.adapt.cosched;

import io.edgewise.EdgewiseException;
import java.util.Arrays;

/**
 * Finds a good model-to-group placement (a home group per model) without enumerating all groups^models of them:
 * each placement is scored by a queueing estimate from per-model, per-group service times and a contention model
 * ({@link ServiceModel}), and a local search (single moves and pairwise swaps, from the given start and from a greedy
 * construction) climbs until no neighbour is better. Evaluations per step: models x groups moves plus models^2 / 2
 * swaps; steps at most {@code maxSteps}.
 *
 * <p><b>Score of a placement</b> under arrival rates lambda_m (per ms): group g serves the models placed on it, one
 * run at a time; a run of m is cold with probability 1 - lambda_m / Lambda_g (the run before it on g was of another
 * model), and its service time depends on how busy the other groups are (their utilisations, capped at 1), so the
 * utilisations U_g = sum lambda_m s_m are found by a few fixed-point rounds. Predicted throughput: sum over groups of
 * Lambda_g / max(1, U_g) (an overloaded group finishes 1 / (mean service) per ms); predicted latency: the
 * rate-weighted mean over groups of S_g / (1 - U_g) (M/M/1, S_g the mean service, U capped below 1). A placement is
 * better when its throughput is higher by more than the tolerance, or within it and its latency lower by more than
 * it: under overload throughput decides, otherwise latency.
 */
public final class PlacementSearch {
  /** What a placement is scored with: a model's predicted service time on a group. */
  public interface ServiceModel {
    /**
     * @param occupancy per group, the fraction of the time it is busy (the run's own group is ignored)
     * @param cold whether the run follows one of another model on its group
     * @return predicted service time (ms); infinite where the group cannot run the model
     */
    double ms(int model, int group, double[] occupancy, boolean cold);
  }

  /** A placement's predicted figures: requests per ms, mean latency (ms), per group its utilisation. */
  public record Score(double throughputPerMs, double latencyMs, double[] utilisation) {}

  /** The best placement found, its score and how many placements were scored on the way. */
  public record Result(int[] placement, Score score, int evaluated) {}

  private static final int FIXED_POINT_ROUNDS = 4;

  private final ServiceModel service;
  private final int models;
  private final int groups;
  private final double tolerance;
  private final int maxSteps;
  private int evaluated;

  /**
   * @param tolerance relative difference below which two throughputs (or latencies) count as equal (e.g. 0.02)
   * @param maxSteps the most improving steps the local search takes from one start
   */
  public PlacementSearch(ServiceModel service, int models, int groups, double tolerance, int maxSteps) {
    if (models < 1 || groups < 1 || !(tolerance >= 0) || maxSteps < 1) {
      throw EdgewiseException.invalidArgument("PlacementSearch: models " + models + ", groups " + groups
          + ", tolerance " + tolerance + ", maxSteps " + maxSteps + " (need 1+, 1+, >= 0, 1+)");
    }
    this.service = service;
    this.models = models;
    this.groups = groups;
    this.tolerance = tolerance;
    this.maxSteps = maxSteps;
  }

  /** The predicted figures of {@code placement} (a group per model; -1: left out) at {@code ratePerMs}. */
  public Score score(int[] placement, double[] ratePerMs) {
    evaluated++;
    double[] lambda = new double[groups];
    for (int m = 0; m < models; m++) {
      if (placement[m] >= 0) {
        lambda[placement[m]] += ratePerMs[m];
      }
    }
    double[] occ = new double[groups];
    double[] u = new double[groups];
    for (int round = 0; round < FIXED_POINT_ROUNDS; round++) {
      Arrays.fill(u, 0);
      for (int m = 0; m < models; m++) {
        int g = placement[m];
        if (g < 0 || ratePerMs[m] <= 0) {
          continue;
        }
        double pCold = 1 - ratePerMs[m] / lambda[g];
        double s = (1 - pCold) * service.ms(m, g, occ, false)
            + (pCold > 1e-12 ? pCold * service.ms(m, g, occ, true) : 0);
        u[g] += ratePerMs[m] * s;
      }
      for (int g = 0; g < groups; g++) {
        occ[g] = Math.min(1, u[g]);
      }
    }
    double throughput = 0;
    double latency = 0;
    double total = 0;
    for (int g = 0; g < groups; g++) {
      if (lambda[g] <= 0) {
        continue;
      }
      if (!Double.isFinite(u[g])) {
        return new Score(0, Double.POSITIVE_INFINITY, u);  // a model on a group that cannot run it
      }
      throughput += lambda[g] / Math.max(1, u[g]);
      double meanService = u[g] / lambda[g];
      latency += lambda[g] * meanService / (1 - Math.min(u[g], 0.99));
      total += lambda[g];
    }
    return new Score(throughput, total > 0 ? latency / total : 0, u);
  }

  /** Whether {@code a} is better than {@code b} by more than the tolerance (throughput first, then latency). */
  public boolean better(Score a, Score b) {
    if (a.throughputPerMs() > b.throughputPerMs() * (1 + tolerance)) {
      return true;
    }
    if (b.throughputPerMs() > a.throughputPerMs() * (1 + tolerance)) {
      return false;
    }
    return a.latencyMs() < b.latencyMs() * (1 - tolerance);
  }

  /**
   * The best placement found by local search from {@code start} (null: none) and from the greedy construction; the
   * start is kept unless another is better by more than the tolerance, so a learner using it does not flip between
   * placements its estimates cannot tell apart.
   */
  public Result search(int[] start, double[] ratePerMs) {
    evaluated = 0;
    int[] best = null;
    Score bestScore = null;
    if (start != null) {
      best = climb(start.clone(), ratePerMs);
      bestScore = score(best, ratePerMs);
    }
    int[] greedy = climb(greedy(ratePerMs), ratePerMs);
    Score greedyScore = score(greedy, ratePerMs);
    if (best == null || better(greedyScore, bestScore)) {
      best = greedy;
      bestScore = greedyScore;
    }
    return new Result(best, bestScore, evaluated);
  }

  /**
   * Models in order of their work (rate x fastest service, largest first), each put on the group that scores best
   * with the models placed so far.
   */
  int[] greedy(double[] ratePerMs) {
    Integer[] order = new Integer[models];
    double[] work = new double[models];
    double[] idle = new double[groups];
    for (int m = 0; m < models; m++) {
      order[m] = m;
      double fastest = Double.POSITIVE_INFINITY;
      for (int g = 0; g < groups; g++) {
        fastest = Math.min(fastest, service.ms(m, g, idle, false));
      }
      work[m] = ratePerMs[m] * fastest;
    }
    Arrays.sort(order, (x, y) -> Double.compare(work[y], work[x]));
    int[] a = new int[models];
    Arrays.fill(a, -1);
    for (int m : order) {
      int bestG = -1;
      Score bestScore = null;
      for (int g = 0; g < groups; g++) {
        if (!Double.isFinite(service.ms(m, g, idle, false))) {
          continue;
        }
        a[m] = g;
        Score s = score(a, ratePerMs);
        if (bestScore == null || strictlyBetter(s, bestScore)) {
          bestG = g;
          bestScore = s;
        }
      }
      a[m] = bestG;
    }
    return a;
  }

  /** Steepest ascent over single moves and pairwise swaps, each step better by more than the tolerance. */
  private int[] climb(int[] a, double[] ratePerMs) {
    Score current = score(a, ratePerMs);
    for (int step = 0; step < maxSteps; step++) {
      int[] bestNext = null;
      Score bestNextScore = current;
      for (int m = 0; m < models; m++) {
        for (int g = 0; g < groups; g++) {
          if (g == a[m]) {
            continue;
          }
          int[] b = a.clone();
          b[m] = g;
          Score s = score(b, ratePerMs);
          if (better(s, bestNextScore)) {
            bestNext = b;
            bestNextScore = s;
          }
        }
        for (int n = m + 1; n < models; n++) {
          if (a[n] == a[m]) {
            continue;
          }
          int[] b = a.clone();
          b[m] = a[n];
          b[n] = a[m];
          Score s = score(b, ratePerMs);
          if (better(s, bestNextScore)) {
            bestNext = b;
            bestNextScore = s;
          }
        }
      }
      if (bestNext == null) {
        return a;
      }
      a = bestNext;
      current = bestNextScore;
    }
    return a;
  }

  /** Throughput first, then latency, without tolerance (the greedy's choice among groups). */
  private static boolean strictlyBetter(Score a, Score b) {
    if (a.throughputPerMs() != b.throughputPerMs()) {
      return a.throughputPerMs() > b.throughputPerMs();
    }
    return a.latencyMs() < b.latencyMs();
  }
}
