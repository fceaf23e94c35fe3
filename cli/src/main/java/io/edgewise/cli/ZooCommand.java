package io.edgewise.cli;

import io.edgewise.zoo.Reprofile;
import io.edgewise.zoo.TailorConfig;
import io.edgewise.zoo.Tailor;
import io.edgewise.zoo.TailorReport;
import io.edgewise.zoo.Target;
import io.edgewise.zoo.index.Candidate;
import io.edgewise.zoo.index.IndexQuery;
import io.edgewise.zoo.index.Measurement;
import io.edgewise.zoo.index.ModelIndex;
import io.edgewise.zoo.index.QueryResult;
import io.edgewise.zoo.index.VariantRecord;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `edgewise zoo tailor|profile|query|list`: tailor a model into measured variants, index them, query the index. */
@Command(name = "zoo", description = "The model zoo: tailor a model into measured variants by configuration, "
    + "index them (LMDB), query by device and constraints.",
    subcommands = {ZooCommand.TailorCmd.class, ZooCommand.Profile.class, ZooCommand.Query.class,
        ZooCommand.ListCmd.class})
final class ZooCommand implements Callable<Integer> {
  @Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    return Main.missingSubcommand(spec);
  }

  static void requireIndex(CommandLine.Model.CommandSpec spec, Path index) {
    if (!Files.isRegularFile(index.resolve("data.mdb"))) {
      throw Main.usage(spec, "--index " + index + " holds no model index (no data.mdb)");
    }
  }

  @Command(name = "tailor", description = "Tailor the base models of a YAML config into variants (int8 QDQ, fp16, "
      + "pruned), measure each, record them in the index; merged requests share their common steps.")
  static final class TailorCmd implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "CONFIG.yaml", description = "The tailoring config (docs/zoo.md).")
    Path config;

    @Option(names = "--index", paramLabel = "DIR", description = "The model index to record the variants in "
        + "(default: the config's 'index', none when absent).")
    Path index;

    @Option(names = "--no-separate", description = "Skip running the requests one by one (the baseline the merged "
        + "wall time is compared with).")
    boolean noSeparate;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "1", description = "Time the merged and the "
        + "one-by-one runs N times each, alternating which goes first (ABBA), and report the means (default: "
        + "${DEFAULT-VALUE}).")
    int rounds;

    @Mixin
    JsonOption json = new JsonOption();

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      TailorConfig c = TailorConfig.load(config);
      Path indexDir = index != null ? index : c.index();
      PrintWriter err = spec.commandLine().getErr();
      TailorReport r;
      Tailor tailor = new Tailor(c, msg -> err.println("zoo: " + msg));
      if (indexDir == null) {
        r = tailor.run(null, !noSeparate, rounds);
      } else {
        try (ModelIndex idx = ModelIndex.open(indexDir)) {
          r = tailor.run(idx, !noSeparate, rounds);
        }
      }
      PrintWriter out = spec.commandLine().getOut();
      if (json.enabled()) {
        List<Map<String, Object>> vs = new ArrayList<>();
        for (TailorReport.Variant v : r.variants()) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("name", v.name());
          m.put("base", v.base());
          m.put("transforms", v.transforms());
          m.put("accuracy", Double.isNaN(v.accuracy()) ? null : v.accuracy());
          m.put("metric", v.metric());
          m.put("metric_value", Double.isNaN(v.metricValue()) ? null : v.metricValue());
          m.put("bytes", v.bytes());
          m.put("latency_ms", v.latencyMs());
          m.put("p90_ms", v.p90Ms());
          m.put("latency_kind", v.kinds());
          m.put("file", v.file());
          m.put("sha256", v.sha256());
          if (!Double.isNaN(v.separateAccuracy())) {
            m.put("separate_accuracy", v.separateAccuracy());
          }
          if (v.skipped() != null) {
            m.put("skipped", v.skipped());
          }
          vs.add(m);
        }
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("variants", vs);
        o.put("merged_seconds", r.mergedSeconds());
        o.put("separate_seconds", r.separateSeconds() < 0 ? null : r.separateSeconds());
        o.put("merged_cpu_seconds", r.mergedCpuSeconds());
        o.put("separate_cpu_seconds", r.separateCpuSeconds() < 0 ? null : r.separateCpuSeconds());
        o.put("timing", "measured: wall and process CPU seconds, after an untimed warm-up; means over the rounds");
        List<Map<String, Object>> rs = new ArrayList<>();
        for (TailorReport.Round round : r.rounds()) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("merged_seconds", round.mergedSeconds());
          m.put("separate_seconds", round.separateSeconds() < 0 ? null : round.separateSeconds());
          m.put("first", round.mergedFirst() ? "merged" : "separate");
          rs.add(m);
        }
        o.put("rounds", rs);
        o.put("shared", r.shared());
        Map<String, Object> steps = new LinkedHashMap<>();
        steps.put("merged", r.mergedSteps());
        steps.put("separate", r.separateSteps().isEmpty() ? null : r.separateSteps());
        steps.put("merged_seconds", r.mergedStepSeconds());
        steps.put("separate_seconds", r.separateStepSeconds().isEmpty() ? null : r.separateStepSeconds());
        o.put("steps", steps);
        o.put("skipped", r.skipped());
        o.put("index", indexDir == null ? null : indexDir.toString());
        out.println(Json.write(o));
        return 0;
      }
      for (TailorReport.Variant v : r.variants()) {
        if (v.skipped() != null) {
          out.printf("%s/%s: skipped: %s%n", v.base(), v.name(), v.skipped());
          continue;
        }
        StringBuilder lat = new StringBuilder();
        v.latencyMs().forEach((k, ms) -> lat.append(String.format(Locale.ROOT, " %s %.3f ms%s", k, ms,
            "modeled".equals(v.kinds().get(k)) ? " (modeled)" : "")));
        out.printf(Locale.ROOT, "%s/%s %s: %s %.4f, %d bytes,%s%n", v.base(), v.name(), v.transforms(), v.metric(),
            v.metricValue(), v.bytes(), lat);
      }
      r.shared().forEach(s -> out.println("shared: " + s));
      out.println("steps run, merged: " + r.mergedSteps()
          + (r.separateSteps().isEmpty() ? "" : "; one by one: " + r.separateSteps()));
      out.printf(Locale.ROOT, "merged %.1f s (CPU %.1f s)%s (measured)%n", r.mergedSeconds(), r.mergedCpuSeconds(),
          r.separateSeconds() < 0 ? "" : String.format(Locale.ROOT, ", one by one %.1f s (CPU %.1f s): %.2fx",
              r.separateSeconds(), r.separateCpuSeconds(), r.mergedSeconds() / r.separateSeconds()));
      if (indexDir != null) {
        out.println("index: " + indexDir);
      }
      return 0;
    }
  }

  @Command(name = "profile", description = "Re-measure every variant of an index on this machine (files checked "
      + "against their recorded sha256).")
  static final class Profile implements Callable<Integer> {
    @Option(names = "--index", required = true, paramLabel = "DIR", description = "The model index.")
    Path index;

    @Option(names = "--targets", split = ",", paramLabel = "DEVICE/THREADS",
        description = "Targets to measure on (default: each variant's recorded targets), e.g. cpu/1,cpu/2.")
    List<String> targets;

    @Option(names = "--warmup", paramLabel = "N", description = "Untimed runs first (default: ${DEFAULT-VALUE}).")
    int warmup = 3;

    @Option(names = "--runs", paramLabel = "N", description = "Timed runs (default: ${DEFAULT-VALUE}).")
    int runs = 30;

    @Mixin
    JsonOption json = new JsonOption();

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      requireIndex(spec, index);
      if (runs < 1 || warmup < 0) {
        throw Main.usage(spec, "--runs must be >= 1 and --warmup >= 0");
      }
      List<Target> ts = new ArrayList<>();
      if (targets != null) {
        for (String t : targets) {
          Target parsed = Target.parse(t);
          if (parsed == null) {
            throw Main.usage(spec, "--targets: '" + t + "' is not DEVICE or DEVICE/THREADS");
          }
          ts.add(parsed);
        }
      }
      PrintWriter err = spec.commandLine().getErr();
      List<String> lines;
      try (ModelIndex idx = ModelIndex.open(index)) {
        lines = Reprofile.run(idx, ts, warmup, runs, msg -> err.println("zoo: " + msg));
      }
      PrintWriter out = spec.commandLine().getOut();
      if (json.enabled()) {
        out.println(Json.write(Map.of("index", index.toString(), "variants", lines)));
      } else {
        lines.forEach(out::println);
      }
      return 0;
    }
  }

  @Command(name = "query", description = "The Pareto-best variants of a model (accuracy, latency, size) under "
      + "constraints, and the recommended one.")
  static final class Query implements Callable<Integer> {
    @Option(names = "--index", required = true, paramLabel = "DIR", description = "The model index.")
    Path index;

    @Option(names = "--model", required = true, paramLabel = "BASE", description = "The base model's name.")
    String model;

    @Option(names = "--device", paramLabel = "NAME", description = "Only figures on this device, one of "
        + DeviceOption.NAMES + " as recorded (default: any).")
    String device;

    @Option(names = "--threads", paramLabel = "N", description = "Only figures at this thread count (default: any).")
    int threads;

    @Option(names = "--latency-budget", paramLabel = "MS", description = "Median latency at most MS milliseconds.")
    double latencyBudget = -1;

    @Option(names = "--min-accuracy", paramLabel = "A", description = "Accuracy at least A (in [0, 1]; 1 - CER for "
        + "ocr-cer).")
    double minAccuracy = -1;

    @Option(names = "--max-bytes", paramLabel = "B", description = "File size at most B bytes.")
    long maxBytes = -1;

    @Mixin
    JsonOption json = new JsonOption();

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      requireIndex(spec, index);
      if (threads < 0) {
        throw Main.usage(spec, "--threads must be 0 (any) or more, got " + threads);
      }
      QueryResult r;
      try (ModelIndex idx = ModelIndex.open(index)) {
        r = idx.query(new IndexQuery(model, device, threads, latencyBudget, minAccuracy, maxBytes));
      }
      PrintWriter out = spec.commandLine().getOut();
      if (json.enabled()) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("model", model);
        o.put("pareto", r.pareto());
        o.put("recommended", r.recommended());
        o.put("excluded", r.excluded());
        out.println(Json.write(o));
        return 0;
      }
      if (r.recommended() == null) {
        out.printf("no variant of %s meets the constraints%n", model);
      }
      for (Candidate c : r.pareto()) {
        out.printf(Locale.ROOT, "%s %s on %s: accuracy %.4f (%s %.4f), %.3f ms (p90 %.3f, %s), %d bytes%n",
            c == r.recommended() ? "*" : " ", c.variant(), c.target(), c.accuracy(), c.metric(), c.metricValue(),
            c.medianMs(), c.p90Ms(), c.kind(), c.bytes());
      }
      if (r.recommended() != null) {
        out.printf("recommended: %s on %s%n", r.recommended().variant(), r.recommended().target());
      }
      r.excluded().forEach(e -> out.println("excluded: " + e));
      return 0;
    }
  }

  @Command(name = "list", description = "Every variant in an index with its figures.")
  static final class ListCmd implements Callable<Integer> {
    @Option(names = "--index", required = true, paramLabel = "DIR", description = "The model index.")
    Path index;

    @Mixin
    JsonOption json = new JsonOption();

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      requireIndex(spec, index);
      List<VariantRecord> all;
      try (ModelIndex idx = ModelIndex.open(index)) {
        all = idx.list();
      }
      PrintWriter out = spec.commandLine().getOut();
      if (json.enabled()) {
        out.println(Json.write(Map.of("index", index.toString(), "variants", all)));
        return 0;
      }
      for (VariantRecord v : all) {
        StringBuilder lat = new StringBuilder();
        for (Measurement m : v.latency().values()) {
          lat.append(String.format(Locale.ROOT, " %s %.3f ms (%s)", m.target(), m.medianMs(), m.kind()));
        }
        out.printf(Locale.ROOT, "%s/%s %s: %s %.4f, %d bytes, sha256 %s,%s%n", v.base(), v.variant(),
            v.transforms(), v.metric(), v.metricValue(), v.bytes(),
            v.sha256() == null ? "-" : v.sha256().substring(0, 12), lat);
      }
      out.printf("%d variants%n", all.size());
      return 0;
    }
  }
}
