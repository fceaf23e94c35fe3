package io.edgewise.backend.opencl;

import io.edgewise.EdgewiseException;
import io.edgewise.TestData;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

/**
 * The multi-model soak: a sequence of different real models in one process, repeated, each opened in a new session
 * on the device under test and run twice, every output compared with the same model on {@code ref}. It is what found
 * issue 18's failures (buffers freed under pending kernels: wrong values that depended on what ran before, and
 * SIGSEGVs inside PoCL kernels), so it counts wrong answers and errors per repetition instead of stopping at the
 * first. A crash of the JVM fails the test run itself.
 *
 * <p>Size: {@code -Dedgewise.soak.repetitions} (default 2, the CI size); {@code -Dedgewise.soak.resnet=true} adds
 * ResNet-18 (slow on PoCL). {@code scripts/soak.sh} runs the nightly size: 10 repetitions with ResNet-18.
 */
public final class ModelSoak {
  /** One model and the input shape it runs at. */
  public record Case(String name, Path model, String input, Shape shape) {}

  /** What a soak found: per model, the runs, wrong answers (beyond tolerance) and errors, and the worst difference. */
  public record Result(int repetitions, int runs, int wrong, int errors, List<String> failures, String table,
      double seconds) {}

  private ModelSoak() {}

  public static int repetitions() {
    return Integer.getInteger("edgewise.soak.repetitions", 2);
  }

  /**
   * The models: the three PaddleOCR models at small shapes (the detector at 1x3x96x96), the two digits CNNs,
   * SqueezeNet 1.1 and MobileNetV2; ResNet-18 when asked for.
   */
  public static List<Case> cases() {
    Path ocr = TestData.root().resolve("ocr");
    List<Case> c = new ArrayList<>();
    c.add(new Case("ocr_det", ocr.resolve("ch_PP-OCRv4_det_infer.onnx"), "x", Shape.of(1, 3, 96, 96)));
    c.add(new Case("ocr_rec", ocr.resolve("ch_PP-OCRv4_rec_infer.onnx"), "x", Shape.of(1, 3, 48, 160)));
    c.add(new Case("ocr_cls", ocr.resolve("ch_ppocr_mobile_v2.0_cls_infer.onnx"), "x", Shape.of(1, 3, 48, 192)));
    c.add(modelDir("digits_cnn_0to4"));
    c.add(modelDir("digits_cnn_0to9"));
    c.add(modelDir("squeezenet1_1"));
    c.add(modelDir("mobilenet_v2"));
    if (Boolean.getBoolean("edgewise.soak.resnet")) {
      c.add(modelDir("resnet18"));
    }
    return c;
  }

  private static Case modelDir(String name) {
    Path file = TestData.model(name).resolve("model.onnx");
    try (Session s = Session.open(file, SessionOptions.defaults().withDevice("ref"))) {
      var in = s.inputs().get(0);
      long[] dims = in.dims().stream().mapToLong(d -> d.value() > 0 ? d.value() : 1).toArray();
      return new Case(name, file, in.name(), Shape.of(dims));
    }
  }

  /** A fixed pseudo-random input in [0, 1) (image-like) per model. */
  private static Tensor input(Case c) {
    Random rng = new Random(c.name().hashCode());
    float[] v = new float[(int) c.shape().numElements()];
    for (int i = 0; i < v.length; i++) {
      v[i] = rng.nextFloat();
    }
    return Tensor.ofFloats(c.shape(), v);
  }

  private static Map<String, float[]> run(Session s, Tensor x, String input) {
    Map<String, float[]> out = new LinkedHashMap<>();
    Map<String, Tensor> r = s.run(Map.of(input, x));
    try {
      r.forEach((k, t) -> out.put(k, t.toFloatArray()));
    } finally {
      r.values().forEach(Tensor::close);
    }
    return out;
  }

