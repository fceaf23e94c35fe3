package io.edgewise.runtime.partition;

import io.edgewise.EdgewiseException;
import io.edgewise.backend.Backend;
import io.edgewise.backend.BackendOptions;
import io.edgewise.backend.Executable;
import io.edgewise.backend.NodePlacement;
import io.edgewise.backend.OpProfile;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.tensor.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Runs a graph cut into segments, each on its own device's executable, passing values between them through host
 * tensors. A segment is compiled at its first run for the dtypes and shapes it is fed (kept for up to
 * {@link #SIGNATURES_PER_SEGMENT} signatures, least recently used dropped), because the types at a cut are often
 * known only then. Thread-safe: every run keeps its own value table; compiling is serialised per segment.
 */
public final class PartitionedExecutable implements Executable {
  /** Input signatures kept compiled per segment (a model fed a few image sizes does not recompile per call). */
  static final int SIGNATURES_PER_SEGMENT = 8;
  /** Runs each segment's timer keeps. */
  static final int TIMED_RUNS = 256;

  private final Model model;
  private final List<Part> parts = new ArrayList<>();
  private final String sessionDevice;
  /** For each value, the index of the last segment that reads it; graph outputs are kept to the end. */
  private final Map<String, Integer> lastRead = new HashMap<>();

  /** One segment and its compiled executables by input signature. */
  private final class Part {
    final Segment segment;
    final Backend backend;
    final BackendOptions options;
    final String name;
    final LinkedHashMap<String, Executable> compiled = new LinkedHashMap<>(16, 0.75f, true);
    /**
     * Wall time of this segment's latest runs (inputs handed over, outputs back on the host), for the planner's
     * record: a ring of the last {@link #TIMED_RUNS}.
     */
    private final long[] recent = new long[TIMED_RUNS];
    private long runs;

    synchronized void timed(long nanos) {
      recent[(int) (runs++ % TIMED_RUNS)] = nanos;
    }

    /** The median of the latest runs in milliseconds, NaN before the first. */
    synchronized double medianMillis() {
      int n = (int) Math.min(runs, TIMED_RUNS);
      if (n == 0) {
        return Double.NaN;
      }
      long[] c = java.util.Arrays.copyOf(recent, n);
      java.util.Arrays.sort(c);
      return (n % 2 == 1 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2.0) / 1e6;
    }

    synchronized void resetTimes() {
      runs = 0;
    }

    Part(Segment segment, Backend backend, BackendOptions options, String name) {
      this.segment = segment;
      this.backend = backend;
      this.options = options;
      this.name = name;
    }

    /** The executable of the latest run's signature, and that signature as numbers. */
    private Executable last;
    private long[] lastKey;

    synchronized Executable executable(Map<String, Tensor> inputs) {
      long[] quick = quickKey(segment, inputs);
      if (last != null && java.util.Arrays.equals(quick, lastKey)) {
        return last;  // the signature of the run before: no string built, no map looked up
      }
      String key = SegmentModels.signature(segment, inputs);
      Executable e = compiled.get(key);
      if (e == null) {
        e = backend.compile(SegmentModels.of(model, segment, inputs, name), options);
        compiled.put(key, e);
        if (compiled.size() > SIGNATURES_PER_SEGMENT) {
          var eldest = compiled.entrySet().iterator().next();
          compiled.remove(eldest.getKey());
          eldest.getValue().close();
        }
      }
      last = e;
      lastKey = quick;
      return e;
    }

    synchronized void close() {
      last = null;
      compiled.values().forEach(Executable::close);
      compiled.clear();
    }
  }

  /**
   * @param backendOf the backend of each segment's device (owned by the caller, open while this executable is)
   */
  public PartitionedExecutable(Model model, List<Segment> segments, Function<String, Backend> backendOf,
      BackendOptions options, String sessionDevice) {
    this.model = model;
    this.sessionDevice = sessionDevice;
    for (int i = 0; i < segments.size(); i++) {
      Segment s = segments.get(i);
      parts.add(new Part(s, backendOf.apply(s.device()), options, "segment" + i + "@" + s.device()));
      for (String v : s.inputs()) {
        lastRead.put(v, i);
      }
    }
    model.graph().outputNames().forEach(v -> lastRead.put(v, Integer.MAX_VALUE));
  }

  /** A segment's input signature as numbers: per input its dtype, rank and dimensions. */
  static long[] quickKey(Segment segment, Map<String, Tensor> inputs) {
    int n = 0;
    for (String in : segment.inputs()) {
      n += 2 + inputs.get(in).shape().rank();
    }
    long[] key = new long[n];
    int at = 0;
    for (String in : segment.inputs()) {
      Tensor t = inputs.get(in);
      key[at++] = t.dtype().ordinal();
      key[at++] = t.shape().rank();
      for (int i = 0; i < t.shape().rank(); i++) {
        key[at++] = t.shape().dim(i);
      }
    }
    return key;
  }

  @Override
  public Map<String, Tensor> run(Map<String, Tensor> inputs) {
    Map<String, Tensor> owned = new HashMap<>();  // values the segments produced; inputs stay the caller's
    try {
      for (int i = 0; i < parts.size(); i++) {
        Part p = parts.get(i);
        Map<String, Tensor> feeds = new HashMap<>();
        for (String v : p.segment.inputs()) {
          Tensor t = owned.containsKey(v) ? owned.get(v) : inputs.get(v);
          if (t == null) {
            throw EdgewiseException.invalidArgument(model.label() + ": " + p.name + " reads '" + v
                + "', which has no value (was the graph input fed?)");
          }
          feeds.put(v, t);
        }
        Executable exe = p.executable(feeds);
        long start = System.nanoTime();
        Map<String, Tensor> results = exe.run(feeds);
        p.timed(System.nanoTime() - start);
        owned.putAll(results);
        final int index = i;
        owned.entrySet().removeIf(e -> {
          if (lastRead.getOrDefault(e.getKey(), -1) <= index) {
            e.getValue().close();
            return true;
          }
          return false;
        });
      }
      Map<String, Tensor> out = new LinkedHashMap<>();
      for (String name : model.graph().outputNames()) {
        Tensor t = owned.remove(name);
        if (t == null) {
          Tensor source = inputs.containsKey(name) ? inputs.get(name) : model.graph().initializers().get(name);
          if (source == null) {
            throw EdgewiseException.invalidModel("graph output '" + name + "' is never produced");
          }
          t = source.copy();
        }
        out.put(name, t);
      }
      return out;
    } finally {
      owned.values().forEach(Tensor::close);
    }
  }

  /** Every node on its segment's device; a node the session's device could not run says so. */
  @Override
  public List<NodePlacement> placement() {
    List<NodePlacement> out = new ArrayList<>();
    for (Part p : parts) {
      List<NodePlacement> compiled;
      synchronized (p) {
        compiled = p.compiled.isEmpty() ? List.of() : p.compiled.values().iterator().next().placement();
      }
      if (!compiled.isEmpty() && p.segment.device().equals(sessionDevice)) {
        out.addAll(compiled);
        continue;
      }
      for (Node n : p.segment.nodes()) {
        out.add(NodePlacement.of(n, p.segment.device(), sessionDevice));
      }
    }
    return out;
  }

  @Override
  public OpProfile profile() {
    return null;
  }

  /**
   * Median measured wall time of each segment over its latest {@link #TIMED_RUNS} runs, in milliseconds, in execution
   * order (NaN before its first run): the device's run of the segment, its inputs' copy to the device and its
   * outputs' back to the host included; a first run's compile not included. A median, because on a shared machine a
   * run now and then takes far longer.
   */
  public double[] segmentMillis() {
    double[] out = new double[parts.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = parts.get(i).medianMillis();
    }
    return out;
  }

  /**
   * Each segment's per-node profile (of its most recently compiled executable; null where the device keeps none or
   * the segment has not run), in execution order.
   */
  public List<OpProfile> segmentProfiles() {
    List<OpProfile> out = new ArrayList<>();
    for (Part p : parts) {
      synchronized (p) {
        out.add(p.compiled.isEmpty() ? null : last(p).profile());
      }
    }
    return out;
  }

  private static Executable last(Part p) {
    Executable e = null;
    for (Executable x : p.compiled.values()) {
      e = x;  // access order: the last is the most recently used
    }
    return e;
  }

  /** Starts the segments' timers again (after a warm-up). */
  public void resetTimes() {
    parts.forEach(Part::resetTimes);
  }

  /** The segments, in execution order. */
  public List<Segment> segments() {
    return parts.stream().map(p -> p.segment).toList();
  }

  @Override
  public void close() {
    parts.forEach(Part::close);
  }
}
