package io.edgewise.bench.cosched;

import io.edgewise.EdgewiseException;
import io.edgewise.adapt.cosched.CoschedPolicy;
import io.edgewise.adapt.cosched.ContentionBandit;
import io.edgewise.adapt.cosched.EarliestFinish;
import io.edgewise.adapt.cosched.FixedPlacement;
import io.edgewise.adapt.cosched.GroupSetSearch;
import io.edgewise.adapt.cosched.LeastLoaded;
import io.edgewise.adapt.cosched.PlacementPolicy;
import io.edgewise.adapt.cosched.Profile;
import io.edgewise.adapt.cosched.RandomGroup;
import io.edgewise.adapt.cosched.RoundRobin;
import io.edgewise.adapt.cosched.SingleGroup;
import io.edgewise.adapt.cosched.exec.DeviceGroup;
import io.edgewise.cli.Json;
import io.edgewise.cli.JsonOption;
import io.edgewise.cli.Main;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
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
 * `edgewise cosched-bench`: several models' request streams on one node, co-scheduled over device groups (COSREL,
 * issue 22). Per mix: each model's solo time on the cpu FIFO baseline's device and on every group (measured), the
 * arrival rates and SLOs that follow, then each policy under the same open-loop Poisson arrivals: everything on cpu
 * in one FIFO queue, round robin over the groups, random, least loaded, earliest finish from the solo profile, the
 * best fixed placement (every model-to-group assignment measured in a short run, the best rerun at full length), the
 * per-request learner (ContentionBandit) and the learned placement (PlacementPolicy: a home group per model, searched
 * again as it learns). Every figure printed is measured in this process, wall clock.
 */
@Command(name = "cosched-bench", description = {
    "Co-schedules several models' open-loop Poisson request streams over device groups with the learned policy and",
    "its baselines; prints measured throughput, p50/p99 latency and SLO misses per policy and mix."})
public final class CoschedBenchCommand implements Callable<Integer> {
  /** A model of a default mix with its share of the requests. */
  record MixModel(String spec, double weight) {}

  /**
   * The default mixes (paths relative to the repository root, as the launcher and the tests run), each model with its
   * relative request rate: the OCR streams as a page with two text lines (one detection, two orientation checks, two
   * recognitions), the CNNs one request each.
   */
  static final Map<String, List<MixModel>> MIXES = defaultMixes();

  private static Map<String, List<MixModel>> defaultMixes() {
    String ocr = "../shared/testdata/ocr/";
    String models = "../shared/testdata/models/";
    MixModel det = new MixModel("det=" + ocr + "ch_PP-OCRv4_det_infer.onnx@1x3x160x320", 1);
    MixModel cls = new MixModel("cls=" + ocr + "ch_ppocr_mobile_v2.0_cls_infer.onnx@1x3x48x192", 2);
    MixModel rec = new MixModel("rec=" + ocr + "ch_PP-OCRv4_rec_infer.onnx@1x3x48x160", 2);
    Map<String, List<MixModel>> m = new LinkedHashMap<>();
    m.put("ocr", List.of(det, cls, rec));
    m.put("cnn", List.of(new MixModel("squeezenet=" + models + "squeezenet1_1", 1),
        new MixModel("mobilenet=" + models + "mobilenet_v2", 1), new MixModel("resnet18=" + models + "resnet18", 1)));
    m.put("ocr+cnn", List.of(new MixModel(rec.spec(), 1), new MixModel("squeezenet=" + models + "squeezenet1_1", 1),
        cls));
    return m;
  }

  @Parameters(paramLabel = "MODEL", arity = "0..*", description = {
      "Models of one mix: [LABEL=]PATH[@D1xD2x...] (a model.onnx or an ONNX test directory; the shape of its one "
          + "input where the model leaves dimensions dynamic). None: the default mixes (--mixes)."})
  List<String> modelSpecs = new ArrayList<>();

  @Option(names = "--rates", paramLabel = "R", split = ",",
      description = "Arrival rate of each MODEL in requests per second (default: from --load).")
  List<Double> rates;

