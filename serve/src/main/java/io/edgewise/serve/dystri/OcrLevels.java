package io.edgewise.serve.dystri;

import io.edgewise.EdgewiseException;
import io.edgewise.adapt.dystri.Level;
import io.edgewise.adapt.dystri.LevelLadder;
import io.edgewise.apps.ocr.BgrImage;
import io.edgewise.apps.ocr.DbPostprocess;
import io.edgewise.apps.ocr.OcrEvaluator;
import io.edgewise.apps.ocr.OcrLine;
import io.edgewise.apps.ocr.OcrOptions;
import io.edgewise.apps.ocr.OcrPipeline;
import io.edgewise.apps.ocr.PageRenderer;
import io.edgewise.apps.ocr.Quad;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The OCR pipeline's dynamic-inference levels: the detector's input resolution (longest side 480, 640 or 960) and a
 * cap on the lines recognised (the first K in reading order; the rest of the page is not read). Each level's accuracy
 * is 1 - CER measured on evaluation pages with known text (rendered by {@link PageRenderer}; a line not read counts as
 * deleted), its cost the median time per page, both measured when the levels open; the ladder is ordered by that cost.
 * Input "image": UINT8 [H, W, 3] BGR; output "text": INT32 [n] code points, the lines read joined by newlines. Owns one
 * pipeline per resolution.
 */
public final class OcrLevels implements LevelExecutor {
  /** One setting: the detector's longest side and the most lines recognised (0: all). */
  public record Setting(int side, int maxLines) {
    public Setting {
      if (side < 32 || maxLines < 0) {
        throw EdgewiseException.invalidArgument("OCR level: side >= 32 and maxLines >= 0, got " + side + ", "
            + maxLines);
      }
    }

    public String name() {
      return "det" + side + (maxLines > 0 ? "-lines" + maxLines : "");
    }
  }

  /** The knobs: sides 480, 640, 960, with the line cap at 4 and 8 lines and without. */
  public static final List<Setting> DEFAULT = List.of(new Setting(480, 4), new Setting(480, 8), new Setting(480, 0),
      new Setting(640, 8), new Setting(640, 0), new Setting(960, 0));

  private final Map<Integer, OcrPipeline> pipelines;
  private final List<Setting> settings;
  private final LevelLadder ladder;

  private OcrLevels(Map<Integer, OcrPipeline> pipelines, List<Setting> settings, LevelLadder ladder) {
    this.pipelines = pipelines;
    this.settings = settings;
    this.ladder = ladder;
  }

  /** Opens the pipelines and measures every setting on {@code pages} (at least one). */
  public static OcrLevels open(Path modelsDir, OcrOptions options, List<Setting> settings,
      List<PageRenderer.Page> pages) {
    if (settings.isEmpty() || pages.isEmpty()) {
      throw EdgewiseException.invalidArgument("OCR levels need at least one setting and one evaluation page");
    }
    Map<Integer, OcrPipeline> pipelines = new LinkedHashMap<>();
    try {
      for (Setting s : settings) {
        pipelines.computeIfAbsent(s.side(), side -> OcrPipeline.open(modelsDir, options.withDetLimitSide(side)));
      }
      record Measured(Setting setting, double accuracy, double ms) {}
      List<Measured> measured = new ArrayList<>();
      for (Setting s : settings) {
        OcrPipeline p = pipelines.get(s.side());
        read(p, s, pages.get(0).image());  // warm-up
        long edits = 0;
        long chars = 0;
        double[] ms = new double[pages.size()];
        for (int i = 0; i < pages.size(); i++) {
          long t0 = System.nanoTime();
          List<OcrLine> lines = read(p, s, pages.get(i).image());
          ms[i] = (System.nanoTime() - t0) / 1e6;
          long[] e = errors(pages.get(i).lines(), lines);
          edits += e[0];
          chars += e[1];
        }
        Arrays.sort(ms);
        measured.add(new Measured(s, Math.max(0, 1 - edits / (double) Math.max(1, chars)), ms[ms.length / 2]));
      }
      measured.sort(Comparator.comparingDouble(Measured::ms));
      List<Level> levels = new ArrayList<>();
      List<Setting> ordered = new ArrayList<>();
      for (Measured m : measured) {
        levels.add(new Level(m.setting().name(), m.accuracy(), Math.max(1e-3, m.ms())));
        ordered.add(m.setting());
      }
      return new OcrLevels(pipelines, ordered, new LevelLadder(levels));
    } catch (RuntimeException e) {
      pipelines.values().forEach(OcrPipeline::close);
      throw e;
    }
  }

