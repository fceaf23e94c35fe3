package io.edgewise.zoo;

import io.edgewise.EdgewiseException;
import io.edgewise.EdgewiseException.ErrorCode;
import io.edgewise.model.Model;
import io.edgewise.model.onnx.OnnxImporter;
import io.edgewise.tensor.Tensor;
import io.edgewise.zoo.eval.EvalContext;
import io.edgewise.zoo.eval.Evaluation;
import io.edgewise.zoo.eval.Evaluator;
import io.edgewise.zoo.eval.Evaluators;
import io.edgewise.zoo.index.Measurement;
import io.edgewise.zoo.index.ModelIndex;
import io.edgewise.zoo.index.VariantRecord;
import io.edgewise.zoo.quant.ActivationStats;
import io.edgewise.zoo.quant.Calibrator;
import io.edgewise.zoo.quant.Fp16Converter;
import io.edgewise.zoo.quant.QdqQuantizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Runs a tailoring config. Merged (Mistify): the requests of one base model share every step they have in common,
 * each run once: the float model's evaluation and profiling, one calibration pass per distinct float model (every
 * calibration method reads the same statistics), one build, evaluation and profiling per distinct recipe, one profiling
 * pass per (variant, target). Separate: each request runs alone, as a user porting one variant at a time would (its
 * own calibration, and its own measurement of the float base to compare with), into a scratch directory; its wall
 * time is the baseline the merged time is reported beside. Every variant of the merged run goes into the index in
 * one transaction each, after all its figures are in: a failed step leaves the index as it was.
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
    if (separate) {
      warmUp();
    }
    long t0 = System.nanoTime();
    double c0 = cpuSeconds();
    List<String> shared = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    List<TailorReport.Variant> variants = new ArrayList<>();
    for (TailorConfig.BaseModel base : config.models()) {
      variants.addAll(merged(base, config.output(), index, shared, skipped));
    }
    double mergedSeconds = (System.nanoTime() - t0) / 1e9;
    double mergedCpu = cpuSeconds() - c0;
    double separateSeconds = -1;
    double separateCpu = -1;
    if (separate) {
      long t1 = System.nanoTime();
      double c1 = cpuSeconds();
      Path scratch = config.output().resolve(".separate");
      for (TailorConfig.BaseModel base : config.models()) {
        for (TailorConfig.Request r : config.requests()) {
          if (r.appliesTo(base.name())) {
            progress.accept("separate: " + base.name() + "/" + r.name());
            oneRequest(base, r, scratch);
          }
        }
      }
      separateSeconds = (System.nanoTime() - t1) / 1e9;
      separateCpu = cpuSeconds() - c1;
    }
    return new TailorReport(variants, mergedSeconds, separateSeconds, mergedCpu, separateCpu, shared, skipped);
  }

  /** CPU seconds of the whole process (every thread, the JIT's included), or NaN where the JVM does not say. */
  private static double cpuSeconds() {
    java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() / 1e9 : Double.NaN;
  }

  /**
   * Pays the process's one-time costs (class loading, the JIT's compilation of every step, the native library, ONNX
   * Runtime's environment) before either run is timed, so that neither the merged nor the separate run carries them:
   * the merged run once into a scratch directory and a scratch index, untimed. (Measured here: without it, whichever
   * run came first was up to 2x slower, the same model's latency falling 3x during it as the JIT caught up.)
   */
  private void warmUp() {
    progress.accept("warm-up (untimed): the merged run once");
    Consumer<String> saved = progress;
    progress = msg -> { };
    // a scratch index too: its first use (LMDB, Jackson's serializers) is a one-time cost like the others
    try (ModelIndex scratch = ModelIndex.open(config.output().resolve(".warmup").resolve("index"))) {
      for (TailorConfig.BaseModel base : config.models()) {
        merged(base, config.output().resolve(".warmup"), scratch, new ArrayList<>(), new ArrayList<>());
      }
    } finally {
      progress = saved;
    }
  }

  /** A recipe's identity: two requests with the same transforms get the same variant. */
  private static String recipe(List<Transform> ts) {
    return String.join(" -> ", ts.stream().map(Transform::label).toList());
  }

  private List<TailorReport.Variant> merged(TailorConfig.BaseModel base, Path outDir, ModelIndex index,
      List<String> shared, List<String> skipped) {
    progress.accept("merged: " + base.name());
    List<TailorConfig.Request> requests = config.requests().stream().filter(r -> r.appliesTo(base.name())).toList();
    List<TailorReport.Variant> out = new ArrayList<>();
    try (Evaluator ev = Evaluators.provider(base.metric(), base.data().get("metric"))
        .open(new EvalContext(base.name(), base.file(), base.data()))) {
      Map<String, Tensor> input = ev.profileInput();
      try {
        Measured floatVariant = measure(ev, base.file(), input);
        out.add(variant("float", base, List.of(), floatVariant, null));
        Map<String, long[]> shapes = new LinkedHashMap<>();
        input.forEach((k, t) -> shapes.put(k, t.shape().dims()));
        record(index, out.get(out.size() - 1), floatVariant, shapes);
        // one calibration pass for every request that quantizes the float model
        Map<String, ActivationStats> stats = null;
        long quantizing = requests.stream().filter(r -> firstQuantize(r) != null).count();
        Map<String, Measured> byRecipe = new LinkedHashMap<>();
        Map<String, String> firstName = new LinkedHashMap<>();
        for (TailorConfig.Request r : requests) {
          String recipe = recipe(r.transforms());
          if (byRecipe.containsKey(recipe)) {
            Measured m = byRecipe.get(recipe);
            shared.add(base.name() + "/" + r.name() + ": the same recipe as " + firstName.get(recipe)
                + " (built, evaluated and profiled once)");
            TailorReport.Variant v = variant(r.name(), base, r.transforms(), m, m == null ? null : m.skipped);
            out.add(v);
            continue;
          }
          progress.accept("merged: " + base.name() + "/" + r.name() + " (" + recipe + ")");
          if (stats == null && firstQuantize(r) != null) {
            stats = calibrate(base, ev);
            if (quantizing > 1) {
              shared.add(base.name() + ": one calibration pass for the " + quantizing + " requests that quantize it");
            }
          }
          Path file = outDir.resolve(base.name()).resolve(r.name() + ".onnx");
          String why = build(base.file(), r.transforms(), stats, file, ev.trainingData());
          Measured m = why == null ? measure(ev, file, input) : Measured.skip(why);
          byRecipe.put(recipe, m);
          firstName.put(recipe, r.name());
          if (why != null) {
            skipped.add(base.name() + "/" + r.name() + ": " + why);
          }
          TailorReport.Variant v = variant(r.name(), base, r.transforms(), m, why);
          out.add(v);
          if (why == null) {
            record(index, v, m, shapes);
          }
        }
        if (!requests.isEmpty()) {
          shared.add(base.name() + ": the float model evaluated once and profiled once per target for all "
              + requests.size() + " requests");
        }
      } finally {
        input.values().forEach(Tensor::close);
      }
    }
    return out;
  }

  /** One request alone: its own evaluator, float measurement, calibration, build and measurement. */
  private void oneRequest(TailorConfig.BaseModel base, TailorConfig.Request r, Path scratch) {
    try (Evaluator ev = Evaluators.provider(base.metric(), base.data().get("metric"))
        .open(new EvalContext(base.name(), base.file(), base.data()))) {
      Map<String, Tensor> input = ev.profileInput();
      try {
        measure(ev, base.file(), input);
        Map<String, ActivationStats> stats = firstQuantize(r) != null ? calibrate(base, ev) : null;
        Path file = scratch.resolve(base.name()).resolve(r.name() + ".onnx");
        if (build(base.file(), r.transforms(), stats, file, ev.trainingData()) == null) {
          measure(ev, file, input);
        }
      } finally {
        input.values().forEach(Tensor::close);
      }
    }
  }

  /** The quantization that reads the float model (the recipe's first step), or null: what needs calibration. */
  private static Transform.Quantize firstQuantize(TailorConfig.Request r) {
    return r.transforms().get(0) instanceof Transform.Quantize q ? q : null;
  }

  private Map<String, ActivationStats> calibrate(TailorConfig.BaseModel base, Evaluator ev) {
    QdqQuantizer.Plan plan;
    try (Model m = OnnxImporter.load(base.file())) {
      plan = QdqQuantizer.plan(m);
    }
    List<Map<String, Tensor>> inputs = ev.calibrationInputs(MAX_CALIBRATION);
    try {
      progress.accept("calibrating " + base.name() + ": " + plan.activations().size() + " activations over "
          + inputs.size() + " inputs");
      Target t = config.targets().stream().filter(x -> x.device().equals("cpu")).findFirst()
          .orElse(new Target("cpu", 1));
      return Calibrator.run(base.file(), plan.activations(), inputs, t.device(), t.threads());
    } finally {
      inputs.forEach(in -> in.values().forEach(Tensor::close));
    }
  }

  /**
   * Applies a recipe to the float model, writing {@code out}; returns null, or why the request was skipped (a
   * transform the model cannot take). Intermediate files go beside {@code out}.
   */
  static String build(Path floatModel, List<Transform> transforms, Map<String, ActivationStats> stats, Path out,
      io.edgewise.train.DataSplit data) {
    try {
      Files.createDirectories(out.toAbsolutePath().getParent());
    } catch (IOException e) {
      throw new EdgewiseException(ErrorCode.IO, "cannot create " + out.getParent() + ": " + e.getMessage(), e);
    }
    Path current = floatModel;
    for (int i = 0; i < transforms.size(); i++) {
      Transform t = transforms.get(i);
      Path next = i == transforms.size() - 1 ? out : out.resolveSibling(out.getFileName() + ".step" + i + ".onnx");
      String why;
      if (t instanceof Transform.Quantize q) {
        if (!current.equals(floatModel)) {
          why = "int8 after another transform needs a calibration pass over that model (not supported yet)";
        } else {
          why = QdqQuantizer.quantize(current, stats, q, next).skipReason();
        }
      } else if (t instanceof Transform.Fp16) {
        why = Fp16Converter.convert(current, next).skipReason();
      } else {
        why = Pruning.prune(current, (Transform.Prune) t, next, data);
      }
      if (why != null) {
        return t.label() + ": " + why;
      }
      current = next;
    }
    return null;
  }

  /** A variant's figures: accuracy and metric, size and hash, a measurement per target. */
  record Measured(Path file, Evaluation eval, long bytes, String sha256, Map<String, Measurement> latency,
      String skipped) {
    static Measured skip(String why) {
      return new Measured(null, null, 0, null, Map.of(), why);
    }
  }

  private Measured measure(Evaluator ev, Path file, Map<String, Tensor> input) {
    Target first = config.targets().stream().filter(t -> !t.modeled()).findFirst().orElse(config.targets().get(0));
    Evaluation e = ev.evaluate(file, first.device(), first.threads());
    Map<String, Measurement> latency = new LinkedHashMap<>();
    for (Target t : config.targets()) {
      latency.put(t.key(), Profiler.profile(file, t, input, config.warmup(), config.runs()));
    }
    try {
      return new Measured(file, e, Files.size(file), sha256(file), latency, null);
    } catch (IOException ex) {
      throw new EdgewiseException(ErrorCode.IO, "cannot read " + file + ": " + ex.getMessage(), ex);
    }
  }

  private static TailorReport.Variant variant(String name, TailorConfig.BaseModel base, List<Transform> ts, Measured m,
      String skipped) {
    List<String> labels = ts.stream().map(Transform::label).toList();
    if (m == null || m.skipped() != null) {
      return new TailorReport.Variant(name, base.name(), labels, Double.NaN, base.metric(), Double.NaN, 0, Map.of(),
          Map.of(), Map.of(), null, null, skipped != null ? skipped : m == null ? "skipped" : m.skipped());
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
        m.eval().value(), m.bytes(), med, p90, kinds, m.file().toString(), m.sha256(), null);
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
