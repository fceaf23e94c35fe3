package io.edgewise.cli;

import io.edgewise.backend.OpProfile;
import io.edgewise.nativecore.NativeCore;
import io.edgewise.runtime.ConvFlops;
import io.edgewise.runtime.InterleavedLatency;
import io.edgewise.runtime.LatencyStats;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.Tensor;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The end-to-end benchmark: every model on every device at every thread count, measured in this one process, so
 * the cpu/ort ratios compare like with like. ONNX Runtime gets the same thread count (intra-op = threads,
 * inter-op = 1) and all graph optimizations. Convolution layers on our devices are also reported in GFLOP/s
 * against the FMA peak the harness measures itself.
 */
@Command(name = "bench", description = "Measure models on devices side by side (median and p90 latency).")
final class BenchCommand implements Callable<Integer> {
  @Parameters(paramLabel = "MODEL_DIR", arity = "1..*", description = "Model directories (model.onnx + test data).")
  List<Path> models;

  // several devices side by side, so not the one-device DeviceOption; the names read the same
  @Option(names = "--devices", split = ",", paramLabel = "NAME", defaultValue = "cpu,ort",
      description = "Devices to compare, comma-separated: " + DeviceOption.NAMES + " (default: ${DEFAULT-VALUE}).")
  List<String> devices;

  @Option(names = "--threads", split = ",", paramLabel = "N", defaultValue = "1,2",
      description = "Intra-op thread counts, comma-separated (default: ${DEFAULT-VALUE}).")
  List<Integer> threads;

  // at least 20 timed runs: fewer make the p90 meaningless
  @Mixin
  TimingOptions timing = new TimingOptions(20, 10, 20);

  // Warm-up goes on until the JIT has been idle 0.5 s (LatencyStats.warmUp); every device gets the same, ort included.
  @Option(names = "--warmup-seconds", paramLabel = "S",
      defaultValue = "1", description = "Warm up for at least this long as well, "
      + "then until the JVM's compiler has been idle 0.5 s (default: ${DEFAULT-VALUE} s).")
  double warmupSeconds;

  // a file, unlike the --json of other commands: the table stays on stdout
  @Option(names = "--json", paramLabel = "FILE", description = "Also write every figure as JSON to FILE.")
  Path json;

  @Option(names = "--layers", description = "Print each convolution layer's GFLOP/s.")
  boolean layers;

  @Mixin
  ShapeOptions shapes = new ShapeOptions();

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  /** thread_cpu_median_ms: the calling thread's CPU time, reported at one thread only (null otherwise). */
  record Row(String model, String device, int threads, int runs, double median_ms, double p90_ms, String kind,
      Double thread_cpu_median_ms) {}

