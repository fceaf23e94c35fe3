package io.edgewise.bench.reuse;

import io.edgewise.cli.DeviceOption;
import io.edgewise.cli.Json;
import io.edgewise.cli.JsonOption;
import io.edgewise.cli.Main;
import io.edgewise.cli.ThreadsOption;
import io.edgewise.apps.ocr.PageRenderer;
import io.edgewise.apps.ocr.reuse.OcrReuseOptions;
import io.edgewise.apps.ocr.stream.CameraStream;
import io.edgewise.files.FileTrees;
import io.edgewise.reuse.ReuseOptions;
import io.edgewise.train.LabeledSamples;
import io.edgewise.bench.reuse.ReuseBenchmark;
import io.edgewise.bench.reuse.ReuseBenchmark.Results;
import io.edgewise.bench.reuse.ReuseBenchmark.ScalePoint;
import io.edgewise.bench.reuse.ReuseBenchmark.StreamRun;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * `edgewise reuse bench`: the correlated-stream benchmark of the reuse store (see ReuseBenchmark). Every figure is
 * measured in this process on the named device; the lookup latencies at 10k/100k/1M entries use synthetic
 * entries (perturbed copies of the data set's images) and say so.
 */
@Command(name = "bench", description = "Reuse rate, accuracy, latency and eviction on a correlated image stream "
    + "(digits), or the OCR pipeline over camera-like frames of rendered pages (--workload ocr).")
public final class ReuseBenchCommand implements Callable<Integer> {
  @Option(names = "--workload", paramLabel = "NAME", defaultValue = "digits",
      description = "digits (a classifier over a correlated digits stream) or ocr (the OCR pipeline over camera-like "
          + "frames; default: ${DEFAULT-VALUE}).")
  String workload;

  @Option(names = "--models", paramLabel = "DIR", defaultValue = "../shared/testdata/ocr",
      description = "OCR workload: the models directory (default: ${DEFAULT-VALUE}).")
  Path models;

  @Option(names = "--configs", paramLabel = "NAME", split = ",", defaultValue = "none,frame,line,frame+line",
      description = "OCR workload: reuse configurations to run, each with a fresh store (default: ${DEFAULT-VALUE}).")
  List<String> configs;

  @Option(names = "--paths", paramLabel = "PATH", split = ",", defaultValue = "in-process",
      description = "OCR workload: in-process (ReusingOcr in this process) and/or serve (the same stream as KServe v2 "
          + "requests to a loopback server whose OCR model has a reuse section; default: ${DEFAULT-VALUE}).")
  List<String> paths;

  @CommandLine.Mixin
  ThreadsOption threads = new ThreadsOption();

  @Option(names = "--store", paramLabel = "DIR", description = "Where the bench's stores go (emptied first; "
      + "default: a temporary directory, deleted afterwards).")
  Path store;

  @Option(names = "--data", paramLabel = "DIR", defaultValue = "../shared/testdata/digits",
      description = "Samples: DIR/*_x.f32 and DIR/*_y.u8 (default: ${DEFAULT-VALUE}).")
  Path data;

  @Option(names = "--split", paramLabel = "FILE", description = "Split JSON whose \"test\" rows are used (default: "
      + "DIR/split_seed0.json when present, else every row).")
  Path split;

  @Option(names = "--model", paramLabel = "FILE", defaultValue = "../shared/testdata/models/digits_cnn_0to9/model.onnx",
      description = "Classifier taking one sample per run (default: ${DEFAULT-VALUE}).")
  Path model;

  @CommandLine.Mixin
  DeviceOption device = new DeviceOption();

  @Option(names = "--frames", paramLabel = "N",
      description = "Frames in the stream (default: 3000 digits, 240 OCR).")
  Integer frames;

  @Option(names = "--target", paramLabel = "X",
      description = "Accuracy target (default: 0.95).")
  Double target;

  @Option(names = "--warmup-frames", paramLabel = "N", defaultValue = "120",
      description = "OCR workload: frames of another stream (other pages) each configuration's store sees first, "
          + "uncounted: the calibration a store in use already has (default: ${DEFAULT-VALUE}).")
  int warmupFrames;

  @Option(names = "--tap", paramLabel = "NAME",
      defaultValue = "", description = "Tap point (default: the model input).")
  String tap;

  @Option(names = "--sweep", paramLabel = "X", split = ",", defaultValue = "0.5,0.6,0.7,0.8,0.9,0.95,0.99",
      description = "Accuracy targets of the plot (default: ${DEFAULT-VALUE}).")
  double[] sweep;

  @Option(names = "--sizes", paramLabel = "N", split = ",", defaultValue = "10000,100000,1000000",
      description = "Store sizes for lookup latency, synthetic entries (default: ${DEFAULT-VALUE}).")
  int[] sizes;

  @Option(names = "--queries", paramLabel = "N",
      defaultValue = "2000", description = "Lookups timed per size (default: ${DEFAULT-VALUE}).")
  int queries;

  @Option(names = "--capacity-entries", paramLabel = "N", defaultValue = "150",
      description = "Capacity of the eviction comparison, in entries' worth of bytes (default: ${DEFAULT-VALUE}).")
  int capacityEntries;

  @Option(names = "--plot", paramLabel = "FILE", defaultValue = "reuse-accuracy-vs-reuse-rate.png",
      description = "PNG of accuracy against reuse rate over the sweep (default: ${DEFAULT-VALUE}).")
  Path plot;

  @Option(names = "--seed", paramLabel = "N",
      defaultValue = "7", description = "Stream seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @CommandLine.Mixin
  JsonOption json = new JsonOption();

  @Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    if (workload.equals("ocr")) {
      return ocr();
    }
    if (!workload.equals("digits")) {
      throw Main.usage(spec, "unknown --workload '" + workload + "': digits or ocr");
    }
    int frames = this.frames == null ? 3000 : this.frames;
    double target = this.target == null ? 0.95 : this.target;
    if (frames < 10 || queries < 1 || capacityEntries < 1 || !(target > 0 && target < 1)) {
      throw Main.usage(spec, "need --frames >= 10, --queries >= 1, --capacity-entries >= 1, 0 < --target < 1");
    }
    Path splitFile = split;
    if (splitFile == null && Files.isRegularFile(data.resolve("split_seed0.json"))) {
      splitFile = data.resolve("split_seed0.json");
    }
    LabeledSamples samples = LabeledSamples.load(data, splitFile);
    boolean temporary = store == null;
    Path work = temporary ? Files.createTempDirectory("edgewise-reuse-bench") : store;
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Results r;
    try {
      r = ReuseBenchmark.run(new ReuseBenchmark.Config(model, samples, device.name(), frames, target, tap, null, sweep,
          sizes, queries, capacityEntries, seed, work), msg -> err.println("reuse bench: " + msg));
    } finally {
      if (temporary) {
        FileTrees.delete(work);
      }
    }
    writePlot(r);
    if (json.enabled()) {
      out.println(Json.write(toJson(r)));
    } else {
      print(out, r);
    }
    return 0;
  }

  private int ocr() throws IOException {
    int n = frames == null ? 240 : frames;
    double target = this.target == null ? OcrReuseOptions.DEFAULT_TARGET : this.target;
    if (n < 1 || warmupFrames < 0 || !(target > 0 && target < 1)) {
      throw Main.usage(spec, "need --frames >= 1, --warmup-frames >= 0 and 0 < --target < 1");
    }
    for (String c : configs) {
      OcrReuseOptions.named(c, ReuseOptions.defaults());
    }
    for (String p : paths) {
      if (!p.equals("in-process") && !p.equals("serve")) {
        throw Main.usage(spec, "unknown --paths entry '" + p + "': in-process or serve");
      }
    }
    boolean temporary = store == null;
    Path work = temporary ? Files.createTempDirectory("edgewise-reuse-ocr") : store;
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    List<OcrReuseBenchmark.Row> rows;
    try {
      if (!temporary && Files.exists(work)) {
        FileTrees.delete(work);
      }
      Files.createDirectories(work);
      rows = OcrReuseBenchmark.run(new OcrReuseBenchmark.Config(models, device.name(), threads.count(), n,
          warmupFrames, target, configs, seed, work, PageRenderer.Options.defaults().withSize(480, 360).withTextSizes(22, 32),
          CameraStream.Options.defaults(), paths), msg -> err.println("reuse bench: " + msg));
    } finally {
      if (temporary) {
        FileTrees.delete(work);
      }
    }
    if (json.enabled()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("workload", "ocr");
      m.put("device", device.name());
      m.put("accuracy_target", target);
      m.put("stream", "camera-like frames of 480x360 rendered pages (CameraStream defaults), seed " + seed);
      m.put("warmup_frames", warmupFrames);
      m.put("rows", rows);
      out.println(Json.write(m));
      return 0;
    }
    out.printf("reuse bench (ocr), measured in this process on device %s: %d camera-like frames of rendered pages, "
        + "accuracy target %.3f; each store saw %d frames of other pages first (uncounted)%n", device.name(), n, target,
        warmupFrames);
    out.printf("%-11s %-11s %10s %9s %10s %8s %11s %9s %9s %10s%n", "CONFIG", "PATH", "REUSE", "REJECTED",
        "LINE REUSE", "CER", "MEDIAN ms", "P99 ms", "MEAN ms", "LOOKUP ms");
    OcrReuseBenchmark.Row none = rows.stream().filter(r -> r.config().equals("none")).findFirst().orElse(null);
    for (OcrReuseBenchmark.Row r : rows) {
      out.printf("%-11s %-11s %10.3f %9.3f %10.3f %8.4f %11.1f %9.1f %9.1f %10.3f%s%n", r.config(), r.path(),
          r.reuseRate(), r.rejectRate(), r.lineReuseRate(), r.cer(), r.medianMs(), r.p99Ms(), r.meanMs(), r.lookupMedianMs(),
          none == null || r == none ? "" : String.format("   median %.1fx faster than none", none.medianMs()
              / r.medianMs()));
    }
    return 0;
  }

  private void print(PrintWriter out, Results r) {
    out.printf("reuse bench, measured in this process on device %s: %d frames of a correlated stream over %s%n",
        r.device(), r.baseline().frames(), r.data());
    out.printf("no reuse:  accuracy %.4f, frame latency mean %.3f ms, median %.3f ms (%d runs)%n",
        r.baseline().accuracy(), r.baseline().meanFrameMs(), r.baseline().medianFrameMs(), r.baseline().frames());
    printRun(out, "input tap", r.main(), r.baseline());
    if (r.backbone() != null) {
      printRun(out, "backbone tap", r.backbone(), r.baseline());
    }
    out.println("accuracy target sweep (input tap):");
    for (StreamRun s : r.sweep()) {
      out.printf("  target %.3f: reuse rate %.3f, accuracy %.4f, reused results agreeing with the model %.4f%n",
          s.target(), s.reuseRate(), s.accuracy(), s.reusePrecision());
    }
    out.println("eviction at a fixed capacity (input tap, target " + r.main().target() + "):");
    for (StreamRun s : r.eviction()) {
      out.printf("  %-10s capacity %d bytes: reuse rate %.3f, accuracy %.4f, %d evictions, %d entries at the end%n",
          s.eviction(), s.capacityBytes(), s.reuseRate(), s.accuracy(), s.evictions(), s.entries());
    }
    out.println("lookup latency by store size (SYNTHETIC entries: perturbed copies of the data set's images):");
    for (ScalePoint p : r.scale()) {
      out.printf("  %,9d entries: p50 %.3f ms, p99 %.3f ms over %d lookups, %.1f candidates inspected on average, "
          + "%.1f MB on disk, filled in %.1f s%n", p.entries(), p.lookupP50Ms(), p.lookupP99Ms(), p.queries(),
          p.meanCandidates(), p.onDiskBytes() / 1e6, p.insertSeconds());
    }
    out.println("plot: " + plot.toAbsolutePath());
  }

  private static void printRun(PrintWriter out, String what, StreamRun s, ReuseBenchmark.Baseline b) {
    out.printf("reuse (%s '%s', target %.2f): reuse rate %.3f, accuracy %.4f, reused results agreeing with the model "
        + "%.4f%n", what, s.tap(), s.target(), s.reuseRate(), s.accuracy(), s.reusePrecision());
    out.printf("  frame latency median %.3f ms (no reuse %.3f ms), mean %.3f ms (no reuse %.3f ms); lookup p50 %.3f ms, "
        + "p99 %.3f ms; %d entries, %.1f KB on disk%n", s.medianFrameMs(), b.medianFrameMs(), s.meanFrameMs(),
        b.meanFrameMs(), s.lookupP50Ms(), s.lookupP99Ms(), s.entries(), s.onDiskBytes() / 1e3);
  }

  private Map<String, Object> toJson(Results r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("measured", "in this process on device " + r.device() + ", wall clock");
    m.put("device", r.device());
    m.put("model", r.model());
    m.put("data", r.data());
    m.put("frames", r.baseline().frames());
    m.put("accuracy_target", r.main().target());
    m.put("reuse_rate", r.main().reuseRate());
    m.put("accuracy", r.main().accuracy());
    m.put("baseline_accuracy", r.baseline().accuracy());
    m.put("reuse_precision", r.main().reusePrecision());
    m.put("lookup_p50_ms", r.main().lookupP50Ms());
    m.put("lookup_p99_ms", r.main().lookupP99Ms());
    m.put("mean_frame_ms", r.main().meanFrameMs());
    m.put("baseline_mean_frame_ms", r.baseline().meanFrameMs());
    m.put("median_frame_ms", r.main().medianFrameMs());
    m.put("baseline_median_frame_ms", r.baseline().medianFrameMs());
    m.put("latency_saved_fraction_median", 1 - r.main().medianFrameMs() / r.baseline().medianFrameMs());
    m.put("latency_saved_fraction_mean", 1 - r.main().meanFrameMs() / r.baseline().meanFrameMs());
    m.put("on_disk_bytes", r.main().onDiskBytes());
    m.put("main", r.main());
    m.put("backbone", r.backbone());
    m.put("sweep", r.sweep());
    m.put("eviction", r.eviction());
    m.put("scale_synthetic", r.scale());
    m.put("plot", plot.toAbsolutePath().toString());
    return m;
  }

  private void writePlot(Results r) throws IOException {
    System.setProperty("java.awt.headless", "true");
    XYChart chart = new XYChartBuilder().width(800).height(560)
        .title("Reuse: accuracy vs reuse rate as the accuracy target moves (measured, " + r.device() + ")")
        .xAxisTitle("reuse rate").yAxisTitle("accuracy (true labels)").build();
    List<Double> xs = new ArrayList<>();
    List<Double> ys = new ArrayList<>();
    for (StreamRun s : r.sweep()) {
      xs.add(s.reuseRate());
      ys.add(s.accuracy());
    }
    if (!xs.isEmpty()) {
      chart.addSeries("with reuse (targets " + r.sweep().get(0).target() + " .. "
          + r.sweep().get(r.sweep().size() - 1).target() + ")", xs, ys).setXYSeriesRenderStyle(
              XYSeries.XYSeriesRenderStyle.Line);
    }
    chart.addSeries("no reuse", List.of(0.0, 1.0), List.of(r.baseline().accuracy(), r.baseline().accuracy()));
    Path parent = plot.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    BitmapEncoder.saveBitmap(chart, plot.toString().replaceAll("\\.png$", ""), BitmapEncoder.BitmapFormat.PNG);
  }

}
