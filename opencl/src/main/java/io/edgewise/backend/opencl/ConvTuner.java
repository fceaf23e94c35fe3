package io.edgewise.backend.opencl;

import io.edgewise.EdgewiseException;
import io.edgewise.backend.BackendOptions;
import io.edgewise.backend.exec.OpContext;
import io.edgewise.backend.reference.ReferenceBackend;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Searches tile parameters per convolution shape on one device: every candidate is first checked against the
 * reference backend's convolution on the same seeded inputs (a wrong kernel is rejected, never timed), then
 * timed by profiling events (median of {@code runs}); the winner, with its measured GFLOP/s and the default's,
 * goes into the tuning database. ConvChoices are tried best-guess first, the default always first, and the search
 * of a shape stops at its share of the time budget (PoCL compiles take seconds each).
 */
public final class ConvTuner {
  /** The outcome for one shape; GFLOP/s are measured on the device (median device time of {@code runs}). */
  public record Result(ConvProblem problem, ConvAlgorithm algorithm, TileParams best, double bestGflops,
      TileParams defaults, double defaultGflops, int tried, int rejected, int runs) {}

  /**
   * One candidate measured or rejected, for progress displays: shape {@code shape} of {@code shapes} (from 1),
   * candidate {@code candidate} of the shape's {@code candidates} (the search may stop before the last at the shape's
   * share of the budget), the best GFLOP/s so far (0 before any), and a line describing the candidate. Candidate 0
   * is the shape's start, before the first candidate compiles (seconds on PoCL).
   */
  public record Step(int shape, int shapes, ConvProblem problem, int candidate, int candidates, double bestGflops,
      String line) {}

  private final ClPrograms programs;
  private final ClTuningDb db;
  private final int runs;

  public ConvTuner(ClPrograms programs, ClTuningDb db, int runs) {
    this.programs = programs;
    this.db = db;
    this.runs = runs;
  }

  /** Tunes each problem within {@code budgetSeconds} in total, records the winners in the database (unsaved). */
  public List<Result> tune(List<ConvProblem> problems, double budgetSeconds, Consumer<Step> progress) {
    List<Result> out = new ArrayList<>();
    long deadline = System.nanoTime() + (long) (budgetSeconds * 1e9);
    for (int i = 0; i < problems.size(); i++) {
      long left = deadline - System.nanoTime();
      long share = Math.max(0, left / (problems.size() - i));
      int shape = i + 1;
      Result r = tuneOne(problems.get(i), System.nanoTime() + share, (candidate, candidates, best, line) ->
          progress.accept(new Step(shape, problems.size(), problems.get(shape - 1), candidate, candidates, best,
              line)));
      out.add(r);
      db.put(new ClTuningDb.Entry(programs.context().device().compilerIdentity(), r.problem().key(),
          r.algorithm().name(), r.best().rows(), r.best().cols(), r.best().lx(), r.best().local(), r.best().block(),
          r.bestGflops(), r.defaultGflops(), runs, Instant.now().toString()));
    }
    return out;
  }

  /** What tuneOne reports per candidate; tune adds the shape's place in the list. */
  private interface CandidateListener {
    void candidate(int candidate, int candidates, double bestGflops, String line);
  }

