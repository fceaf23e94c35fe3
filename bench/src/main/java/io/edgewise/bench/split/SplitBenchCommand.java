package io.edgewise.bench.split;

import io.edgewise.cli.DeviceOption;
import io.edgewise.cli.Main;
import io.edgewise.cli.ThreadsOption;
import io.edgewise.EdgewiseException;
import io.edgewise.adapt.PartitionPolicy;
import io.edgewise.model.Model;
import io.edgewise.model.ValueInfo;
import io.edgewise.model.onnx.OnnxImporter;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.runtime.split.CutPoint;
import io.edgewise.serve.peer.TensorEncoding;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorProtos;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * `edgewise split-bench`: split execution between this device and a peer on loopback under changing conditions,
 * comparing all-local, all-remote, Neurosurgeon-style static partitioning and ANS's muLinUCB against an oracle that
 * knows each phase's conditions (the best cut per phase from a calibration sweep). Prints per-policy mean latency
 * and regret, and plots the cut each policy chose over time.
 */
@Command(name = "split-bench", description = "Split a model between device and peer under changing link and load; "
    + "compare partitioning policies (measured latency, regret against the oracle) and plot the cut over time.")
public final class SplitBenchCommand implements Callable<Integer> {
  @Parameters(paramLabel = "MODEL_DIR", description = "Model directory (model.onnx and test_data_set_0).")
  Path modelDir;

  // the experiment's edge device is the slow one (ref) and its peer the fast one, not auto on both sides
  @Mixin
  DeviceOption device = new DeviceOption("ref");

  @Option(names = "--peer-device", paramLabel = "NAME", defaultValue = "cpu",
      description = "The peer's device: " + DeviceOption.NAMES + " (default: ${DEFAULT-VALUE}).")
  String peerDevice;

  // on each side; one thread by default so the two sides do not fight over the cores
  @Mixin
  ThreadsOption threads = new ThreadsOption(1);

  @Option(names = "--steps", paramLabel = "N",
      defaultValue = "160", description = "Requests per policy (default: ${DEFAULT-VALUE}).")
  int steps;

  @Option(names = "--phase-steps", paramLabel = "N", defaultValue = "40",
      description = "Requests per phase of conditions; phases cycle (default: ${DEFAULT-VALUE}).")
  int phaseSteps;

  @Option(names = "--max-cuts", paramLabel = "N",
      defaultValue = "8", description = "Cut points offered (default: ${DEFAULT-VALUE}).")
  int maxCuts;

  @Option(names = "--calibration-runs", paramLabel = "N", defaultValue = "3",
      description = "Runs per cut and phase for the oracle (default: ${DEFAULT-VALUE}).")
  int calibrationRuns;

  @Option(names = "--alpha", paramLabel = "MS",
      description = "muLinUCB exploration weight in ms (default: a quarter of the all-local "
      + "latency).")
  Double alpha;

  @Option(names = "--gamma", paramLabel = "X", defaultValue = "0.9",
      description = "Discount of the adaptive muLinUCB variant (default: ${DEFAULT-VALUE}; the paper's is 1).")
  double gamma;

  @Option(names = "--encoding", paramLabel = "NAME",
      defaultValue = "FP32", description = "Intermediate tensors: FP32, FP16, INT8 "
      + "(default: ${DEFAULT-VALUE}).")
  TensorEncoding encoding;

