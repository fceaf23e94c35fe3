package io.edgewise.runtime.plan;

import io.edgewise.backend.Backend;
import io.edgewise.backend.BackendOptions;
import io.edgewise.backend.Executable;
import io.edgewise.backend.LayerFigures;
import io.edgewise.backend.OpProfile;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.runtime.partition.PartitionedExecutable;
import io.edgewise.runtime.partition.Partitioner;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Measures the cost model's figures on a device, once per key: each node's time from a profiled run of the whole
 * model on the device (the device's executable of the whole model, as a session on it compiles it and a one-region
 * plan runs it: {@link WholeModel}) (the device's own per-node timer: wall time on ref/cpu/fpga, device time from profiling events
 * on opencl), scaled so that the nodes add up to the measured time of the whole run less its transfers (what the
 * timer misses, such as layout conversions and launch overhead, is spread over the nodes in proportion). A whole run
 * rather than single-node models, because a device's time for a node depends on its neighbours (the cpu keeps
 * activations blocked between its kernels and fuses an add into the convolution before it); a node that ran fused
 * into another gets its share through that one. Transfers: a one-node model at two sizes.
 */
final class Calibrator {
  private Calibrator() {}

  /** Runs before the timed ones (the first compiles the segment) and the bounds of the timed ones. */
  private static final int WARMUP = 3;
  private static final long WARMUP_NANOS = 1_000_000_000L;
  private static final long MAX_WARMUP_NANOS = 8_000_000_000L;
  /**
   * A device's turn in a round: after the pause, uncounted runs for at least {@link #WARM_NANOS} (at least one), then
   * timed runs back to back for at least {@link #BLOCK_NANOS} (at least {@link #BLOCK}, at most {@link #MAX_BLOCK}).
   * The runs a one-region plan is measured by (`edgewise plan`, the bench) run back to back; a block of three right
   * after a pause and one uncounted run ran a 30 us digits CNN at 1.3-1.8x its back-to-back time (measured in one
   * process, 2026-12-07: 0.043-0.110 ms against 0.031-0.061), enough to put every one-region prediction of a small
   * model 2x too high. Timing the same pattern as the runs predicted removes that.
   */
  static final int BLOCK = 3;
  static final long WARM_NANOS = 20_000_000L;
  static final long BLOCK_NANOS = 20_000_000L;
  static final int MAX_BLOCK = 400;
  /** The pause before a device's turn, longer than the 20 ms the cpu pool's workers spin after their work. */
  private static final long PAUSE_MS = 50;
  /** Rounds of turns: at least {@link #MIN_ROUNDS} and {@link #MIN_NANOS} per device, at most {@link #MAX_ROUNDS}. */
  static final int MIN_ROUNDS = 3;
  static final int MAX_ROUNDS = 17;
  private static final long MIN_NANOS = 400_000_000L;

  /** A device's measured time for a whole run and, per node index, its scaled share. */
  record Measured(double wholeMs, double[] nodeMs, int runs) {}

  /**
   * A device to measure: its name, backend, what the run's graph inputs and outputs cost to move there and back
   * (taken off the whole run before the nodes share the rest) and whether a node the device reports an analytical
   * figure for takes that instead (a real FPGA image, not an emulation).
   */
  record Target(String device, Backend backend, double transferMs, boolean modeled) {}

  /** A device failed while measured: which one, and its own error as the cause. */
  static final class DeviceFailure extends RuntimeException {
    final String device;

    DeviceFailure(String device, RuntimeException cause) {
      super(cause.getMessage(), cause);
      this.device = device;
    }
  }

  /** Runs {@code work} for {@code device}, a failure becoming that device's. */
  private static <T> T on(String device, java.util.function.Supplier<T> work) {
    try {
      return work.get();
    } catch (RuntimeException e) {
      throw new DeviceFailure(device, e);
    }
  }

