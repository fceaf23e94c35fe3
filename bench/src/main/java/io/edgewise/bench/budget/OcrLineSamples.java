package io.edgewise.bench.budget;

import io.edgewise.apps.ocr.BgrImage;
import io.edgewise.apps.ocr.CtcDecoder;
import io.edgewise.apps.ocr.GroundTruth;
import io.edgewise.apps.ocr.ImageDecoder;
import io.edgewise.apps.ocr.LinePreprocess;
import io.edgewise.apps.ocr.OcrEvaluator;
import io.edgewise.apps.ocr.OcrOptions;
import io.edgewise.apps.ocr.OcrPipeline;
import io.edgewise.apps.ocr.PageRenderer;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The text lines of rendered pages ({@link GroundTruth}) as the OCR recogniser's inputs, each cropped from its page at
 * its true quad as the pipeline crops a detected one (upright, at height 48 and its own width, at least 320), scored
 * 1 - CER (edit distance over the true text's length, floored at 0) of the CTC-decoded answer. The recogniser alone
 * is measured: no detector or classifier error enters.
 */
public final class OcrLineSamples implements EvalSamples {
  private record Line(float[] chw, int width, String text) {}

  private final String inputName;
  private final CtcDecoder decoder;
  private final List<Line> lines = new ArrayList<>();

  /**
   * @param pages a directory with truth.json ({@code edgewise ocr render})
   * @param dictionary the recogniser's character list
   * @param max the most lines taken, in page and reading order
   */
  public OcrLineSamples(Path pages, Path dictionary, String inputName, int max) {
    this.inputName = inputName;
    this.decoder = CtcDecoder.load(dictionary);
    double margin = OcrOptions.defaults().cropMargin();
    for (GroundTruth.PageTruth p : GroundTruth.read(pages)) {
      BgrImage page = ImageDecoder.read(pages.resolve(p.image()));
      for (PageRenderer.TruthLine l : p.lines()) {
        if (lines.size() >= max) {
          return;
        }
        BgrImage crop = OcrPipeline.cropLine(page, l.quad(), margin);
        if (l.flipped()) {
          crop = crop.rotate180();
        }
        List<BgrImage> one = List.of(crop);
        int w = LinePreprocess.recWidth(one);
        lines.add(new Line(LinePreprocess.batch(one, LinePreprocess.REC_HEIGHT, w), w, l.text()));
      }
    }
  }

  @Override
  public int size() {
    return lines.size();
  }

  @Override
  public Map<String, Tensor> input(int i) {
    Line l = lines.get(i);
    return Map.of(inputName, Tensor.ofFloats(Shape.of(1, 3, LinePreprocess.REC_HEIGHT, l.width()), l.chw()));
  }

  /** The recogniser's answer for line i, decoded. */
  public String read(Map<String, Tensor> outputs) {
    Tensor probs = outputs.values().iterator().next();
    long[] d = probs.shape().dims();
    return decoder.decode(probs.toFloatArray(), 0, (int) d[1], (int) d[2]).text();
  }

  @Override
  public double score(int i, Map<String, Tensor> outputs) {
    String truth = lines.get(i).text();
    double cer = OcrEvaluator.editDistance(read(outputs), truth) / (double) Math.max(1, truth.length());
    return Math.max(0, 1 - cer);
  }
}
