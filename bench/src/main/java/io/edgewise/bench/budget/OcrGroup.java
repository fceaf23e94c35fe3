package io.edgewise.bench.budget;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgewise.EdgewiseException;
import io.edgewise.apps.ocr.GroundTruth;
import io.edgewise.apps.ocr.OcrPipeline;
import io.edgewise.apps.ocr.PageRenderer;
import io.edgewise.bench.select.VariantGroup;
import io.edgewise.model.Model;
import io.edgewise.model.onnx.OnnxImporter;
import io.edgewise.runtime.Session;
import io.edgewise.runtime.SessionOptions;
import io.edgewise.tensor.Tensor;
import io.edgewise.zoo.Transform;
import io.edgewise.zoo.quant.Calibrator;
import io.edgewise.zoo.quant.Fp16Converter;
import io.edgewise.zoo.quant.QdqQuantizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A model group of an OCR stage: the recogniser ({@code "metric": "ocr-cer"} in group.json) or the orientation
 * classifier ({@code "metric": "ocr-cls"}). Its variants are made by the zoo's transforms from the base model in
 * ../shared ("float": the base as it is, "fp16": {@link Fp16Converter}, "int8":
 * per-channel QDQ by {@link QdqQuantizer}, min-max calibrated on the lines of rendered calibration pages), built once
 * into a cache directory keyed by the group file's and the base model's hash, never into the repository. The
 * evaluation data are the text lines of rendered pages ({@link OcrLineSamples}); each variant's accuracy on the
 * group's device (the recogniser's 1 - CER per line; the classifier's orientation accuracy over each line upright and
 * turned 180 degrees) is measured when it is built and cached with it. group.json (examples/groups/ocr-cls is the
 * classifier's):
 *
 * <pre>{@code
 * {"name": "ocr-rec", "metric": "ocr-cer", "base": "../shared/testdata/ocr/ch_PP-OCRv4_rec_infer.onnx",
 *  "models": "../shared/testdata/ocr", "device": "cpu",
 *  "evaluation": {"pages": 2, "seed": 1, "lines": 24}, "calibration": {"pages": 1, "seed": 11, "lines": 8},
 *  "variants": [{"name": "float", "transform": "float"}, {"name": "fp16", "transform": "fp16"},
 *               {"name": "int8", "transform": "int8"}]}
 * }</pre>
 */
public final class OcrGroup {
  private final String name;
  private final List<BudgetLoopback.Variant> variants;
  private final OcrLineSamples samples;
  private final String device;

  private OcrGroup(String name, List<BudgetLoopback.Variant> variants, OcrLineSamples samples, String device) {
    this.name = name;
    this.variants = variants;
    this.samples = samples;
    this.device = device;
  }

  /** The device its accuracies were measured on (group.json's "device", cpu by default). */
  public String device() {
    return device;
  }

  public String name() {
    return name;
  }

  public List<BudgetLoopback.Variant> variants() {
    return variants;
  }

  /** The evaluation lines. */
  public OcrLineSamples samples() {
    return samples;
  }

  /** Whether a group file is an OCR group (its "metric" is "ocr-cer", the recogniser's, or "ocr-cls"). */
  public static boolean isOcr(Path groupFile) throws IOException {
    Path file = Files.isDirectory(groupFile) ? groupFile.resolve("group.json") : groupFile;
    String metric = Files.isRegularFile(file) ? new ObjectMapper().readTree(file.toFile()).path("metric").asText("")
        : "";
    return metric.equals("ocr-cer") || metric.equals(CLASSIFIER_METRIC);
  }

  /** The orientation classifier's metric: the share of lines whose orientation it reads right. */
  static final String CLASSIFIER_METRIC = "ocr-cls";

  /** Reads the group file (or DIR/group.json) and builds its variants into the cache, unless already there. */
  public static OcrGroup load(Path groupFile, Path cacheRoot, Consumer<String> log) throws IOException {
    Path file = Files.isDirectory(groupFile) ? groupFile.resolve("group.json") : groupFile;
    JsonNode root = new ObjectMapper().readTree(file.toFile());
    String name = VariantGroup.text(root, "name", file);
    Path base = Path.of(VariantGroup.text(root, "base", file));
    Path models = Path.of(VariantGroup.text(root, "models", file));
    boolean classifier = root.path("metric").asText("").equals(CLASSIFIER_METRIC);
    if (!Files.isRegularFile(base)
        || !classifier && !Files.isRegularFile(models.resolve(OcrPipeline.DICTIONARY))) {
      throw EdgewiseException.invalidArgument("model group " + file + ": base model " + base + " or "
          + models.resolve(OcrPipeline.DICTIONARY) + " not found (paths are relative to the working directory)");
    }
    String device = root.path("device").asText("cpu");
    Path cache = cacheRoot.resolve(name + "-" + VariantGroup.hash(Files.readAllBytes(file),
        Files.readAllBytes(base)));
    Files.createDirectories(cache);
    Path evalPages = pages(cache.resolve("pages-eval"), root.path("evaluation"), 2, 1);
    Path calPages = pages(cache.resolve("pages-cal"), root.path("calibration"), 1, 11);
    String input;
    try (Model m = OnnxImporter.load(base)) {
      input = m.graph().inputs().stream().filter(v -> !m.graph().isInitializer(v.name())).findFirst()
          .orElseThrow(() -> EdgewiseException.invalidModel(base + " has no input")).name();
    }
    Path dictionary = models.resolve(OcrPipeline.DICTIONARY);
    OcrLineSamples eval = samples(classifier, evalPages, dictionary, input, root.path("evaluation").path("lines")
        .asInt(24));
    if (eval.size() == 0) {
      throw EdgewiseException.invalidArgument("model group " + file + ": the evaluation pages hold no text line");
    }
    Path profile = cache.resolve("accuracy.json");
    ObjectMapper json = new ObjectMapper();
    Map<String, Double> accuracy = new LinkedHashMap<>();
    if (Files.isRegularFile(profile)) {
      json.readTree(profile.toFile()).fields().forEachRemaining(e -> accuracy.put(e.getKey(), e.getValue()
          .asDouble()));
    }
    List<BudgetLoopback.Variant> out = new ArrayList<>();
    for (JsonNode v : root.path("variants")) {
      String vname = VariantGroup.text(v, "name", file);
      String transform = VariantGroup.text(v, "transform", file);
      Path model = cache.resolve(vname + ".onnx");
      if (!Files.isRegularFile(model) || !accuracy.containsKey(vname)) {
        log.accept("building " + name + " variant " + vname + " (" + transform + ") into " + cache + " (once)");
        build(file, base, transform, model, samples(classifier, calPages, dictionary, input,
            root.path("calibration").path("lines").asInt(8)), device);
        accuracy.put(vname, measure(model, eval, device));
        log.accept("  " + vname + ": " + (classifier ? "orientation accuracy " : "1 - CER ") + accuracy.get(vname)
            + " on " + eval.size() + (classifier ? " line crops" : " lines"));
        json.writerWithDefaultPrettyPrinter().writeValue(profile.toFile(), accuracy);
      }
      out.add(new BudgetLoopback.Variant(vname, model, accuracy.get(vname)));
    }
    if (out.isEmpty()) {
      throw EdgewiseException.invalidArgument("model group " + file + ": no variants");
    }
    return new OcrGroup(name, out, eval, device);
  }

  /** The stage's samples of the first {@code lines} lines of the pages. */
  private static OcrLineSamples samples(boolean classifier, Path pages, Path dictionary, String input, int lines) {
    return classifier ? OcrLineSamples.orientation(pages, input, lines)
        : new OcrLineSamples(pages, dictionary, input, lines);
  }

  private static void build(Path file, Path base, String transform, Path out, OcrLineSamples cal, String device) {
    switch (transform) {
      case "float" -> {
        try {
          Files.copy(base, out, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
          throw new EdgewiseException(EdgewiseException.ErrorCode.IO, "cannot copy " + base + " to " + out, e);
        }
      }
      case "fp16" -> {
        String why = Fp16Converter.convert(base, out).skipReason();
        if (why != null) {
          throw EdgewiseException.invalidArgument("model group " + file + ": fp16 of " + base + " skipped: " + why);
        }
      }
      case "int8" -> {
        QdqQuantizer.Plan plan = QdqQuantizer.plan(base);
        if (plan.skipReason() != null) {
          throw EdgewiseException.invalidArgument("model group " + file + ": int8 of " + base + " skipped: "
              + plan.skipReason());
        }
        List<Map<String, Tensor>> inputs = new ArrayList<>();
        for (int i = 0; i < cal.size(); i++) {
          inputs.add(cal.input(i));
        }
        try {
          String why = QdqQuantizer.quantize(base, Calibrator.run(base, plan.activations(), inputs, device, 1),
              new Transform.Quantize("minmax", 99.99, false), out).skipReason();
          if (why != null) {
            throw EdgewiseException.invalidArgument("model group " + file + ": int8 of " + base + " skipped: " + why);
          }
        } finally {
          inputs.forEach(in -> in.values().forEach(Tensor::close));
        }
      }
      default -> throw EdgewiseException.invalidArgument("model group " + file + ": transform must be float, fp16 or "
          + "int8, got " + transform);
    }
  }

  /** The variant's mean score over the evaluation samples (1 - CER, or orientation right). */
  private static double measure(Path model, OcrLineSamples eval, String device) {
    double sum = 0;
    try (Session s = Session.open(model, SessionOptions.defaults().withDevice(device))) {
      for (int i = 0; i < eval.size(); i++) {
        Map<String, Tensor> x = eval.input(i);
        try {
          Map<String, Tensor> y = s.run(x);
          try {
            sum += eval.score(i, y);
          } finally {
            y.values().forEach(Tensor::close);
          }
        } finally {
          x.values().forEach(Tensor::close);
        }
      }
    }
    return sum / eval.size();
  }

  /** The pages directory, rendered (PageRenderer's defaults) when it holds no truth.json yet. */
  private static Path pages(Path dir, JsonNode section, int defaultCount, int defaultSeed) {
    if (!Files.isRegularFile(dir.resolve(GroundTruth.FILE))) {
      GroundTruth.render(dir, section.path("pages").asInt(defaultCount), section.path("seed").asInt(defaultSeed),
          PageRenderer.Options.defaults());
    }
    return dir;
  }
}
