package io.edgewise.apps.ocr;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Measures a pipeline on a ground-truth directory ({@link GroundTruth}). Detected lines are matched one to one with
 * truth lines by the IoU of their axis-aligned boxes (best pairs first, IoU at least 0.5). Character error rate:
 * (edit distance of each matched pair + characters of unmatched truth lines + characters of unmatched detected
 * lines) / characters of the truth. Line exact-match rate: matched lines read exactly / truth lines. Detection
 * precision and recall: matches / detected lines, matches / truth lines. Orientation accuracy: matched lines whose
 * upside-down decision agrees with how the line was drawn. The recogniser alone: every truth line cropped from its own
 * box (grown by a fifth of its height, turned upright when drawn upside down) and read, CER as above. Latency: each
 * stage's mean over the pages, after one untimed warm-up read.
 */
public final class OcrEvaluator {
  public static final double IOU = 0.5;

  /** A truth line and what was read there (null text when nothing matched). */
  public record LineResult(String page, String truth, String read, double iou, double confidence) {}

  /** The figures for a directory. {@code latencyMs}: mean det, cls, rec, total per page. */
  public record Report(int pages, int truthLines, int detectedLines, int matched, long truthChars, double cer,
      double lineExactRate, double precision, double recall, int flippedLines, double orientationAccuracy,
      double recognizerCer, double recognizerLineExactRate, OcrResult.Timings latencyMs, String device,
      List<LineResult> errors) {}

  private OcrEvaluator() {}

  public static Report evaluate(Path dir, OcrPipeline ocr) {
    List<GroundTruth.PageTruth> pages = GroundTruth.read(dir);
    // warm-up: the first read pays for JIT and first-run planning
    ocr.read(ImageDecoder.read(dir.resolve(pages.get(0).image())));
    long truthChars = 0;
    long edits = 0;
    long recEdits = 0;
    int truthLines = 0;
    int detected = 0;
    int matched = 0;
    int exact = 0;
    int recExact = 0;
    int orientationRight = 0;
    int flipped = 0;
    double[] time = new double[4];
    List<LineResult> errors = new ArrayList<>();
    for (GroundTruth.PageTruth p : pages) {
      BgrImage img = ImageDecoder.read(dir.resolve(p.image()));
      OcrResult r = ocr.read(img);
      time[0] += r.timings().det();
      time[1] += r.timings().cls();
      time[2] += r.timings().rec();
      time[3] += r.timings().total();
      List<PageRenderer.TruthLine> truth = p.lines();
      truthLines += truth.size();
      detected += r.lines().size();
      int[] match = match(truth, r.lines());
      boolean[] used = new boolean[r.lines().size()];
      for (int t = 0; t < truth.size(); t++) {
        PageRenderer.TruthLine tl = truth.get(t);
        truthChars += tl.text().codePointCount(0, tl.text().length());
        flipped += tl.flipped() ? 1 : 0;
        if (match[t] < 0) {
          edits += tl.text().codePointCount(0, tl.text().length());
          errors.add(new LineResult(p.image(), tl.text(), null, 0, 0));
          continue;
        }
        OcrLine l = r.lines().get(match[t]);
        used[match[t]] = true;
        matched++;
        int d = editDistance(l.text(), tl.text());
        edits += d;
        if (d == 0) {
          exact++;
        } else {
          errors.add(new LineResult(p.image(), tl.text(), l.text(), iou(tl.box(), l.quad().bounds()), l.confidence()));
        }
        if (l.rotated180() == tl.flipped()) {
          orientationRight++;
        }
      }
      for (int i = 0; i < used.length; i++) {
        if (!used[i]) {
          OcrLine l = r.lines().get(i);
          edits += l.text().codePointCount(0, l.text().length());
          errors.add(new LineResult(p.image(), null, l.text(), 0, l.confidence()));
        }
      }
      // the recogniser alone on the truth boxes, upright
      List<BgrImage> crops = new ArrayList<>();
      for (PageRenderer.TruthLine tl : truth) {
        Quad q = tl.quad();
        BgrImage c = Crop.run(img, DbPostprocess.grow(q, Math.max(2, q.tl().distance(q.bl()) / 5)));
        crops.add(tl.flipped() ? c.rotate180() : c);
      }
      List<CtcDecoder.Text> texts = ocr.readLines(crops);
      for (int t = 0; t < truth.size(); t++) {
        int d = editDistance(texts.get(t).text().strip(), truth.get(t).text());
        recEdits += d;
        recExact += d == 0 ? 1 : 0;
      }
    }
    int n = pages.size();
    double chars = Math.max(1, truthChars);
    return new Report(n, truthLines, detected, matched, truthChars, edits / chars,
        truthLines == 0 ? 1 : (double) exact / truthLines, detected == 0 ? 1 : (double) matched / detected,
        truthLines == 0 ? 1 : (double) matched / truthLines, flipped,
        matched == 0 ? 1 : (double) orientationRight / matched, recEdits / chars,
        truthLines == 0 ? 1 : (double) recExact / truthLines,
        new OcrResult.Timings(time[0] / n, time[1] / n, time[2] / n, time[3] / n), ocr.deviceName(), errors);
  }

  /** For each truth line, the index of its detected line (or -1): best IoU pairs first, one to one, IoU >= 0.5. */
  static int[] match(List<PageRenderer.TruthLine> truth, List<OcrLine> read) {
    record Pair(int t, int r, double iou) {}
    List<Pair> pairs = new ArrayList<>();
    for (int t = 0; t < truth.size(); t++) {
      for (int r = 0; r < read.size(); r++) {
        double v = iou(truth.get(t).box(), read.get(r).quad().bounds());
        if (v >= IOU) {
          pairs.add(new Pair(t, r, v));
        }
      }
    }
    pairs.sort(Comparator.comparingDouble(Pair::iou).reversed());
    int[] out = new int[truth.size()];
    java.util.Arrays.fill(out, -1);
    boolean[] taken = new boolean[read.size()];
    for (Pair p : pairs) {
      if (out[p.t] < 0 && !taken[p.r]) {
        out[p.t] = p.r;
        taken[p.r] = true;
      }
    }
    return out;
  }

  /** Intersection over union of two boxes {x0, y0, x1, y1}. */
  public static double iou(double[] a, double[] b) {
    double ix = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
    double iy = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
    double inter = ix * iy;
    double union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
    return union <= 0 ? 0 : inter / union;
  }

  /** Levenshtein distance over code points. */
  public static int editDistance(String a, String b) {
    int[] x = a.codePoints().toArray();
    int[] y = b.codePoints().toArray();
    int[] prev = new int[y.length + 1];
    int[] cur = new int[y.length + 1];
    for (int j = 0; j <= y.length; j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= x.length; i++) {
      cur[0] = i;
      for (int j = 1; j <= y.length; j++) {
        int sub = prev[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[y.length];
  }
}
