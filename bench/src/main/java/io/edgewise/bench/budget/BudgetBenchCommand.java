package io.edgewise.bench.budget;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgewise.bench.select.SelectBenchCommand;
import io.edgewise.bench.select.VariantGroup;
import io.edgewise.cli.DeviceOption;
import io.edgewise.cli.Json;
import io.edgewise.cli.JsonOption;
import io.edgewise.cli.Main;
import io.edgewise.serve.client.BudgetedCall;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * `edgewise budget-bench`: MDInference's time budgets. By default end to end on loopback ({@link BudgetLoopback}: a
 * real server in this process serves the group, each device an EdgewiseClient behind an emulated link whose delays
 * follow the paper's measured round-trip distributions); with --simulate the earlier sampled experiment
 * ({@link BudgetSimulation}: measured answers and server times, simulated link). Static, greedy, MDInference and
 * MDInference with the on-device fallback are compared per SLA.
 */
@Command(name = "budget-bench", description = "Per-request model choice under a latency SLA (MDInference): a real "
    + "server on loopback, clients behind an emulated link; accuracy and SLA attainment per policy and SLA.")
public final class BudgetBenchCommand implements Callable<Integer> {
  /** The round trips MDInference measured (mean, sd in ms). */
  public static final Map<String, BudgetSimulation.Link> LINKS = Map.of(
      "home", new BudgetSimulation.Link("home", 92.0, 48.4),
      "campus", new BudgetSimulation.Link("campus", 57.9, 30.8),
      "lte", new BudgetSimulation.Link("lte", 364.7, 170.6));

  @Parameters(index = "0", arity = "0..1", paramLabel = "GROUP",
      description = "Model group: a group.json or its directory (default: examples/groups/digits; "
          + "examples/groups/ocr-rec is the OCR recogniser's float, fp16 and int8 variants, examples/groups/ocr-cls "
          + "the orientation classifier's).")
  Path group;

  @Option(names = "--link", paramLabel = "home|campus|lte|FILE", defaultValue = "home", split = ",",
      description = "Round-trip distribution(s), comma-separated: home 92.0+-48.4 ms, campus 57.9+-30.8, lte "
          + "364.7+-170.6, or a JSON file {\"name\", \"mean_ms\", \"sd_ms\"} (default: ${DEFAULT-VALUE}).")
  List<String> link;

  @Option(names = "--simulate", description = "Sample the link and the measured server times instead of serving "
      + "over loopback HTTP (the earlier, faster experiment; rows labelled simulated link).")
  boolean simulate;

  @Option(names = "--write-repository", paramLabel = "DIR",
      description = "Write the group into the model repository DIR (DIR/GROUP/config.json with \"pipeline\": "
          + "\"group\" and copies of the variants) for `edgewise serve --models DIR`, then exit.")
  Path writeRepository;

  @Option(names = "--mbps", paramLabel = "MBPS", defaultValue = "1000",
      description = "Bandwidth of the emulated link in Mbit/s, on top of the drawn delay (default: ${DEFAULT-VALUE}, "
          + "so that the delay distribution is the link).")
  double mbps;

  @Option(names = "--fallback", paramLabel = "standby|backup|parallel", defaultValue = "standby",
      description = "The device's fallback: standby runs it with the request and uses its answer only if the "
          + "server's has not come by the SLA (MDInference); backup starts it once the remaining budget falls below "
          + "its expected time (LayerCake); parallel runs it with the request and the first answer wins "
          + "(default: ${DEFAULT-VALUE}).")
  String fallback;

  @Option(names = "--sla-ms", paramLabel = "MS", split = ",", defaultValue = "100,250,500,1000",
      description = "Latency SLAs to evaluate (default: ${DEFAULT-VALUE}).")
  double[] slas;

  @Option(names = "--requests", paramLabel = "N", defaultValue = "200",
      description = "Requests per policy and SLA (default: ${DEFAULT-VALUE}).")
  int requests;

  @Option(names = "--device-slowdown", paramLabel = "X", defaultValue = "20",
      description = "How much slower the device runs the fallback variant than this machine (default: "
          + "${DEFAULT-VALUE}).")
  double slowdown;

