package io.edgewise.zoo;

import io.edgewise.EdgewiseException;
import io.edgewise.EdgewiseException.ErrorCode;
import io.edgewise.files.FileTrees;
import io.edgewise.tensor.Tensor;
import io.edgewise.zoo.eval.EvalContext;
import io.edgewise.zoo.eval.Evaluation;
import io.edgewise.zoo.eval.Evaluator;
import io.edgewise.zoo.eval.Evaluators;
import io.edgewise.zoo.index.Measurement;
import io.edgewise.zoo.index.ModelIndex;
import io.edgewise.zoo.index.VariantRecord;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Runs a tailoring config. Merged (Mistify): the requests of one base model share every step they have in common,
 * each computed once by its content ({@link Steps}: the input file's hash and the step's parameters): the float
 * model's evaluation and profiling, one channel ranking per float model (nested masks for every ratio), the pruned
 * and fine-tuned model of each ratio (reused by prune-then-quantize requests; a higher ratio warm-started from the
 * nearest lower one), one calibration pass per distinct model quantized, each transform of each distinct input, and
 * one evaluation and one profiling pass per (variant file, target). Separate: each request runs alone from scratch,
 * exactly as the merged run of a config holding that one request (its own evaluator, float measurement, ranking,
 * fine-tuning, calibration, build, measurement and index), into a scratch directory; its wall time is the baseline
 * the merged time is reported beside, and its step counts and accuracies are reported too. Every variant of the merged
 * run goes into the index in one transaction each, after all its figures are in: a failed step leaves the index as it
 * was.
 */
public final class Tailor {
  /** Calibration inputs taken from the evaluator at most. */
  public static final int MAX_CALIBRATION = 256;

  private final TailorConfig config;
  private Consumer<String> progress;

  public Tailor(TailorConfig config, Consumer<String> progress) {
    this.config = config;
    this.progress = progress;
  }

  /** Runs the config merged (writing the index, when one is given) and, with {@code separate}, one by one too. */
  public TailorReport run(ModelIndex index, boolean separate) {
    return run(index, separate, 1);
  }

  /** What one merged pass produced. */
  private record MergedPass(List<TailorReport.Variant> variants, List<String> shared, List<String> skipped,
      Map<String, Integer> counts, Map<String, Double> seconds, double wall, double cpu) {}

  /** What one pass of the requests one by one produced: each request's accuracy alone, steps, times. */
  private record SeparatePass(Map<String, Double> accuracy, Map<String, Integer> counts, Map<String, Double> seconds,
      double wall, double cpu) {}

  /**
   * Runs the config merged and, with {@code separate}, one by one too, {@code rounds} times each, alternating which
   * goes first (merged first in odd rounds, one by one first in even ones): on a machine whose speed drifts (the
   * JIT still catching up after the warm-up, other users' load) an ABBA order cancels a linear drift that a fixed order
   * would charge to whichever run comes first. The times reported are the means over the rounds; the variants are
   * the last merged pass's (each merged pass writes the same files and index entries).
   */
  public TailorReport run(ModelIndex index, boolean separate, int rounds) {
    if (rounds < 1) {
      throw EdgewiseException.invalidArgument("rounds must be at least 1, got " + rounds);
    }
    if (separate) {
      warmUp();
    }
    MergedPass merged = null;
    SeparatePass alone = null;
    List<TailorReport.Round> times = new ArrayList<>();
    Map<String, Double> mergedStepSeconds = new LinkedHashMap<>();
    Map<String, Double> separateStepSeconds = new LinkedHashMap<>();
    double mergedWall = 0;
    double mergedCpu = 0;
    double separateWall = 0;
    double separateCpu = 0;
    for (int i = 0; i < (separate ? rounds : 1); i++) {
      boolean mergedFirst = i % 2 == 0;
      if (separate && !mergedFirst) {
        alone = separatePass();
      }
      merged = mergedPass(index);
      if (separate && mergedFirst) {
        alone = separatePass();
      }
      times.add(new TailorReport.Round(merged.wall(), separate ? alone.wall() : -1, mergedFirst));
      mergedWall += merged.wall();
      mergedCpu += merged.cpu();
      merged.seconds().forEach((k, t) -> mergedStepSeconds.merge(k, t, Double::sum));
      if (separate) {
        separateWall += alone.wall();
        separateCpu += alone.cpu();
        alone.seconds().forEach((k, t) -> separateStepSeconds.merge(k, t, Double::sum));
      }
    }
    int n = times.size();
    mergedStepSeconds.replaceAll((k, t) -> t / n);
    separateStepSeconds.replaceAll((k, t) -> t / n);
    List<TailorReport.Variant> variants = new ArrayList<>(merged.variants());
    if (separate) {
      Map<String, Double> accuracy = alone.accuracy();
      variants.replaceAll(v -> v.withSeparateAccuracy(accuracy.getOrDefault(v.base() + "/" + v.name(), Double.NaN)));
    }
    return new TailorReport(variants, mergedWall / n, separate ? separateWall / n : -1, mergedCpu / n,
        separate ? separateCpu / n : -1, merged.shared(), merged.skipped(), merged.counts(),
        separate ? alone.counts() : Map.of(), mergedStepSeconds, separateStepSeconds, times);
  }

