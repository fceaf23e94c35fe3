package io.edgewise.apps.ocr;

import java.util.ArrayList;
import java.util.List;

/**
 * DB (differentiable binarisation) post-processing of the detector's probability map into text boxes, as PaddleOCR's
 * DBPostProcess: binarise the map at {@code threshold}; for each 8-connected region, its minimum-area rectangle (skip
 * when its short side is under 3 px); the box score is the mean probability inside that rectangle (keep when at least
 * {@code boxThreshold}); unclip (grow each side outward by {@code area * unclipRatio / perimeter}, the offset
 * PaddleOCR's pyclipper call makes, whose minimum-area rectangle is the grown rectangle); skip when the grown short
 * side is under 5 px; scale to the page, clip to it, drop boxes whose sides are 3 px or less; sort in reading order.
 */
public final class DbPostprocess {
  /** One detected region: its corners on the page and its box score. */
  public record Detection(Quad quad, double score) {}

  /** The thresholds (PaddleOCR's defaults: 0.3, 0.6, 1.5, at most 1000 regions). */
  public record Params(double threshold, double boxThreshold, double unclipRatio, int maxCandidates) {
    public static Params defaults() {
      return new Params(0.3, 0.6, 1.5, 1000);
    }
  }

  /**
   * What a detector run elsewhere (a peer) needs to post-process its own map into this page's boxes: the page's size
   * (with the map's, which the map carries, the resize ratios that take boxes back to the page) and the thresholds.
   */
  public record BoxRequest(int pageWidth, int pageHeight, Params params) {}

  /**
   * Name suffix of the boxes a runner may answer with instead of the detector's map: the output's name + this, a
   * float64 [n, 9] tensor of {@link #pack packed} detections (exact: the same doubles as {@link #run} computes).
   */
  public static final String BOXES_SUFFIX = "#db-boxes";

  /** Numbers per packed detection: the four corners' x and y (tl, tr, br, bl), then the score. */
  public static final int PACKED = 9;

  private static final int MIN_SIZE = 3;

  private DbPostprocess() {}

  /**
   * Boxes from a {@code mapWidth} x {@code mapHeight} probability map (row-major) of a {@code pageWidth} x {@code
   * pageHeight} page, in page coordinates and reading order.
   */
  public static List<Detection> run(float[] prob, int mapWidth, int mapHeight, int pageWidth, int pageHeight,
      Params params) {
    if (prob.length < mapWidth * mapHeight) {
      throw new IllegalArgumentException("probability map holds " + prob.length + " values, not " + mapWidth + "x"
          + mapHeight);
    }
    List<Detection> out = new ArrayList<>();
    for (List<Point> region : regions(prob, mapWidth, mapHeight, (float) params.threshold(), params.maxCandidates())) {
      MinAreaRect.Rect rect = MinAreaRect.of(region);
      if (rect.shortSide() < MIN_SIZE) {
        continue;
      }
      double score = meanInside(prob, mapWidth, mapHeight, rect.quad());
      if (score < params.boxThreshold()) {
        continue;
      }
      Quad grown = unclip(rect, params.unclipRatio());
      MinAreaRect.Rect box = MinAreaRect.of(grown.points());
      if (box.shortSide() < MIN_SIZE + 2) {
        continue;
      }
      Quad page = toPage(box.quad(), mapWidth, mapHeight, pageWidth, pageHeight);
      if ((int) page.tl().distance(page.tr()) <= 3 || (int) page.tl().distance(page.bl()) <= 3) {
        continue;
      }
      out.add(new Detection(page, score));
    }
    return ReadingOrder.sort(out, Detection::quad);
  }

  /** Detections as rows of {@link #PACKED} numbers: tl.x, tl.y, tr.x, tr.y, br.x, br.y, bl.x, bl.y, score. */
  public static double[] pack(List<Detection> detections) {
    double[] out = new double[detections.size() * PACKED];
    int i = 0;
    for (Detection d : detections) {
      for (Point p : d.quad().points()) {
        out[i++] = p.x();
        out[i++] = p.y();
      }
      out[i++] = d.score();
    }
    return out;
  }

  /** The detections {@link #pack} packed, in the same order; a length that is not a multiple of 9 is an error. */
  public static List<Detection> unpack(double[] packed) {
    if (packed.length % PACKED != 0) {
      throw new IllegalArgumentException("packed boxes hold " + packed.length + " numbers, not a multiple of "
          + PACKED);
    }
    List<Detection> out = new ArrayList<>(packed.length / PACKED);
    for (int i = 0; i < packed.length; i += PACKED) {
      out.add(new Detection(new Quad(new Point(packed[i], packed[i + 1]), new Point(packed[i + 2], packed[i + 3]),
          new Point(packed[i + 4], packed[i + 5]), new Point(packed[i + 6], packed[i + 7])), packed[i + 8]));
    }
    return out;
  }

