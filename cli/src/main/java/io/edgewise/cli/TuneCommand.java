package io.edgewise.cli;

import io.edgewise.backend.opencl.ClDevice;
import io.edgewise.backend.opencl.ClDevices;
import io.edgewise.backend.opencl.ClPlatforms;
import io.edgewise.backend.opencl.ClTuningDb;
import io.edgewise.backend.opencl.ConvProblem;
import io.edgewise.backend.opencl.ConvProblems;
import io.edgewise.backend.opencl.ConvTuner;
import io.edgewise.backend.opencl.OpenClBackend;
import io.edgewise.backend.opencl.ClOptions;
import io.edgewise.model.Model;
import io.edgewise.model.onnx.OnnxImporter;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * `edgewise tune MODEL --device opencl[:i] [--budget S]`: tunes the tile parameters of the model's convolutions
 * on the device and saves the winners in the tuning database, which sessions read when they start.
 * `edgewise tune --show` prints the database.
 */
@Command(name = "tune", description = "Tune the OpenCL convolution kernels of a model on a device (tile sizes, "
    + "work-group sizes), each candidate verified against the reference first; save the winners in the tuning "
    + "database. --show prints what is tuned.")
final class TuneCommand implements Callable<Integer> {
  @Parameters(paramLabel = "MODEL", arity = "0..1", description = "A model.onnx or a directory holding one.")
  Path model;

  // only OpenCL has tunable kernels, so not the DeviceOption every other one-device command shares
  @Option(names = "--device", paramLabel = "NAME", defaultValue = "opencl",
      description = "The OpenCL device to tune: opencl[:i] (default: ${DEFAULT-VALUE}).")
  String device;

  @Option(names = "--budget", paramLabel = "S",
      defaultValue = "120", description = "Seconds to spend in total (default: ${DEFAULT-VALUE}).")
  double budget;

  @Option(names = "--runs", paramLabel = "N",
      defaultValue = "5", description = "Timed launches per candidate (default: ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--db", paramLabel = "FILE",
      description = "Tuning database file (default: ${sys:user.home}/.cache/edgewise/tuning-opencl.json).")
  Path db;

  @Option(names = "--show", description = "Print the tuned parameters of the device instead of tuning.")
  boolean show;

  @Option(names = "--verbose-search", description = "Print every candidate as it is measured.")
  boolean verboseSearch;

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    ClDevice d = ClPlatforms.device(ClDevices.parseIndex(device, "opencl"));
    Path dbFile = db != null ? db : ClTuningDb.defaultPath();
    if (show) {
      return show(out, ClTuningDb.load(dbFile), d, dbFile);
    }
    if (model == null) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "MODEL is required unless --show is given");
    }
    if (runs < 1 || budget < 0) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--runs must be >= 1 and --budget >= 0");
    }
    List<ConvProblem> problems;
    try (Model m = OnnxImporter.load(Files.isDirectory(model) ? model.resolve("model.onnx") : model)) {
      problems = new ArrayList<>(ConvProblems.of(m).keySet());
    }
    out.printf("tuning %d convolution shapes of %s on opencl:%d (%s), budget %.0f s, %d timed launches per "
        + "candidate%n", problems.size(), model, d.index(), d.name(), budget, runs);
    ClTuningDb tuning = ClTuningDb.load(dbFile);
    List<ConvTuner.Result> results;
    out.flush();
    try (OpenClBackend backend = new OpenClBackend(d.index(), ClOptions.defaults().withTuningDb(dbFile));
        Progress progress = Progress.start(spec.commandLine().getErr(), "tune")) {
      results = new ConvTuner(backend.programs(), tuning, runs).tune(problems, budget, step -> {
        if (verboseSearch) {
          progress.above(() -> {
            out.println("  " + step.line());
            out.flush();
          });
        }
        report(progress, step);
      });
    }
    tuning.save();
    out.printf("%-44s %-10s %-22s %9s %9s %7s%n", "SHAPE", "KERNEL", "BEST TILES", "DEFAULT", "TUNED", "TRIED");
    for (ConvTuner.Result r : results) {
      out.printf("%-44s %-10s %-22s %9.1f %9.1f %4d/%d%n", r.problem().key(), r.algorithm(), r.best(),
          r.defaultGflops(), r.bestGflops(), r.tried() - r.rejected(), r.tried());
    }
    out.printf("GFLOP/s measured on opencl:%d: median device time (profiling events) of %d launches each; "
        + "TRIED = verified/compiled candidates. Saved to %s%n", d.index(), runs, dbFile);
    return 0;
  }

  /** A plain line per shape as it starts; on a terminal also the candidate and the best so far. */
  private static void report(Progress progress, ConvTuner.Step step) {
    if (step.candidate() == 0) {
      progress.step(String.format("shape %d/%d %s, %d candidates", step.shape(), step.shapes(), step.problem().key(),
          step.candidates()));
    } else {
      progress.detail(String.format("candidate %d of %d, best %.1f GFLOP/s", step.candidate(), step.candidates(),
          step.bestGflops()));
    }
  }

  private static int show(PrintWriter out, ClTuningDb tuning, ClDevice d, Path file) {
    List<ClTuningDb.Entry> entries = tuning.entries(d);
    out.printf("%d tuned shapes for opencl:%d (%s) in %s%n", entries.size(), d.index(), d.name(), file);
    for (ClTuningDb.Entry e : entries) {
      out.printf("%-44s %-10s %-22s %9.1f GFLOP/s (default %.1f; measured %s, median of %d)%n", e.problem(),
          e.algorithm(), e.tiles(), e.gflops(), e.defaultGflops(), e.measuredAt(), e.runs());
    }
    return 0;
  }
}
