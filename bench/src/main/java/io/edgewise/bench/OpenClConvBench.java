package io.edgewise.bench;

import io.edgewise.backend.opencl.ClDevice;
import io.edgewise.backend.opencl.ClDevices;
import io.edgewise.backend.opencl.ClOptions;
import io.edgewise.backend.opencl.ClPlatforms;
import io.edgewise.backend.opencl.ClTuningDb;
import io.edgewise.backend.opencl.ConvChoice;
import io.edgewise.backend.opencl.ConvAlgorithm;
import io.edgewise.backend.opencl.ConvProblem;
import io.edgewise.backend.opencl.ConvProblems;
import io.edgewise.backend.opencl.ConvTimer;
import io.edgewise.backend.opencl.ConvTuner;
import io.edgewise.backend.opencl.OpenClBackend;
import io.edgewise.backend.opencl.TileParams;
import io.edgewise.nativecore.NativeCore;
import java.nio.file.Path;
import java.util.List;

/**
 * GFLOP/s of the OpenCL convolution kernels on the ResNet-18 layer shapes: naive (one output per work-item in
 * work-groups of 16: no register blocking, no explicit vectors; median of at most 3 launches), default (the device's default tiles) and tuned (the
 * tuning database's winner; with --tune-budget S the shapes not in it are tuned first, S seconds each). Device
 * time from profiling events, median of --runs launches, all in one process.
 *
 * The host's FMA peak (native core, all cores) is measured before and after, so that the kernels' figures can be
 * read as a share of what the machine gave in the same run.
 *
 * <pre>bench/run-opencl-conv.sh [--device opencl:0] [--runs 10] [--tune-budget 20] [--db FILE] [--shape KEYPART]
 *     [--verbose]</pre>
 */
public final class OpenClConvBench {
  private OpenClConvBench() {}

  public static void main(String[] args) {
    String device = "opencl";
    int runs = 10;
    double tuneBudget = 0;
    Path db = ClTuningDb.defaultPath();
    String shape = null;  // a substring of the shapes' keys to bench, e.g. "c64x56x56 k64"
    boolean verbose = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--device" -> device = args[++i];
        case "--runs" -> runs = Integer.parseInt(args[++i]);
        case "--tune-budget" -> tuneBudget = Double.parseDouble(args[++i]);
        case "--db" -> db = Path.of(args[++i]);
        case "--shape" -> shape = args[++i];
        case "--verbose" -> verbose = true;
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    ClDevice d = ClPlatforms.device(ClDevices.parseIndex(device, "opencl"));
    ClTuningDb tuning = ClTuningDb.load(db);
    System.out.printf("OpenCL convolution kernels on opencl:%d (%s), ResNet-18 shapes, batch 1%n", d.index(),
        d.describe());
    System.out.printf("measured: device time (profiling events), median of %d launches per kernel; tuning "
        + "database %s%n", runs, db);
    System.out.printf("%-42s %8s %8s %8s %6s  %s%n", "SHAPE", "NAIVE", "DEFAULT", "TUNED", "/PEAK",
        "TUNED KERNEL AND TILES (GFLOP/s)");
    // the FMA peak of the host's cores, measured now: the machine is shared, so kernel figures are read as ratios
    // to the peak of the same run
    int cores = Runtime.getRuntime().availableProcessors();
    double peak = NativeCore.measurePeakGflops(cores, 300);
    System.out.printf("measured FMA peak of the host: %.1f GFLOP/s (%d threads, native core, this run)%n", peak, cores);
    try (OpenClBackend backend = new OpenClBackend(d.index(), ClOptions.defaults().withTuningDb(db))) {
      for (ConvProblem p : ConvProblems.resnet18()) {
        if (shape != null && !p.key().contains(shape)) {
          continue;
        }
        ConvAlgorithm alg = p.algorithm(d.type());
        TileParams defaults = TileParams.defaults(d, alg, p);
        ConvChoice tuned = tuning.tuned(d, p);
        if (tuned == null && tuneBudget > 0) {
          final boolean v = verbose;
          ConvTuner.Result r = new ConvTuner(backend.programs(), tuning, runs).tune(List.of(p), tuneBudget,
              step -> {
                if (v) {
                  System.out.println("  tune: " + step.line());
                }
              }).get(0);
          tuned = new ConvChoice(r.algorithm(), r.best());
          tuning.save();
        }
        // naive: the interleaved kernel with one output per work-item (no register blocking, no explicit vectors)
        double naive = gflops(backend, p, ConvAlgorithm.DIRECT, new TileParams(1, 1, 16, false, 1), Math.min(3, runs));
        double def = gflops(backend, p, alg, defaults, runs);
        double best = tuned == null ? Double.NaN : gflops(backend, p, tuned.algorithm(), tuned.tiles(), runs);
        System.out.printf("%-42s %8.1f %8.1f %8s %6s  %s%n", p.key(), naive, def,
            Double.isNaN(best) ? "-" : String.format("%.1f", best),
            Double.isNaN(best) ? "-" : String.format("%.0f%%", 100 * best / peak),
            tuned == null ? "(not tuned)" : tuned);
      }
    }
    System.out.printf("measured FMA peak again after the kernels: %.1f GFLOP/s%n",
        NativeCore.measurePeakGflops(cores, 300));
  }

  private static double gflops(OpenClBackend b, ConvProblem p, ConvAlgorithm alg, TileParams t, int runs) {
    return ConvTimer.gflops(p, ConvTimer.medianNanos(b.programs(), p, alg, t, runs));
  }
}
