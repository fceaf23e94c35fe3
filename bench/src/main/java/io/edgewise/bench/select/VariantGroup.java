package io.edgewise.bench.select;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgewise.EdgewiseException;
import io.edgewise.model.Graph;
import io.edgewise.model.Model;
import io.edgewise.model.Node;
import io.edgewise.model.onnx.OnnxExporter;
import io.edgewise.model.onnx.OnnxImporter;
import io.edgewise.runtime.ConvFlops;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import io.edgewise.tensor.TensorScope;
import io.edgewise.train.DataSplit;
import io.edgewise.train.Dataset;
import io.edgewise.train.prune.ChannelPruner;
import io.edgewise.train.prune.ChannelRanking;
import io.edgewise.train.prune.PruneFineTuner;
import io.edgewise.train.prune.PruneResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A model group: a base model and its variants, as described by a group.json (examples/groups/digits/group.json):
 * each variant is the base model channel-pruned at a ratio and fine-tuned ({@link ChannelPruner},
 * {@link PruneFineTuner}, each ratio warm-started from the previous pruned variant: the masks of one ranking are
 * nested), ratio 0 being the base model itself. Paths in the file are relative to the working directory, like the
 * CLI's defaults ({@code ../shared/testdata/...}). The variants are built once into a cache directory (keyed by a hash
 * of the group file and the base model), never into the repository; their test-split accuracy is measured when they
 * are built and cached with them, their latency is measured afresh by every bench ({@link #measureLatency}).
 */
public final class VariantGroup {
  /** The default group of the bench commands. */
  public static final Path DEFAULT = Path.of("examples/groups/digits/group.json");

  /**
   * One built variant: where its model lies and what was measured of it.
   *
   * @param accuracy top-1 accuracy on the data's test split (measured when built)
   * @param flops conv and dense floating-point operations of one inference (2 per multiply-add)
   * @param bytes size of its weights (4 bytes per float parameter)
   */
  public record Variant(String name, double pruneRatio, Path model, double accuracy, double flops, long bytes) {}

  private final String name;
  private final Path data;
  private final List<Variant> variants;

  private VariantGroup(String name, Path data, List<Variant> variants) {
    this.name = name;
    this.data = data;
    this.variants = variants;
  }

  public String name() {
    return name;
  }

  public List<Variant> variants() {
    return variants;
  }

  /** The group's evaluation data (its test split). */
  public Dataset testData() {
    return split(data).test();
  }

  private static DataSplit split(Path data) {
    return DataSplit.load(data, null, DataSplit.Protocol.A, 0);
  }

  /** Reads the group file (or DIR/group.json) and builds its variants into the cache, unless already there. */
  public static VariantGroup load(Path groupFile, Path cacheRoot, Consumer<String> log) throws IOException {
    Path file = Files.isDirectory(groupFile) ? groupFile.resolve("group.json") : groupFile;
    if (!Files.isRegularFile(file)) {
      throw EdgewiseException.invalidArgument("model group " + file + ": no such file");
    }
    JsonNode root = new ObjectMapper().readTree(file.toFile());
    String name = text(root, "name", file);
    Path base = Path.of(text(root, "base", file));
    if (Files.isDirectory(base)) {
      base = base.resolve("model.onnx");
    }
    Path data = Path.of(text(root, "data", file));
    if (!Files.isRegularFile(base) || !Files.isDirectory(data)) {
      throw EdgewiseException.invalidArgument("model group " + file + ": base model " + base + " or data " + data
          + " not found (paths are relative to the working directory)");
    }
    int epochs = root.path("fine_tune").path("epochs").asInt(8);
    String device = root.path("fine_tune").path("device").asText("cpu");
    List<String> names = new ArrayList<>();
    List<Double> ratios = new ArrayList<>();
    for (JsonNode v : root.path("variants")) {
      names.add(text(v, "name", file));
      double ratio = v.path("prune_ratio").asDouble(-1);
      if (!(ratio >= 0 && ratio < 1) || (!ratios.isEmpty() && ratio <= ratios.get(ratios.size() - 1))) {
        throw EdgewiseException.invalidArgument("model group " + file + ": variant " + names.get(names.size() - 1)
            + " needs a prune_ratio in [0, 1), increasing down the list; got " + v.path("prune_ratio"));
      }
      ratios.add(ratio);
    }
    if (names.isEmpty()) {
      throw EdgewiseException.invalidArgument("model group " + file + ": no variants");
    }
    Path cache = cacheRoot.resolve(name + "-" + hash(Files.readAllBytes(file), Files.readAllBytes(base)));
    Files.createDirectories(cache);
    List<Variant> out = build(name, base, data, names, ratios, epochs, device, cache, log);
    return new VariantGroup(name, data, out);
  }

  private static List<Variant> build(String group, Path base, Path data, List<String> names, List<Double> ratios,
      int epochs, String device, Path cache, Consumer<String> log) throws IOException {
    Path profile = cache.resolve("accuracy.json");
    ObjectMapper json = new ObjectMapper();
    boolean cached = Files.isRegularFile(profile) && names.stream()
        .allMatch(n -> Files.isRegularFile(cache.resolve(n + ".onnx")));
    double[] accuracy = new double[names.size()];
    if (cached) {
      JsonNode p = json.readTree(profile.toFile());
      for (int i = 0; i < names.size(); i++) {
        accuracy[i] = p.path(names.get(i)).asDouble(-1);
      }
      cached = Arrays.stream(accuracy).allMatch(a -> a >= 0);
    }
    if (!cached) {
      log.accept("building group " + group + " into " + cache + " (pruning + " + epochs + " epochs of fine-tuning per"
          + " variant, once)");
      DataSplit split = split(data);
      try (Model m = OnnxImporter.load(base)) {
        ChannelRanking ranking = ChannelRanking.of(m);
        PruneResult previous = null;
        try {
          for (int i = 0; i < names.size(); i++) {
            Path target = cache.resolve(names.get(i) + ".onnx");
            if (ratios.get(i) == 0) {
              Files.copy(base, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
              accuracy[i] = PruneFineTuner.accuracy(m, split.test(), device);
            } else {
              PruneResult r = ChannelPruner.prune(m, ranking, ratios.get(i));
              if (r.isSkipped()) {
                r.close();
                throw EdgewiseException.invalidArgument("model group " + group + ": " + base
                    + " cannot be channel-pruned: " + r.skippedReason());
              }
              accuracy[i] = PruneFineTuner.fineTune(r, previous, split, PruneFineTuner.recipe(device, epochs))
                  .testAccuracy();
              OnnxExporter.save(r.model(), target);
              if (previous != null) {
                previous.close();
              }
              previous = r;
            }
            log.accept("  " + names.get(i) + ": test accuracy " + accuracy[i]);
          }
        } finally {
          if (previous != null) {
            previous.close();
          }
        }
      }
      Map<String, Double> acc = new java.util.LinkedHashMap<>();
      for (int i = 0; i < names.size(); i++) {
        acc.put(names.get(i), accuracy[i]);
      }
      json.writerWithDefaultPrettyPrinter().writeValue(profile.toFile(), acc);
    }
    List<Variant> out = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      Path model = cache.resolve(names.get(i) + ".onnx");
      try (Model m = OnnxImporter.load(model)) {
        out.add(new Variant(names.get(i), ratios.get(i), model, accuracy[i], flops(m),
            weightBytes(m.graph())));
      }
    }
    return out;
  }

  /** Bytes of the model's initializers (its weights). */
  static long weightBytes(Graph g) {
    long b = 0;
    for (Tensor t : g.initializers().values()) {
      b += t.size() * t.dtype().byteSize();
    }
    return b;
  }

  /** Conv FLOPs from inferred shapes plus 2 per weight of each Gemm/MatMul with a constant weight. */
  static double flops(Model m) {
    double f = ConvFlops.of(m).values().stream().mapToLong(Long::longValue).sum();
    Graph g = m.graph();
    for (Node n : g.nodes()) {
      if ((n.opType().equals("Gemm") || n.opType().equals("MatMul")) && g.initializers().get(n.input(1)) != null) {
        f += 2.0 * g.initializers().get(n.input(1)).size();
      }
    }
    return f;
  }

  /**
   * The median latency (ms) of one inference of each variant on {@code device}, batch 1, over {@code runs} timed runs
   * after {@code warmup}, on the first test sample; variants are timed round-robin so that load on a shared machine
   * falls on all of them alike.
   */
  public double[] measureLatency(String device, int warmup, int runs) {
    Dataset test = testData();
    double[][] times = new double[variants.size()][runs];
    List<Session> sessions = new ArrayList<>();
    try {
      for (Variant v : variants) {
        sessions.add(Session.open(v.model(), SessionOptions.defaults().withDevice(device)));
      }
      for (int r = -warmup; r < runs; r++) {
        for (int i = 0; i < sessions.size(); i++) {
          Session s = sessions.get(i);
          String input = s.inputs().get(0).name();
          Shape shape = s.inputs().get(0).concreteShape();
          int[] sample = Arrays.stream(shape.dims()).skip(1).mapToInt(d -> (int) d).toArray();
          try (TensorScope scope = TensorScope.open()) {
            Tensor x = Tensor.ofFloats(shape, test.batch(new int[] {Math.floorMod(r, test.size())}, sample).data());
            long t0 = System.nanoTime();
            s.run(Map.of(input, x));
            long t1 = System.nanoTime();
            if (r >= 0) {
              times[i][r] = (t1 - t0) / 1e6;
            }
          }
        }
      }
    } finally {
      sessions.forEach(Session::close);
    }
    double[] median = new double[variants.size()];
    for (int i = 0; i < median.length; i++) {
      Arrays.sort(times[i]);
      median[i] = times[i][runs / 2];
    }
    return median;
  }

  /** One variant's answers and times on every test sample. */
  public record Answers(boolean[] correct, double[] latencyMs) {}

  /**
   * Runs every variant on every test sample (batch 1) on {@code device}: whether its top-1 answer is right and how
   * long the run took (ms). Variants take turns per sample, so that load on a shared machine falls on all alike.
   */
  public List<Answers> answerAll(String device, int warmup) {
    Dataset test = testData();
    int n = test.size();
    boolean[][] correct = new boolean[variants.size()][n];
    double[][] times = new double[variants.size()][n];
    List<Session> sessions = new ArrayList<>();
    try {
      for (Variant v : variants) {
        sessions.add(Session.open(v.model(), SessionOptions.defaults().withDevice(device)));
      }
      for (int k = -warmup; k < n; k++) {
        int sampleIndex = Math.floorMod(k, n);
        for (int i = 0; i < sessions.size(); i++) {
          Session s = sessions.get(i);
          String input = s.inputs().get(0).name();
          Shape shape = s.inputs().get(0).concreteShape();
          int[] sample = Arrays.stream(shape.dims()).skip(1).mapToInt(d -> (int) d).toArray();
          try (TensorScope scope = TensorScope.open()) {
            Tensor x = Tensor.ofFloats(shape, test.batch(new int[] {sampleIndex}, sample).data());
            long t0 = System.nanoTime();
            Map<String, Tensor> out = s.run(Map.of(input, x));
            long t1 = System.nanoTime();
            float[] logits = out.get(s.outputs().get(0).name()).toFloatArray();
            int best = 0;
            for (int c = 1; c < logits.length; c++) {
              if (logits[c] > logits[best]) {
                best = c;
              }
            }
            if (k >= 0) {
              times[i][k] = (t1 - t0) / 1e6;
              correct[i][k] = best == test.labels()[sampleIndex];
            }
          }
        }
      }
    } finally {
      sessions.forEach(Session::close);
    }
    List<Answers> out = new ArrayList<>();
    for (int i = 0; i < variants.size(); i++) {
      out.add(new Answers(correct[i], times[i]));
    }
    return out;
  }

  /** A group file's required text field; a missing or blank one is an error naming the file. */
  public static String text(JsonNode n, String field, Path file) {
    JsonNode v = n.get(field);
    if (v == null || !v.isTextual() || v.asText().isBlank()) {
      throw EdgewiseException.invalidArgument("model group " + file + ": missing text field \"" + field + "\"");
    }
    return v.asText();
  }

  /** The cache key of a group's built variants: a hash of the group file's and the base model's bytes. */
  public static String hash(byte[] group, byte[] base) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(group);
      md.update(base);
      return HexFormat.of().formatHex(md.digest()).substring(0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  @Override
  public String toString() {
    return name + " " + variants.stream().map(Variant::name).toList();
  }
}
