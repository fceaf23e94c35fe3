package io.edgewise.bench;

import io.edgewise.nativecore.NativeCore;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs {@link ConvKernelBench} and {@link ConvTrainingBench} and prints each shape's GFLOP/s and its fraction of the
 * FMA peak measured here, at the same thread count. The argument is JMH's include pattern (default: both classes,
 * every shape; e.g. "ConvTrainingBench" or "ConvKernelBench.convBiasRelu").
 */
public final class KernelBenchMain {
  private KernelBenchMain() {}

  public static void main(String[] args) throws RunnerException {
    Map<Integer, Double> peak = new TreeMap<>();
    for (int t = 1; t <= 2; t++) {
      peak.put(t, NativeCore.measurePeakGflops(t, 300));
    }
    OptionsBuilder builder = new OptionsBuilder();
    if (args.length > 0) {
      builder.include(args[0]);
    } else {
      builder.include(ConvKernelBench.class.getSimpleName()).include(ConvTrainingBench.class.getSimpleName());
    }
    Options opts = builder.build();
    Collection<RunResult> results = new Runner(opts).run();
    System.out.printf("%nFMA peak measured here (%s): %s GFLOP/s by threads%n", NativeCore.isa(), peak);
    System.out.printf("%-26s %-16s %7s %12s %10s %8s%n", "SHAPE", "PASS", "THREADS", "us/call", "GFLOP/s", "PEAK");
    for (RunResult r : results) {
      String shape = r.getParams().getParam("shape");
      int threads = Integer.parseInt(r.getParams().getParam("threads"));
      double us = r.getPrimaryResult().getScore();
      double gflops = ConvKernelBench.flops(shape) / (us * 1e3);
      String benchmark = r.getParams().getBenchmark();
      String layout = r.getParams().getParam("layout");
      // the pass (forward, backward data, weight gradient) and, where the bench has one, the activation layout
      String pass = benchmark.substring(benchmark.lastIndexOf('.') + 1) + (layout == null ? "" : "/" + layout);
      System.out.printf("%-26s %-16s %7d %12.1f %10.1f %7.1f%%%n", shape, pass, threads, us, gflops,
          100 * gflops / peak.get(threads));
    }
    System.out.println("(measured: JMH average time after warm-up, one fork: ConvKernelBench 5 x 1 s iterations after 3, "
        + "ConvTrainingBench 3 x 1 s after 2)");
  }
}