  private Result tuneOne(ConvProblem p, long deadline, CandidateListener progress) {
    ClDevice d = programs.context().device();
    ConvAlgorithm alg = p.algorithm(d.type());
    TileParams defaults = TileParams.defaults(d, alg, p);
    Reference ref = new Reference(p);
    ConvChoice best = null;
    double bestGflops = 0;
    double defaultGflops = 0;
    int tried = 0;
    int rejected = 0;
    List<ConvChoice> choices = candidates(d, alg, defaults, p);
    progress.candidate(0, choices.size(), 0, p + ": " + choices.size() + " candidates");
    for (ConvChoice c : choices) {
      // the default is always measured, so "tuned" is never worse than the default
      if (tried > 0 && System.nanoTime() > deadline) {
        break;
      }
      tried++;
      String verdict = ref.check(programs, c.algorithm(), c.tiles());
      if (verdict != null) {
        rejected++;
        progress.candidate(tried, choices.size(), bestGflops, p + " " + c + ": rejected, " + verdict);
        continue;
      }
      double g = ConvTimer.gflops(p, ConvTimer.medianNanos(programs, p, c.algorithm(), c.tiles(), runs));
      if (c.algorithm() == alg && c.tiles().equals(defaults)) {
        defaultGflops = g;
      }
      if (g > bestGflops) {
        bestGflops = g;
        best = c;
      }
      progress.candidate(tried, choices.size(), bestGflops, String.format("%s %s: %.1f GFLOP/s", p, c, g));
    }
    if (best == null) {
      throw new EdgewiseException(EdgewiseException.ErrorCode.INTERNAL, "no tile candidate for " + p
          + " matched the reference on " + d.name());
    }
    return new Result(p, best.algorithm(), best.tiles(), bestGflops, defaults, defaultGflops, tried, rejected, runs);
  }

  /**
   * The search space, default first, then ordered so that likely winners come early. On CPU devices it holds both
   * vector kernels: along the row ({@link ConvAlgorithm#DIRECT_VEC}) and, for ungrouped convolutions, over output
   * channels ({@link ConvAlgorithm#CHANNEL_VEC}).
   */
  static List<ConvChoice> candidates(ClDevice d, ConvAlgorithm alg, TileParams defaults, ConvProblem p) {
    List<ConvChoice> out = new ArrayList<>();
    out.add(new ConvChoice(alg, defaults));
    if (alg == ConvAlgorithm.DIRECT_VEC && p.groups() == 1) {
      for (TileParams t : channelVecTiles(d, p)) {
        out.add(new ConvChoice(ConvAlgorithm.CHANNEL_VEC, t));
      }
    }
    for (TileParams t : tiles(d, alg, defaults, p)) {
      ConvChoice c = new ConvChoice(alg, t);
      if (!out.contains(c)) {
        out.add(c);
      }
    }
    return out;
  }

  /**
   * Channel-vector tiles: vectors of the device's width (and half of it) over output channels, times output columns,
   * at most about 28 accumulators (AVX-512 has 32 vector registers, AVX2 16: the narrower vector then takes
   * two), in one-work-item groups (PoCL then keeps the accumulators in registers) or groups the driver chooses.
   */
  static List<TileParams> channelVecTiles(ClDevice d, ConvProblem p) {
    Set<TileParams> out = new LinkedHashSet<>();
    int wide = Math.max(4, Math.min(16, d.preferredFloatVectorWidth()));
    for (int kv : new int[] {wide, wide / 2}) {
      if (kv < 4) {
        continue;
      }
      for (int[] rc : new int[][] {{2, 7}, {4, 7}, {2, 14}, {3, 8}, {2, 8}, {4, 4}, {1, 14}, {2, 12}, {4, 6},
          {3, 7}, {1, 16}, {2, 4}}) {
        int rows = Math.min(rc[0], ceilDiv(p.k(), kv));  // more vectors than channels only add zeros
        int cols = Math.min(rc[1], p.ow());
        TileParams t = new TileParams(rows, cols, kv, true, 1);
        out.add(t);
        out.add(new TileParams(rows, cols, kv, false, 1));
      }
    }
    return new ArrayList<>(out);
  }

