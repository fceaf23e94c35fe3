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

  /**
   * The best split placement found: per model and group, the parts of the model's requests sent there (each row sums
   * to {@link #parts()}), its score and how many placements were scored on the way.
   */
  public record SplitResult(int[][] parts, Score score, int evaluated) {
    /** Per model, the group with the most parts (the lowest index among equals). */
    public int[] primary() {
      int[] h = new int[parts.length];
      for (int m = 0; m < parts.length; m++) {
        for (int g = 1; g < parts[m].length; g++) {
          if (parts[m][g] > parts[m][h[m]]) {
            h[m] = g;
          }
        }
      }
      return h;
    }
  }

  private static final int FIXED_POINT_ROUNDS = 4;

  private final ServiceModel service;
  private final int models;
  private final int groups;
  private final double tolerance;
  private final int maxSteps;
  private final int parts;
  private int evaluated;

  /**
   * Whole placements (a model's requests all on one group).
   *
   * @param tolerance relative difference below which two throughputs (or latencies) count as equal (e.g. 0.02)
   * @param maxSteps the most improving steps the local search takes from one start
   */
  public PlacementSearch(ServiceModel service, int models, int groups, double tolerance, int maxSteps) {
    this(service, models, groups, tolerance, maxSteps, 1);
  }

  /**
   * @param parts the parts a model's requests are split into (1: whole placements; 4: a model's requests can go to
   *     several groups in quarters), so that a model more than one group can serve is split deliberately
   */
  public PlacementSearch(ServiceModel service, int models, int groups, double tolerance, int maxSteps, int parts) {
    if (models < 1 || groups < 1 || !(tolerance >= 0) || maxSteps < 1 || parts < 1) {
      throw EdgewiseException.invalidArgument("PlacementSearch: models " + models + ", groups " + groups
          + ", tolerance " + tolerance + ", maxSteps " + maxSteps + ", parts " + parts + " (need 1+, 1+, >= 0, 1+, 1+)");
    }
    this.service = service;
    this.models = models;
    this.groups = groups;
    this.tolerance = tolerance;
    this.maxSteps = maxSteps;
    this.parts = parts;
  }

  /** The parts a model's requests are split into. */
  public int parts() {
    return parts;
  }

  /** {@code placement} (a group per model; -1: left out) as parts: all of a model's parts on its group. */
  public int[][] whole(int[] placement) {
    int[][] a = new int[models][groups];
    for (int m = 0; m < models; m++) {
      if (placement[m] >= 0) {
        a[m][placement[m]] = parts;
      }
    }
    return a;
  }

  /** The predicted figures of {@code placement} (a group per model; -1: left out) at {@code ratePerMs}. */
  public Score score(int[] placement, double[] ratePerMs) {
    return score(whole(placement), ratePerMs);
  }

  /**
   * The predicted figures of a split placement ({@code split[m][g]}: the parts of m's requests sent to g, rows
   * summing to {@link #parts()} or 0 for a model left out) at {@code ratePerMs}. Model m sends lambda_m x
   * split[m][g] / parts per ms to g; a run of m on g is cold with probability 1 - (m's rate on g) / (g's rate).
   */
  public Score score(int[][] split, double[] ratePerMs) {
    evaluated++;
    double[][] rate = new double[models][groups];
    double[] lambda = new double[groups];
    for (int m = 0; m < models; m++) {
      for (int g = 0; g < groups; g++) {
        rate[m][g] = ratePerMs[m] * split[m][g] / parts;
        lambda[g] += rate[m][g];
      }
    }
    double[] occ = new double[groups];
    double[] u = new double[groups];
    for (int round = 0; round < FIXED_POINT_ROUNDS; round++) {
      Arrays.fill(u, 0);
      for (int m = 0; m < models; m++) {
        for (int g = 0; g < groups; g++) {
          if (rate[m][g] <= 0) {
            continue;
          }
          double pCold = 1 - rate[m][g] / lambda[g];
          double s = (1 - pCold) * service.ms(m, g, occ, false)
              + (pCold > 1e-12 ? pCold * service.ms(m, g, occ, true) : 0);
          u[g] += rate[m][g] * s;
        }
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
   * The best whole placement found by local search from {@code start} (null: none) and from the greedy
   * construction; the start is kept unless another is better by more than the tolerance, so a learner using it does
   * not flip between placements its estimates cannot tell apart. With {@link #parts()} above 1 the search may split
   * a model; the result is then each model's primary group (use {@link #searchSplit}).
   */
  public Result search(int[] start, double[] ratePerMs) {
    SplitResult r = searchSplit(start == null ? null : whole(start), ratePerMs);
    return new Result(r.primary(), r.score(), r.evaluated());
  }

  /** As {@link #search}, over split placements: from {@code start} (null: none) and from the greedy construction. */
  public SplitResult searchSplit(int[][] start, double[] ratePerMs) {
    evaluated = 0;
    int[][] best = null;
    Score bestScore = null;
    if (start != null) {
      best = climb(copy(start), ratePerMs);
      bestScore = score(best, ratePerMs);
    }
    int[][] greedy = climb(whole(greedy(ratePerMs)), ratePerMs);
    Score greedyScore = score(greedy, ratePerMs);
    if (best == null || better(greedyScore, bestScore)) {
      best = greedy;
      bestScore = greedyScore;
    }
    return new SplitResult(best, bestScore, evaluated);
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

  /**
   * Steepest ascent, each step better by more than the tolerance, over: a model moved whole to another group,
   * two models' placements swapped, and (with parts above 1) one part of a model moved from one group to another;
   * a part moved to a group the model did not use must raise the predicted throughput by more than the tolerance
   * (a split pays for its cold starts only where one group cannot serve the model).
   */
  private int[][] climb(int[][] a, double[] ratePerMs) {
    Score current = score(a, ratePerMs);
    for (int step = 0; step < maxSteps; step++) {
      int[][] bestNext = null;
      Score bestNextScore = current;
      for (int m = 0; m < models; m++) {
        for (int g = 0; g < groups; g++) {
          if (a[m][g] == parts) {
            continue;
          }
          int[][] b = copy(a);
          Arrays.fill(b[m], 0);
          b[m][g] = parts;
          Score s = score(b, ratePerMs);
          if (better(s, bestNextScore)) {
            bestNext = b;
            bestNextScore = s;
          }
          if (parts == 1) {
            continue;
          }
          for (int from = 0; from < groups; from++) {
            if (from == g || a[m][from] == 0 || a[m][from] + a[m][g] == parts && a[m][from] == 1) {
              continue;  // nothing there, or the same as the whole move above
            }
            int[][] c = copy(a);
            c[m][from]--;
            c[m][g]++;
            Score sc = score(c, ratePerMs);
            // a part sent to a group the model did not use must win on throughput: a split only for the predicted
            // queueing spread every model of the measured ocr mix over every group (cold starts, p99 6.1 s against
            // cpu FIFO's 2.6); the M/M/1 latency favours balance more than the node rewards it
            boolean spreads = a[m][g] == 0;
            if (spreads ? sc.throughputPerMs() > bestNextScore.throughputPerMs() * (1 + tolerance)
                : better(sc, bestNextScore)) {
              bestNext = c;
              bestNextScore = sc;
            }
          }
        }
        for (int n = m + 1; n < models; n++) {
          if (Arrays.equals(a[n], a[m])) {
            continue;
          }
          int[][] b = copy(a);
          b[m] = a[n].clone();
          b[n] = a[m].clone();
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

  private static int[][] copy(int[][] a) {
    int[][] c = new int[a.length][];
    for (int i = 0; i < a.length; i++) {
      c[i] = a[i].clone();
    }
    return c;
  }

  /** Throughput first, then latency, without tolerance (the greedy's choice among groups). */
  private static boolean strictlyBetter(Score a, Score b) {
    if (a.throughputPerMs() != b.throughputPerMs()) {
      return a.throughputPerMs() > b.throughputPerMs();
    }
    return a.latencyMs() < b.latencyMs();
  }
}