  @Option(names = "--load", paramLabel = "RHO", defaultValue = "1.3",
      description = "Without --rates: the offered load relative to the cpu FIFO baseline's capacity (the models' "
          + "rates in the mix's proportions, 1:1 for MODELs, scaled so that the FIFO device would be busy RHO of the "
          + "time at the solo times); above 1 the baseline cannot keep up (default: ${DEFAULT-VALUE}).")
  double load;

  @Option(names = "--load-basis", paramLabel = "BASIS", defaultValue = "fifo",
      description = "What --load is relative to: fifo (the FIFO baseline's capacity at its solo times) or groups "
          + "(each model at its fastest solo run on its fastest kind of group, spread over as many groups as there "
          + "are cores, at most the groups' number: about the co-scheduled node's capacity, so that load 1 or more "
          + "saturates the groups; the fastest run, not the median, so that the load moves less with how busy the "
          + "machine is while profiling; the FIFO baseline then runs after the groups) (default: ${DEFAULT-VALUE}).")
  String loadBasis;

  @Option(names = "--seconds", paramLabel = "S", defaultValue = "4",
      description = "Measured seconds of arrivals per policy (default: ${DEFAULT-VALUE}).")
  double seconds;

  @Option(names = "--warmup", paramLabel = "S", defaultValue = "2",
      description = "Seconds of arrivals before the measured ones, not counted; every policy keeps its state, so the "
          + "learned one learns online through them (default: ${DEFAULT-VALUE}).")
  double warmup;

  @Option(names = "--rounds", paramLabel = "N", defaultValue = "1",
      description = "Rounds per policy: each round is --warmup then --seconds of its own arrivals (the same for every "
          + "policy in a round), and the policies on the groups take turns round after round, the order rotating, so "
          + "that a slow stretch of a shared machine falls on all of them; the figures are over the rounds together. "
          + "The learned policy keeps what it learned from round to round (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(names = "--sweep-seconds", paramLabel = "S", defaultValue = "0.4",
      description = "Seconds of arrivals per fixed placement in the sweep (default: ${DEFAULT-VALUE}).")
  double sweepSeconds;

  @Option(names = "--groups", paramLabel = "DEVICE[/THREADS]", split = ",",
      defaultValue = "cpu/1,cpu/1,ort/1",
      description = "The device groups the policies place requests on, e.g. cpu/1,cpu/1,ort/1,opencl:0; cpu groups "
          + "share one native pool, so they must all have the same thread count (default: ${DEFAULT-VALUE}).")
  List<String> groupSpecs;

  @Option(names = "--fifo-device", paramLabel = "DEVICE", defaultValue = "cpu",
      description = "The device of the FIFO baseline, with its default threads (default: ${DEFAULT-VALUE}).")
  String fifoDevice;

  @Option(names = "--slo", paramLabel = "K", defaultValue = "5",
      description = "SLO of a model = K x its solo latency on the FIFO baseline's device (default: ${DEFAULT-VALUE}).")
  double sloFactor;

  @Option(names = "--mixes", paramLabel = "NAME", split = ",", defaultValue = "ocr,cnn,ocr+cnn",
      description = "Without MODELs, the default mixes to run: ocr, cnn, ocr+cnn (default: ${DEFAULT-VALUE}).")
  List<String> mixes;

  @Option(names = "--profile-runs", paramLabel = "N", defaultValue = "5",
      description = "Timed solo runs per model and group for the profile (median; default: ${DEFAULT-VALUE}).")
  int profileRuns;

  @Option(names = "--seed", paramLabel = "N", defaultValue = "1",
      description = "Seed of the arrivals and the inputs (default: ${DEFAULT-VALUE}).")
  long seed;

  @Mixin
  JsonOption json = new JsonOption();

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  /** Everything measured for one mix. */
  record MixResult(String mix, List<String> models, double[] ratesPerS, double[] sloMs, double[] fifoSoloMs,
      List<String> groups, double[][] soloMs, double[] loadBasisMs, int placementsSwept, String bestFixed,
      List<String> notes, List<Trial.Result> rows) {}