  private static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }

  /** The tile space of one algorithm. */
  static List<TileParams> tiles(ClDevice d, ConvAlgorithm alg, TileParams defaults, ConvProblem p) {
    Set<TileParams> out = new LinkedHashSet<>();
    out.add(defaults);
    long maxWg = d.maxWorkGroupSize();
    switch (alg) {
      case DIRECT_VEC -> {
        // the default's shape with one- and two-work-item groups: PoCL keeps private arrays in registers when it
        // needs no loop over work-items
        out.add(defaults.withGroup(1));
        out.add(defaults.withGroup(2));
        for (int vec : new int[] {16, 8}) {
          for (int[] rc : new int[][] {{4, 3}, {5, 4}, {6, 3}, {4, 4}, {6, 2}, {7, 3}, {4, 5}, {6, 4}, {4, 2}, {8, 1},
              {2, 4}, {8, 2}, {2, 2}, {4, 1}, {8, 3}, {1, 2}, {1, 4}}) {
            // more rows than a group's output channels only recompute the last one
            TileParams t = new TileParams(Math.min(rc[0], p.channelsPerGroup()), rc[1], vec, false, 1);
            out.add(t);
            out.add(t.withGroup(1));
          }
        }
      }
      case DIRECT, GEMM -> {
        int block = alg == ConvAlgorithm.GEMM ? 64 : 8;
        for (boolean local : new boolean[] {false, true}) {
          for (int lx : new int[] {16, 32, 64, 8, 128}) {
            for (int[] rc : new int[][] {{4, 2}, {8, 2}, {8, 1}, {4, 4}, {2, 2}, {16, 1}}) {
              if (lx <= maxWg) {
                out.add(new TileParams(rc[0], rc[1], lx, local, block));
              }
            }
          }
        }
      }
      case DEPTHWISE -> {
        for (int lx : new int[] {16, 32, 64, 8}) {
          for (int cols : new int[] {2, 1, 4}) {
            if (lx <= maxWg) {
              out.add(new TileParams(1, cols, lx, false, 1));
            }
          }
        }
      }
    }
    return new ArrayList<>(out);
  }

  /** The reference convolution of one problem on seeded inputs, computed once, and the check of a candidate. */
  private static final class Reference {
    final ConvProblem p;
    final float[] x;
    final float[] w;
    final float[] expected;
    final double tolerance;

    Reference(ConvProblem p) {
      this.p = p;
      Random r = new Random(7);
      x = new float[(int) p.inputElements()];
      w = new float[(int) p.weightElements()];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) r.nextGaussian();
      }
      for (int i = 0; i < w.length; i++) {
        w[i] = (float) r.nextGaussian();
      }
      try (Tensor tx = Tensor.ofFloats(Shape.of(p.n(), p.c(), p.h(), p.w()), x);
           Tensor tw = Tensor.ofFloats(Shape.of(p.k(), p.c() / p.groups(), p.kh(), p.kw()), w)) {
        Tensor[] y = ReferenceBackend.registry().get("", "Conv").compute(new OpContext(p.node(), 13,
            BackendOptions.defaults()), new Tensor[] {tx, tw});
        try (Tensor out = y[0]) {
          expected = out.toFloatArray();
        }
      }
      double max = 0;
      for (float v : expected) {
        max = Math.max(max, Math.abs(v));
      }
      // fp32 sums of up to C*KH*KW products in a different order than the reference
      tolerance = 1e-4 * Math.max(1, max);
    }

    /** null when the candidate's output matches, else what differs. */
    String check(ClPrograms programs, ConvAlgorithm alg, TileParams t) {
      ClContext ctx = programs.context();
      try (ClConvolution conv = ClConvolution.create(programs, p, alg, t, w, null, false);
           ClBuffer bx = ClBuffer.allocate(ctx, 4L * x.length);
           ClBuffer by = ClBuffer.allocate(ctx, 4L * expected.length)) {
        ByteBuffer in = ByteBuffer.allocateDirect(4 * x.length).order(ByteOrder.nativeOrder());
        in.asFloatBuffer().put(x);
        bx.write(in);
        conv.enqueue(bx, null, by, 0, 0, 0, false);
        ByteBuffer out = ByteBuffer.allocateDirect(4 * expected.length).order(ByteOrder.nativeOrder());
        by.read(out);
        for (int i = 0; i < expected.length; i++) {
          float got = out.getFloat(4 * i);
          if (!(Math.abs(got - expected[i]) <= tolerance)) {
            return "output " + i + " is " + got + ", the reference " + expected[i];
          }
        }
        return null;
      } catch (EdgewiseException e) {
        return e.getMessage();  // e.g. a work-group the device cannot launch
      }
    }
  }
}
