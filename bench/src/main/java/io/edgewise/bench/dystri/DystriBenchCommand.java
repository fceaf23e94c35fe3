package io.edgewise.bench.dystri;

import io.edgewise.adapt.dystri.Level;
import io.edgewise.bench.select.SelectBenchCommand;
import io.edgewise.bench.select.VariantGroup;
import io.edgewise.cli.DeviceOption;
import io.edgewise.cli.Json;
import io.edgewise.cli.JsonOption;
import io.edgewise.cli.Main;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.serve.dystri.LevelsFile;
import io.edgewise.serve.dystri.Policy;
import io.edgewise.serve.dystri.SessionLevels;
import io.edgewise.tensor.Shape;
import io.edgewise.train.Dataset;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * `edgewise dystri-bench`: Dystri's experiment on loopback. The levels are the digits CNN's zoo variants (pruned 0 to
 * 87.5%, accuracy measured on the evaluation split when built); each run starts the nodes and a coordinator afresh
 * ({@link DystriExperiment}) and replays the users against one policy.
 */
@Command(name = "dystri-bench", description = "Deadline-aware dynamic inference on several nodes (Dystri): nodes and "
    + "a coordinator on loopback in this process; deadline-miss rate, accuracy, p99 latency and per-user fairness per "
    + "policy, users and request rate (all measured).")
public final class DystriBenchCommand implements Callable<Integer> {
  @Option(names = "--nodes", paramLabel = "N", defaultValue = "2",
      description = "Nodes, each with one worker thread (default: ${DEFAULT-VALUE}).")
  int nodes;

  @Option(names = "--users", paramLabel = "U", split = ",", defaultValue = "4,8",
      description = "Numbers of users to sweep (default: ${DEFAULT-VALUE}).")
  int[] users;

  @Option(names = "--rate", paramLabel = "R", split = ",", defaultValue = "auto",
      description = "Request rates per user (requests/s) to sweep, or auto: rates at which the first --users count "
          + "asks 0.3, 0.8, 1.5 and 3 times the nodes' capacity at the highest level as measured at start (default: "
          + "${DEFAULT-VALUE}).")
  String[] rates;

  @Option(names = "--seconds", paramLabel = "S", defaultValue = "4",
      description = "Length of each run's replay in seconds (default: ${DEFAULT-VALUE}).")
  double seconds;

  @Option(names = "--policies", paramLabel = "P", split = ",",
      defaultValue = "dystri,fixed-highest,fixed-lowest,least-loaded,random",
      description = "Policies to compare (default: ${DEFAULT-VALUE}).")
  String[] policies;

  @Option(names = "--deadlines-ms", paramLabel = "MS", split = ",", defaultValue = "50,100,200",
      description = "The users' deadlines, cycled over the users (default: ${DEFAULT-VALUE}).")
  double[] deadlines;

  @Option(names = "--wants", paramLabel = "A", split = ",", defaultValue = "0.98,0.975,0.95",
      description = "The users' accuracy wants, cycled over groups of users (default: ${DEFAULT-VALUE}).")
  double[] wants;

  @Option(names = "--kill-at", paramLabel = "S", defaultValue = "0",
      description = "Kill node 0 (its server stopped abruptly) this many seconds into every run; 0: no fault "
          + "(default: ${DEFAULT-VALUE}).")
  double killAt;

  @Option(names = "--node-slowdown", paramLabel = "F", defaultValue = "10",
      description = "Model nodes F times slower than this machine: each request runs for real, then its worker is held "
          + "(F - 1) times the measured run (1: no model; default: ${DEFAULT-VALUE}).")
  double slowdown;

  @Option(names = "--service", paramLabel = "MODE", defaultValue = "modeled",
      description = "How long a request holds its node: modeled (each level a fixed MODELED time, its measured cost "
          + "at start times --node-slowdown, the same for every policy and run; the real run happens inside it) or "
          + "measured (each run real, then its worker held (F - 1) times the measured run, so the machine's stalls "
          + "are multiplied by F) (default: ${DEFAULT-VALUE}).")
  String service;

  @Option(names = "--service-ms", paramLabel = "MS", split = ",",
      description = "Modeled service mode: each level's service time in ms, cheapest first, instead of its measured "
          + "cost at start times --node-slowdown (what a level costs at start depends on the JIT and on the machine's "
          + "load at that moment: 4x apart on the busy VM), so that runs at different times serve the same load.")
  double[] serviceMsOption;

  @Option(names = "--warmup", paramLabel = "S", defaultValue = "3",
      description = "Seconds of untimed runs before the sweep, for the JIT, split over the policies to compare "
          + "(at least 1 s each; default: ${DEFAULT-VALUE}).")
  double warmup;

