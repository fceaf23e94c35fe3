package io.edgewise.cli;

import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.runtime.plan.Plan;
import io.edgewise.tensor.Tensor;
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
 * {@code edgewise plan MODEL}: where the `auto` device places each node, the regions with their predicted time
 * (the planner's cost model) and measured time (median wall time of each region over the timed runs), and the values
 * that cross devices. The first run plans, measuring on each device what the profile database lacks. The timed runs
 * come in blocks between rounds of a check of each device's whole run, so that the predictions are taken at the
 * machine's speed of the same minutes ({@code --no-check}: the plan's runs alone, predicted as planned).
 */
@Command(name = "plan", description = "Show the auto device's placement plan: node to device, and per region the "
    + "predicted and the measured time.")
final class PlanCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "MODEL", description = "A model.onnx file, or an ONNX test directory.")
  Path model;

  @Option(names = "--devices", split = ",", paramLabel = "NAME",
      description = "Devices to plan over, comma-separated, of: " + DeviceOption.NAMES + " (default: every device "
          + "found here but ref and ort, as auto plans).")
  List<String> devices = new ArrayList<>();

  @Option(names = "--remeasure", description = "Measure the model on every device again, though the profile "
      + "database has it (the figures replace the old ones), so that the prediction and the timed runs see the same "
      + "machine.")
  boolean remeasure;

  @Option(names = "--no-check", description = "Time the plan's runs alone. By default they run in blocks between "
      + "rounds of a check (each device of the plan runs the whole model), and each region is predicted at its "
      + "device's speed as checked where the check is off the planned figures by more than 15%: on a shared machine "
      + "the speed moves within seconds, and a prediction is judged against runs of the same minutes.")
  boolean noCheck;

  @Mixin
  ThreadsOption threads = new ThreadsOption();

  @Mixin
  TimingOptions timing = new TimingOptions(20, 5, 1);

  @Mixin
  ShapeOptions shapes = new ShapeOptions();

  @Mixin
  JsonOption json = new JsonOption();

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  /** The --json document: what `edgewise plan` prints, figures labelled predicted (modeled) or measured. */
  record Doc(String model, String signature, List<String> devices, List<Node> nodes, List<Region> regions,
      List<Plan.Transfer> transfers, double predicted_ms, double measured_ms, String best_single_device,
      double best_single_device_predicted_ms, int runs, List<String> notes, List<Candidate> candidates,
      List<Check> checks) {}

  /**
   * A device's whole run timed between the plan's timed runs: predicted by the planned figures, measured (median),
   * runs, and the factor its regions' predictions took (1 within the margin).
   */
  record Check(String device, double predicted_ms, double measured_ms, int runs, double factor) {}

  /** A candidate plan measured when the plan was chosen (predicted: the cost model; measured: its timed runs). */
  record Candidate(String plan, double predicted_ms, double measured_ms, int runs, boolean chosen) {}

  record Node(String name, String op, String device) {}

  /**
   * predicted_ms: at the device's speed as checked beside the runs; profile_predicted_ms: from the figures as planned
   * (the same without a check).
   */
  record Region(String device, int nodes, double predicted_ms, double measured_ms, double profile_predicted_ms) {}

  @Override
  public Integer call() {
    int runs = timing.runs();
    int warmup = timing.warmup();
    PrintWriter out = spec.commandLine().getOut();
    Path file = Files.isDirectory(model) ? model.resolve("model.onnx") : model;
    SessionOptions options = SessionOptions.defaults().withDevice("auto").withThreads(threads.count())
        .withPlanDevices(devices);
    Map<String, Tensor> feeds = new LinkedHashMap<>();
    if (remeasure) {
      System.setProperty("edgewise.profile.remeasure", "true");  // this process is this one command
    }
    try (Session session = Session.open(file, options)) {
      String source = RunCommand.InputFiles.load(session, model, shapes.checkedAgainst(session.inputs()), feeds);
      // the first run plans (and measures what the profile lacks); the warm-up runs are not timed
      for (int i = 0; i < 1 + warmup; i++) {
        session.run(feeds).values().forEach(Tensor::close);
      }
      session.resetPlanTimes();
      double[] ms = new double[runs];
      // the timed runs in blocks, a round of the check before each and after the last (none with --no-check)
      int blocks = noCheck ? 1 : Math.min(CHECK_BLOCKS, runs);
      int perBlock = Math.max(1, runs / blocks);  // the check's blocks as long as the timed ones
      for (int b = 0, i = 0; b < blocks; b++) {
        if (!noCheck) {
          session.checkPlan(feeds, perBlock);
        }
        for (int end = (int) ((long) runs * (b + 1) / blocks); i < end; i++) {
          long start = System.nanoTime();
          session.run(feeds).values().forEach(Tensor::close);
          ms[i] = (System.nanoTime() - start) / 1e6;
        }
      }
      if (!noCheck) {
        session.checkPlan(feeds, perBlock);
      }
      java.util.Arrays.sort(ms);
      double wallMs = runs % 2 == 1 ? ms[runs / 2] : (ms[runs / 2 - 1] + ms[runs / 2]) / 2;
      Plan plan = session.plan();
      if (json.enabled()) {
        out.println(Json.write(doc(plan, wallMs, runs)));
      } else {
        print(out, plan, wallMs, runs, warmup, source);
      }
    } finally {
      feeds.values().forEach(Tensor::close);
    }
    return 0;
  }

  /**
   * Blocks the timed runs are split in, with a round of the check around each (4 runs a block at the default 20). The
   * host gives this process a share of the cores that moves 20x within a second at load 18 (the OCR classifier on
   * the cpu, one thread: medians of half-second stretches 0.7 and 16-24 ms in turn, 2026-12-07), so the runs and the
   * check take turns; not one run a block: a run right after another executable's is not one of runs back to back.
   */
  static final int CHECK_BLOCKS = 5;

  private Doc doc(Plan plan, double wallMs, int runs) {
    List<Node> nodes = plan.nodes().stream().map(n -> new Node(n.name(), n.op(), n.device())).toList();
    List<Region> regions = plan.regions().stream()
        .map(r -> new Region(r.device(), r.nodes(), round(r.predictedMs()), round(r.measuredMs()),
            round(r.profileMs()))).toList();
    return new Doc(model.toString(), plan.signature(), plan.devices(), nodes, regions, plan.transfers(),
        round(plan.predictedMs()), round(wallMs), plan.bestSingleDevice(), round(plan.bestSingleDeviceMs()), runs,
        plan.notes(), plan.candidates().stream().map(c -> new Candidate(c.plan(), round(c.predictedMs()),
            round(c.measuredMs()), c.runs(), c.chosen())).toList(),
        plan.checks().stream().map(c -> new Check(c.device(), round(c.predictedMs()), round(c.measuredMs()), c.runs(),
            Math.round(c.factor() * 1000) / 1000.0)).toList());
  }

  private static double round(double v) {
    return Double.isNaN(v) ? v : Math.round(v * 1000) / 1000.0;
  }

  private void print(PrintWriter out, Plan plan, double wallMs, int runs, int warmup, String source) {
    out.printf("plan for %s (%s; inputs %s) over %s%n", model, plan.signature(), source,
        String.join(", ", plan.devices()));
    out.printf("%-7s %-10s %6s %14s %13s %7s %14s%n", "region", "device", "nodes", "predicted ms", "measured ms",
        "error", "as planned ms");
    for (int i = 0; i < plan.regions().size(); i++) {
      Plan.Region r = plan.regions().get(i);
      out.printf("%-7d %-10s %6d %14.3f %13.3f %6.1f%% %14.3f%n", i, r.device(), r.nodes(), r.predictedMs(),
          r.measuredMs(), 100 * (r.predictedMs() - r.measuredMs()) / r.measuredMs(), r.profileMs());
    }
    for (Plan.Check c : plan.checks()) {
      out.printf("check beside the runs: %s whole run predicted %.3f ms, measured %.3f ms (median of %d): regions "
          + "predicted at x%.3f%n", c.device(), c.predictedMs(), c.measuredMs(), c.runs(), c.factor());
    }
    out.printf("whole run: predicted %.3f ms, measured %.3f ms (median of %d runs after %d warm-up runs; a region's "
        + "measured time is the median wall time of its runs, transfers in and out included)%n", plan.predictedMs(),
        wallMs, runs, warmup);
    out.printf("best single device (predicted): %s at %.3f ms%n", plan.bestSingleDevice(),
        plan.bestSingleDeviceMs());
    if (!plan.transfers().isEmpty()) {
      out.println("transfers (predicted):");
      for (Plan.Transfer t : plan.transfers()) {
        out.printf("  %s: %s -> %s, %d bytes, %.3f ms%n", t.value(), t.from(), t.to(), t.bytes(), t.predictedMs());
      }
    }
    if (!plan.candidates().isEmpty()) {
      out.println("candidate plans, measured when the plan was chosen:");
      for (Plan.Candidate c : plan.candidates()) {
        out.printf("  %-10s predicted %10.3f ms, measured %10.3f ms%s%n", c.plan(), c.predictedMs(), c.measuredMs(),
            c.chosen() ? " (kept)" : "");
      }
    }
    plan.notes().forEach(n -> out.println("note: " + n));
    out.println("nodes:");
    for (Plan.NodeEntry n : plan.nodes()) {
      out.printf("  %-40s %-24s %s%n", n.name(), n.op(), n.device());
    }
  }
}