  /**
   * The 8-connected regions of {@code prob > threshold}, in raster order of their first pixel, at most {@code max}:
   * each as the pixel centres at the left and right end of each of its rows (these hold its convex hull).
   */
  static List<List<Point>> regions(float[] prob, int w, int h, float threshold, int max) {
    int[] label = new int[w * h];
    int[] stack = new int[w * h];
    List<List<Point>> out = new ArrayList<>();
    int next = 0;
    for (int start = 0; start < w * h && out.size() < max; start++) {
      if (label[start] != 0 || !(prob[start] > threshold)) {
        continue;
      }
      int id = ++next;
      int minRow = start / w;
      int maxRow = minRow;
      // per row of the region: leftmost and rightmost x, grown as rows are reached
      java.util.Map<Integer, int[]> rows = new java.util.TreeMap<>();
      int sp = 0;
      stack[sp++] = start;
      label[start] = id;
      while (sp > 0) {
        int p = stack[--sp];
        int y = p / w;
        int x = p - y * w;
        int[] ends = rows.get(y);
        if (ends == null) {
          rows.put(y, new int[] {x, x});
        } else {
          ends[0] = Math.min(ends[0], x);
          ends[1] = Math.max(ends[1], x);
        }
        for (int dy = -1; dy <= 1; dy++) {
          int ny = y + dy;
          if (ny < 0 || ny >= h) {
            continue;
          }
          for (int dx = -1; dx <= 1; dx++) {
            int nx = x + dx;
            if (nx < 0 || nx >= w) {
              continue;
            }
            int q = ny * w + nx;
            if (label[q] == 0 && prob[q] > threshold) {
              label[q] = id;
              stack[sp++] = q;
            }
          }
        }
      }
      List<Point> pts = new ArrayList<>(rows.size() * 2);
      rows.forEach((y, e) -> {
        pts.add(new Point(e[0], y));
        if (e[1] != e[0]) {
          pts.add(new Point(e[1], y));
        }
      });
      out.add(pts);
    }
    return out;
  }

  /**
   * Mean probability over the pixels whose centres lie inside the quad (half a pixel of slack, as a filled polygon
   * includes its outline): PaddleOCR's box_score_fast.
   */
  static double meanInside(float[] prob, int w, int h, Quad q) {
    double[] b = q.bounds();
    int x0 = clamp((int) Math.floor(b[0]), 0, w - 1);
    int x1 = clamp((int) Math.ceil(b[2]), 0, w - 1);
    int y0 = clamp((int) Math.floor(b[1]), 0, h - 1);
    int y1 = clamp((int) Math.ceil(b[3]), 0, h - 1);
    List<Point> p = q.points();
    // orientation of the quad, so "inside" is the same side of every edge
    double sign = Math.signum(signedArea(p));
    if (sign == 0) {
      sign = 1;
    }
    double sum = 0;
    long n = 0;
    for (int y = y0; y <= y1; y++) {
      for (int x = x0; x <= x1; x++) {
        if (inside(p, x, y, sign)) {
          sum += prob[y * w + x];
          n++;
        }
      }
    }
    return n == 0 ? 0 : sum / n;
  }

  private static boolean inside(List<Point> p, double x, double y, double sign) {
    for (int i = 0; i < 4; i++) {
      Point a = p.get(i);
      Point c = p.get((i + 1) % 4);
      double len = a.distance(c);
      if (len == 0) {
        continue;
      }
      double cross = ((c.x() - a.x()) * (y - a.y()) - (c.y() - a.y()) * (x - a.x())) * sign / len;
      if (cross < -0.5) {
        return false;
      }
    }
    return true;
  }

  private static double signedArea(List<Point> p) {
    double a = 0;
    for (int i = 0; i < p.size(); i++) {
      Point u = p.get(i);
      Point v = p.get((i + 1) % p.size());
      a += u.x() * v.y() - v.x() * u.y();
    }
    return a / 2;
  }

  /** The rectangle grown on every side by {@code area * ratio / perimeter}. */
  static Quad unclip(MinAreaRect.Rect rect, double ratio) {
    Quad q = rect.quad();
    double perimeter = q.perimeter();
    return perimeter == 0 ? q : grow(q, q.area() * ratio / perimeter);
  }

  /** A rectangular quad grown by {@code d} on every side, along its own axes (corners in get_mini_boxes order). */
  public static Quad grow(Quad q, double d) {
    Point c = new Point((q.tl().x() + q.br().x()) / 2, (q.tl().y() + q.br().y()) / 2);
    // unit vectors along the top edge and down the left edge
    double wlen = q.tl().distance(q.tr());
    double hlen = q.tl().distance(q.bl());
    double ux = wlen == 0 ? 1 : (q.tr().x() - q.tl().x()) / wlen;
    double uy = wlen == 0 ? 0 : (q.tr().y() - q.tl().y()) / wlen;
    double vx = hlen == 0 ? -uy : (q.bl().x() - q.tl().x()) / hlen;
    double vy = hlen == 0 ? ux : (q.bl().y() - q.tl().y()) / hlen;
    double a = wlen / 2 + d;
    double b = hlen / 2 + d;
    Point[] corners = {
        new Point(c.x() - a * ux - b * vx, c.y() - a * uy - b * vy),
        new Point(c.x() + a * ux - b * vx, c.y() + a * uy - b * vy),
        new Point(c.x() + a * ux + b * vx, c.y() + a * uy + b * vy),
        new Point(c.x() - a * ux + b * vx, c.y() - a * uy + b * vy)};
    return MinAreaRect.order(corners);
  }

  /** Map coordinates to the page: scaled, rounded to whole pixels, inside the page. */
  static Quad toPage(Quad q, int mapW, int mapH, int pageW, int pageH) {
    Point[] p = q.points().toArray(new Point[0]);
    for (int i = 0; i < 4; i++) {
      double x = clamp(Math.round(p[i].x() / mapW * pageW), 0, pageW);
      double y = clamp(Math.round(p[i].y() / mapH * pageH), 0, pageH);
      // then inside the last pixel row and column (PaddleOCR's filter_tag_det_res)
      p[i] = new Point(Math.min(x, pageW - 1), Math.min(y, pageH - 1));
    }
    return new Quad(p[0], p[1], p[2], p[3]);
  }

  private static int clamp(long v, int lo, int hi) {
    return (int) Math.max(lo, Math.min(hi, v));
  }
}
