package io.edgewise.runtime.plan;

import io.edgewise.EdgewiseException;
import io.edgewise.backend.Backend;
import io.edgewise.backend.BackendOptions;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.ValueInfo;
import io.edgewise.runtime.partition.Partitioner;
import io.edgewise.runtime.partition.Segment;
import io.edgewise.tensor.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The placement planner: for a model and one run's inputs, the cost of every node on every candidate device from
 * the profile database (measuring on a device what it lacks, then saving it), the values' sizes and the devices'
 * transfer costs as a {@link PlanProblem}, the assignment of {@link RegionPlanner}, and the regions {@link
 * Partitioner} cuts from it. A device that fails while being measured is left out, and the plan says why.
 */
public final class Planner {
  private static final Logger LOG = LoggerFactory.getLogger(Planner.class);

  /**
   * A mixed plan is taken only when predicted to beat the best single device by this fraction: the cost model's
   * error on one region is about as large, and a mixed plan that wins less on paper can lose in fact.
   */
  static final double MIXED_MARGIN = 0.10;

  private final ProfileDb db;
  private final BackendOptions options;
  private final int threads;
  /**
   * Measure again what the database already has ({@code -Dedgewise.profile.remeasure=true}, `edgewise plan
   * --remeasure`): once per device and model in this planner, so that the prediction and the runs after it see the
   * same machine. A busy shared machine changes its speed by several times within minutes.
   */
  private final boolean remeasure = Boolean.getBoolean("edgewise.profile.remeasure");
  private final Set<String> measuredHere = new HashSet<>();

  public Planner(ProfileDb db, BackendOptions options) {
    this(db, options, !"false".equals(System.getProperty("edgewise.profile.check")));
  }

  /** {@code check}: whether figures read from the database are checked against a whole run ({@link #check}). */
  Planner(ProfileDb db, BackendOptions options, boolean check) {
    this.db = db;
    this.options = options;
    this.check = check;
    this.threads = options.threads() > 0 ? options.threads() : Runtime.getRuntime().availableProcessors();
  }

  /**
   * A plan and what runs it: the regions as segments, and per device the predicted time of the whole model on it
   * alone (the run a {@link DriftCheck} times; empty where not known).
   */
  public record Result(Plan plan, List<Segment> segments, Map<String, Double> wholeMs) {
    public Result {
      wholeMs = wholeMs == null ? Map.of() : Map.copyOf(wholeMs);
    }

    public Result(Plan plan, List<Segment> segments) {
      this(plan, segments, Map.of());
    }
  }

  /**
   * Whether figures read from the database are checked against a whole-model run before a plan is made from them
   * ({@code -Dedgewise.profile.check=false} turns it off).
   */
  private final boolean check;