  @Option(names = "--seed", paramLabel = "N", defaultValue = "1",
      description = "Seed of the request sequence (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--cache", paramLabel = "DIR", description = "Where the group's variants are built (default: "
      + "~/.cache/edgewise/groups).")
  Path cache;

  // ref by default, as in select-bench: on cpu every digits variant is overhead-bound at batch 1
  @CommandLine.Mixin
  DeviceOption device = new DeviceOption("ref");

  @CommandLine.Mixin
  JsonOption json = new JsonOption();

  @Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    if (requests < 1 || !(slowdown > 0) || slas.length == 0 || !(mbps > 0)) {
      throw Main.usage(spec, "need --requests >= 1, --device-slowdown > 0, --mbps > 0 and at least one --sla-ms");
    }
    if (!List.of("standby", "backup", "parallel").contains(fallback)) {
      throw Main.usage(spec, "--fallback must be standby, backup or parallel, got " + fallback);
    }
    List<BudgetSimulation.Link> links = new ArrayList<>();
    for (String name : link) {
      links.add(link(name));
    }
    PrintWriter err = spec.commandLine().getErr();
    Path groupFile = group == null ? VariantGroup.DEFAULT : group;
    Path cacheRoot = cache == null ? SelectBenchCommand.defaultCache() : cache;
    if (OcrGroup.isOcr(groupFile)) {
      return ocr(OcrGroup.load(groupFile, cacheRoot, m -> err.println("budget-bench: " + m)), links);
    }
    VariantGroup g = VariantGroup.load(groupFile, cacheRoot, m -> err.println("budget-bench: " + m));
    if (writeRepository != null) {
      List<BudgetLoopback.Variant> vs = new ArrayList<>();
      for (VariantGroup.Variant v : g.variants()) {
        vs.add(new BudgetLoopback.Variant(v.name(), v.model(), v.accuracy()));
      }
      new BudgetLoopback(g.name(), vs, device.name(), g.testData(), slowdown, mbps, BudgetedCall.Mode.STANDBY,
          m -> { }).writeRepository(writeRepository, slas[0]);
      spec.commandLine().getOut().println("wrote model group " + g.name() + " (" + vs.size() + " variants, default "
          + "time_budget_ms " + slas[0] + ") into " + writeRepository.resolve(g.name()) + "; serve it with "
          + "./edgewise serve --models " + writeRepository);
      return 0;
    }
    return simulate ? simulated(g, links) : loopback(g, links);
  }

  /**
   * An OCR group: on its own device unless --device is given, scored 1 - CER per text line (recogniser) or right
   * orientation per line crop (classifier); no --simulate (the sampled experiment scores a dataset's top-1 answers).
   */
  private int ocr(OcrGroup g, List<BudgetSimulation.Link> links) throws IOException {
    String dev = spec.commandLine().getParseResult().hasMatchedOption("--device") ? device.name() : g.device();
    BudgetLoopback b = new BudgetLoopback(g.name(), g.variants(), dev, g.samples(), slowdown, mbps,
        BudgetedCall.Mode.valueOf(fallback.toUpperCase(java.util.Locale.ROOT)),
        m -> spec.commandLine().getErr().println("budget-bench: " + m));
    if (writeRepository != null) {
      b.writeRepository(writeRepository, slas[0]);
      spec.commandLine().getOut().println("wrote model group " + g.name() + " (" + g.variants().size()
          + " variants, default time_budget_ms " + slas[0] + ") into " + writeRepository.resolve(g.name())
          + "; serve it with ./edgewise serve --models " + writeRepository);
      return 0;
    }
    if (simulate) {
      throw Main.usage(spec, "--simulate scores top-1 answers: it does not take an OCR group (" + g.name() + ")");
    }
    String scoring = g.samples().orientationTask()
        ? "orientation right or wrong, the classifier on rendered text lines upright and turned 180 degrees ("
            + g.samples().size() + " crops)"
        : "1 - CER of the recogniser per rendered text line (" + g.samples().size() + " lines)";
    return report(g.name(), b, dev, scoring, links);
  }

  private int loopback(VariantGroup g, List<BudgetSimulation.Link> links) throws IOException {
    List<BudgetLoopback.Variant> vs = new ArrayList<>();
    for (VariantGroup.Variant v : g.variants()) {
      vs.add(new BudgetLoopback.Variant(v.name(), v.model(), v.accuracy()));
    }
    BudgetLoopback b = new BudgetLoopback(g.name(), vs, device.name(), g.testData(), slowdown, mbps,
        BudgetedCall.Mode.valueOf(fallback.toUpperCase(java.util.Locale.ROOT)),
        m -> spec.commandLine().getErr().println("budget-bench: " + m));
    return report(g.name(), b, device.name(), "top-1 on the test split", links);
  }

  /** Runs the loopback experiment and prints its rows. */
  private int report(String groupName, BudgetLoopback b, String dev, String scoring,
      List<BudgetSimulation.Link> links) throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    List<BudgetLoopback.Row> rows = b.run(links, slas, requests, seed);
    String what = "measured: a serve server in this process (device " + dev + ") answering over loopback "
        + "HTTP, each device an EdgewiseClient behind an emulated link (delay drawn per request from the link's "
        + "normal distribution, " + mbps + " Mbit/s); on-device fallback " + b.localVariant() + " run here, "
        + "modeled " + slowdown + "x slower (" + fallback + "); accuracy: " + scoring + ", 0 when late";
    List<Map<String, Object>> gains = gains(rows);
    if (json.enabled()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("what", what);
      m.put("group", groupName);
      m.put("local_variant", b.localVariant());
      m.put("local_p99_ms", b.localP99Ms());
      List<Map<String, Object>> list = new ArrayList<>();
      for (BudgetLoopback.Row r : rows) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("policy", r.policy());
        row.put("link", r.link());
        row.put("sla_ms", r.slaMs());
        row.put("accuracy", r.accuracy());
        row.put("sla_attainment", r.slaAttainment());
        row.put("mean_ms", r.meanMs());
        row.put("local_share", r.localShare());
        row.put("served", r.served());
        row.put("late", r.late());
        if (!Double.isNaN(r.maxHandoverMs())) {
          row.put("max_handover_ms", r.maxHandoverMs());
        }
        if (!Double.isNaN(r.localMeasuredP99Ms())) {
          row.put("local_measured_p99_ms", r.localMeasuredP99Ms());
        }
        if (!Double.isNaN(r.maxMarginMs())) {
          row.put("max_margin_ms", r.maxMarginMs());
        }
        row.put("figures", "measured (loopback HTTP, emulated link)");
        list.add(row);
      }
      m.put("rows", list);
      m.put("gains", gains);
      out.println(Json.write(m));
    } else {
      out.printf("budget-bench, group %s: %s; fallback p99 %.2f ms (modeled device)%n", groupName, what,
          b.localP99Ms());
      out.printf("%-28s %-7s %7s %9s %15s %9s %7s %5s %9s  %s%n", "policy", "link", "SLA ms", "accuracy",
          "SLA attainment", "mean ms", "local", "late", "handover", "answered by");
      for (BudgetLoopback.Row r : rows) {
        out.printf("%-28s %-7s %7.0f %9.4f %15.4f %9.1f %7.3f %5d %9.2f  %s%n", r.policy(), r.link(), r.slaMs(),
            r.accuracy(), r.slaAttainment(), r.meanMs(), r.localShare(), r.late(), r.maxHandoverMs(), r.served());
      }
      for (Map<String, Object> gm : gains) {
        out.printf("%s SLA %.0f ms: mdinference+fallback %.4f vs best static %s %.4f: gain %+.1f%%%n", gm.get("link"),
            (double) gm.get("sla_ms"), (double) gm.get("fallback_accuracy"), gm.get("best_static"),
            (double) gm.get("best_static_accuracy"), 100 * (double) gm.get("gain"));
      }
    }
    return 0;
  }

  /** Per link and SLA: MDInference + fallback's accuracy against the most accurate static variant's. */
  static List<Map<String, Object>> gains(List<BudgetLoopback.Row> rows) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (BudgetLoopback.Row fb : rows) {
      if (!fb.policy().equals("mdinference+fallback")) {
        continue;
      }
      BudgetLoopback.Row best = null;
      for (BudgetLoopback.Row r : rows) {
        if (r.policy().startsWith("static:") && r.link().equals(fb.link()) && r.slaMs() == fb.slaMs()
            && (best == null || r.accuracy() > best.accuracy())) {
          best = r;
        }
      }
      if (best == null) {
        continue;
      }
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("link", fb.link());
      m.put("sla_ms", fb.slaMs());
      m.put("best_static", best.policy().substring("static:".length()));
      m.put("best_static_accuracy", best.accuracy());
      m.put("fallback_accuracy", fb.accuracy());
      m.put("fallback_sla_attainment", fb.slaAttainment());
      m.put("gain", best.accuracy() > 0 ? fb.accuracy() / best.accuracy() - 1 : Double.NaN);
      out.add(m);
    }
    return out;
  }

  private int simulated(VariantGroup g, List<BudgetSimulation.Link> links) {
    PrintWriter out = spec.commandLine().getOut();
    List<VariantGroup.Answers> answers = g.answerAll(device.name(), 20);
    List<BudgetSimulation.Measured> measured = new ArrayList<>();
    for (int i = 0; i < answers.size(); i++) {
      measured.add(new BudgetSimulation.Measured(g.variants().get(i).name(), answers.get(i).correct(),
          answers.get(i).latencyMs()));
    }
    BudgetSimulation sim = new BudgetSimulation(measured, slowdown);
    List<BudgetSimulation.Row> rows = new ArrayList<>();
    for (BudgetSimulation.Link l : links) {
      rows.addAll(sim.run(l, slas, requests, seed));
    }
    String linkNames = String.join(",", links.stream().map(BudgetSimulation.Link::name).toList());
    if (json.enabled()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("what", "measured variants (answers and server times on device " + device.name() + "), simulated link "
          + linkNames + ", on-device fallback " + sim.localVariant() + " at " + slowdown + "x its measured time");
      m.put("group", g.name());
      m.put("local_p99_ms", sim.localP99Ms());
      List<Map<String, Object>> out2 = new ArrayList<>();
      for (BudgetSimulation.Row r : rows) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("policy", r.policy());
        row.put("link", r.link());
        row.put("sla_ms", r.slaMs());
        row.put("accuracy", r.accuracy());
        row.put("sla_attainment", r.slaAttainment());
        row.put("mean_ms", r.meanMs());
        row.put("figures", "measured models, simulated link");
        out2.add(row);
      }
      m.put("rows", out2);
      out.println(Json.write(m));
    } else {
      out.printf("budget-bench --simulate, group %s: measured variants (device %s, %d test samples each), SIMULATED "
          + "link %s; on-device fallback %s at %.0fx its measured time, p99 %.2f ms%n", g.name(), device.name(),
          measured.get(0).correct().length, linkNames, sim.localVariant(), slowdown, sim.localP99Ms());
      out.printf("%-52s %-7s %8s %9s %15s %9s%n", "policy", "link", "SLA ms", "accuracy", "SLA attainment", "mean ms");
      for (BudgetSimulation.Row r : rows) {
        out.printf("%-52s %-7s %8.0f %9.4f %15.4f %9.2f%n", r.policy(), r.link(), r.slaMs(), r.accuracy(),
            r.slaAttainment(), r.meanMs());
      }
    }
    return 0;
  }

  private BudgetSimulation.Link link(String name) throws IOException {
    BudgetSimulation.Link preset = LINKS.get(name);
    if (preset != null) {
      return preset;
    }
    Path file = Path.of(name);
    if (!Files.isRegularFile(file)) {
      throw Main.usage(spec, "--link: " + name + " is neither home, campus, lte nor a file");
    }
    JsonNode n = new ObjectMapper().readTree(file.toFile());
    double mean = n.path("mean_ms").asDouble(-1);
    double sd = n.path("sd_ms").asDouble(-1);
    if (!(mean >= 0) || !(sd >= 0)) {
      throw Main.usage(spec, "--link " + file + ": needs \"mean_ms\" and \"sd_ms\" >= 0");
    }
    return new BudgetSimulation.Link(n.path("name").asText(file.getFileName().toString()), mean, sd);
  }
}