  @Option(names = "--plot", paramLabel = "FILE",
      defaultValue = "split-bench.png", description = "PNG of the chosen cut over time "
      + "(default: ${DEFAULT-VALUE}).")
  Path plot;

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    int threads = this.threads.count();
    String device = this.device.name();
    if (steps < 1 || phaseSteps < 1 || maxCuts < 2 || calibrationRuns < 1 || !(gamma > 0 && gamma <= 1)) {
      throw Main.usage(spec, "need --steps, --phase-steps, --calibration-runs >= 1, --max-cuts >= 2, 0 < --gamma <= 1");
    }
    Map<String, Tensor> inputs = readInputs();
    List<SplitExperiment.Phase> phases = SplitExperiment.defaultPhases();
    SessionOptions deviceOptions = SessionOptions.defaults().withDevice(device).withThreads(threads);
    SessionOptions peerOptions = SessionOptions.defaults().withDevice(peerDevice).withThreads(threads);
    try (SplitExperiment exp = new SplitExperiment(modelDir, inputs, deviceOptions, peerOptions, phases, phaseSteps,
        maxCuts, encoding, m -> out.println("  " + m))) {
      String name = modelDir.toAbsolutePath().normalize().getFileName().toString();
      out.printf("split-bench: %s, device '%s' -> peer '%s' (%d thread(s) each) over an emulated link on loopback, "
          + "intermediate tensors %s%n", name, device, peerDevice, threads, encoding);
      List<CutPoint> cuts = exp.cuts();
      out.printf("cuts offered (%d; arm 0 = all-remote, arm %d = all-local):%n", cuts.size(), cuts.size() - 1);
      for (int a = 0; a < cuts.size(); a++) {
        out.printf("  arm %d: %s, %d layers after it%n", a, cuts.get(a).describe(), cuts.get(a).suffix().layers());
      }
      out.printf("phases (%d requests each, cycling; conditions modeled):%n", phaseSteps);
      for (SplitExperiment.Phase p : phases) {
        out.printf("  %-22s link %.0f Mbit/s, %.0f ms one way; peer load %.0fx%n", p.name(), p.mbps(), p.latencyMs(),
            p.peerLoad());
      }
      out.flush();
      SplitExperiment.Calibration cal = exp.calibrate(calibrationRuns);
      printCalibration(out, phases, cal);
      double a = alpha != null ? alpha : 0.25 * cal.totalMs()[0][cuts.size() - 1];
      List<PartitionPolicy> policies = new ArrayList<>(exp.baselines());
      policies.add(exp.neurosurgeon(cal));
      policies.add(exp.muLinUcb(cal, a, 1.0));
      policies.add(new Renamed(exp.muLinUcb(cal, a, gamma), "muLinUCB gamma=" + gamma));
      out.printf("muLinUCB: exploration weight alpha %.2f ms, forced sampling mu 0.25, horizon 200 (doubling)%n", a);
      out.printf("playing %d requests per policy, the %d policies taking turns request by request...%n", steps,
          policies.size());
      out.flush();
      List<SplitExperiment.Trace> traces = exp.play(policies, steps, cal);
      printResults(out, exp, phases, cal, traces);
      SplitBenchPlot.write(plot, name, traces, exp, cal, steps);
      out.printf("plot of the chosen cut over time: %s%n", plot.toAbsolutePath());
    } finally {
      inputs.values().forEach(Tensor::close);
    }
    return 0;
  }

  private Map<String, Tensor> readInputs() {
    Path file = modelDir.resolve("model.onnx");
    Path data = modelDir.resolve("test_data_set_0");
    if (!Files.isRegularFile(file) || !Files.isDirectory(data)) {
      throw new EdgewiseException(EdgewiseException.ErrorCode.NOT_FOUND, modelDir + ": needs model.onnx and "
          + "test_data_set_0/input_K.pb");
    }
    Map<String, Tensor> inputs = new HashMap<>();
    try (Model m = OnnxImporter.load(file)) {
      List<ValueInfo> declared = m.graph().inputs().stream().filter(v -> !m.graph().isInitializer(v.name())).toList();
      for (int k = 0; k < declared.size(); k++) {
        inputs.put(declared.get(k).name(), TensorProtos.readFile(data.resolve("input_" + k + ".pb")));
      }
    } catch (RuntimeException e) {
      inputs.values().forEach(Tensor::close);
      throw e;
    }
    return inputs;
  }

  private static void printCalibration(PrintWriter out, List<SplitExperiment.Phase> phases,
      SplitExperiment.Calibration cal) {
    out.println("calibration (median end-to-end ms per arm, measured; the oracle's choice marked *):");
    for (int ph = 0; ph < phases.size(); ph++) {
      StringBuilder b = new StringBuilder(String.format("  %-22s", phases.get(ph).name()));
      for (int a = 0; a < cal.totalMs()[ph].length; a++) {
        b.append(String.format(" %8.1f%s", cal.totalMs()[ph][a], a == cal.bestArm(ph) ? "*" : " "));
      }
      out.println(b);
    }
  }

  private void printResults(PrintWriter out, SplitExperiment exp, List<SplitExperiment.Phase> phases,
      SplitExperiment.Calibration cal, List<SplitExperiment.Trace> traces) {
    double oracle = 0;
    for (int t = 0; t < steps; t++) {
      int ph = exp.phaseOf(t);
      oracle += cal.totalMs()[ph][cal.bestArm(ph)];
    }
    out.printf("%nresults over %d requests per policy (latency measured end to end on this machine; link and "
        + "peer load modeled; regret = measured latency - the oracle's calibrated median for the phase):%n", steps);
    out.printf("  %-20s %10s %14s %12s %10s %6s  %s%n", "policy", "mean ms", "regret sum ms", "regret/req",
        "oracle arm", "errors", "mean ms per phase");
    out.printf("  %-20s %10.1f %14s %12s %10s %6s%n", "oracle (calibrated)", oracle / steps, "0", "0", "100%", "-");
    for (SplitExperiment.Trace tr : traces) {
      int onOracle = 0;
      for (int t = 0; t < steps; t++) {
        onOracle += tr.arms()[t] == cal.bestArm(exp.phaseOf(t)) ? 1 : 0;
      }
      StringBuilder perPhase = new StringBuilder();
      for (int ph = 0; ph < phases.size(); ph++) {
        double s = 0;
        int n = 0;
        for (int t = 0; t < steps; t++) {
          if (exp.phaseOf(t) == ph) {
            s += tr.totalMs()[t];
            n++;
          }
        }
        perPhase.append(n == 0 ? "   -" : String.format(" %7.1f", s / n));
      }
      double regret = tr.mean(tr.regretMs(), 0, steps) * steps;
      out.printf("  %-20s %10.1f %14.0f %12.1f %9.0f%% %6d %s%n", tr.policy(), tr.mean(tr.totalMs(), 0, steps),
          regret, regret / steps, 100.0 * onOracle / steps, tr.errors(), perPhase);
    }
  }

  /** A policy under another name (two muLinUCB variants side by side). */
  private record Renamed(PartitionPolicy policy, String name) implements PartitionPolicy {
    @Override
    public int choose(int step) {
      return policy.choose(step);
    }

    @Override
    public void observe(int arm, double localMs, double remoteMs) {
      policy.observe(arm, localMs, remoteMs);
    }
  }
}
