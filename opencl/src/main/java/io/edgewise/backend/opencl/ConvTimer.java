package io.edgewise.backend.opencl;

import java.util.Arrays;
import java.util.Random;

/**
 * Measures one convolution kernel on its device: device time from profiling events (not wall time), median over
 * the given runs after one warm-up. Inputs are seeded random values; the buffers are released before returning.
 */
public final class ConvTimer {
  private ConvTimer() {}

  /** The measured median, in nanoseconds, of {@code runs} launches of the kernel for {@code p} with {@code t}. */
  public static long medianNanos(ClPrograms programs, ConvProblem p, ConvAlgorithm alg, TileParams t, int runs) {
    Random r = new Random(1);
    float[] w = new float[(int) p.weightElements()];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) r.nextGaussian() * 0.1f;
    }
    ClContext ctx = programs.context();
    try (ClConvolution conv = ClConvolution.create(programs, p, alg, t, w, null, false);
         ClBuffer x = ClBuffer.allocate(ctx, 4 * p.inputElements());
         ClBuffer y = ClBuffer.allocate(ctx, 4 * p.outputElements())) {
      conv.enqueue(x, null, y, 0, 0, 0, true);
      long[] ns = new long[Math.max(1, runs)];
      for (int i = 0; i < ns.length; i++) {
        ns[i] = conv.enqueue(x, null, y, 0, 0, 0, true);
      }
      Arrays.sort(ns);
      return ns[ns.length / 2];
    }
  }

  public static double gflops(ConvProblem p, long nanos) {
    return p.flops() / (double) nanos;
  }
}