  /** Every request of every base model through one set of steps: each shared step computed once. */
  private MergedPass mergedPass(ModelIndex index) {
    long t0 = System.nanoTime();
    double c0 = cpuSeconds();
    List<String> shared = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    List<TailorReport.Variant> variants = new ArrayList<>();
    try (Steps steps = new Steps(config.output().resolve(".steps"), calibrationTarget(), progress)) {
      for (TailorConfig.BaseModel base : config.models()) {
        List<TailorConfig.Request> requests = requestsOf(base);
        progress.accept("merged: " + base.name());
        variants.addAll(tailor(base, requests, config.output(), index, steps, skipped));
        if (!requests.isEmpty()) {
          shared.add(base.name() + ": the float model evaluated once and profiled once per target for all "
              + requests.size() + " requests");
        }
      }
      shared.addAll(steps.shared());
      return new MergedPass(variants, shared, skipped, steps.counts(), steps.seconds(),
          (System.nanoTime() - t0) / 1e9, cpuSeconds() - c0);
    }
  }

  /** Every request alone, from scratch, into OUTPUT/.separate (cleared first). */
  private SeparatePass separatePass() {
    Path scratch = config.output().resolve(".separate");
    FileTrees.delete(scratch);
    Map<String, Double> accuracy = new LinkedHashMap<>();
    Map<String, Integer> counts = new LinkedHashMap<>();
    Map<String, Double> seconds = new LinkedHashMap<>();
    long t0 = System.nanoTime();
    double c0 = cpuSeconds();
    for (TailorConfig.BaseModel base : config.models()) {
      for (TailorConfig.Request r : requestsOf(base)) {
        progress.accept("separate: " + base.name() + "/" + r.name());
        TailorReport.Variant v = alone(base, r, scratch.resolve(base.name()).resolve(r.name()), counts, seconds);
        accuracy.put(base.name() + "/" + r.name(), v.accuracy());
      }
    }
    return new SeparatePass(accuracy, counts, seconds, (System.nanoTime() - t0) / 1e9, cpuSeconds() - c0);
  }

  /**
   * One request run the way a config holding only it runs: a fresh set of steps (nothing shared with any other
   * request), its own evaluator and float measurement, its own index; the step counts and seconds are added to
   * {@code counts} and {@code seconds}. Returns the request's variant.
   */
  private TailorReport.Variant alone(TailorConfig.BaseModel base, TailorConfig.Request r, Path dir,
      Map<String, Integer> counts, Map<String, Double> seconds) {
    List<TailorReport.Variant> vs;
    try (Steps steps = new Steps(dir.resolve(".steps"), calibrationTarget(), progress);
        ModelIndex index = ModelIndex.open(dir.resolve("index"))) {
      vs = tailor(base, List.of(r), dir, index, steps, new ArrayList<>());
      steps.counts().forEach((k, n) -> counts.merge(k, n, Integer::sum));
      steps.seconds().forEach((k, t) -> seconds.merge(k, t, Double::sum));
    }
    return vs.get(vs.size() - 1);
  }

  private List<TailorConfig.Request> requestsOf(TailorConfig.BaseModel base) {
    return config.requests().stream().filter(r -> r.appliesTo(base.name())).toList();
  }

  /** Calibration passes run on the first cpu target (cpu/1 when there is none). */
  private Target calibrationTarget() {
    return config.targets().stream().filter(x -> x.device().equals("cpu")).findFirst().orElse(new Target("cpu", 1));
  }

  /** CPU seconds of the whole process (every thread, the JIT's included), or NaN where the JVM does not say. */
  private static double cpuSeconds() {
    java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() / 1e9 : Double.NaN;
  }