  /**
   * Every node's time on each device, by index into the graph's nodes. The devices' runs alternate (a block of runs each,
   * round after round, as the bench harness does), so a stretch when another process has the cores slows every
   * device alike instead of the one measured then.
   */
  static Map<String, Measured> measure(List<Target> targets, Model model, Map<String, Tensor> inputs,
      BackendOptions options) {
    Graph g = model.graph();
    List<Recorder> recorders = new java.util.ArrayList<>();
    try {
      for (Target t : targets) {
        Recorder r = new Recorder(t, on(t.device(), () -> WholeModel.compile(t.backend(), model, options)));
        recorders.add(r);
        on(t.device(), () -> {
          warmUp(r.exe, inputs);
          return null;
        });
      }
      // blocks of runs per device in turn, each after a pause and uncounted runs: a device's threads spin a while
      // after its work (the cpu pool 20 ms, PoCL's workers too) and would otherwise slow the next device, and the
      // uncounted runs bring the device back to the state of runs back to back (caches, the pool's workers awake)
      long start = System.nanoTime();
      int rounds = 0;
      while (moreRounds(rounds, System.nanoTime() - start, targets.size())) {
        for (Recorder r : recorders) {
          on(r.target.device(), () -> {
            pause();
            warmBlock(r.exe, inputs);
            long blockStart = System.nanoTime();
            for (int i = 0; blockContinues(i, System.nanoTime() - blockStart); i++) {
              r.once(g, inputs);
            }
            return null;
          });
        }
        rounds++;
      }
      Map<String, Measured> out = new java.util.LinkedHashMap<>();
      for (Recorder r : recorders) {
        double[] raw = r.nodeMedians(g);
        if (r.target.modeled() && raw != null) {
          applyModel(g, r.exe.layerFigures(), raw);
        }
        if (raw == null) {
          // the device times nodes only when asked (opencl: a wait per kernel): a profiled executable of its own
          // gives the shares, the unprofiled runs above the whole
          Target t = r.target;
          raw = on(t.device(), () -> {
            Executable exe = WholeModel.compile(t.backend(), model, options.withProfileNodes(true));
            try {
              Recorder p = new Recorder(t, exe);
              warmBlock(exe, inputs);
              for (int i = 0; i < 3 * BLOCK; i++) {
                p.once(g, inputs);
              }
              return p.nodeMedians(g);
            } finally {
              exe.close();
            }
          });
        }
        if (raw == null) {
          raw = new double[g.nodes().size()];
        }
        double whole = median(r.wall.stream().mapToDouble(Double::doubleValue).toArray());
        double sum = Arrays.stream(raw).sum();
        double nodesMs = Math.max(0.5 * whole, whole - r.target.transferMs());
        double[] scaled = new double[raw.length];
        for (int i = 0; i < raw.length; i++) {
          scaled[i] = sum > 0 ? raw[i] * nodesMs / sum : nodesMs / raw.length;
        }
        out.put(r.target.device(), new Measured(whole, scaled, r.wall.size()));
      }
      return out;
    } finally {
      recorders.forEach(r -> r.exe.close());
    }
  }

