package io.edgewise.zoo;

import io.edgewise.EdgewiseException;
import io.edgewise.EdgewiseException.ErrorCode;
import io.edgewise.model.Model;
import io.edgewise.model.onnx.OnnxExporter;
import io.edgewise.model.onnx.OnnxImporter;
import io.edgewise.tensor.Tensor;
import io.edgewise.train.DataSplit;
import io.edgewise.train.FineTuner;
import io.edgewise.train.prune.ChannelPruner;
import io.edgewise.train.prune.ChannelRanking;
import io.edgewise.train.prune.PruneFineTuner;
import io.edgewise.train.prune.PruneResult;
import io.edgewise.zoo.eval.Evaluation;
import io.edgewise.zoo.eval.Evaluator;
import io.edgewise.zoo.index.Measurement;
import io.edgewise.zoo.quant.ActivationStats;
import io.edgewise.zoo.quant.Calibrator;
import io.edgewise.zoo.quant.Fp16Converter;
import io.edgewise.zoo.quant.QdqQuantizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The steps of one tailoring run, each computed once per content key (Mistify's merged requests): a step's key is
 * the content hash of the file it reads and the parameters that decide its output, so two requests that need the same
 * step get one computation, whatever their names or the order they come in. Shared this way: the channel ranking
 * (one per distinct float model; the masks of every ratio are taken from it, so they are nested), the pruned and
 * fine-tuned model of each (model, ratio, epochs) (a prune-then-quantize request reuses the prune request's model),
 * one calibration pass per distinct model quantized (every calibration method reads the same statistics), each
 * transform of each distinct input, the evaluation of each distinct variant file and its profiling per target. A
 * pruning ratio whose nearest lower ratio of the same model is also requested starts from that one's fine-tuned
 * weights and tunes for the request's {@code warm_epochs} instead of {@code epochs}.
 *
 * <p>A merged run uses one instance for all its requests; the one-by-one baseline a fresh instance per request, so
 * each request computes everything it needs from scratch. {@link #counts()} says how many times each step ran: the
 * structural proof of sharing that the tests read (never timing).
 */
final class Steps implements AutoCloseable {
  /** What is counted: each computation of a step (a cache hit counts nothing). */
  enum Kind {
    RANKING, PRUNING, FINE_TUNING, FINE_TUNING_EPOCHS, CALIBRATION, QUANTIZATION, FP16, EVALUATION, PROFILING,
    /** A model file parsed by a build step (evaluation's and profiling's sessions read their files themselves). */
    IMPORT
  }

  /** A recipe's (or one step's) output file, or why it was skipped. */
  record Built(Path file, String skipped) {}

  /** One calibration pass's statistics, or why the model cannot be quantized (then nothing was run). */
  private record Calibration(Map<String, ActivationStats> stats, String skipped) {}

  private final Path workDir;
  private final Target calibrationTarget;
  private final Consumer<String> progress;
  private final Map<Kind, Integer> counts = new EnumMap<>(Kind.class);
  private final Map<Kind, Double> seconds = new EnumMap<>(Kind.class);
  private final Map<Path, String> hashes = new HashMap<>();
  private final Map<String, ChannelRanking> rankings = new HashMap<>();
  /** Models only read (the ranking, every pruning ratio; ChannelPruner never changes its input), by content. */
  private final Map<String, Model> readOnly = new HashMap<>();
  private final Map<String, Built> built = new HashMap<>();
  private final Map<String, PruneResult> prunedModels = new HashMap<>();
  private final Map<String, List<Transform.Prune>> planned = new HashMap<>();
  private final Map<String, Calibration> calibrations = new HashMap<>();
  private final Map<String, Evaluation> evaluations = new HashMap<>();
  private final Map<String, Measurement> profiles = new HashMap<>();
  private final Map<String, Set<String>> users = new LinkedHashMap<>();
  private final List<String> warmStarts = new ArrayList<>();
  private String request = "float";

  /**
   * @param workDir where step outputs go (named by their key's hash)
   * @param calibrationTarget the device and threads calibration passes run on
   */
  Steps(Path workDir, Target calibrationTarget, Consumer<String> progress) {
    this.workDir = workDir;
    this.calibrationTarget = calibrationTarget;
    this.progress = progress;
    for (Kind k : Kind.values()) {
      counts.put(k, 0);
    }
  }

  /** The request the next steps are for (the shared report names the requests that used each step). */
  void request(String name) {
    this.request = name;
  }

  /**
   * Announces the first steps of the requests on a float model, so that a pruning ratio knows which lower ratio of
   * the same model it may start from before that one was asked for.
   */
  void plan(Path floatModel, String dataKey, List<Transform> firstSteps) {
    for (Transform t : firstSteps) {
      if (t instanceof Transform.Prune p) {
        List<Transform.Prune> l = planned.computeIfAbsent(sha(floatModel) + "|" + dataKey, k -> new ArrayList<>());
        if (!l.contains(p)) {
          l.add(p);
        }
      }
    }
  }

  /** How many times each step ran, by lower-case name ("calibration": 1). */
  Map<String, Integer> counts() {
    Map<String, Integer> out = new LinkedHashMap<>();
    counts.forEach((k, v) -> out.put(k.name().toLowerCase(Locale.ROOT), v));
    return out;
  }

  /**
   * Wall seconds spent in each step (measured around each computation; the time between steps, opening evaluators,
   * hashing and copying files, is in none), by lower-case name; fine_tuning_epochs has none of its own.
   */
  Map<String, Double> seconds() {
    Map<String, Double> out = new LinkedHashMap<>();
    for (Kind k : Kind.values()) {
      if (k != Kind.FINE_TUNING_EPOCHS) {
        out.put(k.name().toLowerCase(Locale.ROOT), seconds.getOrDefault(k, 0.0));
      }
    }
    return out;
  }

  int count(Kind k) {
    return counts.get(k);
  }

  /** One line per step that served more than one request, then one per warm start. */
  List<String> shared() {
    List<String> out = new ArrayList<>();
    users.forEach((what, who) -> {
      if (who.size() > 1) {
        out.add(what + ": once for " + who.size() + " requests " + who);
      }
    });
    out.addAll(warmStarts);
    return out;
  }

  // ---- building ------------------------------------------------------------------------------------------------

  /** Applies a recipe to the base model (named {@code baseName} in reports); each step is computed once per key. */
  Built build(String baseName, Path floatModel, List<Transform> transforms, Evaluator ev, String dataKey) {
    Path current = floatModel;
    String name = baseName;
    for (Transform t : transforms) {
      Built b = step(name, current, t, ev, dataKey);
      if (b.skipped() != null) {
        return new Built(null, t.label() + ": " + b.skipped());
      }
      current = b.file();
      name = name + " -> " + t.label();
    }
    return new Built(current, null);
  }

  private String stepKey(Path input, Transform t, String dataKey) {
    // what pruning produces depends on the data it fine-tunes on; the other transforms read the model only
    return "step|" + sha(input) + "|" + t.key() + (t instanceof Transform.Prune ? "|" + dataKey : "");
  }

  private Built step(String name, Path input, Transform t, Evaluator ev, String dataKey) {
    String key = stepKey(input, t, dataKey);
    use(describe(t) + " of " + name);
    // what the step reads is needed by this request even when the step itself is reused
    if (t instanceof Transform.Prune) {
      use("the channel ranking of " + name);
    } else if (t instanceof Transform.Quantize) {
      use("the calibration pass over " + name);
    }
    Built b = built.get(key);
    if (b != null) {
      return b;
    }
    try {
      Files.createDirectories(workDir);
    } catch (IOException e) {
      throw new EdgewiseException(ErrorCode.IO, "cannot create " + workDir + ": " + e.getMessage(), e);
    }
    Path out = workDir.resolve(shortHash(key) + ".onnx");
    String why;
    if (t instanceof Transform.Quantize q) {
      Calibration c = calibration(name, input, ev);
      if (c.skipped() != null) {
        why = c.skipped();
      } else {
        bump(Kind.QUANTIZATION, 1);
        long t0 = System.nanoTime();
        why = QdqQuantizer.quantize(importModel(input), c.stats(), q, out).skipReason();
        spent(Kind.QUANTIZATION, t0);
      }
    } else if (t instanceof Transform.Fp16) {
      bump(Kind.FP16, 1);
      long t0 = System.nanoTime();
      why = Fp16Converter.convert(importModel(input), out).skipReason();
      spent(Kind.FP16, t0);
    } else {
      why = prune(name, input, (Transform.Prune) t, ev, dataKey, key, out);
    }
    b = new Built(why == null ? out : null, why);
    built.put(key, b);
    return b;
  }

  /** A step as the shared report names it; options that change the output are in it. */
  private static String describe(Transform t) {
    return t instanceof Transform.Prune p ? String.format(Locale.ROOT, "%s + fine-tuning (%d epochs, %d warm-started)",
        p.label(), p.epochs(), p.warmEpochs()) : t.key();
  }

  /** The ranking of a model's channels, computed once per model content. */
  private ChannelRanking ranking(String name, String sha, Model m) {
    use("the channel ranking of " + name);
    ChannelRanking r = rankings.get(sha);
    if (r == null) {
      bump(Kind.RANKING, 1);
      long t0 = System.nanoTime();
      r = ChannelRanking.of(m);
      spent(Kind.RANKING, t0);
      rankings.put(sha, r);
    }
    return r;
  }

  /** The planned ratio of the same model and data nearest below p's, fine-tuned too, or null. */
  private Transform.Prune nearestLower(String sha, String dataKey, Transform.Prune p) {
    Transform.Prune best = null;
    for (Transform.Prune q : planned.getOrDefault(sha + "|" + dataKey, List.of())) {
      if (q.ratio() < p.ratio() && q.epochs() > 0 && (best == null || q.ratio() > best.ratio())) {
        best = q;
      }
    }
    return best;
  }

  private String prune(String name, Path input, Transform.Prune p, Evaluator ev, String dataKey, String key,
      Path out) {
    DataSplit data = ev.trainingData();
    if (p.epochs() > 0 && data == null) {
      return "fine-tuning needs labelled training data, which this metric's evaluator does not give";
    }
    String sha = sha(input);
    PruneResult lower = null;
    Transform.Prune lowerStep = p.epochs() > 0 ? nearestLower(sha, dataKey, p) : null;
    if (lowerStep != null) {
      // the lower ratio first (computed now if no request asked for it yet): its tuned weights are the start
      if (step(name, input, lowerStep, ev, dataKey).skipped() == null) {
        lower = prunedModels.get(stepKey(input, lowerStep, dataKey));
      }
    }
    // the float model parsed once for the ranking and every ratio: the pruner works on a copy of it
    Model m = readOnly(input);
    String why = ChannelPruner.unsupportedOps(m);
    if (why != null) {
      return why;
    }
    ChannelRanking ranking = ranking(name, sha, m);
    bump(Kind.PRUNING, 1);
    long t0 = System.nanoTime();
    PruneResult r = ChannelPruner.prune(m, ranking, p.ratio());
    spent(Kind.PRUNING, t0);
    boolean kept = false;
    try {
      if (r.isSkipped()) {
        return r.skippedReason();
      }
      int epochs = lower != null ? p.warmEpochs() : p.epochs();
      if (lower != null) {
        warmStarts.add(String.format(Locale.ROOT, "%s of %s: fine-tuned for %d epochs warm-started from %s's "
            + "tuned weights (instead of %d from the pruned weights)", p.label(), name, epochs, lowerStep.label(),
            p.epochs()));
      }
      if (epochs > 0) {
        progress.accept(String.format(Locale.ROOT, "fine-tuning %s of %s: %d epochs%s", p.label(), name, epochs,
            lower != null ? " from " + lowerStep.label() : ""));
        long t1 = System.nanoTime();
        // no test rows: the tuner would score the tuned model on them only for its log, and this model's
        // evaluation step measures it (its exported file, on the evaluation target) anyway
        DataSplit trainOnly = new DataSplit(data.train(), data.test().subset(new int[0]));
        FineTuner.Result fr = PruneFineTuner.fineTune(r, lower, trainOnly, PruneFineTuner.recipe("cpu", epochs));
        spent(Kind.FINE_TUNING, t1);
        bump(Kind.FINE_TUNING, 1);
        bump(Kind.FINE_TUNING_EPOCHS, fr.epochs());
      } else if (lower != null) {
        PruneFineTuner.warmStart(r, lower);
      }
      OnnxExporter.save(r.model(), out);
      prunedModels.put(key, r);
      kept = true;
      return null;
    } finally {
      if (!kept) {
        r.close();
      }
    }
  }

  /** One calibration pass over a model (cached by its content): the statistics every calibration method reads. */
  private Calibration calibration(String name, Path model, Evaluator ev) {
    String key = sha(model);
    use("the calibration pass over " + name);
    Calibration c = calibrations.get(key);
    if (c != null) {
      return c;
    }
    // one import serves the quantizer's plan and the calibration pass (the plan only turns Constant nodes into
    // initializers, which changes no activation's value), whose session then owns the model
    Model m = importModel(model);
    QdqQuantizer.Plan plan;
    try {
      plan = QdqQuantizer.plan(m);
    } catch (RuntimeException e) {
      m.close();
      throw e;
    }
    if (plan.skipReason() != null) {
      m.close();
      c = new Calibration(null, plan.skipReason());
    } else {
      long t0 = System.nanoTime();
      List<Map<String, Tensor>> inputs;
      try {
        inputs = ev.calibrationInputs(Tailor.MAX_CALIBRATION);
      } catch (RuntimeException e) {
        m.close();
        throw e;
      }
      try {
        progress.accept("calibrating " + name + ": " + plan.activations().size() + " activations over "
            + inputs.size() + " inputs");
        bump(Kind.CALIBRATION, 1);
        c = new Calibration(Calibrator.run(m, plan.activations(), inputs, calibrationTarget.device(),
            calibrationTarget.threads()), null);
      } finally {
        inputs.forEach(in -> in.values().forEach(Tensor::close));
      }
      spent(Kind.CALIBRATION, t0);
    }
    calibrations.put(key, c);
    return c;
  }

  // ---- measuring ----------------------------------------------------------------------------------------------

  /** The metric of a variant file on one target, once per (content, data, target). */
  Evaluation evaluate(String name, Path file, Evaluator ev, String dataKey, Target t) {
    String key = sha(file) + "|" + dataKey + "|" + t.key();
    use("the evaluation of " + name);
    Evaluation e = evaluations.get(key);
    if (e == null) {
      bump(Kind.EVALUATION, 1);
      long t0 = System.nanoTime();
      e = ev.evaluate(file, t.device(), t.threads());
      spent(Kind.EVALUATION, t0);
      evaluations.put(key, e);
    }
    return e;
  }

  /** A variant file's latency on one target, once per (content, profiling input, target, runs). */
  Measurement profile(String name, Path file, Target t, Map<String, Tensor> input, String dataKey, int warmup,
      int runs) {
    String key = sha(file) + "|" + dataKey + "|" + t.key() + "|" + warmup + "|" + runs;
    use("the profiling of " + name + " (each target)");
    Measurement m = profiles.get(key);
    if (m == null) {
      bump(Kind.PROFILING, 1);
      long t0 = System.nanoTime();
      m = Profiler.profile(file, t, input, warmup, runs);
      spent(Kind.PROFILING, t0);
      profiles.put(key, m);
    }
    return m;
  }

  /** Parses a model file for a step that edits it (and closes it): counted, so the tests see every parse. */
  private Model importModel(Path file) {
    bump(Kind.IMPORT, 1);
    long t0 = System.nanoTime();
    Model m = OnnxImporter.load(file);
    spent(Kind.IMPORT, t0);
    return m;
  }

  /** A model only read (ranked, pruned), parsed once per content for all the steps that read it. */
  private Model readOnly(Path file) {
    return readOnly.computeIfAbsent(sha(file), k -> importModel(file));
  }

  /** A file's sha256, computed once per run (step outputs are written once). */
  String sha(Path file) {
    return hashes.computeIfAbsent(file.toAbsolutePath().normalize(), Tailor::sha256);
  }

  private void use(String what) {
    users.computeIfAbsent(what, k -> new LinkedHashSet<>()).add(request);
  }

  private void bump(Kind k, int by) {
    counts.merge(k, by, Integer::sum);
  }

  private void spent(Kind k, long since) {
    seconds.merge(k, (System.nanoTime() - since) / 1e9, Double::sum);
  }

  private static String shortHash(String key) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Releases the pruned models kept for warm starts and the models parsed for reading. */
  @Override
  public void close() {
    prunedModels.values().forEach(PruneResult::close);
    prunedModels.clear();
    readOnly.values().forEach(Model::close);
    readOnly.clear();
  }
}