  @Override
  public Integer call() {
    if (!(seconds > 0) || !(warmup >= 0) || !(sweepSeconds > 0) || !(sloFactor > 0) || !(load > 0)
        || profileRuns < 1 || rounds < 1 || !(loadBasis.equals("fifo") || loadBasis.equals("groups"))) {
      throw Main.usage(spec, "--seconds, --sweep-seconds, --slo, --load, --rounds and --profile-runs must be "
          + "positive, --warmup 0 or more, --load-basis fifo or groups");
    }
    List<GroupSpec> groups;
    try {
      groups = groupSpecs.stream().map(GroupSpec::parse).toList();
    } catch (EdgewiseException e) {
      throw Main.usage(spec, "--groups: " + e.getMessage());
    }
    long cpuThreadCounts = groups.stream().filter(g -> g.device().equals("cpu")).mapToInt(GroupSpec::threads)
        .distinct().count();
    if (cpuThreadCounts > 1) {
      throw Main.usage(spec, "--groups: every cpu group must have the same thread count (the native pool is "
          + "process-wide), got " + groupSpecs);
    }
    Map<String, List<ModelSpec>> runs = new LinkedHashMap<>();
    Map<String, double[]> weights = new LinkedHashMap<>();
    if (modelSpecs.isEmpty()) {
      if (rates != null) {
        throw Main.usage(spec, "--rates goes with MODELs; the default mixes take --load");
      }
      for (String mix : mixes) {
        List<MixModel> specs = MIXES.get(mix);
        if (specs == null) {
          throw Main.usage(spec, "--mixes: unknown mix '" + mix + "'; known: " + MIXES.keySet());
        }
        runs.put(mix, parse(specs.stream().map(MixModel::spec).toList()));
        weights.put(mix, specs.stream().mapToDouble(MixModel::weight).toArray());
      }
    } else {
      if (rates != null && rates.size() != modelSpecs.size()) {
        throw Main.usage(spec, "--rates: " + rates.size() + " rates for " + modelSpecs.size() + " models");
      }
      if (rates != null && rates.stream().anyMatch(r -> !(r > 0))) {
        throw Main.usage(spec, "--rates must be positive, got " + rates);
      }
      runs.put("custom", parse(modelSpecs));
      double[] ones = new double[modelSpecs.size()];
      Arrays.fill(ones, 1);
      weights.put("custom", ones);
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter progress = spec.commandLine().getErr();
    List<MixResult> results = new ArrayList<>();
    for (Map.Entry<String, List<ModelSpec>> e : runs.entrySet()) {
      MixResult r = runMix(e.getKey(), e.getValue(), weights.get(e.getKey()), groups, progress);
      results.add(r);
      if (!json.enabled()) {
        print(out, r);
      }
    }
    if (json.enabled()) {
      out.println(Json.write(toJson(results)));
    }
    out.flush();
    return 0;
  }

  private List<ModelSpec> parse(List<String> specs) {
    List<ModelSpec> out = new ArrayList<>();
    for (String s : specs) {
      String[] labelled = s.split("=", 2);
      boolean hasLabel = labelled.length == 2 && !labelled[0].contains("/") && !labelled[0].isEmpty();
      ModelSpec m = ModelSpec.parse(hasLabel ? labelled[1] : s);
      if (hasLabel) {
        m = m.withLabel(labelled[0]);
      }
      String label = m.label();
      if (out.stream().anyMatch(o -> o.label().equals(label))) {
        m = m.withLabel(label + "#" + out.size());
      }
      out.add(m);
    }
    return out;
  }

  private MixResult runMix(String mix, List<ModelSpec> models, double[] weight, List<GroupSpec> groupSpecsParsed,
      PrintWriter progress) {
    int n = models.size();
    List<String> notes = new ArrayList<>();
    List<Trial.Result> rows = new ArrayList<>();
    progress.printf("cosched-bench %s: measuring the solo profile on %s (FIFO baseline)%n", mix, fifoDevice);
    progress.flush();
    double[] fifoSolo;
    double[] ratesPerS = new double[n];
    double[] sloMs = new double[n];
    List<List<Trial.Arrival>> arrivals = new ArrayList<>();
    try (DeviceGroup fifo = Groups.open(fifoDevice, new GroupSpec(fifoDevice, 0), models, seed, notes)) {
      for (int m = 0; m < n; m++) {
        if (!fifo.runs(m)) {
          throw EdgewiseException.invalidArgument(mix + ": the FIFO baseline's device " + fifoDevice
              + " cannot run " + models.get(m).label() + " (" + String.join("; ", notes) + ")");
        }
      }
      fifoSolo = Groups.soloMs(List.of(fifo), profileRuns)[0];
      for (int m = 0; m < n; m++) {
        sloMs[m] = sloFactor * fifoSolo[m];
      }
      if (loadBasis.equals("fifo")) {
        setRates(ratesPerS, weight, fifoSolo, 1);
        for (int r = 0; r < rounds; r++) {
          arrivals.add(Trial.poisson(ratesPerS, warmup + seconds, seed + 1000L * r));
        }
        rows.add(fifoRows(mix, fifo, arrivals, sloMs, progress));
      }
    }
    List<DeviceGroup> groups = new ArrayList<>();
    try {
      Map<String, Integer> seen = new LinkedHashMap<>();
      for (GroupSpec g : groupSpecsParsed) {
        int k = seen.merge(g.kind(), 1, Integer::sum);
        long same = groupSpecsParsed.stream().filter(o -> o.kind().equals(g.kind())).count();
        String name = same > 1 ? g.kind() + "#" + (k - 1) : g.kind();
        progress.printf("cosched-bench %s: opening group %s%n", mix, name);
        progress.flush();
        groups.add(Groups.open(name, g, models, seed, notes));
      }
      Groups.Solo measured = Groups.solo(groups, profileRuns);
      double[][] byGroup = measured.medianMs();
      double[][] solo = new double[n][groups.size()];
      // groups of one kind are interchangeable: each takes the mean of its kind's figures, a sample as large as
      // their number (two cpu/1 groups measured 3x apart in a slow minute otherwise stay 3x apart for every policy)
      List<String> kinds = groups.stream().map(DeviceGroup::kind).toList();
      for (int m = 0; m < n; m++) {
        for (int g = 0; g < groups.size(); g++) {
          double sum = 0;
          int count = 0;
          for (int h = 0; h < groups.size(); h++) {
            if (kinds.get(h).equals(kinds.get(g))) {
              sum += byGroup[h][m];
              count++;
            }
          }
          solo[m][g] = sum / count;
        }
      }
      Profile profile;
      try {
        profile = new Profile(solo);
      } catch (EdgewiseException e) {
        throw EdgewiseException.invalidArgument(mix + ": " + e.getMessage() + " (" + String.join("; ", notes) + ")");
      }
      double[] loadBasisMs = null;
      if (loadBasis.equals("groups")) {
        // each model's fastest kind of group, the work spread over as many groups as can run at once on the cores;
        // per kind the fastest of its groups' solo runs, not the median: the median moves with how busy the shared
        // machine is during the profile (rec on a cpu/1 group 37 to 129 ms between runs, so the offered load moved
        // 2x), the fastest run much less, so the mixes are closer to one workload from run to run
        double[] fastest = new double[n];
        for (int m = 0; m < n; m++) {
          int k = profile.fastest(m);
          fastest[m] = Double.POSITIVE_INFINITY;
          for (int g = 0; g < groups.size(); g++) {
            if (kinds.get(g).equals(kinds.get(k))) {
              fastest[m] = Math.min(fastest[m], measured.fastestMs()[g][m]);
            }
          }
        }
        loadBasisMs = fastest;
        setRates(ratesPerS, weight, fastest,
            Math.min(groups.size(), Runtime.getRuntime().availableProcessors()));
        for (int r = 0; r < rounds; r++) {
          arrivals.add(Trial.poisson(ratesPerS, warmup + seconds, seed + 1000L * r));
        }
      }
      List<int[]> placements = FixedPlacement.all(profile, kinds);
      progress.printf("cosched-bench %s: sweeping %d fixed placements, %.1f s each%n", mix, placements.size(),
          sweepSeconds);
      progress.flush();
      List<Trial.Arrival> sweepArrivals = Trial.poisson(ratesPerS, sweepSeconds, seed + 1);
      int[] best = null;
      Trial.Result bestResult = null;
      for (int[] p : placements) {
        Trial.Result r = Trial.run(groups, new FixedPlacement(p, "fixed"), sweepArrivals, 0, sweepSeconds,
            Math.min(0.25, sweepSeconds), sloMs);
        if (bestResult == null || better(r, bestResult)) {
          best = p;
          bestResult = r;
        }
      }
      String bestName = describe(best, models, groups);
      // the learned placement policy last: the verdict compares it with every row before it, the per-request
      // learner (LinUCB) of earlier runs included
      // the set of groups in use is searched down to as many groups as there are cores: fewer busy groups than cores
      // leave a core idle (on a machine with a core per group nothing is left off to try)
      int cores = Runtime.getRuntime().availableProcessors();
      PlacementPolicy.Params params = PlacementPolicy.Params.defaults()
          .withGroupSets(GroupSetSearch.Params.defaults().withMinGroups(Math.min(groups.size(), cores)));
      PlacementPolicy learned = new PlacementPolicy(profile, params, kinds);
      List<CoschedPolicy> policies = List.of(new RoundRobin(profile), new RandomGroup(profile, seed),
          new LeastLoaded(profile), new EarliestFinish(profile), new FixedPlacement(best, "best fixed " + bestName),
          new ContentionBandit(profile, ContentionBandit.Params.defaults(), kinds), learned);
      List<List<Trial.Result>> byPolicy = new ArrayList<>();
      policies.forEach(p -> byPolicy.add(new ArrayList<>()));
      for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < policies.size(); i++) {
          int k = (i + r) % policies.size();  // the order rotates: no policy always runs first or last
          CoschedPolicy p = policies.get(k);
          progress.printf("cosched-bench %s: round %d of %d: %s%n", mix, r + 1, rounds, p.name());
          progress.flush();
          byPolicy.get(k).add(Trial.run(groups, p, arrivals.get(r), warmup, seconds, drain(), sloMs));
        }
      }
      byPolicy.forEach(results -> rows.add(Trial.Result.merge(results)));
      notes.add("learned placement: homes " + describeSplit(learned.split(), models, groups) + " at the end, "
          + learned.searches() + " searches, " + learned.switches() + " of them moved a model, " + learned.spills()
          + " requests spilled from their home");
      if (learned.groupSets() != null) {
        boolean[] inUse = learned.groupsInUse();
        List<String> on = new ArrayList<>();
        for (int g = 0; g < inUse.length; g++) {
          if (inUse[g]) {
            on.add(groups.get(g).name());
          }
        }
        notes.add("learned placement: groups in use at the end " + on + (learned.groupSets().trying()
            ? " (a trial)" : "") + "; " + learned.groupSets().trials() + " sets tried, "
            + learned.groupSets().wins() + " kept");
      }
      List<String> names = groups.stream().map(DeviceGroup::name).toList();
      groups.forEach(DeviceGroup::close);
      groups.clear();
      if (loadBasis.equals("groups")) {
        // the rates came from the groups' profile: the FIFO baseline runs now, on a session opened again
        try (DeviceGroup fifo = Groups.open(fifoDevice, new GroupSpec(fifoDevice, 0), models, seed,
            new ArrayList<>())) {
          rows.add(0, fifoRows(mix, fifo, arrivals, sloMs, progress));
        }
      }
      return new MixResult(mix, models.stream().map(ModelSpec::label).toList(), ratesPerS, sloMs, fifoSolo,
          names, solo, loadBasisMs, placements.size(), bestName, notes, rows);
    } finally {
      groups.forEach(DeviceGroup::close);
    }
  }

  /**
   * --rates, or the rates in the mix's proportions scaled so that {@code servers} devices taking {@code soloMs} per
   * request would be busy --load of the time.
   */
  private void setRates(double[] ratesPerS, double[] weight, double[] soloMs, int servers) {
    double workPerUnit = 0;  // device seconds per unit of the weights
    for (int m = 0; m < weight.length; m++) {
      workPerUnit += weight[m] * soloMs[m] / 1000;
    }
    for (int m = 0; m < weight.length; m++) {
      ratesPerS[m] = rates != null ? rates.get(m) : load * servers * weight[m] / workPerUnit;
    }
  }

  /**
   * The FIFO baseline's rounds. Its cpu session sets the process's native pool to its thread count, which the cpu
   * groups' sessions set to theirs: it cannot take turns with them, so its rounds run one after the other.
   */
  private Trial.Result fifoRows(String mix, DeviceGroup fifo, List<List<Trial.Arrival>> arrivals, double[] sloMs,
      PrintWriter progress) {
    progress.printf("cosched-bench %s: cpu FIFO%n", mix);
    progress.flush();
    SingleGroup fifoPolicy = new SingleGroup("cpu FIFO", 0);
    List<Trial.Result> fifoRounds = new ArrayList<>();
    for (List<Trial.Arrival> a : arrivals) {
      fifoRounds.add(Trial.run(List.of(fifo), fifoPolicy, a, warmup, seconds, drain(), sloMs));
    }
    return Trial.Result.merge(fifoRounds);
  }

  private double drain() {
    return Math.min(1, seconds / 2);
  }

  /** More throughput wins; within 2% of each other, the lower p99. */
  private static boolean better(Trial.Result a, Trial.Result b) {
    if (Math.abs(a.throughputRps() - b.throughputRps()) <= 0.02 * Math.max(a.throughputRps(), b.throughputRps())) {
      return a.p99Ms() < b.p99Ms();
    }
    return a.throughputRps() > b.throughputRps();
  }

  private static String describe(int[] placement, List<ModelSpec> models, List<DeviceGroup> groups) {
    List<String> parts = new ArrayList<>();
    for (int m = 0; m < placement.length; m++) {
      parts.add(models.get(m).label() + "->" + groups.get(placement[m]).name());
    }
    return "{" + String.join(", ", parts) + "}";
  }

  /** A split placement as {label->group 3/4 + group 1/4, ...}. */
  private static String describeSplit(int[][] split, List<ModelSpec> models, List<DeviceGroup> groups) {
    List<String> parts = new ArrayList<>();
    for (int m = 0; m < split.length; m++) {
      int total = java.util.Arrays.stream(split[m]).sum();
      List<String> to = new ArrayList<>();
      for (int g = 0; g < split[m].length; g++) {
        if (split[m][g] > 0) {
          to.add(groups.get(g).name() + (split[m][g] == total ? "" : " " + split[m][g] + "/" + total));
        }
      }
      parts.add(models.get(m).label() + "->" + String.join(" + ", to));
    }
    return "{" + String.join(", ", parts) + "}";
  }

  private void print(PrintWriter out, MixResult r) {
    out.printf("%nmix %s: %s; groups %s, all on this machine's cores (measured, wall clock)%n", r.mix(),
        String.join(", ", r.models()), r.groups());
    out.printf("%-12s %10s %10s %10s", "model", "rate/s", "SLO ms", fifoDevice + " ms");
    for (String g : r.groups()) {
      out.printf(" %12s", g + " ms");
    }
    out.println();
    for (int m = 0; m < r.models().size(); m++) {
      out.printf("%-12s %10.1f %10.1f %10.2f", r.models().get(m), r.ratesPerS()[m], r.sloMs()[m],
          r.fifoSoloMs()[m]);
      for (int g = 0; g < r.groups().size(); g++) {
        double v = r.soloMs()[m][g];
        out.printf(" %12s", Double.isFinite(v) ? String.format("%.2f", v) : "-");
      }
      out.println();
    }
    out.printf("(solo: median of %d runs alone; SLO = %.1f x the solo time on %s)%n", profileRuns, sloFactor,
        fifoDevice);
    for (String note : r.notes()) {
      out.println("note: " + note);
    }
    out.printf("sweep: %d fixed placements measured for %.1f s each; best %s%n", r.placementsSwept(), sweepSeconds,
        r.bestFixed());
    out.printf("%-44s %9s %9s %9s %9s %8s %8s %8s%n", "policy (measured, " + rounds + " x " + seconds + " s, "
        + warmup + " s warm-up each)", "req/s", "p50 ms", "p99 ms", "SLO miss", "arrived", "dropped", "failed");
    for (Trial.Result row : r.rows()) {
      out.printf("%-44s %9.1f %9.1f %9.1f %8.1f%% %8d %8d %8d%n", row.policy(), row.throughputRps(), row.p50Ms(),
          row.p99Ms(), 100 * row.sloMissRate(), row.arrived(), row.abandoned(), row.failed());
      if (row.firstError() != null) {
        out.println("    first error: " + row.firstError());
      }
    }
    Trial.Result learned = r.rows().get(r.rows().size() - 1);
    out.println("where each policy ran the requests (per model: count per group):");
    for (Trial.Result row : r.rows()) {
      out.printf("  %-42s %s%n", row.policy(), placements(row, r));
    }
    out.println(verdict(learned, r.rows()));
  }

  private static String placements(Trial.Result row, MixResult r) {
    List<String> parts = new ArrayList<>();
    boolean fifo = row.placed()[0].length == 1;
    for (int m = 0; m < row.placed().length; m++) {
      List<String> per = new ArrayList<>();
      for (int g = 0; g < row.placed()[m].length; g++) {
        if (row.placed()[m][g] > 0) {
          per.add((fifo ? "fifo" : r.groups().get(g)) + " " + row.placed()[m][g]);
        }
      }
      parts.add(r.models().get(m) + ": " + String.join(", ", per));
    }
    return String.join("; ", parts);
  }

  /** Whether the learned policy beat every baseline on throughput at equal or lower p99 in this run. */
  static String verdict(Trial.Result learned, List<Trial.Result> rows) {
    List<String> lost = new ArrayList<>();
    for (Trial.Result b : rows) {
      if (b == learned) {
        continue;
      }
      if (!(learned.throughputRps() > b.throughputRps() && learned.p99Ms() <= b.p99Ms())) {
        lost.add(b.policy());
      }
    }
    return lost.isEmpty() ? "learned beats every baseline: more throughput at equal or lower p99"
        : "learned does not beat (throughput higher and p99 not higher): " + String.join(", ", lost);
  }

  private Map<String, Object> toJson(List<MixResult> results) {
    List<Map<String, Object>> rows = new ArrayList<>();
    List<Map<String, Object>> mixesOut = new ArrayList<>();
    for (MixResult r : results) {
      for (Trial.Result row : r.rows()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("figure", "measured");
        m.put("policy", row.policy());
        m.put("mix", r.mix());
        m.put("throughput_rps", row.throughputRps());
        m.put("p50_ms", row.p50Ms());
        m.put("p99_ms", row.p99Ms());
        m.put("slo_miss_rate", row.sloMissRate());
        m.put("arrived", row.arrived());
        m.put("finished", row.finished());
        m.put("dropped", row.abandoned());
        m.put("failed", row.failed());
        Map<String, Map<String, Integer>> placed = new LinkedHashMap<>();
        boolean fifo = row.placed()[0].length == 1;
        for (int mo = 0; mo < row.placed().length; mo++) {
          Map<String, Integer> per = new LinkedHashMap<>();
          for (int g = 0; g < row.placed()[mo].length; g++) {
            if (row.placed()[mo][g] > 0) {
              per.put(fifo ? fifoDevice : r.groups().get(g), row.placed()[mo][g]);
            }
          }
          placed.put(r.models().get(mo), per);
        }
        m.put("placements", placed);
        if (row.firstError() != null) {
          m.put("first_error", row.firstError());
        }
        rows.add(m);
      }
      Map<String, Object> mix = new LinkedHashMap<>();
      mix.put("mix", r.mix());
      mix.put("figure", "measured");
      mix.put("models", r.models());
      mix.put("groups", r.groups());
      mix.put("rates_rps", r.ratesPerS());
      mix.put("slo_ms", r.sloMs());
      mix.put("fifo_solo_ms", r.fifoSoloMs());
      mix.put("load_basis_ms", r.loadBasisMs());
      List<List<Double>> solo = new ArrayList<>();
      for (double[] s : r.soloMs()) {
        solo.add(Arrays.stream(s).mapToObj(v -> Double.isFinite(v) ? v : null).toList());
      }
      mix.put("solo_ms", solo);
      mix.put("placements_swept", r.placementsSwept());
      mix.put("best_fixed", r.bestFixed());
      mix.put("notes", r.notes());
      mix.put("verdict", verdict(r.rows().get(r.rows().size() - 1), r.rows()));
      mixesOut.add(mix);
    }
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("measured", "in this process, wall clock; every group shares this machine's "
        + Runtime.getRuntime().availableProcessors() + " cores");
    o.put("seconds", seconds);
    o.put("warmup_seconds", warmup);
    o.put("rounds", rounds);
    o.put("load", rates != null ? null : load);
    o.put("load_basis", rates != null ? "rates" : loadBasis);
    o.put("slo_factor", sloFactor);
    o.put("rows", rows);
    o.put("mixes", mixesOut);
    return o;
  }
}
