package io.edgewise.runtime.plan;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;
import java.util.function.LongSupplier;

/**
 * The last word on a plan: the few top candidates (the planner's mixed plan and each single device's whole-model
 * plan) run for real, in alternating blocks of back-to-back runs, and the measured best is kept. A cost model is
 * a prediction; on a machine where the devices share cores (PoCL on the cpu), or where a device's speed moves
 * between its calibration and the runs, a mixed plan predicted to win can lose, and `auto` must not be materially
 * worse than the best single device it could have picked. A mixed plan is kept only when it measures faster than
 * the best single device by {@link #MIXED_MARGIN}; else the fastest single device (no region hand-over, less to go
 * wrong). Bounded: at least {@link #MIN_ROUNDS} rounds, then until each candidate had {@link #MIN_NANOS} of timed
 * runs, at most {@link #MAX_NANOS} in all (past that, the rounds so far decide). The clock and the runs are
 * parameters so that the rule is tested with a fake clock.
 */
final class PlanSelector {
  private PlanSelector() {}

  /** A measured mixed plan must beat the best single device's median by this fraction to be kept. */
  static final double MIXED_MARGIN = 0.03;
  /** Runs of a candidate timed back to back in one block: at least this many and {@link #BLOCK_NANOS}. */
  static final int BLOCK = 3;
  static final long BLOCK_NANOS = 20_000_000L;
  static final int MIN_ROUNDS = 3;
  static final long MIN_NANOS = 300_000_000L;
  static final long MAX_NANOS = 6_000_000_000L;

  /**
   * A candidate plan: its label ("mixed", or the device's name for a single device's plan), whether it uses more than
   * one device, and its predicted time.
   */
  record Candidate(String label, boolean mixed, double predictedMs) {}

  /** A candidate with its measured median (ms) over {@code runs} timed runs. */
  record Measured(Candidate candidate, double measuredMs, int runs) {}

  /** The candidates as measured, in the order given, and the index of the one kept. */
  record Outcome(List<Measured> measured, int chosen) {
    Measured best() {
      return measured.get(chosen);
    }
  }

  /**
   * Measures {@code candidates} and picks one. {@code run} runs candidate i once (its outputs released); {@code
   * clock} is nanoseconds. Each candidate runs once uncounted before its block in every round (the first compiles and
   * warms it; later ones bring it back to the state of runs back to back after the other candidates' blocks).
   */
  static Outcome select(List<Candidate> candidates, IntConsumer run, LongSupplier clock) {
    int n = candidates.size();
    List<List<Double>> times = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      times.add(new ArrayList<>());
    }
    long start = clock.getAsLong();
    long[] timed = new long[n];
    for (int round = 0; ; round++) {
      long elapsed = clock.getAsLong() - start;
      long least = Arrays.stream(timed).min().orElse(0);
      if (round >= MIN_ROUNDS && (least >= MIN_NANOS || elapsed >= MAX_NANOS)) {
        break;
      }
      for (int i = 0; i < n; i++) {
        run.accept(i);  // uncounted
        long blockStart = clock.getAsLong();
        for (int k = 0; k < BLOCK || clock.getAsLong() - blockStart < BLOCK_NANOS; k++) {
          long s = clock.getAsLong();
          run.accept(i);
          long e = clock.getAsLong();
          times.get(i).add((e - s) / 1e6);
        }
        timed[i] += clock.getAsLong() - blockStart;
      }
    }
    List<Measured> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new Measured(candidates.get(i), median(times.get(i)), times.get(i).size()));
    }
    return new Outcome(out, choose(out));
  }

  /**
   * The rule: the single-device candidate with the least measured median; a mixed one instead only where its median
   * is below {@code (1 - MIXED_MARGIN)} of that (or where no single device is a candidate).
   */
  static int choose(List<Measured> measured) {
    int single = -1;
    int mixed = -1;
    for (int i = 0; i < measured.size(); i++) {
      Measured m = measured.get(i);
      if (m.candidate().mixed()) {
        if (mixed < 0 || m.measuredMs() < measured.get(mixed).measuredMs()) {
          mixed = i;
        }
      } else if (single < 0 || m.measuredMs() < measured.get(single).measuredMs()) {
        single = i;
      }
    }
    if (single < 0) {
      return mixed;
    }
    if (mixed >= 0 && measured.get(mixed).measuredMs() < (1 - MIXED_MARGIN) * measured.get(single).measuredMs()) {
      return mixed;
    }
    return single;
  }

  private static double median(List<Double> v) {
    double[] c = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    if (c.length == 0) {
      return Double.NaN;
    }
    return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
  }
}
