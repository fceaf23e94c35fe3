package io.edgewise.apps.zoo;

import io.edgewise.EdgewiseException;
import io.edgewise.EdgewiseException.ErrorCode;
import io.edgewise.apps.ocr.BgrImage;
import io.edgewise.apps.ocr.DetPreprocess;
import io.edgewise.apps.ocr.GroundTruth;
import io.edgewise.apps.ocr.ImageDecoder;
import io.edgewise.apps.ocr.LinePreprocess;
import io.edgewise.apps.ocr.OcrEvaluator;
import io.edgewise.apps.ocr.OcrOptions;
import io.edgewise.apps.ocr.OcrPipeline;
import io.edgewise.apps.ocr.PageRenderer;
import io.edgewise.files.FileTrees;
import io.edgewise.model.Model;
import io.edgewise.model.onnx.OnnxImporter;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import io.edgewise.zoo.ConfigNode;
import io.edgewise.zoo.eval.EvalContext;
import io.edgewise.zoo.eval.Evaluation;
import io.edgewise.zoo.eval.Evaluator;
import io.edgewise.zoo.eval.EvaluatorProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code ocr-cer}: a variant of one of the three OCR models (its role read from the base file's name: detector,
 * classifier or recogniser) measured by the character error rate of the whole pipeline ({@link OcrEvaluator}) on
 * rendered pages, the two other models and the dictionary taken from {@code models}. Accuracy is 1 - CER. Calibration
 * inputs are what the pipeline feeds that model: the page for the detector, each truth line's crop for the others.
 * Config: {@code data: {metric: ocr-cer, models: DIR, evaluation: {pages: DIR, count: N, seed: S},
 * calibration: {pages: DIR, count: N, seed: S}}}; a pages directory without truth.json is rendered first.
 */
public final class OcrCerProvider implements EvaluatorProvider {
  @Override
  public String metric() {
    return "ocr-cer";
  }

  @Override
  public Evaluator open(EvalContext context) {
    ConfigNode data = context.data();
    data.onlyFields("metric", "models", "calibration", "evaluation");
    Path models = data.required("models").pathValue();
    try {
      OcrPipeline.checkModels(models);
    } catch (EdgewiseException e) {
      throw data.get("models").error(e.getMessage());
    }
    String file = context.baseModel().getFileName().toString();
    String role = file.contains("_det") ? OcrPipeline.DETECTOR : file.contains("_cls") ? OcrPipeline.CLASSIFIER
        : file.contains("_rec") ? OcrPipeline.RECOGNIZER : null;
    if (role == null) {
      throw data.get("metric").error("ocr-cer needs the base model to be the detector, classifier or recogniser "
          + "(a file name with _det, _cls or _rec), got " + file);
    }
    Path evalPages = pages(data.required("evaluation"));
    Path calPages = data.get("calibration").isMissing() ? evalPages : pages(data.get("calibration"));
    String input;
    try (Model m = OnnxImporter.load(context.baseModel())) {
      input = m.graph().inputs().stream().filter(v -> !m.graph().isInitializer(v.name())).findFirst()
          .orElseThrow(() -> EdgewiseException.invalidModel(context.baseModel() + " has no input")).name();
    }
    return new Cer(models, role, input, evalPages, calPages);
  }

  /** The pages directory of a data section, rendered when it holds no truth.json yet. */
  private static Path pages(ConfigNode section) {
    section.onlyFields("pages", "count", "seed");
    Path dir = section.required("pages").pathValue();
    if (!Files.isRegularFile(dir.resolve(GroundTruth.FILE))) {
      int count = section.integer("count", 2, 1, 1000);
      int seed = section.integer("seed", 1, 0, Integer.MAX_VALUE);
      GroundTruth.render(dir, count, seed, PageRenderer.Options.defaults());
    }
    return dir;
  }

  private record Cer(Path models, String role, String input, Path evalPages, Path calPages) implements Evaluator {
    /** The model inputs the pipeline would feed this role on the pages of {@code dir}. */
    private List<Map<String, Tensor>> inputs(Path dir, int max) {
      List<Map<String, Tensor>> out = new ArrayList<>();
      double margin = OcrOptions.defaults().cropMargin();
      for (GroundTruth.PageTruth p : GroundTruth.read(dir)) {
        BgrImage page = ImageDecoder.read(dir.resolve(p.image()));
        if (role.equals(OcrPipeline.DETECTOR)) {
          DetPreprocess.Input in = DetPreprocess.run(page, OcrOptions.defaults().detLimitSide());
          out.add(Map.of(input, Tensor.ofFloats(Shape.of(1, 3, in.height(), in.width()), in.chw())));
        } else {
          for (PageRenderer.TruthLine line : p.lines()) {
            BgrImage crop = OcrPipeline.cropLine(page, line.quad(), margin);
            if (line.flipped()) {
              crop = crop.rotate180();
            }
            List<BgrImage> one = List.of(crop);
            int h = LinePreprocess.REC_HEIGHT;
            int w = role.equals(OcrPipeline.CLASSIFIER) ? LinePreprocess.CLS_WIDTH : LinePreprocess.recWidth(one);
            out.add(Map.of(input, Tensor.ofFloats(Shape.of(1, 3, h, w), LinePreprocess.batch(one, h, w))));
            if (out.size() >= max) {
              return out;
            }
          }
        }
        if (out.size() >= max) {
          break;
        }
      }
      return out;
    }

    @Override
    public List<Map<String, Tensor>> calibrationInputs(int max) {
      return inputs(calPages, max);
    }

    @Override
    public Map<String, Tensor> profileInput() {
      List<Map<String, Tensor>> in = inputs(evalPages, 1);
      if (in.isEmpty()) {
        throw EdgewiseException.invalidArgument(evalPages + ": no page or line to profile with");
      }
      return in.get(0);
    }

    @Override
    public Evaluation evaluate(Path model, String device, int threads) {
      Path dir;
      try {
        dir = Files.createTempDirectory("edgewise-zoo-ocr");
      } catch (IOException e) {
        throw new EdgewiseException(ErrorCode.IO, "cannot create a temporary directory: " + e.getMessage(), e);
      }
      try {
        for (String name : List.of(OcrPipeline.DETECTOR, OcrPipeline.CLASSIFIER, OcrPipeline.RECOGNIZER,
            OcrPipeline.DICTIONARY)) {
          Path from = name.equals(role) ? model : models.resolve(name);
          Files.createSymbolicLink(dir.resolve(name), from.toAbsolutePath());
        }
        try (OcrPipeline ocr = OcrPipeline.open(dir, OcrOptions.defaults().withDevice(device).withThreads(threads))) {
          OcrEvaluator.Report r = OcrEvaluator.evaluate(evalPages, ocr);
          return new Evaluation("ocr-cer", Math.max(0, 1 - r.cer()), r.cer(), r.pages());
        }
      } catch (IOException e) {
        throw new EdgewiseException(ErrorCode.IO, "cannot link the OCR models into " + dir + ": " + e.getMessage(), e);
      } finally {
        FileTrees.deleteQuietly(dir);  // the links only: the models they point to stay
      }
    }
  }
}
