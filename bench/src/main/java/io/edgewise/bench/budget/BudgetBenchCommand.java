package io.edgewise.bench.budget;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgewise.bench.select.SelectBenchCommand;
import io.edgewise.bench.select.VariantGroup;
import io.edgewise.cli.DeviceOption;
import io.edgewise.cli.Json;
import io.edgewise.cli.JsonOption;
import io.edgewise.cli.Main;
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
 * `edgewise budget-bench`: MDInference's time budgets ({@link BudgetSimulation}): the group's variants are run on every
 * test sample here (measured answers and server times), the link is simulated from the paper's measured round-trip
 * distributions, and static, greedy, MDInference and MDInference with the on-device fallback are compared per SLA.
 */
@Command(name = "budget-bench", description = "Per-request model choice under a latency SLA (MDInference): measured "
    + "variants, simulated link; accuracy and SLA attainment per policy and SLA.")
public final class BudgetBenchCommand implements Callable<Integer> {
  /** The round trips MDInference measured (mean, sd in ms). */
  static final Map<String, BudgetSimulation.Link> LINKS = Map.of(
      "home", new BudgetSimulation.Link("home", 92.0, 48.4),
      "campus", new BudgetSimulation.Link("campus", 57.9, 30.8),
      "lte", new BudgetSimulation.Link("lte", 364.7, 170.6));

  @Parameters(index = "0", arity = "0..1", paramLabel = "GROUP",
      description = "Model group: a group.json or its directory (default: examples/groups/digits).")
  Path group;

  @Option(names = "--link", paramLabel = "home|campus|lte|FILE", defaultValue = "home",
      description = "Round-trip distribution: home 92.0+-48.4 ms, campus 57.9+-30.8, lte 364.7+-170.6, or a JSON "
          + "file {\"name\", \"mean_ms\", \"sd_ms\"} (default: ${DEFAULT-VALUE}).")
  String link;

  @Option(names = "--sla-ms", paramLabel = "MS", split = ",", defaultValue = "100,250,500,1000",
      description = "Latency SLAs to evaluate (default: ${DEFAULT-VALUE}).")
  double[] slas;

  @Option(names = "--requests", paramLabel = "N", defaultValue = "5000",
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
    if (requests < 1 || !(slowdown > 0) || slas.length == 0) {
      throw Main.usage(spec, "need --requests >= 1, --device-slowdown > 0 and at least one --sla-ms");
    }
    BudgetSimulation.Link l = link(link);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    VariantGroup g = VariantGroup.load(group == null ? VariantGroup.DEFAULT : group,
        cache == null ? SelectBenchCommand.defaultCache() : cache, m -> err.println("budget-bench: " + m));
    List<VariantGroup.Answers> answers = g.answerAll(device.name(), 20);
    List<BudgetSimulation.Measured> measured = new ArrayList<>();
    for (int i = 0; i < answers.size(); i++) {
      measured.add(new BudgetSimulation.Measured(g.variants().get(i).name(), answers.get(i).correct(),
          answers.get(i).latencyMs()));
    }
    BudgetSimulation sim = new BudgetSimulation(measured, slowdown);
    List<BudgetSimulation.Row> rows = sim.run(l, slas, requests, seed);
    if (json.enabled()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("what", "measured variants (answers and server times on device " + device.name() + "), simulated link "
          + l.name() + " " + l.meanMs() + "+-" + l.sdMs() + " ms, on-device fallback " + sim.localVariant() + " at "
          + slowdown + "x its measured time");
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
      out.printf("budget-bench, group %s: measured variants (device %s, %d test samples each), SIMULATED link %s "
          + "(%.1f +- %.1f ms); on-device fallback %s at %.0fx its measured time, p99 %.2f ms%n", g.name(),
          device.name(), measured.get(0).correct().length, l.name(), l.meanMs(), l.sdMs(), sim.localVariant(),
          slowdown, sim.localP99Ms());
      out.printf("%-52s %8s %9s %15s %9s%n", "policy", "SLA ms", "accuracy", "SLA attainment", "mean ms");
      for (BudgetSimulation.Row r : rows) {
        out.printf("%-52s %8.0f %9.4f %15.4f %9.2f%n", r.policy(), r.slaMs(), r.accuracy(), r.slaAttainment(),
            r.meanMs());
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
