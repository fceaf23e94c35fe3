package io.edgewise.bench.select;

import io.edgewise.adapt.ModelSelector;
import io.edgewise.adapt.RegretTracker;
import io.edgewise.cli.DeviceOption;
import io.edgewise.cli.Json;
import io.edgewise.cli.JsonOption;
import io.edgewise.cli.Main;
import io.edgewise.cli.TimingOptions;
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
import org.knowm.xchart.style.markers.SeriesMarkers;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * `edgewise select-bench`: QoE-driven model selection ({@link SelectSimulation}): the group's variants' latencies are
 * measured here first (median of batch-1 runs), then a simulated device population runs them; the policies' regret
 * against the oracle is printed and plotted.
 */
@Command(name = "select-bench", description = "QoE-driven model selection by a contextual bandit: regret of LinUCB, "
    + "Thompson sampling and baselines on a simulated device population with measured base profiles.")
public final class SelectBenchCommand implements Callable<Integer> {
  @Parameters(index = "0", arity = "0..1", paramLabel = "GROUP",
      description = "Model group: a group.json or its directory (default: examples/groups/digits).")
  Path group;

  @Option(names = "--devices", paramLabel = "N", defaultValue = "200",
      description = "Simulated devices (default: ${DEFAULT-VALUE}).")
  int devices;

  @Option(names = "--rounds", paramLabel = "R", defaultValue = "10000",
      description = "Requests, one per round (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(names = "--penalty", paramLabel = "X", defaultValue = "0.5",
      description = "QoE penalty per tolerance of latency beyond the user's tolerance (default: ${DEFAULT-VALUE}).")
  double penalty;

  @Option(names = "--alpha", paramLabel = "X", defaultValue = "0.3",
      description = "LinUCB's exploration weight (default: ${DEFAULT-VALUE}).")
  double alpha;

  @Option(names = "--thompson-v", paramLabel = "X", defaultValue = "0.1",
      description = "Thompson sampling's posterior scale v (default: ${DEFAULT-VALUE}).")
  double thompsonV;

  @Option(names = "--epsilon", paramLabel = "X", defaultValue = "0.1",
      description = "Epsilon-greedy's exploration rate (default: ${DEFAULT-VALUE}).")
  double epsilon;

  @Option(names = "--seed", paramLabel = "N", defaultValue = "1",
      description = "Seed of the population and the request sequence (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--cache", paramLabel = "DIR", description = "Where the group's variants are built (default: "
      + "~/.cache/edgewise/groups).")
  Path cache;

  @Option(names = "--plot", paramLabel = "FILE", defaultValue = "select-bench-regret.png",
      description = "PNG of the cumulative regret of each policy (default: ${DEFAULT-VALUE}).")
  Path plot;

  // ref by default: on cpu the 8x8 digits CNN is overhead-bound at batch 1 (every variant about 0.065 ms, pruning
  // saves nothing measurable), while ref's plain-Java kernels scale with FLOPs like the slow devices simulated here
  @CommandLine.Mixin
  DeviceOption device = new DeviceOption("ref");

  @CommandLine.Mixin
  TimingOptions timing = new TimingOptions(200, 20, 5);

  @CommandLine.Mixin
  JsonOption json = new JsonOption();

  @Spec
  CommandLine.Model.CommandSpec spec;

  public static Path defaultCache() {
    return Path.of(System.getProperty("user.home"), ".cache", "edgewise", "groups");
  }