  /**
   * Runs the soak on {@code device}; {@code log} gets a line per repetition. Tolerance per output: |d - r| <= 1e-4
   * * max|r| + 1e-5 (the shared models' tolerance.json rule), 1e-3 * max|r| + 1e-5 for the OCR models (deep stacks of
   * hard-swish and sigmoid, where float32 summation order alone moves the last bits further).
   */
  public static Result soak(String device, List<Case> cases, int repetitions, Consumer<String> log) {
    long start = System.nanoTime();
    Map<String, Map<String, float[]>> expected = new LinkedHashMap<>();
    Map<String, Tensor> inputs = new LinkedHashMap<>();
    int runs = 0;
    int wrong = 0;
    int errors = 0;
    List<String> failures = new ArrayList<>();
    Map<String, double[]> worst = new LinkedHashMap<>();  // per model: max |d - r| / max|r|, runs
    try {
      for (Case c : cases) {
        Tensor x = input(c);
        inputs.put(c.name(), x);
        try (Session ref = Session.open(c.model(), SessionOptions.defaults().withDevice("ref"))) {
          expected.put(c.name(), run(ref, x, c.input()));
        }
        worst.put(c.name(), new double[2]);
      }
      for (int rep = 0; rep < repetitions; rep++) {
        int repWrong = 0;
        int repErrors = 0;
        for (Case c : cases) {
          try (Session s = Session.open(c.model(), SessionOptions.defaults().withDevice(device))) {
            for (int k = 0; k < 2; k++) {
              Map<String, float[]> got = run(s, inputs.get(c.name()), c.input());
              runs++;
              worst.get(c.name())[1]++;
              String why = compare(c, expected.get(c.name()), got, worst.get(c.name()));
              if (why != null) {
                wrong++;
                repWrong++;
                failures.add("repetition " + (rep + 1) + ", " + c.name() + " run " + (k + 1) + ": " + why);
              }
            }
          } catch (EdgewiseException e) {
            errors++;
            repErrors++;
            failures.add("repetition " + (rep + 1) + ", " + c.name() + ": " + e.getMessage());
          }
        }
        log.accept(device + " soak repetition " + (rep + 1) + "/" + repetitions + ": " + cases.size() + " models, "
            + repWrong + " wrong, " + repErrors + " errors, " + String.format("%.0f s", (System.nanoTime() - start)
            / 1e9));
      }
    } finally {
      inputs.values().forEach(Tensor::close);
    }
    StringBuilder table = new StringBuilder();
    worst.forEach((name, w) -> table.append(String.format("%-16s runs %4d  max |d - r| / max|r| %.2e%n", name,
        (long) w[1], w[0])));
    return new Result(repetitions, runs, wrong, errors, failures, table.toString(), (System.nanoTime() - start) / 1e9);
  }

  private static String compare(Case c, Map<String, float[]> want, Map<String, float[]> got, double[] worst) {
    if (!want.keySet().equals(got.keySet())) {
      return "outputs " + got.keySet() + ", expected " + want.keySet();
    }
    double rel = c.name().startsWith("ocr_") ? 1e-3 : 1e-4;
    for (var e : want.entrySet()) {
      float[] r = e.getValue();
      float[] d = got.get(e.getKey());
      if (r.length != d.length) {
        return e.getKey() + " has " + d.length + " values, expected " + r.length;
      }
      double max = 0;
      for (float v : r) {
        max = Math.max(max, Math.abs(v));
      }
      double tol = rel * max + 1e-5;
      int bad = 0;
      int first = -1;
      double maxDiff = 0;
      for (int i = 0; i < r.length; i++) {
        double diff = Math.abs((double) d[i] - r[i]);
        if (!(diff <= tol)) {  // NaN counts as wrong
          if (bad++ == 0) {
            first = i;
          }
        }
        if (!Double.isNaN(diff)) {
          maxDiff = Math.max(maxDiff, diff);
        }
      }
      worst[0] = Math.max(worst[0], max > 0 ? maxDiff / max : maxDiff);
      if (bad > 0) {
        return e.getKey() + ": " + bad + " of " + r.length + " values beyond " + String.format("%.2e", tol)
            + " (first at " + first + ": " + d[first] + " vs " + r[first] + ")";
      }
    }
    return null;
  }

  /** Writes the result to {@code file} (the soak's report beside the test's output). */
  public static void report(Path file, String device, Result r) {
    StringBuilder b = new StringBuilder();
    b.append(device).append(" soak: ").append(r.repetitions()).append(" repetitions, ").append(r.runs())
        .append(" runs, ").append(r.wrong()).append(" wrong answers, ").append(r.errors()).append(" errors, ")
        .append(String.format("%.0f s%n", r.seconds())).append(r.table());
    r.failures().forEach(f -> b.append(f).append('\n'));
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, b.toString());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