  /**
   * Pays the process's one-time costs (class loading, the JIT's compilation of every step, the native library, ONNX
   * Runtime's environment) before either run is timed, so that neither the merged nor the separate run carries them:
   * the merged run once into a scratch directory and a scratch index, then the one-by-one run once, untimed, with
   * steps of their own (nothing they compute is reused by the timed runs). (Measured here: with the merged run alone
   * as warm-up, the first timed pass was still 1.3 to 2.8x slower than the same pass in the next round, whichever it
   * was, on the loaded 2-core VM where the JIT's compiler threads wait for a core too.)
   */
  private void warmUp() {
    progress.accept("warm-up (untimed): the merged run and the one-by-one run once each");
    Consumer<String> saved = progress;
    progress = msg -> { };
    Path dir = config.output().resolve(".warmup");
    FileTrees.delete(dir);
    // a scratch index too: its first use (LMDB, Jackson's serializers) is a one-time cost like the others
    try (Steps steps = new Steps(dir.resolve(".steps"), calibrationTarget(), progress);
        ModelIndex scratch = ModelIndex.open(dir.resolve("index"))) {
      for (TailorConfig.BaseModel base : config.models()) {
        tailor(base, requestsOf(base), dir, scratch, steps, new ArrayList<>());
      }
    } finally {
      progress = saved;
    }
    progress = msg -> { };
    try {
      separatePass();
    } finally {
      progress = saved;
    }
  }

  /** One variant of a pass: its request (null for the float model), its file (null when skipped), its name. */
  private record Entry(TailorConfig.Request request, String name, Path file, String owner, String skipped) {}

  /**
   * The requests of one base model through {@code steps}: every request built first (its file written to
   * OUTPUT/BASE/REQUEST.onnx; a request whose file has the content of an earlier one's shares that one's file and
   * entry), then every file measured target by target (all evaluations, then all profiles on the first target, then
   * on the next...): the native thread pool is resized only when the thread count changes, which a variant-by-variant
   * order did for each file (cpu/1, cpu/2, then the next file's cpu/1). Each variant goes into the index once all
   * its figures are in.
   */
  private List<TailorReport.Variant> tailor(TailorConfig.BaseModel base, List<TailorConfig.Request> requests,
      Path outDir, ModelIndex index, Steps steps, List<String> skipped) {
    List<TailorReport.Variant> out = new ArrayList<>();
    String dataKey = base.metric() + "|" + base.data().json();
    try (Evaluator ev = Evaluators.provider(base.metric(), base.data().get("metric"))
        .open(new EvalContext(base.name(), base.file(), base.data()))) {
      Map<String, Tensor> input = ev.profileInput();
      try {
        steps.plan(base.file(), dataKey, requests.stream().map(r -> r.transforms().get(0)).toList());
        List<Entry> entries = new ArrayList<>();
        entries.add(new Entry(null, base.name(), base.file(), null, null));
        Map<String, String> published = new HashMap<>();  // file content hash -> the request that wrote it
        for (TailorConfig.Request r : requests) {
          steps.request(r.name());
          progress.accept("tailoring " + base.name() + "/" + r.name() + " (" + recipe(r.transforms()) + ")");
          Steps.Built b = steps.build(base.name(), base.file(), r.transforms(), ev, dataKey);
          if (b.skipped() != null) {
            skipped.add(base.name() + "/" + r.name() + ": " + b.skipped());
            entries.add(new Entry(r, null, null, null, b.skipped()));
            continue;
          }
          String owner = published.putIfAbsent(steps.sha(b.file()), r.name());
          String writer = owner == null ? r.name() : owner;
          Path file = outDir.resolve(base.name()).resolve(writer + ".onnx");
          if (owner == null) {
            copy(b.file(), file);
          }
          entries.add(new Entry(r, base.name() + "/" + writer, file, owner, null));
        }
        Map<String, Measured> measured = measureAll(steps, ev, entries, input, dataKey);
        Map<String, long[]> shapes = new LinkedHashMap<>();
        input.forEach((k, t) -> shapes.put(k, t.shape().dims()));
        for (Entry e : entries) {
          if (e.request() == null) {
            TailorReport.Variant v = variant("float", base, List.of(), measured.get(e.name()), null);
            out.add(v);
            record(index, v, measured.get(e.name()), shapes);
          } else if (e.skipped() != null) {
            out.add(variant(e.request().name(), base, e.request().transforms(), Measured.skip(e.skipped()),
                e.skipped()));
          } else {
            Measured m = measured.get(e.name());
            TailorReport.Variant v = variant(e.request().name(), base, e.request().transforms(), m, null);
            out.add(v);
            if (e.owner() == null) {
              record(index, v, m, shapes);  // the index keeps one name per file content
            }
          }
        }
      } finally {
        input.values().forEach(Tensor::close);
      }
    }
    return out;
  }