  @Override
  public Integer call() throws IOException {
    if (rounds < 8 || !(penalty >= 0) || !(alpha >= 0) || !(thompsonV >= 0) || !(epsilon >= 0 && epsilon <= 1)) {
      throw Main.usage(spec, "need --rounds >= 8, --penalty, --alpha, --thompson-v >= 0 and 0 <= --epsilon <= 1");
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    VariantGroup g = VariantGroup.load(group == null ? VariantGroup.DEFAULT : group,
        cache == null ? defaultCache() : cache, m -> err.println("select-bench: " + m));
    double[] latency = g.measureLatency(device.name(), timing.warmup(), timing.runs());
    List<ModelSelector.Variant> variants = new ArrayList<>();
    for (int i = 0; i < latency.length; i++) {
      VariantGroup.Variant v = g.variants().get(i);
      variants.add(new ModelSelector.Variant(v.name(), v.flops(), v.bytes(), v.accuracy(), latency[i]));
    }
    SelectSimulation sim = new SelectSimulation(variants, devices, penalty, seed);
    List<SelectSimulation.PolicyRun> runs = sim.run(rounds, seed, alpha, thompsonV, epsilon);
    writePlot(g.name(), runs);
    if (json.enabled()) {
      out.println(Json.write(toJson(g, variants, runs)));
    } else {
      print(out, g, variants, runs);
    }
    return 0;
  }

  private void print(PrintWriter out, VariantGroup g, List<ModelSelector.Variant> variants,
      List<SelectSimulation.PolicyRun> runs) {
    out.printf("select-bench, group %s: simulated population (%d devices), measured base profiles (device %s, median "
        + "of %d batch-1 runs), QoE = accuracy - %.2f * max(0, latency/tolerance - 1)%n", g.name(), devices,
        device.name(), timing.runs(), penalty);
    for (ModelSelector.Variant v : variants) {
      out.printf("  %-10s accuracy %.4f (measured, test split)  latency %.4f ms (measured)  %,.0f FLOPs  %,d B%n",
          v.name(), v.accuracy(), v.baseLatencyMs(), v.flops(), v.bytes());
    }
    double common = runs.get(0).regret().cumulativeRegret();
    out.printf("%-36s %8s %18s %10s %14s %14s%n", "policy", "rounds", "cumulative regret", "mean QoE", "vs common",
        "Q4/Q1 regret");
    for (SelectSimulation.PolicyRun r : runs) {
      RegretTracker t = r.regret();
      double q1 = t.quarterMeanRegret(0);
      out.printf("%-36s %8d %18.2f %10.4f %14s %14s%n", r.policy(), t.rounds(), t.cumulativeRegret(), t.meanReward(),
          common > 0 ? String.format("%.3fx", t.cumulativeRegret() / common) : "-",
          q1 > 0 ? String.format("%.3f", t.quarterMeanRegret(3) / q1) : "-");
    }
    out.println("plot: " + plot.toAbsolutePath());
  }

  private Map<String, Object> toJson(VariantGroup g, List<ModelSelector.Variant> variants,
      List<SelectSimulation.PolicyRun> runs) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("what", "simulated population, measured base profiles");
    m.put("group", g.name());
    m.put("devices", devices);
    m.put("penalty", penalty);
    m.put("measured_on", device.name());
    List<Map<String, Object>> vs = new ArrayList<>();
    for (ModelSelector.Variant v : variants) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("name", v.name());
      row.put("accuracy_measured", v.accuracy());
      row.put("latency_ms_measured", v.baseLatencyMs());
      row.put("flops", v.flops());
      row.put("bytes", v.bytes());
      vs.add(row);
    }
    m.put("variants", vs);
    List<Map<String, Object>> rows = new ArrayList<>();
    for (SelectSimulation.PolicyRun r : runs) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("policy", r.policy());
      row.put("rounds", r.regret().rounds());
      row.put("cumulative_regret", r.regret().cumulativeRegret());
      row.put("mean_qoe", r.regret().meanReward());
      row.put("first_quarter_regret_per_round", r.regret().quarterMeanRegret(0));
      row.put("last_quarter_regret_per_round", r.regret().quarterMeanRegret(3));
      row.put("simulated", true);
      rows.add(row);
    }
    m.put("rows", rows);
    m.put("plot", plot.toAbsolutePath().toString());
    return m;
  }

  private void writePlot(String name, List<SelectSimulation.PolicyRun> runs) throws IOException {
    System.setProperty("java.awt.headless", "true");
    XYChart chart = new XYChartBuilder().width(800).height(560)
        .title("Model selection, group " + name + ": simulated population, measured base profiles")
        .xAxisTitle("round").yAxisTitle("cumulative regret (expected QoE)").build();
    for (SelectSimulation.PolicyRun r : runs) {
      double[][] c = r.regret().curve(200);
      List<Double> xs = new ArrayList<>();
      List<Double> ys = new ArrayList<>();
      for (double[] p : c) {
        xs.add(p[0]);
        ys.add(p[1]);
      }
      XYSeries series = chart.addSeries(r.policy(), xs, ys);
      series.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
      series.setMarker(SeriesMarkers.NONE);
    }
    Path parent = plot.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    BitmapEncoder.saveBitmap(chart, plot.toString().replaceAll("\\.png$", ""), BitmapEncoder.BitmapFormat.PNG);
  }
}