  /**
   * Each node's time as the regions of a plan run it, by node index (0 for nodes in no region): the regions run as
   * the plan runs them (a partitioned executable), timed per region, in blocks that alternate with blocks of a
   * profiled twin that gives each node's share of its region; each region's nodes share its median wall time less
   * the transfers the cost model puts on it ({@code regionTransferMs}, per segment). A node's cost within a region
   * is not its share of a whole run on the same device: on the cpu a region's nodes ran 2-4x faster than their
   * shares of the whole model said, so a mixed plan's predictions come from figures measured this way.
   */
  static double[] inRegions(Model model, List<io.edgewise.runtime.partition.Segment> segments,
      java.util.function.Function<String, Backend> backendOf, Map<String, Tensor> inputs, BackendOptions options,
      double[] regionTransferMs) {
    Graph g = model.graph();
    try (PartitionedExecutable timed = new PartitionedExecutable(model, segments, backendOf, options, "auto");
        PartitionedExecutable profiled = new PartitionedExecutable(model, segments, backendOf,
            options.withProfileNodes(true), "auto")) {
      warmUp(timed, inputs);
      for (int i = 0; i < WARMUP; i++) {
        runOnce(profiled, inputs);
      }
      timed.resetTimes();
      List<double[]> perRun = new java.util.ArrayList<>();
      long start = System.nanoTime();
      int rounds = 0;
      // per round: the profiled twin's block after the pause (it also wakes the devices' threads), then the timed
      // executable back to back, every run counted: the segments time every run, and after the twin's runs the
      // devices are in the state of runs back to back (a block of three right after a pause is not: see BLOCK)
      while (moreRounds(rounds, System.nanoTime() - start, 1)) {
        pause();
        for (int i = 0; i < BLOCK; i++) {
          List<OpProfile> profiles = profiled.segmentProfiles();
          profiles.forEach(p -> {
            if (p != null) {
              p.reset();
            }
          });
          runOnce(profiled, inputs);
          double[] nodes = new double[g.nodes().size()];
          for (OpProfile p : profiled.segmentProfiles()) {
            if (p != null && !p.nodes().isEmpty()) {
              double[] part = perNode(g, p, 1);
              for (int k = 0; k < nodes.length; k++) {
                nodes[k] += part[k];
              }
            }
          }
          perRun.add(nodes);
        }
        long blockStart = System.nanoTime();
        for (int i = 0; blockContinues(i, System.nanoTime() - blockStart); i++) {
          runOnce(timed, inputs);
        }
        rounds++;
      }
      double[] wall = timed.segmentMillis();
      double[] raw = new double[g.nodes().size()];
      double[] column = new double[perRun.size()];
      for (int k = 0; k < raw.length; k++) {
        for (int r = 0; r < column.length; r++) {
          column[r] = perRun.get(r)[k];
        }
        raw[k] = median(column);
      }
      Map<Node, Integer> index = new java.util.IdentityHashMap<>();
      for (int k = 0; k < g.nodes().size(); k++) {
        index.put(g.nodes().get(k), k);
      }
      double[] out = new double[raw.length];
      for (int s = 0; s < segments.size(); s++) {
        List<Node> nodes = segments.get(s).nodes();
        double sum = 0;
        for (Node n : nodes) {
          sum += raw[index.get(n)];
        }
        double nodesMs = Math.max(0.5 * wall[s], wall[s] - regionTransferMs[s]);
        for (Node n : nodes) {
          int k = index.get(n);
          out[k] = sum > 0 ? raw[k] * nodesMs / sum : nodesMs / nodes.size();
        }
      }
      return out;
    }
  }

  /**
   * One device's timed runs: each run's wall time and, where the device keeps a per-node profile, each node's time
   * in that run. Medians are taken over the runs, each node's on its own: on a shared machine a run now and then
   * takes far longer (another process had the cores), and a mean would carry it.
   */
  private static final class Recorder {
    final Target target;
    final Executable exe;
    final List<Double> wall = new java.util.ArrayList<>();
    final List<double[]> perRun = new java.util.ArrayList<>();

    Recorder(Target target, Executable exe) {
      this.target = target;
      this.exe = exe;
    }

    void once(Graph g, Map<String, Tensor> inputs) {
      OpProfile p = exe.profile();
      if (p != null) {
        p.reset();
      }
      long s = System.nanoTime();
      runOnce(exe, inputs);
      wall.add((System.nanoTime() - s) / 1e6);
      if (p != null && !p.nodes().isEmpty()) {
        perRun.add(perNode(g, p, 1));
      }
    }

    /** Each node's median over the runs, or null without a per-node profile. */
    double[] nodeMedians(Graph g) {
      if (perRun.isEmpty()) {
        return null;
      }
      double[] nodes = new double[g.nodes().size()];
      double[] column = new double[perRun.size()];
      for (int i = 0; i < nodes.length; i++) {
        for (int r = 0; r < column.length; r++) {
          column[r] = perRun.get(r)[i];
        }
        nodes[i] = median(column);
      }
      return nodes;
    }
  }

  /**
   * At least {@link #WARMUP} runs and {@link #WARMUP_NANOS}, then until the JVM's compiler was idle through
   * {@link #JIT_IDLE_NANOS} of runs (at most {@link #MAX_WARMUP_NANOS} in all): on two cores the compiler threads of a
   * fresh process take a core, and the interpreter's own Java code (per node dispatch, tensor hand-over) is not yet
   * compiled; a device measured then is charged for both (the first plan of a process is made right after it
   * starts). Idle through one run, as before, was no test on a loaded machine: a 20 us run almost always sees no
   * compilation finish, while the compiler, starved of cores, went on for seconds (measured: the JIT's total time
   * grew from 3.4 to 9.5 s over the first 6.5 s of a digits CNN process, 2026-12-07).
   */
  private static void warmUp(Executable exe, Map<String, Tensor> inputs) {
    java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
    boolean canTell = jit != null && jit.isCompilationTimeMonitoringSupported();
    long start = System.nanoTime();
    long idleSince = start;
    long compiled = canTell ? jit.getTotalCompilationTime() : 0;
    for (int i = 0; ; i++) {
      runOnce(exe, inputs);
      long now = System.nanoTime();
      long c = canTell ? jit.getTotalCompilationTime() : 0;
      if (c != compiled) {
        compiled = c;
        idleSince = now;
      }
      if (i + 1 >= WARMUP && now - start >= WARMUP_NANOS && jitIdle(canTell, now - idleSince)
          || now - start >= MAX_WARMUP_NANOS) {
        return;
      }
    }
  }

