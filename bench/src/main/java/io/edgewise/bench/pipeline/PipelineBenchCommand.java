package io.edgewise.bench.pipeline;

import io.edgewise.apps.ocr.OcrOptions;
import io.edgewise.apps.ocr.PageRenderer;
import io.edgewise.cli.DeviceOption;
import io.edgewise.cli.Json;
import io.edgewise.cli.JsonOption;
import io.edgewise.cli.Main;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.serve.peer.TensorEncoding;
import io.edgewise.serve.pipeline.PlacedStageRunner;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * `edgewise pipeline-bench ocr`: the OCR pipeline's stages placed on the device or on a peer over an emulated link
 * ({@link PipelineExperiment}); device-only, peer-only, the decentralised rule and the per-job oracle.
 */
@Command(name = "pipeline-bench", description = "A multi-model job (the OCR pipeline on rendered pages) placed stage "
    + "by stage on the device or a peer over an emulated link: device-only, peer-only (cloud-only), the decentralised "
    + "rule and the per-job oracle; measured job latency and bytes moved.")
public final class PipelineBenchCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "JOB", defaultValue = "ocr",
      description = "The job: ocr (detector, orientation, recogniser on a rendered page; default).")
  String job;

  @Option(names = "--link", paramLabel = "home|campus|lte", split = ",", defaultValue = "home,campus,lte",
      description = "Links to run over (default: ${DEFAULT-VALUE}): round trips as MDInference measured them, "
          + "bandwidth assumed (home 20, campus 100, lte 10 Mbit/s).")
  List<String> links;

  @Option(names = "--jobs", paramLabel = "N", defaultValue = "8",
      description = "Pages per link, each run under every placement (default: ${DEFAULT-VALUE}).")
  int jobs;

  @Option(names = "--warmup-jobs", paramLabel = "N", defaultValue = "2",
      description = "Pages run first and not counted: sessions compiled, the rule's first measurements "
          + "(default: ${DEFAULT-VALUE}).")
  int warmupJobs;

  @Option(names = "--page", paramLabel = "WxH", description = "Size of the rendered pages (default: the "
      + "renderer's, a full page).")
  String pageSize;

  @Option(names = "--models", paramLabel = "DIR", defaultValue = "../shared/testdata/ocr",
      description = "The OCR models directory (default: ${DEFAULT-VALUE}).")
  Path models;

  @Option(names = "--threads", paramLabel = "N", defaultValue = "1",
      description = "Threads of the device's sessions (default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(names = "--peer-device", paramLabel = "NAME", defaultValue = "cpu",
      description = "The peer's device: " + DeviceOption.NAMES + " (default: ${DEFAULT-VALUE}).")
  String peerDevice;

  @Option(names = "--peer-threads", paramLabel = "N", defaultValue = "2",
      description = "Threads of the peer's sessions (default: ${DEFAULT-VALUE}).")
  int peerThreads;

  @Option(names = "--send-encoding", paramLabel = "fp32|fp16|int8", defaultValue = "int8",
      description = "How stage inputs (images) cross to the peer (default: ${DEFAULT-VALUE}).")
  String sendEncoding;

  @Option(names = "--receive-encoding", paramLabel = "fp32|fp16|int8", defaultValue = "fp16",
      description = "How stage outputs come back (default: ${DEFAULT-VALUE}).")
  String receiveEncoding;

  @Option(names = "--peer-decode", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "The recogniser on the peer answers with the greedy best path of its scores (two numbers per "
          + "step, exact) and the device decodes the text from it; --no-peer-decode: the scores of every character "
          + "at every step cross in the receive encoding (default: ${DEFAULT-VALUE}).")
  boolean peerDecode;

  @Option(names = "--peer-boxes", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "The detector on the peer answers with the page's boxes (its DB post-processing run there with "
          + "the device's thresholds, nine exact numbers per box) and the device crops from them; --no-peer-boxes: "
          + "its probability map (a number per pixel) crosses in the receive encoding (default: ${DEFAULT-VALUE}).")
  boolean peerBoxes;

  @Option(names = "--device-slowdown", paramLabel = "X", defaultValue = "1",
      description = "Stretch each model run on the device to X times its measured time, for a device weaker than "
          + "this machine (modeled; default: ${DEFAULT-VALUE}, as measured).")
  double deviceSlowdown;

  @Option(names = "--seed", paramLabel = "N", defaultValue = "1",
      description = "Seed of the pages and the round trips (default: ${DEFAULT-VALUE}).")
  long seed;

  @CommandLine.Mixin
  DeviceOption device = new DeviceOption("cpu");

  @CommandLine.Mixin
  JsonOption json = new JsonOption();

  @Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    if (!job.equals("ocr")) {
      throw Main.usage(spec, "JOB: only ocr is known, got " + job);
    }
    if (jobs < 1 || warmupJobs < 0 || threads < 1 || peerThreads < 1) {
      throw Main.usage(spec, "need --jobs >= 1, --warmup-jobs >= 0, --threads >= 1 and --peer-threads >= 1");
    }
    List<LinkProfile> profiles = new ArrayList<>();
    for (String l : links) {
      LinkProfile p = LinkProfile.named(l.trim());
      if (p == null) {
        throw Main.usage(spec, "--link: " + l + " is not home, campus or lte");
      }
      profiles.add(p);
    }
    if (!(deviceSlowdown >= 1)) {
      throw Main.usage(spec, "--device-slowdown must be >= 1, got " + deviceSlowdown);
    }
    PlacedStageRunner.Options runnerOptions = new PlacedStageRunner.Options(encoding("--send-encoding", sendEncoding),
        encoding("--receive-encoding", receiveEncoding), Duration.ofSeconds(120), null, deviceSlowdown, peerDecode,
        peerBoxes);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    OcrOptions deviceOptions = OcrOptions.defaults().withDevice(device.name()).withThreads(threads);
    SessionOptions peerOptions = SessionOptions.defaults().withDevice(peerDevice).withThreads(peerThreads);
    PageRenderer.Options pageOptions = PageRenderer.Options.defaults();
    if (pageSize != null) {
      int[] wh = Main.intPair(spec, pageSize, "x", "--page");
      try {
        pageOptions = pageOptions.withSize(wh[0], wh[1]);
      } catch (RuntimeException e) {
        throw Main.usage(spec, "--page: " + e.getMessage());
      }
    }
    PageRenderer renderer = new PageRenderer(pageOptions);
    List<PageRenderer.Page> warmup = new ArrayList<>();
    List<PageRenderer.Page> pages = new ArrayList<>();
    for (int i = 0; i < warmupJobs + jobs; i++) {
      (i < warmupJobs ? warmup : pages).add(renderer.render(seed, i));
    }
    String setup = PipelineExperiment.describe(deviceOptions, peerOptions, runnerOptions);
    List<PipelineExperiment.Series> all = new ArrayList<>();
    try (PipelineExperiment experiment = new PipelineExperiment(models, deviceOptions, peerOptions, runnerOptions,
        m -> err.println("pipeline-bench: " + m))) {
      for (LinkProfile p : profiles) {
        all.addAll(experiment.run(p, warmup, pages, seed));
      }
    }
    if (json.enabled()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("what", "measured job latency (end to end, " + jobs + " pages per link after " + warmupJobs
          + " not counted) over an EMULATED link; " + setup);
      List<Map<String, Object>> rows = new ArrayList<>();
      for (PipelineExperiment.Series s : all) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("policy", s.policy());
        row.put("link", s.link());
        row.put("mean_ms", s.meanMs());
        row.put("p99_ms", s.p99Ms());
        row.put("bytes", s.meanBytes());
        row.put("text_differs", s.textDiffers());
        row.put("figures", "measured compute, emulated link" + (deviceSlowdown > 1 ? ", modeled device slowdown" : ""));
        rows.add(row);
      }
      m.put("links", profiles.stream().map(LinkProfile::describe).toList());
      m.put("rows", rows);
      out.println(Json.write(m));
      return 0;
    }
    out.println("pipeline-bench ocr: " + setup);
    out.println("measured job latency over " + jobs + " pages per link (" + warmupJobs + " warm-up pages not "
        + "counted); the link is EMULATED: " + String.join("; ", profiles.stream().map(LinkProfile::describe)
        .toList()));
    out.printf("%-8s %-30s %10s %10s %12s %13s%n", "link", "policy", "mean ms", "p99 ms", "bytes/job",
        "text differs");
    for (PipelineExperiment.Series s : all) {
      out.printf("%-8s %-30s %10.1f %10.1f %12.0f %13d%n", s.link(), s.policy(), s.meanMs(), s.p99Ms(),
          s.meanBytes(), s.textDiffers());
    }
    return 0;
  }

  private TensorEncoding encoding(String option, String value) {
    try {
      return TensorEncoding.valueOf(value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw Main.usage(spec, option + ": " + value + " is not fp32, fp16 or int8");
    }
  }
}
