package io.edgewise.runtime.plan;

import io.edgewise.backend.Backend;
import io.edgewise.backend.BackendOptions;
import io.edgewise.backend.Executable;
import io.edgewise.backend.NodePlacement;
import io.edgewise.backend.OpProfile;
import io.edgewise.model.Model;
import io.edgewise.runtime.partition.PartitionedExecutable;
import io.edgewise.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The `auto` device's executable: at the first run of each input signature (dtypes and shapes) it plans the model
 * over the open devices ({@link Planner}, measuring what the profile database lacks: "profile on first use, then
 * cached"), cuts it into regions and runs them as a {@link PartitionedExecutable}; later runs of that signature
 * reuse the plan. A later signature the profile database has no figures for takes the regions of the latest plan
 * (compiled for its types) instead of measuring every device again at each new shape; its plan's notes say so. Keeps
 * the plans of the {@link #SIGNATURES} most recent signatures. Thread-safe: planning is serialised, runs are not.
 *
 * <p>A plan with one region (every node on one device, the usual plan on a machine whose devices share the same
 * cores) runs the device's own executable of the whole model, the one a session on that device compiles: no region
 * hand-over (value tables, per-segment signature checks), so that `auto` costs what the best single device costs
 * (on the digits CNNs, 10-20 us a run, the hand-over was about 1 us).
 */
public final class PlannedExecutable implements Executable {
  static final int SIGNATURES = 8;

  private final Model model;
  private final Map<String, Backend> backends;
  private final Planner planner;
  private final BackendOptions options;
  /** Why devices were left out before planning (missing, failed to open). */
  private final List<String> openNotes;
  private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
  private volatile Entry latest;
  /** Per device, its executable of the whole model, for one-region plans (compiled at the first, shared). */
  private final Map<String, Executable> whole = new LinkedHashMap<>();

  /**
   * One signature's plan and what runs it: the regions as a partitioned executable, or for a one-region plan the
   * device's executable of the whole model ({@code single}, not owned: shared by the entries of that device) with its
   * own timer.
   */
  private static final class Entry {
    final Plan plan;
    final PartitionedExecutable exe;
    final Executable single;
    final String devices;
    final long[] key;
    /** Per device of the plan, its whole model's predicted time (what a check compares with). */
    final Map<String, Double> wholeMs;
    /** The devices a check times, and what it timed so far (null before a check). */
    List<String> checked;
    DriftCheck.Samples samples;
    volatile boolean warm;
    private final long[] recent = new long[256];
    private long runs;

    Entry(Plan plan, PartitionedExecutable exe, Executable single, long[] key, Map<String, Double> wholeMs) {
      this.plan = plan;
      this.exe = exe;
      this.single = single;
      this.key = key;
      this.wholeMs = wholeMs;
      this.devices = String.join("+", plan.regions().stream().map(Plan.Region::device).distinct().toList());
    }

    /** The plan's devices as checked so far (empty before a check). */
    synchronized List<Plan.Check> checks() {
      List<Plan.Check> out = new ArrayList<>();
      for (int i = 0; checked != null && i < checked.size(); i++) {
        double predicted = wholeMs.get(checked.get(i));
        double measured = samples.median(i);
        out.add(new Plan.Check(checked.get(i), predicted, measured, samples.runs(i),
            DriftCheck.factor(1, predicted, measured)));
      }
      return out;
    }

    Map<String, Tensor> run(Map<String, Tensor> inputs) {
      if (single == null) {
        return exe.run(inputs);
      }
      long start = System.nanoTime();
      Map<String, Tensor> out = single.run(inputs);
      long nanos = System.nanoTime() - start;
      synchronized (this) {
        recent[(int) (runs++ % recent.length)] = nanos;
      }
      return out;
    }

    /** Each region's median wall time over its latest runs (ms; NaN before one). */
    double[] regionMillis() {
      if (single == null) {
        return exe.segmentMillis();
      }
      synchronized (this) {
        int n = (int) Math.min(runs, recent.length);
        if (n == 0) {
          return new double[] {Double.NaN};
        }
        long[] c = java.util.Arrays.copyOf(recent, n);
        java.util.Arrays.sort(c);
        return new double[] {(n % 2 == 1 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2.0) / 1e6};
      }
    }

    void resetTimes() {
      synchronized (this) {
        checked = null;  // a check is compared with the runs timed after the same reset
        samples = null;
      }
      if (single == null) {
        exe.resetTimes();
      } else {
        synchronized (this) {
          runs = 0;
        }
      }
    }
  }

  /** The devices of the latest run's plan ("cpu", "cpu+opencl:0"); "auto" before the first run. */
  public String devices() {
    Entry e = latest;
    return e == null ? "auto" : e.devices;
  }

  /**
   * @param backends the open devices to plan over, by name (owned by the caller, open while this is)
   * @param openNotes why requested devices are not among them
   */
  public PlannedExecutable(Model model, Map<String, Backend> backends, Planner planner, BackendOptions options,
      List<String> openNotes) {
    this.model = model;
    this.backends = new LinkedHashMap<>(backends);
    this.planner = planner;
    this.options = options;
    this.openNotes = List.copyOf(openNotes);
  }

  @Override
  public Map<String, Tensor> run(Map<String, Tensor> inputs) {
    Entry e = entry(inputs);
    Map<String, Tensor> out = e.run(inputs);
    if (!e.warm) {
      e.warm = true;
      e.resetTimes();  // the first run compiled the regions: not what a region costs
    }
    return out;
  }

  private Entry entry(Map<String, Tensor> inputs) {
    Entry e = latest;
    if (e != null && sameKey(e.key, inputs)) {
      return e;  // the latest run's signature: no lock, no allocation
    }
    return entry(inputs, key(inputs));
  }

  /** Whether {@code inputs} have the dtypes and shapes {@code key} was made of ({@link #key}), without building one. */
  private boolean sameKey(long[] key, Map<String, Tensor> inputs) {
    List<io.edgewise.model.ValueInfo> declared = model.graph().inputs();
    int at = 0;
    for (int i = 0; i < declared.size(); i++) {
      Tensor t = inputs.get(declared.get(i).name());
      int rank = t == null ? -1 : t.shape().rank();
      if (at + 2 > key.length || key[at] != (t == null ? -1 : t.dtype().ordinal()) || key[at + 1] != rank) {
        return false;
      }
      at += 2;
      for (int d = 0; d < rank; d++) {
        if (at >= key.length || key[at++] != t.shape().dim(d)) {
          return false;
        }
      }
    }
    return at == key.length;
  }

  /** The inputs' dtypes and shapes in the graph's input order, as numbers (-1 for an input not fed). */
  private long[] key(Map<String, Tensor> inputs) {
    List<io.edgewise.model.ValueInfo> declared = model.graph().inputs();
    int n = 0;
    for (io.edgewise.model.ValueInfo v : declared) {
      Tensor t = inputs.get(v.name());
      n += 2 + (t == null ? 0 : t.shape().rank());
    }
    long[] key = new long[n];
    int at = 0;
    for (io.edgewise.model.ValueInfo v : declared) {
      Tensor t = inputs.get(v.name());
      key[at++] = t == null ? -1 : t.dtype().ordinal();
      key[at++] = t == null ? -1 : t.shape().rank();
      for (int i = 0; t != null && i < t.shape().rank(); i++) {
        key[at++] = t.shape().dim(i);
      }
    }
    return key;
  }

  private synchronized Entry entry(Map<String, Tensor> inputs, long[] key) {
    String sig = Planner.signature(inputs, model.graph());
    Entry e = entries.get(sig);
    if (e == null) {
      Entry previous = latest;
      if (previous != null && !planner.profiled(model, inputs, backends)) {
        // a new input shape the database has not seen (a recogniser fed crops of many widths): the regions of the
        // plan already made, compiled for these types, rather than measuring every device again at each shape
        Plan p = previous.plan;
        List<String> notes = new ArrayList<>(p.notes());
        notes.add("regions of the plan for " + p.signature() + " (this shape is not in the profile database)");
        Plan reused = new Plan(sig, p.devices(), p.nodes(), p.regions(), p.transfers(), p.predictedMs(),
            p.bestSingleDevice(), p.bestSingleDeviceMs(), notes, p.candidates());
        e = entry(reused, previous.exe.segments(), key, Map.of());
      } else {
        List<String> notes = new ArrayList<>(openNotes);
        Planner.Result r = planner.plan(model, inputs, backends, notes);
        e = entry(r.plan(), r.segments(), key, r.wholeMs());
      }
      entries.put(sig, e);
      if (entries.size() > SIGNATURES) {
        var eldest = entries.entrySet().iterator().next();
        entries.remove(eldest.getKey());
        eldest.getValue().exe.close();
      }
    }
    latest = e;
    return e;
  }

  /**
   * The entry running {@code segments}: one segment covering every node runs on its device's whole-model executable
   * (the partitioned executable is kept for its segments, compiled only if run).
   */
  private Entry entry(Plan plan, List<io.edgewise.runtime.partition.Segment> segments, long[] key,
      Map<String, Double> wholeMs) {
    PartitionedExecutable exe = new PartitionedExecutable(model, segments, backends::get, options, "auto");
    Executable single = null;
    if (segments.size() == 1 && segments.get(0).nodes().size() == model.graph().nodes().size()) {
      single = whole(segments.get(0).device());
    }
    return new Entry(plan, exe, single, key, wholeMs);
  }

  /** The device's executable of the whole model, compiled at the first call and shared. */
  private synchronized Executable whole(String device) {
    Executable x = whole.get(device);
    if (x == null) {
      x = WholeModel.compile(backends.get(device), model, options);
      whole.put(device, x);
    }
    return x;
  }

  /**
   * The plan of the latest run's signature with each region's median measured time so far and, where {@link
   * #check} ran, each region predicted at its device's checked speed; null before a run.
   */
  public Plan plan() {
    Entry e = latest;
    if (e == null) {
      return null;
    }
    List<Plan.Check> checks = e.checks();
    Plan p = e.plan.withMeasured(e.regionMillis());
    return checks.isEmpty() ? p : p.withChecks(checks);
  }

  /**
   * One round of a check of the latest plan's figures beside its runs ({@link DriftCheck}): each device of the plan
   * runs its whole model in a block of its own, fed {@code inputs} (the plan's own runs are not counted). A caller
   * that times the plan puts its runs between such rounds (`edgewise plan` does), so that the figures are checked in
   * the same minutes as the runs they predict; {@link #plan()} then predicts each region at its device's checked
   * speed where the check is off the figures by more than {@link DriftCheck#MARGIN}. Nothing before a run.
   */
  public void check(Map<String, Tensor> inputs) {
    check(inputs, 0);
  }

  /**
   * {@link #check(Map)} with blocks of exactly {@code runs} timed runs each where {@code runs > 0} (as many as the
   * caller's own blocks: on a machine whose speed flips between two modes within a second, a check whose blocks
   * run on for 20 ms takes many more runs in the fast mode than the caller's, and its median leans there).
   */
  public void check(Map<String, Tensor> inputs, int runs) {
    Entry e = latest;
    if (e == null) {
      return;
    }
    synchronized (e) {
      if (e.checked == null) {
        e.checked = e.plan.regions().stream().map(Plan.Region::device).distinct()
            .filter(e.wholeMs::containsKey).toList();
        e.samples = new DriftCheck.Samples(e.checked.size());
      }
      List<Executable> exes = e.checked.stream().map(this::whole).toList();
      java.util.function.IntConsumer run = i -> exes.get(i).run(inputs).values().forEach(Tensor::close);
      if (runs > 0) {
        e.samples.round(run, System::nanoTime, runs);
      } else {
        e.samples.round(run, System::nanoTime);
      }
    }
  }

  /** Starts the regions' timers of the latest plan again (after a warm-up). */
  public void resetTimes() {
    Entry e = latest;
    if (e != null) {
      e.resetTimes();
    }
  }

  /** Every node on its region's device, by the latest plan; empty before a run. */
  @Override
  public List<NodePlacement> placement() {
    Entry e = latest;
    if (e == null) {
      return List.of();
    }
    return e.plan.nodes().stream().map(n -> new NodePlacement(n.name(), n.op(), n.device(), null)).toList();
  }

  /** The single region's per-node profile where the latest plan has one region, else null. */
  @Override
  public OpProfile profile() {
    Entry e = latest;
    if (e == null || e.plan.regions().size() != 1) {
      return null;
    }
    return e.single != null ? e.single.profile() : e.exe.segmentProfiles().get(0);
  }

  @Override
  public synchronized void close() {
    entries.values().forEach(x -> x.exe.close());
    entries.clear();
    whole.values().forEach(Executable::close);
    whole.clear();
    latest = null;
  }
}