  /** How long the compiler must have been idle before the warm-up ends. */
  static final long JIT_IDLE_NANOS = 250_000_000L;

  /** Whether the warm-up may end: the compiler idle through {@link #JIT_IDLE_NANOS}, or no way to tell. */
  static boolean jitIdle(boolean canTell, long idleNanos) {
    return !canTell || idleNanos >= JIT_IDLE_NANOS;
  }

  /** Whether another round of turns is due after {@code rounds} taking {@code nanos} over {@code devices}. */
  static boolean moreRounds(int rounds, long nanos, int devices) {
    return rounds < MAX_ROUNDS && (rounds < MIN_ROUNDS || nanos < MIN_NANOS * devices);
  }

  /** Whether a device's timed block goes on after {@code runs} runs taking {@code nanos}. */
  static boolean blockContinues(int runs, long nanos) {
    return runs < MAX_BLOCK && (runs < BLOCK || nanos < BLOCK_NANOS);
  }

  /** Uncounted runs for at least {@link #WARM_NANOS}, at least one. */
  private static void warmBlock(Executable exe, Map<String, Tensor> inputs) {
    long start = System.nanoTime();
    for (int i = 0; i < MAX_BLOCK && (i == 0 || System.nanoTime() - start < WARM_NANOS); i++) {
      runOnce(exe, inputs);
    }
  }