  /** One convolution's measured figures: mean device (or wall) time per call over {@code calls} calls. */
  record Layer(String model, String device, int threads, String node, long flops, double ms, double gflops,
      double fractionOfPeak, long calls, String timing) {}

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    runs = timing.runs();
    warmup = timing.warmup();
    Map<Integer, Double> peak = new LinkedHashMap<>();
    for (int t : threads) {
      peak.put(t, NativeCore.measurePeakGflops(t, 300));
    }
    out.printf("FMA peak (measured here, %s): %s GFLOP/s by thread count%n", NativeCore.isa(), peak);
    List<Row> rows = new ArrayList<>();
    List<Layer> layerRows = new ArrayList<>();
    fpgaRows.clear();
    notes.clear();
    try (Progress progress = Progress.start(spec.commandLine().getErr(), "bench")) {
      int groups = models.size() * threads.size();
      int group = 0;
      for (Path dir : models) {
        String name = dir.getFileName().toString();
        for (int t : threads) {
          progress.step(String.format("%s at %d thread%s on %s (%d/%d)", name, t, t == 1 ? "" : "s",
              String.join(", ", devices), ++group, groups));
          measure(dir, name, t, peak.get(t), rows, layerRows, progress);
        }
      }
    }
    printTable(out, rows);
    notes.forEach(n -> out.println("note: " + n));
    printLayers(out, layerRows);
    FpgaFigures.print(out, fpgaRows, layers);
    if (json != null) {
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("peak_gflops", Map.of("kind", "measured", "isa", NativeCore.isa(), "by_threads", peak));
      doc.put("rows", rows);
      doc.put("layers", layerRows);
      doc.put("notes", notes);
      if (!fpgaRows.isEmpty()) {
        doc.put("fpga_layers", fpgaRows);
      }
      Files.writeString(json, Json.write(doc));
      out.println("wrote " + json);
    }
    return 0;
  }

  private static final double MAX_WARMUP_SECONDS = 15;

  /** --runs and --warmup, checked when the command starts. */
  private int runs;
  private int warmup;

  /** At least {@code warmup} runs and {@code warmupSeconds}, then until the JIT compiler has been quiet a while. */
  private void warmUp(Session s, Map<String, Tensor> feeds) {
    LatencyStats.warmUp(s, feeds, warmup, warmupSeconds, MAX_WARMUP_SECONDS);
  }

  /** Remarks printed under the table (compilation during timed runs). */
  private final List<String> notes = new ArrayList<>();

  /** Notes on what may have stretched a group's timed runs: late JIT compilation, a host that gave less compute. */
  private void noteMeasuringConditions(String name, int t, double peak, long jitMillis, int repeatedBlocks) {
    String group = String.format("%s at %d thread%s: ", name, t, t == 1 ? "" : "s");
    if (repeatedBlocks > 0) {
      // on 2 cores the compiler threads take a core from 2-thread runs (a few ms of late compilation are usual and
      // change nothing measurable); blocks it disturbed were measured again (InterleavedLatency)
      notes.add(group + "the JVM's compiler ran " + jitMillis + " ms during the timed runs; " + repeatedBlocks
          + " block" + (repeatedBlocks == 1 ? " was" : "s were") + " measured again because it ran during them");
    } else if (jitMillis >= 50) {
      notes.add(group + "the JVM's compiler ran " + jitMillis + " ms during the timed runs");
    }
    // A shared host can give the VM's cores less FMA throughput for minutes (2 threads measured 1.03x one thread's
    // peak while it lasted): measured again right after the runs, so such figures carry their context.
    double peakAfter = NativeCore.measurePeakGflops(t, 200);
    if (peakAfter < 0.85 * peak) {
      notes.add(group + String.format("the FMA peak measured right after the runs was %.0f GFLOP/s, %.0f%% of the "
          + "%.0f measured at the start: the host gave these runs less compute", peakAfter, 100 * peakAfter / peak,
          peak));
    }
  }

  /** Per-layer modeled and measured figures of devices that report them (fpga). */
  private final List<FpgaFigures.Row> fpgaRows = new ArrayList<>();

  /**
   * One model at one thread count on every device: the sessions are open together, warmed up one after the other,
   * then measured in alternating blocks of runs (InterleavedLatency), so that the ratios compare runs made under the
   * same load of a shared machine.
   */
  private void measure(Path dir, String name, int t, double peak, List<Row> rows, List<Layer> layerRows,
      Progress progress) {
    Path file = Files.isDirectory(dir) ? dir.resolve("model.onnx") : dir;
    List<Session> sessions = new ArrayList<>();
    List<Map<String, Tensor>> feeds = new ArrayList<>();
    try {
      for (String device : devices) {
        Session s = Session.open(file, SessionOptions.defaults().withDevice(device).withThreads(t));
        sessions.add(s);
        Map<String, Tensor> f = new LinkedHashMap<>();
        feeds.add(f);
        RunCommand.InputFiles.load(s, dir, shapes.checkedAgainst(s.inputs(), models.size() == 1), f);
        progress.detail("warming up " + device);
        warmUp(s, f);
      }
      for (Session s : sessions) {
        if (s.profile() != null) {
          s.profile().reset();
        }
      }
      progress.detail("measuring " + runs + " runs each");
      long jitBefore = LatencyStats.compilationMillis();
      InterleavedLatency.Measurement measured = InterleavedLatency.measure(sessions, feeds, runs);
      List<LatencyStats> stats = measured.stats();
      noteMeasuringConditions(name, t, peak, jitBefore < 0 ? 0 : LatencyStats.compilationMillis() - jitBefore,
          measured.repeatedBlocks());
      for (int i = 0; i < sessions.size(); i++) {
        Session s = sessions.get(i);
        LatencyStats st = stats.get(i);
        Double cpu = t == 1 && !Double.isNaN(st.threadCpuMedianMs()) ? st.threadCpuMedianMs() : null;
        rows.add(new Row(name, devices.get(i), t, runs, st.medianMs(), st.p90Ms(), "measured", cpu));
        fpgaRows.addAll(FpgaFigures.rows(name, s));
        if (s.profile() != null) {
          addLayers(s, s.profile(), name, devices.get(i), t, peak, layerRows, "the backend's per-node timer");
        }
      }
    } finally {
      sessions.forEach(Session::close);
      feeds.forEach(f -> f.values().forEach(Tensor::close));
    }
    for (String device : devices) {
      if (layers && device.startsWith("opencl") && !Boolean.getBoolean("edgewise.opencl.profile")) {
        progress.detail("profiling the layers on " + device);
        profiledOpenClLayers(file, dir, name, device, t, peak, layerRows);
      }
    }
  }

  /**
   * OpenCL per-layer figures come from a second, profiled session (profiling events per kernel, a wait after each:
   * not the latency above, which ran unprofiled): {@code runs} runs after the warm-up, device time per node.
   */
  private void profiledOpenClLayers(Path file, Path dir, String name, String device, int t, double peak,
      List<Layer> layerRows) {
    String property = "edgewise.opencl.profile";
    String before = System.getProperty(property);
    System.setProperty(property, "true");
    Map<String, Tensor> feeds = new LinkedHashMap<>();
    try (Session s = Session.open(file, SessionOptions.defaults().withDevice(device).withThreads(t))) {
      RunCommand.InputFiles.load(s, dir, shapes.checkedAgainst(s.inputs(), models.size() == 1), feeds);
      for (int i = 0; i < Math.max(1, warmup); i++) {
        s.run(feeds).values().forEach(Tensor::close);
      }
      OpProfile profile = s.profile();
      if (profile == null) {
        return;
      }
      profile.reset();
      for (int i = 0; i < runs; i++) {
        s.run(feeds).values().forEach(Tensor::close);
      }
      addLayers(s, profile, name, device, t, peak, layerRows, "device time (profiling events)");
    } finally {
      feeds.values().forEach(Tensor::close);
      if (before == null) {
        System.clearProperty(property);
      } else {
        System.setProperty(property, before);
      }
    }
  }

  private static void addLayers(Session s, OpProfile profile, String name, String device, int t, double peak,
      List<Layer> layerRows, String timing) {
    List<OpProfile.Entry> nodes = profile.nodes();
    Map<String, Long> flops = ConvFlops.ofProfiled(s.model(), nodes.stream().map(OpProfile.Entry::op).toList());
    for (OpProfile.Entry e : nodes) {
      String node = ConvFlops.modelValue(e.op());
      Long f = flops.get(node);
      if (f != null && e.calls() > 0) {
        double ms = e.nanos() / 1e6 / e.calls();
        double gflops = f / (ms * 1e6);
        layerRows.add(new Layer(name, device, t, node, f, ms, gflops, gflops / peak, e.calls(), timing));
      }
    }
  }

  private static void printTable(PrintWriter out, List<Row> rows) {
    out.println();
    out.printf("%-18s %-6s %7s %5s %11s %11s %12s %12s %12s%n", "MODEL", "DEVICE", "THREADS", "RUNS", "MEDIAN ms",
        "P90 ms", "vs ort", "CPU ms (1t)", "CPU vs ort");
    for (Row r : rows) {
      Row ort = rows.stream().filter(o -> o.device().equals("ort") && o.model().equals(r.model())
          && o.threads() == r.threads()).findFirst().orElse(null);
      String ratio = ort == null ? "-" : String.format("%.2fx", r.median_ms() / ort.median_ms());
      String cpu = r.thread_cpu_median_ms() == null ? "-" : String.format("%.3f", r.thread_cpu_median_ms());
      String cpuRatio = ort == null || r.thread_cpu_median_ms() == null || ort.thread_cpu_median_ms() == null ? "-"
          : String.format("%.2fx", r.thread_cpu_median_ms() / ort.thread_cpu_median_ms());
      out.printf("%-18s %-6s %7d %5d %11.3f %11.3f %12s %12s %12s%n", r.model(), r.device(), r.threads(), r.runs(),
          r.median_ms(), r.p90_ms(), ratio, cpu, cpuRatio);
    }
    out.println("(all measured in this process; medians and p90 over the runs shown, after a warm-up that lasted "
        + "until the JVM's compiler had been idle 0.5 s; the devices of a model and thread count ran in alternating "
        + "blocks of " + InterleavedLatency.BLOCK + " runs, each after a " + InterleavedLatency.QUIET_MILLIS
        + " ms pause and " + InterleavedLatency.SETTLE + " uncounted runs, so they share the machine's load (a block "
        + "during which the JVM's compiler worked " + InterleavedLatency.COMPILE_MILLIS + " ms or more was measured "
        + "again, up to " + InterleavedLatency.MAX_REPEATS + " times); 'vs ort' is the median latency ratio, below 1 is "
        + "faster than ONNX Runtime; 'CPU ms' is the median CPU time of the calling thread, which at one thread does "
        + "all the work on both devices and is not stretched by other processes)");
  }

  private void printLayers(PrintWriter out, List<Layer> layerRows) {
    if (layerRows.isEmpty()) {
      return;
    }
    out.println();
    out.println("Convolution layers (measured per call, mean over the timed runs; fraction of the measured peak):");
    Map<String, double[]> totals = new LinkedHashMap<>();
    for (Layer l : layerRows) {
      if (layers) {
        out.printf("  %-18s %-6s %dt %-40s %10.3f ms %8.1f GFLOP/s %5.1f%%  %d calls, %s%n", l.model(),
            l.device(), l.threads(), l.node(), l.ms(), l.gflops(), 100 * l.fractionOfPeak(), l.calls(), l.timing());
      }
      double[] t = totals.computeIfAbsent(l.model() + " " + l.device() + " " + l.threads() + "t",
          k -> new double[2]);
      t[0] += l.flops();
      t[1] += l.ms();
    }
    totals.forEach((k, t) -> out.printf("  %-32s all convolutions: %8.1f GFLOP/s%n", k, t[0] / (t[1] * 1e6)));
  }
}