  /**
   * The figures of every entry's file, by entry name: the evaluations first, then the profiles target by target
   * (each step computed once per file content and target; an entry sharing another's file reuses its figures).
   */
  private Map<String, Measured> measureAll(Steps steps, Evaluator ev, List<Entry> entries, Map<String, Tensor> input,
      String dataKey) {
    Target first = config.targets().stream().filter(t -> !t.modeled()).findFirst().orElse(config.targets().get(0));
    List<Entry> files = entries.stream().filter(e -> e.file() != null).toList();
    Map<String, Evaluation> evals = new HashMap<>();
    for (Entry e : files) {
      steps.request(e.request() == null ? "float" : e.request().name());
      evals.put(e.name(), steps.evaluate(e.name(), e.file(), ev, dataKey, first));
    }
    Map<String, Map<String, Measurement>> latency = new HashMap<>();
    for (Target t : config.targets()) {
      for (Entry e : files) {
        steps.request(e.request() == null ? "float" : e.request().name());
        latency.computeIfAbsent(e.name(), k -> new LinkedHashMap<>())
            .put(t.key(), steps.profile(e.name(), e.file(), t, input, dataKey, config.warmup(), config.runs()));
      }
    }
    Map<String, Measured> out = new HashMap<>();
    for (Entry e : files) {
      try {
        out.put(e.name(), new Measured(e.file(), evals.get(e.name()), Files.size(e.file()), steps.sha(e.file()),
            latency.get(e.name()), null));
      } catch (IOException ex) {
        throw new EdgewiseException(ErrorCode.IO, "cannot read " + e.file() + ": " + ex.getMessage(), ex);
      }
    }
    return out;
  }

  /** A recipe as the report shows it ("prune(0.50) -> int8(minmax)"). */
  private static String recipe(List<Transform> ts) {
    return String.join(" -> ", ts.stream().map(Transform::label).toList());
  }

  private static void copy(Path from, Path to) {
    try {
      Files.createDirectories(to.toAbsolutePath().getParent());
      Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new EdgewiseException(ErrorCode.IO, "cannot write " + to + ": " + e.getMessage(), e);
    }
  }

  /** A variant's figures: accuracy and metric, size and hash, a measurement per target. */
  record Measured(Path file, Evaluation eval, long bytes, String sha256, Map<String, Measurement> latency,
      String skipped) {
    static Measured skip(String why) {
      return new Measured(null, null, 0, null, Map.of(), why);
    }
  }

  private static TailorReport.Variant variant(String name, TailorConfig.BaseModel base, List<Transform> ts, Measured m,
      String skipped) {
    List<String> labels = ts.stream().map(Transform::label).toList();
    if (m == null || m.skipped() != null) {
      return new TailorReport.Variant(name, base.name(), labels, Double.NaN, base.metric(), Double.NaN, 0, Map.of(),
          Map.of(), Map.of(), null, null, skipped != null ? skipped : m == null ? "skipped" : m.skipped(), Double.NaN);
    }
    Map<String, Double> med = new LinkedHashMap<>();
    Map<String, Double> p90 = new LinkedHashMap<>();
    Map<String, String> kinds = new LinkedHashMap<>();
    m.latency().forEach((k, v) -> {
      med.put(k, v.medianMs());
      p90.put(k, v.p90Ms());
      kinds.put(k, v.kind());
    });
    return new TailorReport.Variant(name, base.name(), labels, m.eval().accuracy(), m.eval().metric(),
        m.eval().value(), m.bytes(), med, p90, kinds, m.file().toString(), m.sha256(), null, Double.NaN);
  }

  /** One index transaction for the variant, once every figure of it is in. */
  private static void record(ModelIndex index, TailorReport.Variant v, Measured m, Map<String, long[]> shapes) {
    if (index == null || v.skipped() != null) {
      return;
    }
    index.put(new VariantRecord(v.base(), v.name(), v.transforms(), v.file(), v.sha256(), v.bytes(), v.metric(),
        v.accuracy(), v.metricValue(), m.latency(), shapes, System.currentTimeMillis()));
  }

  public static String sha256(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (IOException e) {
      throw new EdgewiseException(ErrorCode.IO, "cannot read " + file + ": " + e.getMessage(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