  /**
   * Plans {@code model} for a run fed {@code inputs} over {@code backends} (device name to open backend, in the
   * order of preference on a tie). Devices that fail while measured are removed from {@code backends} and noted in
   * {@code notes}.
   */
  public Result plan(Model model, Map<String, Tensor> inputs, Map<String, Backend> backends, List<String> notes) {
    Graph g = model.graph();
    List<Node> nodes = g.nodes();
    Map<String, ValueInfo> types = OpKeys.types(model, inputs);
    String[] keys = new String[nodes.size()];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = OpKeys.of(model, nodes.get(i), types);
    }
    Values values = Values.of(g, types);
    RuntimeException last = null;
    for (String d : new ArrayList<>(backends.keySet())) {
      try {
        transfer(d, backends.get(d));
      } catch (RuntimeException e) {
        last = e;
        leaveOut(model, d, e, backends, notes);
      }
    }
    // the devices that lack a figure for some node, measured together; one that fails is left out, the rest again
    while (true) {
      List<Calibrator.Target> targets = targets(model, keys, values, backends);
      if (targets.isEmpty()) {
        break;
      }
      try {
        record(model, keys, targets, Calibrator.measure(targets, model, inputs, options), notes);
        break;
      } catch (Calibrator.DeviceFailure e) {
        last = (RuntimeException) e.getCause();
        leaveOut(model, e.device, last, backends, notes);
      }
    }
    if (backends.isEmpty()) {
      throw last;  // every device failed on this model: its own error says why (a bad input, an unsupported type)
    }
    if (check) {
      check(model, keys, values, backends, inputs, notes);
    }
    try {
      db.save();
    } catch (EdgewiseException e) {
      LOG.warn("{}", e.getMessage());  // the figures stay in memory for this process
    }
    List<String> devices = new ArrayList<>(backends.keySet());
    PlanProblem p = problem(model, keys, values, devices, backends);
    for (int i = 0; i < nodes.size(); i++) {
      boolean any = false;
      for (double c : p.nodeMs()[i]) {
        any |= !Double.isInfinite(c);
      }
      if (!any) {
        throw EdgewiseException.notImplemented(model.label() + ": " + nodes.get(i).describe()
            + " runs on none of the devices planned over " + devices);
      }
    }
    Result r = choose(model, inputs, backends, p, keys, values, devices, notes);
    // what a check of each device's whole run compares with: the run as the figures predict it, for a one-region
    // plan only. A mixed plan's regions were measured in regions at the selection, and a device's whole-run factor
    // did not carry over to them: scaled by the cpu's, det's and ResNet-18's small cpu regions went from within 4% /
    // 30% to 21-50% over, 2026-12-07 (and check runs between the timed runs slowed each first region 4-10x); its
    // regions are not checked.
    Map<String, Double> whole = new LinkedHashMap<>();
    for (int d = 0; d < devices.size() && !r.plan().mixed(); d++) {
      int[] a = new int[nodes.size()];
      java.util.Arrays.fill(a, d);
      double ms = p.cost(a);
      if (!Double.isInfinite(ms)) {
        whole.put(devices.get(d), ms);
      }
    }
    return new Result(r.plan(), r.segments(), whole);
  }

  /** The plan from the problem: the planner's assignment, measured in regions and against single devices if mixed. */
  private Result choose(Model model, Map<String, Tensor> inputs, Map<String, Backend> backends, PlanProblem p,
      String[] keys, Values values, List<String> devices, List<String> notes) {
    String sig = signature(inputs, model.graph());
    int[] assign = RegionPlanner.plan(p);
    Result r = result(model, p, assign, values, sig, notes, false);
    if (!r.plan().mixed() || !measured(keys, devices)) {
      // one device from the start, or a mixed assignment not predicted to beat the best single device by the margin
      // (result() gives that device's plan): the calibration already timed the devices' whole runs against each
      // other, in alternating blocks, and that is what a one-region plan runs (measuring it "in regions" ran a
      // one-region partition against the device's own executable, kept it as "mixed" and predicted the whole run
      // from the partition's figures, ResNet-18 at 0.30 of its time, 2026-12-07); injected figures are taken as given
      return r;
    }
    String key = choiceKey(model, keys, devices, sig);
    ProfileDb.Choice cached = remeasure ? null : db.choice(key);
    Result reused = cached == null ? null : fromChoice(model, p, cached, values, sig, notes);
    if (reused != null) {
      return reused;
    }
    InRegions m = inRegions(model, inputs, backends, p, r, values, notes);
    if (m.mixedAssign() == null) {
      return m.result();  // the regions could not be measured: the notes say why
    }
    return select(model, inputs, backends, p, m, values, sig, notes, key);
  }

  private static boolean mixed(int[] assign) {
    for (int a : assign) {
      if (a != assign[0]) {
        return true;
      }
    }
    return false;
  }

  /** A single device's candidate is measured only when predicted within this factor of the best single device. */
  static final double SINGLE_CANDIDATE_FACTOR = 2.0;

  /**
   * The plan kept by measurement ({@link PlanSelector}): the mixed plan (its figures measured in regions) against
   * each single device that runs every node and is predicted within {@link #SINGLE_CANDIDATE_FACTOR} of the best
   * one, run for real in alternating blocks. The choice is saved in the profile database under {@code key}, with
   * each candidate's predicted and measured time, so a later session pays it no more. A failure while measuring
   * keeps the planner's plan, and the notes say why.
   */
  private Result select(Model model, Map<String, Tensor> inputs, Map<String, Backend> backends, PlanProblem p,
      InRegions m, Values values, String sig, List<String> notes, String key) {
    Result mixedPlan = result(model, m.problem(), m.mixedAssign(), values, sig, notes, true);
    List<PlanSelector.Candidate> candidates = new ArrayList<>();
    List<int[]> assigns = new ArrayList<>();
    candidates.add(new PlanSelector.Candidate("mixed", true, mixedPlan.plan().predictedMs()));
    assigns.add(m.mixedAssign());
    double bestSingle = p.cost(RegionPlanner.bestSingleDevice(p));
    for (int d = 0; d < p.deviceCount(); d++) {
      int[] a = new int[p.nodeCount()];
      java.util.Arrays.fill(a, d);
      double ms = p.cost(a);
      if (!Double.isInfinite(ms) && ms <= SINGLE_CANDIDATE_FACTOR * bestSingle) {
        candidates.add(new PlanSelector.Candidate(p.devices().get(d), false, ms));
        assigns.add(a);
      }
    }
    List<io.edgewise.backend.Executable> exes = new ArrayList<>();
    PlanSelector.Outcome o;
    try {
      for (PlanSelector.Candidate c : candidates) {
        exes.add(c.mixed()
            ? new io.edgewise.runtime.partition.PartitionedExecutable(model, mixedPlan.segments(), backends::get,
                options, "auto")
            : WholeModel.compile(backends.get(c.label()), model, options));
      }
      o = PlanSelector.select(candidates, i -> exes.get(i).run(inputs).values().forEach(Tensor::close),
          System::nanoTime);
    } catch (RuntimeException e) {
      notes.add("measuring the candidate plans failed (" + e.getMessage() + "): the planner's plan kept");
      return m.result();
    } finally {
      exes.forEach(io.edgewise.backend.Executable::close);
    }
    PlanSelector.Measured best = o.best();
    int[] chosen = assigns.get(o.chosen());
    Map<String, Double> measuredMs = new LinkedHashMap<>();
    Map<String, Double> predictedMs = new LinkedHashMap<>();
    List<Plan.Candidate> figures = new ArrayList<>();
    for (int i = 0; i < o.measured().size(); i++) {
      PlanSelector.Measured c = o.measured().get(i);
      measuredMs.put(c.candidate().label(), c.measuredMs());
      predictedMs.put(c.candidate().label(), c.candidate().predictedMs());
      figures.add(new Plan.Candidate(c.candidate().label(), c.candidate().predictedMs(), c.measuredMs(), c.runs(),
          i == o.chosen()));
    }
    notes.add(selectionNote(figures, false, null));
    List<String> nodeDevices = new ArrayList<>();
    List<Double> nodeMs = new ArrayList<>();
    if (best.candidate().mixed()) {
      for (int i = 0; i < chosen.length; i++) {
        String d = p.devices().get(chosen[i]);
        nodeDevices.add(d);
        nodeMs.add(m.problem().nodeMs()[i][chosen[i]] / db.scale(d, threads));  // stored as the op figures are
      }
    }
    db.putChoice(key, new ProfileDb.Choice(best.candidate().label(), nodeDevices, nodeMs, measuredMs, predictedMs,
        java.time.Instant.now().toString()));
    try {
      db.save();
    } catch (EdgewiseException e) {
      LOG.warn("{}", e.getMessage());
    }
    LOG.info("{}: {}", model.label(), notes.get(notes.size() - 1));
    // made after the note, which the plan copies
    Result kept = result(model, best.candidate().mixed() ? m.problem() : p, chosen, values, sig, notes, true);
    return new Result(kept.plan().withCandidates(figures), kept.segments());
  }

  private static String selectionNote(List<Plan.Candidate> figures, boolean cached, String at) {
    StringBuilder b = new StringBuilder(cached ? "plan chosen by measurement at " + at + " (kept in the profile "
        + "database): " : "candidate plans measured, the fastest kept: ");
    for (int i = 0; i < figures.size(); i++) {
      Plan.Candidate c = figures.get(i);
      b.append(i == 0 ? "" : ", ").append(c.plan()).append(String.format(" predicted %.3f / measured %.3f ms",
          c.predictedMs(), c.measuredMs())).append(c.chosen() ? " (kept)" : "");
    }
    return b.append(cached ? "" : "; a mixed plan is kept only when measured "
        + Math.round(PlanSelector.MIXED_MARGIN * 100) + "% faster than the best single device").toString();
  }

  /**
   * The plan a saved choice names, or null where it no longer applies (a device it names is not among those planned
   * over, or the model's node count changed).
   */
  private Result fromChoice(Model model, PlanProblem p, ProfileDb.Choice c, Values values, String sig,
      List<String> notes) {
    int n = p.nodeCount();
    int[] assign = new int[n];
    PlanProblem q = p;
    if (c.chosen().equals("mixed")) {
      if (c.nodeDevices().size() != n || c.nodeMs().size() != n) {
        return null;
      }
      double[][] ms = new double[n][];
      for (int i = 0; i < n; i++) {
        assign[i] = p.devices().indexOf(c.nodeDevices().get(i));
        if (assign[i] < 0) {
          return null;
        }
        ms[i] = p.nodeMs()[i].clone();
        ms[i][assign[i]] = c.nodeMs().get(i) * db.scale(c.nodeDevices().get(i), threads);
      }
      q = new PlanProblem(p.devices(), ms, p.reads(), p.producer(), p.bytes(), p.graphOutput(), p.callMs(),
          p.perByteMs());
    } else {
      int d = p.devices().indexOf(c.chosen());
      if (d < 0) {
        return null;
      }
      java.util.Arrays.fill(assign, d);
    }
    List<Plan.Candidate> figures = new ArrayList<>();
    c.measuredMs().forEach((label, ms) -> figures.add(new Plan.Candidate(label,
        c.predictedMs().getOrDefault(label, Double.NaN), ms, 0, label.equals(c.chosen()))));
    notes.add(selectionNote(figures, true, c.at()));
    Result r = result(model, q, assign, values, sig, notes, true);
    return new Result(r.plan().withCandidates(figures), r.segments());
  }

  /**
   * The key of a plan choice: the model, the op keys of its nodes (shapes, attributes), the input signature, the
   * devices planned over and the thread count.
   */
  String choiceKey(Model model, String[] keys, List<String> devices, String sig) {
    return model.label() + " | " + sig + " | " + String.join(",", devices) + " | " + threads + " | "
        + Integer.toHexString(String.join(";", keys).hashCode());
  }

  /**
   * Whether every figure of these nodes on these devices was measured (not injected, as a test or a user may: those
   * are taken as given, and a mixed plan from them is not measured again in regions).
   */
  private boolean measured(String[] keys, List<String> devices) {
    for (String d : devices) {
      for (String k : keys) {
        ProfileDb.OpCost c = db.op(d, threads, k);
        if (c != null && !c.source().equals("measured")) {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * Whether the device computes in host memory (the cpu, and ref): its kernels read the caller's tensors in place and
   * return host tensors, so a value reaches it or leaves it at no cost of its own. Its probe's figure (a region's call
   * and a pass over the value) is left out of the problem: on a whole run it made a 20 us digits CNN look like 130 us
   * (the graph input and output each charged the probe's call), and at a cut the other device's side, measured with
   * its own region call, already carries the hand-over.
   */
  static boolean onHost(String device) {
    return device.equals("cpu") || device.equals("ref");
  }

  /** Rounds of measuring a mixed plan's regions and planning again with what they measured. */
  static final int REGION_ROUNDS = 3;

  /**
   * A mixed plan, its regions measured as they run ({@link Calibrator#inRegions}) and the model planned again with
   * those figures in place of the whole-model shares of the nodes' devices, until the plan stays the same (at most
   * {@link #REGION_ROUNDS} measurements): the plan returned has every region's figures measured in regions, or is a
   * single device's (whose figures come from whole runs, as it runs). A failure while measuring keeps the plan
   * made from the whole-model figures, and the notes say why.
   */
  /**
   * What measuring a mixed plan in regions gave: the plan then made, the problem with the figures measured, and the
   * last mixed assignment whose regions were measured (null where measuring failed).
   */
  record InRegions(Result result, PlanProblem problem, int[] mixedAssign) {}

  private InRegions inRegions(Model model, Map<String, Tensor> inputs, Map<String, Backend> backends, PlanProblem p,
      Result first, Values values, List<String> notes) {
    String signature = signature(inputs, model.graph());
    int n = p.nodeCount();
    double[][] ms = new double[n][];
    for (int i = 0; i < n; i++) {
      ms[i] = p.nodeMs()[i].clone();
    }
    Result current = first;
    PlanProblem q = p;
    int[] assign = assignment(p, current.plan());
    for (int round = 0; round < REGION_ROUNDS; round++) {
      double[] share = q.attributed(assign);
      List<Segment> segments = current.segments();
      Map<Node, Integer> index = new IdentityHashMap<>();
      for (int i = 0; i < n; i++) {
        index.put(model.graph().nodes().get(i), i);
      }
      double[] transferMs = new double[segments.size()];
      for (int s = 0; s < segments.size(); s++) {
        for (Node node : segments.get(s).nodes()) {
          int i = index.get(node);
          transferMs[s] += share[i] - q.nodeMs()[i][assign[i]];
        }
      }
      double[] measured;
      try {
        measured = Calibrator.inRegions(model, segments, backends::get, inputs, options, transferMs);
      } catch (RuntimeException e) {
        notes.add("measuring the regions failed (" + e.getMessage() + "): predicted from whole-model figures");
        return new InRegions(result(model, q, assign, values, signature, notes, false), q, null);
      }
      for (int i = 0; i < n; i++) {
        ms[i][assign[i]] = measured[i];
      }
      q = new PlanProblem(p.devices(), ms, p.reads(), p.producer(), p.bytes(), p.graphOutput(), p.callMs(),
          p.perByteMs());
      Result next = result(model, q, RegionPlanner.plan(q), values, signature, notes, false);
      int[] nextAssign = assignment(q, next.plan());
      if (java.util.Arrays.equals(nextAssign, assign) || !next.plan().mixed() || round == REGION_ROUNDS - 1) {
        notes.add("a mixed plan's regions measured as they run (" + (round + 1) + " round" + (round == 0 ? "" : "s")
            + ") and the model planned again with those figures");
        // out of rounds with a plan whose new regions are not measured: the last measured one, as predicted now
        boolean unmeasured = !java.util.Arrays.equals(nextAssign, assign) && next.plan().mixed();
        return new InRegions(result(model, q, unmeasured ? assign : nextAssign, values, signature, notes, false), q,
            assign);
      }
      current = next;
      assign = nextAssign;
    }
    throw new IllegalStateException("unreachable: the last round returns");
  }

  /** Each node's device index under {@code plan}. */
  private static int[] assignment(PlanProblem p, Plan plan) {
    int[] a = new int[plan.nodes().size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = p.devices().indexOf(plan.nodes().get(i).device());
    }
    return a;
  }

  /**
   * Whether planning this run needs no measurement: the database has every node's figure on every device that runs
   * the whole model, and every device's transfer cost.
   */
  boolean profiled(Model model, Map<String, Tensor> inputs, Map<String, Backend> backends) {
    String[] keys = keys(model, inputs);
    List<Node> nodes = model.graph().nodes();
    for (Map.Entry<String, Backend> e : backends.entrySet()) {
      if (db.transfer(e.getKey(), threads) == null) {
        return false;
      }
      boolean runsAll = true;
      boolean missing = false;
      for (int i = 0; i < keys.length; i++) {
        runsAll &= e.getValue().unsupportedReason(nodes.get(i), model.opset()) == null;
        missing |= db.op(e.getKey(), threads, keys[i]) == null;
      }
      if (runsAll && missing) {
        return false;
      }
    }
    return true;
  }

  /** The key of every node, for a test that injects a profile. */
  static String[] keys(Model model, Map<String, Tensor> inputs) {
    Map<String, ValueInfo> types = OpKeys.types(model, inputs);
    return model.graph().nodes().stream().map(n -> OpKeys.of(model, n, types)).toArray(String[]::new);
  }

  private void leaveOut(Model model, String d, RuntimeException e, Map<String, Backend> backends,
      List<String> notes) {
    String why = d + " failed while its costs were measured (" + e.getMessage() + "); planned without it";
    LOG.warn("{}: {}", model.label(), why);
    notes.add(why);
    backends.remove(d);
  }

  /** Measures the device's transfer cost where the database lacks it. */
  private void transfer(String d, Backend backend) {
    if (db.transfer(d, threads) == null || remeasure && measuredHere.add(d + " transfer")) {
      ProfileDb.Transfer t = Calibrator.transfer(backend, d, options);
      db.putTransfer(d, backend.device().description(), threads, t);
      LOG.info("{}: transfer cost measured: {} ms per call, {} ms per MB", d, t.callMs(), t.perByteMs() * 1e6);
    }
  }

  /**
   * The devices that run every node and lack a figure for some: what must be measured. A device that cannot run
   * some node is not measured on this model (its nodes stay unknown there, so it gets none of them).
   */
  private List<Calibrator.Target> targets(Model model, String[] keys, Values values, Map<String, Backend> backends) {
    List<Calibrator.Target> out = new ArrayList<>();
    List<Node> nodes = model.graph().nodes();
    for (Map.Entry<String, Backend> e : backends.entrySet()) {
      String d = e.getKey();
      boolean runsAll = true;
      boolean missing = false;
      for (int i = 0; i < keys.length; i++) {
        runsAll &= e.getValue().unsupportedReason(nodes.get(i), model.opset()) == null;
        missing |= db.op(d, threads, keys[i]) == null;
      }
      missing |= remeasure && !measuredHere.contains(d + " " + model.label() + " " + String.join(";", keys));
      if (!runsAll || !missing) {
        continue;
      }
      double io = io(d, values);
      String description = e.getValue().device().description();
      boolean modeled = description.contains("modeled") && !description.startsWith("emulated");
      out.add(new Calibrator.Target(d, e.getValue(), io, modeled));
    }
    return out;
  }

  /** What moving the graph's inputs and outputs to and from device {@code d} costs by its probe (0 on the host). */
  private double io(String d, Values values) {
    ProfileDb.Transfer t = onHost(d) ? null : db.transfer(d, threads);
    double io = 0;
    for (int v = 0; v < values.names.size(); v++) {
      if (t != null && (values.producer[v] < 0 || values.graphOutput[v])) {
        io += t.callMs() + t.perByteMs() * values.bytes[v];
      }
    }
    return io;
  }

  /**
   * Checks the figures this planner read from the database (not measured by it on this model) against the model's
   * whole run on each device that runs every node and is predicted within {@link #SINGLE_CANDIDATE_FACTOR} of the
   * best ({@link DriftCheck}: the devices in alternating blocks), and scales
   * a device's figures where the run is off by more than the margin, the rescale kept in its profile. Figures not
   * measured (injected, modeled) are taken as given. A device that fails here is only noted: its figures stay.
   */
  private void check(Model model, String[] keys, Values values, Map<String, Backend> backends,
      Map<String, Tensor> inputs, List<String> notes) {
    List<String> devices = new ArrayList<>();
    List<Double> predicted = new ArrayList<>();
    List<Node> nodes = model.graph().nodes();
    for (Map.Entry<String, Backend> e : backends.entrySet()) {
      String d = e.getKey();
      if (measuredHere.contains(d + " " + model.label() + " " + String.join(";", keys))) {
        continue;  // measured by this planner on this model: nothing to check
      }
      double sum = 0;
      boolean ok = true;
      for (int i = 0; i < keys.length && ok; i++) {
        ProfileDb.OpCost c = db.op(d, threads, keys[i]);
        ok = c != null && c.source().equals("measured")
            && e.getValue().unsupportedReason(nodes.get(i), model.opset()) == null;
        sum += ok ? c.ms() : 0;
      }
      if (ok) {
        devices.add(d);
        predicted.add(sum * db.scale(d, threads) + io(d, values));
      }
    }
    // only the devices predicted within SINGLE_CANDIDATE_FACTOR of the best: a device far slower is neither picked
    // alone nor worth its check's runs (PoCL on the OCR recogniser, 1-3 s a run here, would take 12 runs: 24 s)
    double best = predicted.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    for (int i = devices.size() - 1; i >= 0; i--) {
      if (predicted.get(i) > SINGLE_CANDIDATE_FACTOR * best) {
        devices.remove(i);
        predicted.remove(i);
      }
    }
    if (devices.isEmpty()) {
      return;
    }
    List<io.edgewise.backend.Executable> exes = new ArrayList<>();
    DriftCheck.Samples s;
    try {
      for (String d : devices) {
        exes.add(WholeModel.compile(backends.get(d), model, options));
      }
      s = DriftCheck.measure(devices.size(), i -> exes.get(i).run(inputs).values().forEach(Tensor::close),
          System::nanoTime);
    } catch (RuntimeException e) {
      notes.add("checking the profile's figures against a whole run failed (" + e.getMessage() + "): kept as they are");
      return;
    } finally {
      exes.forEach(io.edgewise.backend.Executable::close);
    }
    for (int i = 0; i < devices.size(); i++) {
      String d = devices.get(i);
      double old = db.scale(d, threads);
      double measured = s.median(i);
      double next = DriftCheck.factor(old, predicted.get(i), measured);
      String figures = String.format("%s: whole run predicted %.3f ms by the profile, measured %.3f ms (median of %d "
          + "runs, devices alternating)", d, predicted.get(i), measured, s.runs(i));
      if (next != old) {
        db.putRescale(d, backends.get(d).device().description(), threads, new ProfileDb.Rescale(next, model.label(),
            predicted.get(i), measured, java.time.Instant.now().toString()));
        notes.add(figures + String.format(": off by more than %d%%, the device's figures scaled by %.3f (now %.3f x "
            + "as stored)", Math.round(DriftCheck.MARGIN * 100), next / old, next));
      } else {
        notes.add(figures + String.format(": within %d%%, kept", Math.round(DriftCheck.MARGIN * 100)));
      }
    }
  }

  /**
   * Stores what was measured: per key, the mean over the nodes with that key, divided by the device's scale (so that
   * stored figure x scale, what the planner uses, is what was measured now); the whole run's median goes in the notes.
   */
  private void record(Model model, String[] keys, List<Calibrator.Target> targets,
      Map<String, Calibrator.Measured> measured, List<String> notes) {
    String at = java.time.Instant.now().toString();
    for (Calibrator.Target t : targets) {
      Calibrator.Measured m = measured.get(t.device());
      Map<String, double[]> sums = new LinkedHashMap<>();  // key -> {ms total, count}
      for (int i = 0; i < keys.length; i++) {
        double[] s = sums.computeIfAbsent(keys[i], k -> new double[2]);
        s[0] += m.nodeMs()[i];
        s[1]++;
      }
      Map<String, ProfileDb.OpCost> ops = new LinkedHashMap<>();
      double scale = db.scale(t.device(), threads);  // stored so that figure x scale is what was measured now
      sums.forEach((k, s) -> ops.put(k, new ProfileDb.OpCost(s[0] / s[1] / scale, "measured", m.runs(), at)));
      db.putOps(t.device(), t.backend().device().description(), threads, ops);
      measuredHere.add(t.device() + " " + model.label() + " " + String.join(";", keys));
      notes.add(String.format("%s measured at %.6g ms per whole run (median of %d runs, devices alternating)%s",
          t.device(), m.wholeMs(), m.runs(), scale == 1 ? "" : String.format("; stored at the device's scale %.4g",
          scale)));
      LOG.info("{}: {}", model.label(), notes.get(notes.size() - 1));
    }
  }

  private PlanProblem problem(Model model, String[] keys, Values values, List<String> devices,
      Map<String, Backend> backends) {
    List<Node> nodes = model.graph().nodes();
    double[][] nodeMs = new double[nodes.size()][devices.size()];
    double[] callMs = new double[devices.size()];
    double[] perByte = new double[devices.size()];
    for (int d = 0; d < devices.size(); d++) {
      String name = devices.get(d);
      ProfileDb.Transfer t = onHost(name) ? null : db.transfer(name, threads);
      callMs[d] = t == null ? 0 : t.callMs();
      perByte[d] = t == null ? 0 : t.perByteMs();
      double scale = db.scale(name, threads);
      for (int i = 0; i < nodes.size(); i++) {
        ProfileDb.OpCost c = db.op(name, threads, keys[i]);
        boolean runs = backends.get(name).unsupportedReason(nodes.get(i), model.opset()) == null;
        nodeMs[i][d] = c == null || !runs ? Double.POSITIVE_INFINITY : c.ms() * scale;
      }
    }
    int[][] reads = new int[nodes.size()][];
    for (int i = 0; i < nodes.size(); i++) {
      reads[i] = values.reads.get(i).stream().mapToInt(Integer::intValue).toArray();
    }
    return new PlanProblem(devices, nodeMs, reads, values.producer, values.bytes, values.graphOutput, callMs,
        perByte);
  }

  /**
   * The plan of {@code assign} ({@code exact}) or, where it is mixed and not predicted to beat the best single device
   * by {@link #MIXED_MARGIN}, that device's.
   */
  private static Result result(Model model, PlanProblem p, int[] assign, Values values, String signature,
      List<String> notes, boolean exact) {
    List<Node> nodes = model.graph().nodes();
    int[] single = RegionPlanner.bestSingleDevice(p);
    double singleMs = p.cost(single);
    String singleDevice = p.devices().get(single[0]);
    boolean mixed = false;
    for (int a : assign) {
      mixed |= a != assign[0];
    }
    if (!exact && mixed && p.cost(assign) > (1 - MIXED_MARGIN) * singleMs) {
      assign = single;  // not enough predicted gain to pay for the model's error
    }
    int[] chosen = assign;
    Map<Node, Integer> index = new IdentityHashMap<>();
    for (int i = 0; i < nodes.size(); i++) {
      index.put(nodes.get(i), i);
    }
    List<Segment> segments = Partitioner.partition(model.graph(), n -> p.devices().get(chosen[index.get(n)]));
    double[] share = p.attributed(chosen);
    List<Plan.Region> regions = new ArrayList<>();
    for (Segment s : segments) {
      double ms = 0;
      for (Node n : s.nodes()) {
        ms += share[index.get(n)];
      }
      regions.add(new Plan.Region(s.device(), s.nodes().size(), ms, Double.NaN));
    }
    List<Plan.NodeEntry> entries = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      entries.add(new Plan.NodeEntry(nodes.get(i).label(), nodes.get(i).qualifiedOpType(),
          p.devices().get(chosen[i]), p.nodeMs()[i][chosen[i]]));
    }
    List<Plan.Transfer> transfers = transfers(p, chosen, values);
    Plan plan = new Plan(signature, p.devices(), entries, regions, transfers, p.cost(chosen), singleDevice, singleMs,
        notes, List.of());
    return new Result(plan, segments);
  }

  /** Every value that changes device under the assignment, once per (value, destination). */
  private static List<Plan.Transfer> transfers(PlanProblem p, int[] assign, Values values) {
    List<Plan.Transfer> out = new ArrayList<>();
    List<List<Integer>> readers = p.readers();
    for (int v = 0; v < values.names.size(); v++) {
      int src = p.source(assign, v);
      String from = src == PlanProblem.HOST ? "host" : p.devices().get(src);
      Set<Integer> seen = new HashSet<>();
      for (int r : readers.get(v)) {
        int d = assign[r];
        if (d != src && seen.add(d)) {
          out.add(new Plan.Transfer(values.names.get(v), from, p.devices().get(d), p.bytes()[v],
              p.side(src, v) + p.side(d, v)));
        }
      }
      if (p.graphOutput()[v] && src != PlanProblem.HOST) {
        out.add(new Plan.Transfer(values.names.get(v), from, "host", p.bytes()[v], p.side(src, v)));
      }
    }
    return out;
  }

  /** The input dtypes and shapes a plan is for. */
  static String signature(Map<String, Tensor> inputs, Graph g) {
    StringBuilder b = new StringBuilder();
    for (String name : g.inputNames()) {
      Tensor t = inputs.get(name);
      if (t != null) {
        b.append(b.length() == 0 ? "" : ", ").append(name).append(':').append(t.dtype().onnxName())
            .append(t.shape());
      }
    }
    return b.toString();
  }

  /** The values between nodes (initializers excluded): producers, readers, sizes. */
  static final class Values {
    final List<String> names = new ArrayList<>();
    int[] producer;
    long[] bytes;
    boolean[] graphOutput;
    final List<List<Integer>> reads = new ArrayList<>();

    static Values of(Graph g, Map<String, ValueInfo> types) {
      Values out = new Values();
      Map<String, Integer> id = new HashMap<>();
      Map<Integer, Integer> producers = new HashMap<>();
      for (String in : g.inputNames()) {
        id.computeIfAbsent(in, k -> out.add(k));
      }
      List<Node> nodes = g.nodes();
      for (int i = 0; i < nodes.size(); i++) {
        List<Integer> r = new ArrayList<>();
        for (String v : Partitioner.reads(nodes.get(i))) {
          Integer k = id.get(v);
          if (k != null && !r.contains(k)) {
            r.add(k);
          }
        }
        out.reads.add(r);
        for (String v : nodes.get(i).outputs()) {
          if (!v.isEmpty()) {
            int k = id.computeIfAbsent(v, x -> out.add(x));
            producers.put(k, i);
          }
        }
      }
      int n = out.names.size();
      out.producer = new int[n];
      out.bytes = new long[n];
      out.graphOutput = new boolean[n];
      Set<String> outputs = new HashSet<>(g.outputNames());
      for (int v = 0; v < n; v++) {
        out.producer[v] = producers.getOrDefault(v, -1);
        out.bytes[v] = OpKeys.bytes(types, out.names.get(v));
        out.graphOutput[v] = outputs.contains(out.names.get(v));
      }
      return out;
    }

    private int add(String name) {
      names.add(name);
      return names.size() - 1;
    }
  }
}
