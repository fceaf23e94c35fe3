package io.edgewise.runtime.plan;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;
import java.util.function.LongSupplier;

/**
 * Whether a device's figures still hold: its whole-model run, timed now in blocks that alternate with the other
 * devices' (a stretch when another process has the cores then slows every device alike), against the run its
 * figures predict. A device whose median is off by more than {@link #MARGIN} gets its figures scaled by measured /
 * predicted ({@link #factor}). Why: on a shared machine a device's speed moves 2-3x within a minute (SqueezeNet on
 * two cores at load 17, 2026-12-07: medians of half-second stretches 14.5-40 ms on the cpu, 29-153 ms on PoCL), so
 * figures measured once (the profile database's calibration, or a profile made on another machine) go out of date,
 * and a prediction from them says nothing of the runs it is compared with. The clock and the runs are parameters so
 * that the rule is tested with a fake clock.
 */
final class DriftCheck {
  private DriftCheck() {}

  /** A device's figures are scaled when its whole run measures outside [predicted / (1 + m), predicted * (1 + m)]. */
  static final double MARGIN = 0.15;
  /** Runs of a device timed back to back in one block (at least this many, and {@link #BLOCK_NANOS}). */
  static final int BLOCK = 3;
  static final long BLOCK_NANOS = 20_000_000L;
  /** A check: at least {@link #MIN_ROUNDS} rounds and {@link #MIN_NANOS} of each device, at most {@link #MAX_NANOS}. */
  static final int MIN_ROUNDS = 3;
  static final long MIN_NANOS = 150_000_000L;
  static final long MAX_NANOS = 3_000_000_000L;

  /**
   * The factor a device's figures count at after a check: {@code scale} as it was where the check's {@code
   * measuredMs} is within {@link #MARGIN} of {@code predictedMs} (the figures at {@code scale}), else {@code scale *
   * measuredMs / predictedMs}, so that the figures predict what was measured. A check that measured nothing (NaN,
   * not positive) changes nothing.
   */
  static double factor(double scale, double predictedMs, double measuredMs) {
    if (!(predictedMs > 0) || !(measuredMs > 0) || Double.isInfinite(predictedMs)) {
      return scale;
    }
    double r = measuredMs / predictedMs;
    return r > 1 + MARGIN || r < 1 / (1 + MARGIN) ? scale * r : scale;
  }

  /**
   * The timed runs of a check, per device, gathered one block at a time (so that a caller can put other runs
   * between the blocks: `edgewise plan` puts its timed runs there, so the check and the runs see the same minutes).
   */
  static final class Samples {
    private final List<List<Double>> times = new ArrayList<>();
    private final long[] timed;

    Samples(int devices) {
      for (int i = 0; i < devices; i++) {
        times.add(new ArrayList<>());
      }
      timed = new long[devices];
    }

    /**
     * One block of device {@code i}: a run uncounted (back to the state of runs back to back after whatever ran
     * before), then runs timed back to back, at least {@link #BLOCK} and {@link #BLOCK_NANOS}.
     */
    void block(int i, IntConsumer run, LongSupplier clock) {
      block(i, run, clock, BLOCK, BLOCK_NANOS);
    }

    /** One block of at least {@code runs} timed runs and {@code nanos}, after a run uncounted. */
    void block(int i, IntConsumer run, LongSupplier clock, int runs, long nanos) {
      run.accept(i);
      long blockStart = clock.getAsLong();
      for (int k = 0; k < runs || clock.getAsLong() - blockStart < nanos; k++) {
        long s = clock.getAsLong();
        run.accept(i);
        times.get(i).add((clock.getAsLong() - s) / 1e6);
      }
      timed[i] += clock.getAsLong() - blockStart;
    }

    /** One block of every device, in turn. */
    void round(IntConsumer run, LongSupplier clock) {
      for (int i = 0; i < timed.length; i++) {
        block(i, run, clock);
      }
    }

    /** One block of exactly {@code runs} timed runs of every device, in turn (a block as long as a caller's own). */
    void round(IntConsumer run, LongSupplier clock, int runs) {
      for (int i = 0; i < timed.length; i++) {
        block(i, run, clock, runs, 0);
      }
    }

    /** The least time any device was timed (ns). */
    long leastNanos() {
      return Arrays.stream(timed).min().orElse(0);
    }

    /** Device {@code i}'s median over every block so far (ms; NaN before one). */
    double median(int i) {
      double[] c = times.get(i).stream().mapToDouble(Double::doubleValue).sorted().toArray();
      if (c.length == 0) {
        return Double.NaN;
      }
      return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
    }

    int runs(int i) {
      return times.get(i).size();
    }
  }

  /**
   * A check of {@code devices} devices: rounds of one block each until {@link #MIN_ROUNDS} rounds and {@link
   * #MIN_NANOS} of every device, or {@link #MAX_NANOS} in all after the minimum rounds. {@code run} runs device i's
   * whole model once (its outputs released); {@code clock} is nanoseconds.
   */
  static Samples measure(int devices, IntConsumer run, LongSupplier clock) {
    Samples s = new Samples(devices);
    long start = clock.getAsLong();
    for (int round = 0; ; round++) {
      if (round >= MIN_ROUNDS && (s.leastNanos() >= MIN_NANOS || clock.getAsLong() - start >= MAX_NANOS)) {
        return s;
      }
      s.round(run, clock);
    }
  }
}
