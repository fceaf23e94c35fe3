package io.edgewise.runtime.plan;

import io.edgewise.backend.Backend;
import io.edgewise.backend.BackendOptions;
import io.edgewise.backend.LayerFigures;
import io.edgewise.backend.OpProfile;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.runtime.partition.PartitionedExecutable;
import io.edgewise.runtime.partition.Partitioner;
import io.edgewise.runtime.partition.Segment;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Measures the cost model's figures on a device, once per key: each node's time from a profiled run of the whole
 * model on the device (the device's own per-node timer: wall time on ref/cpu/fpga, device time from profiling events
 * on opencl), scaled so that the nodes add up to the measured time of the whole run less its transfers (what the
 * timer misses, such as layout conversions and launch overhead, is spread over the nodes in proportion). A whole run
 * rather than single-node models, because a device's time for a node depends on its neighbours (the cpu keeps
 * activations blocked between its kernels and fuses an add into the convolution before it); a node that ran fused
 * into another gets its share through that one. Transfers: a one-node model at two sizes.
 */
final class Calibrator {
  private Calibrator() {}

  /** Runs before the timed ones (the first compiles the segment) and the bounds of the timed ones. */
  private static final int WARMUP = 2;
  private static final int MIN_RUNS = 5;
  private static final int MAX_RUNS = 50;
  private static final long MIN_NANOS = 400_000_000L;

  /** A device's measured time for a whole run and, per node index, its scaled share. */
  record Measured(double wholeMs, double[] nodeMs, int runs) {}

  /**
   * Every node's time on the device, by index into the graph's nodes. {@code transferMs} is what the run's graph
   * inputs and outputs cost to move (taken off before the nodes share the rest). With {@code modeled}, a node the
   * device reports an analytical figure for gets that instead (a real FPGA image, not an emulation).
   */
  static Measured measure(Backend backend, String device, Model model, Map<String, Tensor> inputs,
      BackendOptions options, double transferMs, boolean modeled) {
    Graph g = model.graph();
    List<Segment> whole = Partitioner.partition(g, n -> device);
    double wholeMs;
    double[] raw;
    int runs;
    try (PartitionedExecutable exe = new PartitionedExecutable(model, whole, d -> backend, options, device)) {
      runs = time(exe, inputs);
      wholeMs = exe.segmentMillis()[0];
      OpProfile p = exe.segmentProfiles().get(0);
      raw = p == null || p.nodes().isEmpty() ? null : perNode(g, p, runs);
      if (modeled) {
        applyModel(g, exe.segmentLayerFigures().get(0), raw);
      }
    }
    if (raw == null) {
      // the device times nodes only when asked (opencl: a wait per kernel): a second, profiled executable
      try (PartitionedExecutable exe = new PartitionedExecutable(model, whole, d -> backend,
          options.withProfileNodes(true), device)) {
        int n = time(exe, inputs);
        OpProfile p = exe.segmentProfiles().get(0);
        raw = p == null ? new double[g.nodes().size()] : perNode(g, p, n);
      }
    }
    double sum = Arrays.stream(raw).sum();
    double nodesMs = Math.max(0.5 * wholeMs, wholeMs - transferMs);
    double[] scaled = new double[raw.length];
    for (int i = 0; i < raw.length; i++) {
      scaled[i] = sum > 0 ? raw[i] * nodesMs / sum : nodesMs / raw.length;
    }
    return new Measured(wholeMs, scaled, runs);
  }

  /** Warm-up, then timed runs until both minimums are met; returns the timed run count. */
  private static int time(PartitionedExecutable exe, Map<String, Tensor> inputs) {
    for (int i = 0; i < WARMUP; i++) {
      runOnce(exe, inputs);
    }
    exe.resetTimes();
    exe.segmentProfiles().forEach(p -> {
      if (p != null) {
        p.reset();
      }
    });
    long start = System.nanoTime();
    int runs = 0;
    while (runs < MAX_RUNS && (runs < MIN_RUNS || System.nanoTime() - start < MIN_NANOS)) {
      runOnce(exe, inputs);
      runs++;
    }
    return runs;
  }