  /** The lines a setting reads: the detections in reading order, capped, recognised, the pipeline's keep rule. */
  static List<OcrLine> read(OcrPipeline p, Setting s, BgrImage page) {
    List<Quad> quads = p.detect(page).stream().map(DbPostprocess.Detection::quad).toList();
    if (s.maxLines() > 0 && quads.size() > s.maxLines()) {
      quads = quads.subList(0, s.maxLines());
    }
    return p.kept(p.recognize(page, quads));
  }

  /**
   * {edits, truth characters} of a page read against its truth: lines matched by box overlap (IoU >= 0.5, best pairs
   * first, one to one); an unmatched truth line costs its length, an unmatched read line its length.
   */
  static long[] errors(List<PageRenderer.TruthLine> truth, List<OcrLine> read) {
    List<double[]> pairs = new ArrayList<>();
    for (int t = 0; t < truth.size(); t++) {
      for (int r = 0; r < read.size(); r++) {
        double iou = OcrEvaluator.iou(truth.get(t).box(), read.get(r).quad().bounds());
        if (iou >= OcrEvaluator.IOU) {
          pairs.add(new double[] {t, r, iou});
        }
      }
    }
    pairs.sort((a, b) -> Double.compare(b[2], a[2]));
    int[] match = new int[truth.size()];
    Arrays.fill(match, -1);
    boolean[] used = new boolean[read.size()];
    for (double[] p : pairs) {
      if (match[(int) p[0]] < 0 && !used[(int) p[1]]) {
        match[(int) p[0]] = (int) p[1];
        used[(int) p[1]] = true;
      }
    }
    long edits = 0;
    long chars = 0;
    for (int t = 0; t < truth.size(); t++) {
      String text = truth.get(t).text();
      chars += text.codePointCount(0, text.length());
      edits += match[t] < 0 ? text.codePointCount(0, text.length())
          : OcrEvaluator.editDistance(read.get(match[t]).text(), text);
    }
    for (int r = 0; r < read.size(); r++) {
      if (!used[r]) {
        edits += read.get(r).text().codePointCount(0, read.get(r).text().length());
      }
    }
    return new long[] {edits, chars};
  }

  @Override
  public LevelLadder ladder() {
    return ladder;
  }

  /** The setting of each level, cheapest first. */
  public List<Setting> settings() {
    return List.copyOf(settings);
  }

  @Override
  public Map<String, Tensor> run(int level, Map<String, Tensor> inputs) {
    if (level < 0 || level >= settings.size()) {
      throw EdgewiseException.invalidArgument("level " + level + " out of range: " + settings.size() + " levels");
    }
    Tensor image = inputs.get("image");
    if (image == null || image.dtype() != DType.UINT8 || image.shape().rank() != 3 || image.shape().dim(2) != 3) {
      throw EdgewiseException.invalidArgument("OCR levels take input \"image\": UINT8 [H, W, 3] (BGR), got "
          + (image == null ? "none" : image.dtype() + " " + image.shape()));
    }
    Setting s = settings.get(level);
    List<OcrLine> lines = read(pipelines.get(s.side()), s, toImage(image));
    String text = String.join("\n", lines.stream().map(OcrLine::text).toList());
    int[] cps = text.codePoints().toArray();
    return Map.of("text", Tensor.ofLongs(DType.INT32, Shape.of(cps.length),
        Arrays.stream(cps).asLongStream().toArray()));
  }

  /** A page as the "image" input. */
  public static Tensor image(BgrImage page) {
    return Tensor.fromBytes(DType.UINT8, Shape.of(page.height(), page.width(), 3), ByteBuffer.wrap(page.data()));
  }

  /** The "text" output as a string. */
  public static String text(Tensor t) {
    long[] cps = t.toLongArray();
    StringBuilder b = new StringBuilder();
    for (long c : cps) {
      b.appendCodePoint((int) c);
    }
    return b.toString();
  }

  private static BgrImage toImage(Tensor t) {
    int h = (int) t.shape().dim(0);
    int w = (int) t.shape().dim(1);
    byte[] data = new byte[h * w * 3];
    t.buffer().duplicate().get(data);
    return new BgrImage(w, h, data);
  }

  @Override
  public void close() {
    pipelines.values().forEach(OcrPipeline::close);
  }
}
