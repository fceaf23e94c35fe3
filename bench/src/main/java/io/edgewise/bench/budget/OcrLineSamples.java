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
 * The text lines of rendered pages ({@link GroundTruth}) as inputs of one OCR stage, each cropped from its page at its
 * true quad as the pipeline crops a detected one and turned upright. For the recogniser
 * ({@link #OcrLineSamples(Path, Path, String, int)}): one sample per line, at height 48 and its own width (at least
 * 320), scored 1 - CER (edit distance over the true text's length, floored at 0) of the CTC-decoded answer. For the
 * orientation classifier ({@link #orientation}): two samples per line, upright and turned 180 degrees, at the
 * classifier's 48 x 192, scored 1 when the answer's orientation is the sample's by the pipeline's rule (upside down
 * when the "180" class beats "0" and the threshold), else 0. One stage alone is measured: no detector error enters.
 */
public final class OcrLineSamples implements EvalSamples {
  /** One sample: its input (3 x height x width), and the true text (recogniser) or orientation (classifier). */
  private record Line(float[] chw, int height, int width, String text, boolean upsideDown) {}

  private final String inputName;
  private final CtcDecoder decoder;
  private final List<Line> lines = new ArrayList<>();

  /**
   * The recogniser's samples.
   *
   * @param pages a directory with truth.json ({@code edgewise ocr render})
   * @param dictionary the recogniser's character list
   * @param max the most lines taken, in page and reading order
   */
  public OcrLineSamples(Path pages, Path dictionary, String inputName, int max) {
    this(pages, CtcDecoder.load(dictionary), inputName, max);
  }

  private OcrLineSamples(Path pages, CtcDecoder decoder, String inputName, int max) {
    this.inputName = inputName;
    this.decoder = decoder;
    for (Crop c : uprightLines(pages, max)) {
      BgrImage crop = c.image();
      if (decoder != null) {
        List<BgrImage> one = List.of(crop);
        int w = LinePreprocess.recWidth(one);
        lines.add(new Line(LinePreprocess.batch(one, LinePreprocess.REC_HEIGHT, w), LinePreprocess.REC_HEIGHT, w,
            c.text(), false));
      } else {
        for (BgrImage turned : List.of(crop, crop.rotate180())) {
          lines.add(new Line(LinePreprocess.batch(List.of(turned), LinePreprocess.CLS_HEIGHT,
              LinePreprocess.CLS_WIDTH), LinePreprocess.CLS_HEIGHT, LinePreprocess.CLS_WIDTH, null, turned != crop));
        }
      }
    }
  }

  /**
   * The orientation classifier's samples: each of the first {@code max} lines upright, then turned 180 degrees
   * (2 * max samples at most).
   */
  public static OcrLineSamples orientation(Path pages, String inputName, int max) {
    return new OcrLineSamples(pages, (CtcDecoder) null, inputName, max);
  }

  /** A line's crop, upright, and its text. */
  private record Crop(BgrImage image, String text) {}

  /** The first {@code max} lines' crops, upright (a line drawn flipped is turned back). */
  private static List<Crop> uprightLines(Path pages, int max) {
    double margin = OcrOptions.defaults().cropMargin();
    List<Crop> out = new ArrayList<>();
    for (GroundTruth.PageTruth p : GroundTruth.read(pages)) {
      BgrImage page = ImageDecoder.read(pages.resolve(p.image()));
      for (PageRenderer.TruthLine l : p.lines()) {
        if (out.size() >= max) {
          return out;
        }
        BgrImage crop = OcrPipeline.cropLine(page, l.quad(), margin);
        out.add(new Crop(l.flipped() ? crop.rotate180() : crop, l.text()));
      }
    }
    return out;
  }

  @Override
  public int size() {
    return lines.size();
  }

  @Override
  public Map<String, Tensor> input(int i) {
    Line l = lines.get(i);
    return Map.of(inputName, Tensor.ofFloats(Shape.of(1, 3, l.height(), l.width()), l.chw()));
  }

  /** The recogniser's answer for line i, decoded. */
  public String read(Map<String, Tensor> outputs) {
    Tensor probs = outputs.values().iterator().next();
    long[] d = probs.shape().dims();
    return decoder.decode(probs.toFloatArray(), 0, (int) d[1], (int) d[2]).text();
  }

  /** Whether sample i is a classifier's sample (turned 180 degrees or upright) rather than a recogniser's. */
  public boolean orientationTask() {
    return decoder == null;
  }

  @Override
  public double score(int i, Map<String, Tensor> outputs) {
    Line l = lines.get(i);
    if (decoder == null) {
      return upsideDown(outputs) == l.upsideDown() ? 1 : 0;
    }
    String truth = l.text();
    double cer = OcrEvaluator.editDistance(read(outputs), truth) / (double) Math.max(1, truth.length());
    return Math.max(0, 1 - cer);
  }

  /**
   * The classifier's answer as the pipeline reads it ({@link OcrPipeline#upsideDown}): class 1 ("180") above class
   * 0 and above the default threshold.
   */
  static boolean upsideDown(Map<String, Tensor> outputs) {
    float[] p = outputs.values().iterator().next().toFloatArray();
    return p.length >= 2 && p[1] > p[0] && p[1] > OcrOptions.defaults().clsThreshold();
  }
}