  private static void runOnce(PartitionedExecutable exe, Map<String, Tensor> inputs) {
    exe.run(inputs).values().forEach(Tensor::close);
  }

  /**
   * The profile's mean milliseconds per run by node index: an entry is the node's first output, or a device's
   * rewrite of it ("conv1#nchwc"); entries of nodes the device added (layout conversions) match none and are spread
   * by the scaling.
   */
  private static double[] perNode(Graph g, OpProfile p, int runs) {
    Map<String, Integer> byOutput = new HashMap<>();
    List<Node> nodes = g.nodes();
    for (int i = 0; i < nodes.size(); i++) {
      if (!nodes.get(i).outputs().isEmpty()) {
        byOutput.put(nodes.get(i).output(0), i);
      }
    }
    double[] out = new double[nodes.size()];
    for (OpProfile.Entry e : p.nodes()) {
      Integer i = byOutput.get(e.op());
      if (i == null) {
        int cut = e.op().indexOf('#');
        i = cut > 0 ? byOutput.get(e.op().substring(0, cut)) : null;
      }
      if (i != null) {
        out[i] += e.nanos() / 1e6 / Math.max(1, runs);
      }
    }
    return out;
  }

  /** Nodes with a modeled figure take it (by first output). */
  private static void applyModel(Graph g, List<LayerFigures> figures, double[] raw) {
    if (raw == null) {
      return;
    }
    Map<String, LayerFigures> byNode = new HashMap<>();
    figures.stream().filter(f -> f.modeledCycles() > 0).forEach(f -> byNode.put(f.node(), f));
    List<Node> nodes = g.nodes();
    for (int i = 0; i < nodes.size(); i++) {
      LayerFigures f = nodes.get(i).outputs().isEmpty() ? null : byNode.get(nodes.get(i).output(0));
      if (f != null) {
        raw[i] = f.modeledMs();
      }
    }
  }

  /** Elements of the large transfer probe: 4 MiB of float32, the size of a mid-network activation. */
  static final int LARGE = 1 << 20;
  private static final int SMALL = 256;

  /**
   * The device's transfer cost: a one-node model (Relu over [1, n]) run as a segment of its own, at n = 256 and
   * n = 2^20. Half the small run is the per-call cost of one value each way; the difference per byte moved (in and
   * out) the per-byte cost. The Relu itself is in the figure: on the host's own cpu there is no copy, and what a
   * region boundary costs there is a call and a pass over the value.
   */
  static ProfileDb.Transfer transfer(Backend backend, String device, BackendOptions options) {
    double small = probe(backend, device, options, SMALL);
    double large = probe(backend, device, options, LARGE);
    double perByte = Math.max(0, large - small) / (2.0 * (LARGE - SMALL) * 4);
    return new ProfileDb.Transfer(small / 2, perByte, Instant.now().toString());
  }

  private static double probe(Backend backend, String device, BackendOptions options, int n) {
    Graph g = new Graph("transfer-probe");
    g.inputs().add(ValueInfo.tensor("x", DType.FLOAT32, Shape.of(1, n)));
    g.nodes().add(new Node("probe", "Relu", List.of("x"), List.of("y")));
    g.outputs().add(ValueInfo.tensor("y", DType.FLOAT32, Shape.of(1, n)));
    try (Model m = new Model(g, Map.of("", 13L), 8, "edgewise-planner", null, null);
        Tensor x = Tensor.allocate(DType.FLOAT32, Shape.of(1, n));
        PartitionedExecutable exe = new PartitionedExecutable(m, Partitioner.partition(g, node -> device),
            d -> backend, options, device)) {
      Map<String, Tensor> in = Map.of("x", x);
      for (int i = 0; i < 3; i++) {
        runOnce(exe, in);
      }
      double[] t = new double[15];
      for (int i = 0; i < t.length; i++) {
        long s = System.nanoTime();
        runOnce(exe, in);
        t[i] = (System.nanoTime() - s) / 1e6;
      }
      Arrays.sort(t);
      return t[t.length / 2];
    }
  }
}