  private static void pause() {
    try {
      Thread.sleep(PAUSE_MS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static double median(double[] v) {
    double[] c = v.clone();
    Arrays.sort(c);
    return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
  }

  private static void runOnce(Executable exe, Map<String, Tensor> inputs) {
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

  /** Elements of the large transfer probe: 4 MiB of float32, the size of a large mid-network activation. */
  static final int LARGE = 1 << 20;
  /**
   * The probe sizes (float32 elements): 1 KiB, 64 KiB, 1 MiB and 4 MiB, bracketing the values a region boundary
   * moves in the models here (OCR crops and activations of 0.1-2 MB, the CNNs' 0.2-3.2 MB, the digits CNNs' few KiB).
   */
  static final int[] PROBE_SIZES = {256, 1 << 14, 1 << 18, LARGE};

  /**
   * The device's transfer cost: a one-node model (Relu over [1, n]) run as a segment of its own at each of {@link
   * #PROBE_SIZES}, with the device's per-node timer on, each run's wall time less the Relu's own time by that timer
   * (on opencl the kernel's device time from its profiling event): what is left is moving the value in and out and
   * the region's call (the Relu is no transfer). The sizes take turns over {@link #PROBE_ROUNDS} rounds of {@link
   * #PROBE_RUNS} runs each, every turn after a pause, each round with a freshly allocated input, and each size's
   * figure is the median of all its runs; the cost per call and per byte is then a robust line through the four
   * medians ({@link #fit}). Why: probed in one stretch, a bad second on a loaded machine set the figure for good
   * (PoCL's per-call cost came out at 25 ms once at load 27), and with two sizes and one input buffer PoCL's per-byte
   * figure came out at 0.1 or 2.1 ms per MB between processes (suspect: PoCL uses a host buffer in place or copies it
   * depending on the buffer; a fresh input per round samples both, the median takes the common case).
   */
  static ProfileDb.Transfer transfer(Backend backend, String device, BackendOptions options) {
    List<Probe> probes = new ArrayList<>();
    try {
      for (int n : PROBE_SIZES) {
        probes.add(new Probe(backend, device, options, n));
      }
      double[][] t = new double[PROBE_SIZES.length][PROBE_ROUNDS * PROBE_RUNS];
      for (int r = 0, k = 0; r < PROBE_ROUNDS; r++, k += PROBE_RUNS) {
        for (int i = 0; i < PROBE_SIZES.length; i++) {
          Probe p = probes.get(i);
          p.freshInput();
          pause();
          p.once();  // uncounted: back to the state of runs back to back after the pause
          for (int j = 0; j < PROBE_RUNS; j++) {
            t[i][k + j] = p.once();
          }
        }
      }
      double[] bytes = new double[PROBE_SIZES.length];
      double[] ms = new double[PROBE_SIZES.length];
      for (int i = 0; i < PROBE_SIZES.length; i++) {
        bytes[i] = 2.0 * PROBE_SIZES[i] * 4;  // in and out
        ms[i] = median(t[i]);
      }
      return fit(bytes, ms);
    } finally {
      probes.forEach(Probe::close);
    }
  }

  /**
   * The transfer cost from each probe size's median: {@code ms[i]} for moving {@code bytes[i]} (in and out) in one
   * call. Per byte: the median of the slopes between every two sizes (Theil-Sen: one size spoiled by a slow stretch
   * moves three slopes of six, not the line); per call: half the median of what is left at each size (one value
   * each way), both at least 0.
   */
  static ProfileDb.Transfer fit(double[] bytes, double[] ms) {
    List<Double> slopes = new ArrayList<>();
    for (int i = 0; i < bytes.length; i++) {
      for (int j = i + 1; j < bytes.length; j++) {
        if (bytes[j] != bytes[i]) {
          slopes.add((ms[j] - ms[i]) / (bytes[j] - bytes[i]));
        }
      }
    }
    double perByte = Math.max(0, median(slopes.stream().mapToDouble(Double::doubleValue).toArray()));
    double[] rest = new double[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      rest[i] = ms[i] - perByte * bytes[i];
    }
    return new ProfileDb.Transfer(Math.max(0, median(rest)) / 2, perByte, Instant.now().toString());
  }

  static final int PROBE_ROUNDS = 5;
  static final int PROBE_RUNS = 3;

  /** The probe graph: Relu over [1, n] float32, x -> y. */
  static Model probeModel(int n) {
    Graph g = new Graph("transfer-probe");
    g.inputs().add(ValueInfo.tensor("x", DType.FLOAT32, Shape.of(1, n)));
    g.nodes().add(new Node("probe", "Relu", List.of("x"), List.of("y")));
    g.outputs().add(ValueInfo.tensor("y", DType.FLOAT32, Shape.of(1, n)));
    return new Model(g, Map.of("", 13L), 8, "edgewise-planner", null, null);
  }

  /** One probe size, compiled and warmed (3 runs); {@link #once} is a run's time less the Relu's own, in ms. */
  private static final class Probe implements AutoCloseable {
    private final Model model;
    private final int n;
    private Tensor x;
    private final PartitionedExecutable exe;

    Probe(Backend backend, String device, BackendOptions options, int n) {
      this.n = n;
      model = probeModel(n);
      x = Tensor.allocate(DType.FLOAT32, Shape.of(1, n));
      PartitionedExecutable e = null;
      try {
        e = new PartitionedExecutable(model, Partitioner.partition(model.graph(), node -> device), d -> backend,
            options.withProfileNodes(true), device);
        for (int i = 0; i < 3; i++) {
          runOnce(e, Map.of("x", x));
        }
      } catch (RuntimeException failure) {
        if (e != null) {
          e.close();
        }
        x.close();
        model.close();
        throw failure;
      }
      exe = e;
    }

    /** A newly allocated input for the next runs (another host buffer, wherever the allocator puts it). */
    void freshInput() {
      Tensor next = Tensor.allocate(DType.FLOAT32, Shape.of(1, n));
      x.close();
      x = next;
    }

    double once() {
      OpProfile p = exe.segmentProfiles().get(0);
      if (p != null) {
        p.reset();
      }
      long s = System.nanoTime();
      runOnce(exe, Map.of("x", x));
      long wall = System.nanoTime() - s;
      return Math.max(0, wall - kernelNanos(p)) / 1e6;
    }

    @Override
    public void close() {
      exe.close();
      x.close();
      model.close();
    }
  }

  /** The nanoseconds the device's timer gave the nodes in {@code p} since its reset (0 without a profile). */
  static long kernelNanos(OpProfile p) {
    long sum = 0;
    for (OpProfile.Entry e : p == null ? List.<OpProfile.Entry>of() : p.nodes()) {
      sum += e.nanos();
    }
    return sum;
  }
}