  @Option(names = "--seed", paramLabel = "N", defaultValue = "1",
      description = "Seed of the arrivals, users and samples (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--group", paramLabel = "GROUP",
      description = "Model group whose variants are the levels (default: examples/groups/digits).")
  Path group;

  @Option(names = "--cache", paramLabel = "DIR", description = "Where the group's variants are built (default: "
      + "~/.cache/edgewise/groups).")
  Path cache;

  @Option(names = "--export-levels", paramLabel = "DIR",
      description = "Only write the levels (models and levels.json) into DIR for `serve --levels` and `coordinator "
          + "--levels`, then exit.")
  Path export;

  // ref by default: on cpu every digits variant is overhead-bound at batch 1 (select-bench), so levels cost the same
  @CommandLine.Mixin
  DeviceOption device = new DeviceOption("ref");

  @CommandLine.Mixin
  JsonOption json = new JsonOption();

  @Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException, InterruptedException {
    if (nodes < 1 || users.length == 0 || !(seconds > 0) || deadlines.length == 0 || wants.length == 0
        || killAt < 0 || (killAt > 0 && nodes < 2) || !(slowdown >= 1) || warmup < 0) {
      throw Main.usage(spec, "need --nodes >= 1 (2 with --kill-at), --users, --seconds > 0, --deadlines-ms and "
          + "--wants");
    }
    for (double w : wants) {
      if (!(w >= 0 && w <= 1)) {
        throw Main.usage(spec, "--wants must be in [0, 1], got " + w);
      }
    }
    List<Policy> ps = new ArrayList<>();
    for (String p : policies) {
      try {
        ps.add(Policy.of(p.trim()));
      } catch (RuntimeException e) {
        throw Main.usage(spec, "--policies: " + e.getMessage());
      }
    }
    boolean modeled = switch (service.trim().toLowerCase(java.util.Locale.ROOT)) {
      case "modeled", "modelled" -> true;
      case "measured" -> false;
      default -> throw Main.usage(spec, "--service must be modeled or measured, got " + service);
    };
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    VariantGroup g = VariantGroup.load(group == null ? VariantGroup.DEFAULT : group,
        cache == null ? SelectBenchCommand.defaultCache() : cache, m -> err.println("dystri-bench: " + m));
    List<SessionLevels.Spec> levels = new ArrayList<>();
    List<VariantGroup.Variant> vs = new ArrayList<>(g.variants());
    vs.sort((a, b) -> Double.compare(a.flops(), b.flops()));  // cheapest first
    for (VariantGroup.Variant v : vs) {
      levels.add(new SessionLevels.Spec(v.name(), v.model(), v.accuracy()));
    }
    if (export != null) {
      Files.createDirectories(export);
      List<SessionLevels.Spec> copied = new ArrayList<>();
      for (SessionLevels.Spec s : levels) {
        Path to = export.resolve(s.name() + ".onnx");
        Files.copy(s.model(), to, StandardCopyOption.REPLACE_EXISTING);
        copied.add(new SessionLevels.Spec(s.name(), to, s.accuracy()));
      }
      LevelsFile.write(export.resolve("levels.json"), g.name(), copied);
      out.println("wrote " + copied.size() + " levels to " + export.resolve("levels.json"));
      return 0;
    }
    SessionOptions session = SessionOptions.defaults().withDevice(device.name()).withThreads(1);
    DystriExperiment.Samples samples = samples(g, levels.get(0).model(), session);
    if (warmup > 0) {
      // first, so that the levels are timed JIT-compiled (a starved machine compiles slowly: timed before, the float
      // model measured 8-10 ms instead of 1.2-1.5); every policy to compare in turn, so that none of them runs its
      // own routing code interpreted in the timed runs (warmed with random alone, the first dystri run at 240
      // requests/s missed 27-95% before the node was killed, fixed-lowest 5-13%)
      for (Policy p : ps) {
        DystriExperiment.run(new DystriExperiment.Config(nodes, levels, session, users[0], 20,
            Math.max(1, warmup / ps.size()), Arrays.stream(deadlines).boxed().toList(),
            Arrays.stream(wants).boxed().toList(), seed + 1000, 0, slowdown, null), p, samples, m -> {});
      }
    }
    List<Level> ladder;
    try (SessionLevels probe = SessionLevels.open(levels, session, 100)) {
      ladder = probe.ladder().levels();
    }
    // the modeled mode's service times: drawn once here, from the levels' measured costs (or as given), for every run
    // and policy
    if (serviceMsOption != null && (!modeled || serviceMsOption.length != ladder.size()
        || Arrays.stream(serviceMsOption).anyMatch(v -> !(v > 0)))) {
      throw Main.usage(spec, "--service-ms needs --service modeled and " + ladder.size() + " positive times (one per "
          + "level, cheapest first), got " + Arrays.toString(serviceMsOption));
    }
    double[] serviceMs = !modeled ? null : serviceMsOption != null ? serviceMsOption.clone()
        : ladder.stream().mapToDouble(l -> slowdown * l.costMs()).toArray();
    // the modeled time of each level per node (ms): the service time in the modeled mode, F x the cost otherwise
    double[] nodeMs = serviceMs != null ? serviceMs
        : ladder.stream().mapToDouble(l -> slowdown * l.costMs()).toArray();
    double capacity = nodes * 1000.0 / nodeMs[nodeMs.length - 1];
    double[] rs = rates(capacity);
    if (!json.enabled()) {
      out.printf("dystri-bench: %d nodes on loopback in this process (one worker thread each, device %s), group %s; "
          + "all figures measured (levels' accuracy on %d evaluation samples, latencies from arrival to answer)%n",
          nodes, device.name(), g.name(), samples.labels().length);
      for (int i = 0; i < ladder.size(); i++) {
        out.printf("  level %d %-10s accuracy %.4f  cost %.3f ms (median of 100 runs, round robin)%s%n", i, ladder.get(i).name(),
            ladder.get(i).accuracy(), ladder.get(i).costMs(), slowdown > 1 ? String.format(
                "; on the modeled node %.2f ms", nodeMs[i]) : "");
      }
      if (modeled) {
        out.printf("  service: MODELED: a request holds its node for its level's fixed service time (%s, fixed for "
            + "every policy and run; the real run happens inside it): %s ms%n", serviceMsOption != null
            ? "as given by --service-ms" : String.format("the level's measured cost above times %.0f", slowdown),
            Arrays.toString(serviceMs));
      } else if (slowdown > 1) {
        out.printf("  service: measured; MODELED node speed: each node is %.0fx slower than this machine (the request runs for real, then "
            + "its worker is held %.0fx the measured run)%n", slowdown, slowdown - 1);
      }
      out.printf("  capacity at the highest level: %.0f requests/s; rates per user %s; users' deadlines %s ms (cycled), "
          + "wants %s (cycled by groups of %d users)%n", capacity, Arrays.toString(rs), Arrays.toString(deadlines),
          Arrays.toString(wants), deadlines.length);
      out.println("  accuracy: mean of the served levels' accuracy measured on the evaluation split; answers: this "
          + "run's answers right against their labels; miss: refused, late or lost over all requests; p99 of served "
          + "answers; fairness: Jain's index of the users' on-time rates; worst: the lowest user's on-time rate");
      out.printf("  load lo/hi: MODELED offered load per node at the lowest and at the highest level (rate x the level's "
          + "modeled service time / nodes; above 1 no policy can serve every request at that level)%n");
      out.printf("%-18s %5s %7s %9s %7s %8s %8s %8s %8s %8s %8s %7s %5s %5s  %s%n", "policy", "users", "rate/u",
          "load lo/hi", "reqs",
          "miss", "accuracy", "answers", "p99 ms", "fairness", "worst", "refused", "late", "lost",
          "levels (cheapest first); misses by cause");
    }
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int u : users) {
      for (double r : rs) {
        for (Policy p : ps) {
          DystriExperiment.Config c = new DystriExperiment.Config(nodes, levels, session, u, r, seconds,
              Arrays.stream(deadlines).boxed().toList(), Arrays.stream(wants).boxed().toList(), seed, killAt,
              slowdown, serviceMs);
          DystriExperiment.Result res = DystriExperiment.run(c, p, samples, m -> err.println("dystri-bench: " + m));
          // MODELED offered load: the requests' rate times a level's modeled service time, over the nodes
          double loadLowest = u * r * nodeMs[0] / 1000 / nodes;
          double loadHighest = u * r * nodeMs[nodeMs.length - 1] / 1000 / nodes;
          Map<String, Object> row = row(res);
          row.put("offered_load_lowest", Math.round(loadLowest * 1000) / 1000.0);
          row.put("offered_load_highest", Math.round(loadHighest * 1000) / 1000.0);
          rows.add(row);
          if (!json.enabled()) {
            out.printf("%-18s %5d %7.1f %9s %7d %7.2f%% %8.4f %8.4f %8.1f %8.3f %8.3f %7d %5d %5d  %s; %s%s%n",
                res.policy(), res.users(), res.rate(), String.format("%.2f/%.2f", loadLowest, loadHighest),
                res.requests(), 100 * res.missRate(), res.accuracy(),
                res.answerAccuracy(), res.p99Ms(), res.fairness(), res.worstUser(), res.refused(), res.late(),
                res.lost(), shares(res.levelShare()), res.missCauses().isEmpty() ? "no misses" : res.missCauses()
                + " by deadline " + res.missesByDeadline(),
                res.modeled() ? "; overruns " + res.overruns() : "");
            if (killAt > 0) {
              out.printf("    fault: node 0 killed at %.1f s; noticed after %.1f ms; miss before %.2f%%, from 1 s "
                  + "after the kill %.2f%%; events %s%n", killAt, res.detectionMs(), 100 * res.missBeforeKill(),
                  100 * res.missAfterRecovery(), res.events());
            }
            out.flush();
          }
        }
      }
    }
    if (json.enabled()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("what", "measured: " + nodes + " nodes on loopback in one process, one worker thread each, device "
          + device.name() + (modeled ? ", service MODELED: each request holds its node for its level's fixed time "
          + (serviceMsOption != null ? "(as given by --service-ms: " : "(measured cost at start x " + slowdown
          + ": ") + Arrays.toString(Arrays.stream(serviceMs)
          .map(v -> Math.round(v * 1000) / 1000.0).toArray()) + " ms; the real run inside it)"
          : slowdown > 1 ? ", service measured, node speed MODELED " + slowdown + "x slower than this machine (each run "
          + "real, its worker then held " + (slowdown - 1) + "x the measured run)" : "") + ", group " + g.name() + " (levels cheapest first: " + ladder.stream()
          .map(l -> l.name() + " acc " + String.format("%.4f", l.accuracy()) + " " + String.format("%.3f", l.costMs())
              + " ms").toList() + ")");
      m.put("rows", rows);
      out.println(Json.write(m));
    }
    return 0;
  }

  private double[] rates(double capacity) {
    if (rates.length == 1 && rates[0].equals("auto")) {
      double c = capacity / users[0];
      return new double[] {round(0.3 * c), round(0.8 * c), round(1.5 * c), round(3 * c)};
    }
    double[] out = new double[rates.length];
    for (int i = 0; i < rates.length; i++) {
      try {
        out[i] = Double.parseDouble(rates[i]);
      } catch (NumberFormatException e) {
        throw Main.usage(spec, "--rate: not a number: " + rates[i]);
      }
      if (!(out[i] > 0)) {
        throw Main.usage(spec, "--rate must be positive, got " + rates[i]);
      }
    }
    return out;
  }

  private static double round(double v) {
    return Math.round(v * 10) / 10.0;
  }

  private static Map<String, Object> row(DystriExperiment.Result r) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("policy", r.policy());
    row.put("users", r.users());
    row.put("rate", r.rate());
    row.put("requests", r.requests());
    row.put("deadline_miss_rate", r.missRate());
    row.put("accuracy", r.accuracy());
    row.put("answer_accuracy", r.answerAccuracy());
    row.put("p99_ms", r.p99Ms());
    row.put("fairness_jain", r.fairness());
    row.put("worst_user_on_time", r.worstUser());
    row.put("refused", r.refused());
    row.put("late", r.late());
    row.put("lost", r.lost());
    row.put("level_share", r.levelShare());
    if (r.detectionMs() >= 0 || Double.isNaN(r.detectionMs())) {
      row.put("kill_detected_after_ms", Double.isNaN(r.detectionMs()) ? null : r.detectionMs());
      row.put("miss_before_kill", r.missBeforeKill());
      row.put("miss_from_1s_after_kill", r.missAfterRecovery());
    }
    row.put("miss_causes", r.missCauses());
    row.put("misses_by_deadline", r.missesByDeadline());
    if (r.modeled()) {
      row.put("overruns", r.overruns());
    }
    row.put("service", r.modeled() ? "modeled" : "measured");
    row.put("figures", "measured" + (r.modeled() ? "; service times modeled (fixed per level: the what line)"
        : r.slowdown() > 1 ? "; node speed modeled " + r.slowdown()
        + "x slower" : ""));
    return row;
  }

  private static String shares(double[] s) {
    StringBuilder b = new StringBuilder();
    for (double v : s) {
      b.append(b.length() == 0 ? "" : " ").append(String.format("%.2f", v));
    }
    return b.toString();
  }

  /** The group's evaluation split as requests: inputs of the model's input shape and labels. */
  private static DystriExperiment.Samples samples(VariantGroup g, Path model, SessionOptions options) {
    Dataset test = g.testData();
    String input;
    Shape shape;
    try (Session s = Session.open(model, options)) {
      input = s.inputs().get(0).name();
      shape = s.inputs().get(0).concreteShape();
    }
    int[] sample = Arrays.stream(shape.dims()).skip(1).mapToInt(d -> (int) d).toArray();
    float[][] x = new float[test.size()][];
    for (int i = 0; i < test.size(); i++) {
      x[i] = test.batch(new int[] {i}, sample).data();
    }
    return new DystriExperiment.Samples(input, shape, x, test.labels());
  }
}
