package io.edgewise.apps.ocr.reuse;

import io.edgewise.apps.ocr.BgrImage;

/**
 * A frame's reuse feature that survives camera shake: the frame is registered on its own content first, then
 * thumbnailed in that content's coordinates. A plain thumbnail is not shift-invariant (a shake of one cell moves
 * every text row, and frames of one page end up as far apart as frames of different pages); registering each frame
 * against every stored one would cost a comparison per entry. Instead each frame is put into a canonical pose
 * computed from itself, so that frames of one scene under shift, scale and small rotation give near-equal thumbnails
 * (image moment normalisation, the classic route to translation and scale invariance, plus projection-profile
 * deskewing as document scanners do):
 *
 * <ol>
 *   <li>grey, averaged down so that the longer side is at most {@link #WORK_SIDE} pixels (sensor noise averages out);
 *   <li>edge strength per pixel (|dx| + |dy|) above a noise floor of twice its median (a page's flat background and
 *       the desk weigh nothing, strokes and the page's own border weigh everything);
 *   <li>skew: the angle within +-{@link #MAX_SKEW_DEGREES} at which the edges' row profile is sharpest (sum of
 *       squares: text rows line up), refined between grid steps;
 *   <li>in the deskewed frame, the edges' centroid and standard deviations (the pose, {@link FramePose});
 *   <li>the thumbnail: the grey image sampled over the centroid +- {@link #EXTENT} standard deviations on a
 *       {@code width x height} grid (2 x 2 bilinear samples per cell), standardised to zero mean and unit variance
 *       like {@link Thumbnail} (brightness and contrast do not move it).
 * </ol>
 *
 * Every step is equivariant under a similarity transform of the content, so two frames' thumbnails differ only by
 * what the camera really changed (blur, noise, the content entering or leaving the frame). The pose also maps one
 * frame's regions into the other ({@link FramePose#map}): a reused frame's lines are placed where they now are.
 */
public final class RegisteredFrame {
  /**
   * The longer side of the working grey image: a 560 px frame averaged over 4 x 4 blocks. Sensor noise averages out
   * (a quarter of its deviation) and a camera's slight blur nearly vanishes, while 22 px text rows stay 5 px high.
   */
  public static final int WORK_SIDE = 160;
  /** The largest skew searched; a hand-held camera's roll is within a few degrees of the page's. */
  public static final double MAX_SKEW_DEGREES = 5;
  private static final double SKEW_STEP_DEGREES = 0.25;
  /** The profile's splatting kernel: a Gaussian of 0.7 bins over 2 bins each side (its aliasing is ~1e-4). */
  private static final double SPLAT_SIGMA = 0.7;
  private static final int SPLAT_RADIUS = 2;
  private static final double SPLAT_INV = 1 / (2 * SPLAT_SIGMA * SPLAT_SIGMA);
  /**
   * Half the thumbnail's window, in standard deviations: content spread evenly over a width spans +-sqrt(3) of its
   * deviation; 2 keeps the content's border (the page's edge) inside.
   */
  public static final double EXTENT = 2;

  private RegisteredFrame() {}

  /** A frame's pose and its thumbnail in that pose. */
  public record Registration(FramePose pose, float[] feature) {}

  /** Registers a frame and samples its {@code width x height} thumbnail in the canonical pose. */
  public static Registration of(BgrImage frame, int width, int height) {
    int f = Math.max(1, (Math.max(frame.width(), frame.height()) + WORK_SIDE - 1) / WORK_SIDE);
    int w = frame.width() / f;
    int h = frame.height() / f;
    if (w < 3 || h < 3) {
      // too small to have edges: a blank pose and a flat thumbnail
      return new Registration(new FramePose(0, frame.width() / 2.0, frame.height() / 2.0, 1, 1),
          new float[width * height]);
    }
    float[] grey = grey(frame, f, w, h);
    float[] edge = edges(grey, w, h);
    int[] idx = nonZero(edge);
    if (idx.length == 0) {
      return new Registration(new FramePose(0, frame.width() / 2.0, frame.height() / 2.0, 1, 1),
          new float[width * height]);
    }
    double angle = skew(edge, idx, w, h);
    FramePose pose = moments(edge, idx, w, angle, f);
    return new Registration(pose, sample(grey, w, h, f, pose, width, height));
  }

  /** Luma (ITU-R BT.601) averaged over f x f blocks. */
  static float[] grey(BgrImage img, int f, int w, int h) {
    float[] out = new float[w * h];
    byte[] d = img.data();
    float norm = 1f / (f * f);
    for (int y = 0; y < h; y++) {
      for (int yy = 0; yy < f; yy++) {
        int row = ((y * f + yy) * img.width()) * 3;
        for (int x = 0; x < w; x++) {
          float s = 0;
          int p = row + x * f * 3;
          for (int xx = 0; xx < f; xx++, p += 3) {
            s += 0.114f * (d[p] & 0xff) + 0.587f * (d[p + 1] & 0xff) + 0.299f * (d[p + 2] & 0xff);
          }
          out[y * w + x] += s * norm;
        }
      }
    }
    return out;
  }

  /** |dx| + |dy| by central differences, minus a noise floor of twice the median (negative parts zero). */
  static float[] edges(float[] g, int w, int h) {
    float[] e = new float[w * h];
    int[] histogram = new int[1024];
    for (int y = 1; y < h - 1; y++) {
      for (int x = 1; x < w - 1; x++) {
        int i = y * w + x;
        float v = Math.abs(g[i + 1] - g[i - 1]) + Math.abs(g[i + w] - g[i - w]);
        e[i] = v;
        histogram[Math.min(1023, (int) v)]++;
      }
    }
    int half = (w - 2) * (h - 2) / 2;
    int median = 0;
    for (int seen = 0; median < 1023 && seen + histogram[median] <= half; median++) {
      seen += histogram[median];
    }
    float floor = 2f * (median + 1);
    for (int i = 0; i < e.length; i++) {
      e[i] = Math.max(0, e[i] - floor);
    }
    return e;
  }

  private static int[] nonZero(float[] e) {
    int n = 0;
    for (float v : e) {
      n += v > 0 ? 1 : 0;
    }
    int[] idx = new int[n];
    n = 0;
    for (int i = 0; i < e.length; i++) {
      if (e[i] > 0) {
        idx[n++] = i;
      }
    }
    return idx;
  }

  /**
   * The angle (radians) whose row profile of the edges is sharpest: a grid of whole degrees, then quarter degrees
   * around the best, refined by a parabola through the best three. Each edge pixel is spread over its profile bins by
   * a Gaussian of {@link #SPLAT_SIGMA} bins: with plain linear splatting the score is highest where pixel rows fall
   * on whole bins (at 0 degrees), which pulled every small skew to 0.
   */
  static double skew(float[] e, int[] idx, int w, int h) {
    int span = w + h + 8;
    double[] profile = new double[2 * span];
    double coarseStep = 1;
    double bestCoarse = 0;
    double bestScore = -1;
    for (double a = -MAX_SKEW_DEGREES; a <= MAX_SKEW_DEGREES + 1e-9; a += coarseStep) {
      double sc = score(e, idx, w, a, span, profile);
      if (sc > bestScore) {
        bestScore = sc;
        bestCoarse = a;
      }
    }
    int steps = (int) Math.round(coarseStep / SKEW_STEP_DEGREES);
    double[] score = new double[2 * steps + 1];
    for (int k = -steps; k <= steps; k++) {
      score[k + steps] = score(e, idx, w, bestCoarse + k * SKEW_STEP_DEGREES, span, profile);
    }
    int best = 0;
    for (int k = 1; k < score.length; k++) {
      if (score[k] > score[best]) {
        best = k;
      }
    }
    double offset = 0;
    if (best > 0 && best < score.length - 1) {
      double l = score[best - 1];
      double m = score[best];
      double r = score[best + 1];
      double denom = l - 2 * m + r;
      if (denom < 0) {
        offset = Math.max(-0.5, Math.min(0.5, 0.5 * (l - r) / denom));
      }
    }
    return Math.toRadians(bestCoarse + (best - steps + offset) * SKEW_STEP_DEGREES);
  }

  /** Sum of squares of the edges' row profile at {@code degrees} of skew. */
  private static double score(float[] e, int[] idx, int w, double degrees, int span, double[] profile) {
    double a = Math.toRadians(degrees);
    double s = Math.sin(a);
    double c = Math.cos(a);
    java.util.Arrays.fill(profile, 0);
    for (int i : idx) {
      int x = i % w;
      int y = i / w;
      // the deskewed row, shifted to be non-negative
      double r = -s * x + c * y + span / 2.0;
      int r0 = (int) Math.round(r);
      double t = r - r0;
      for (int k = -SPLAT_RADIUS; k <= SPLAT_RADIUS; k++) {
        double d = k - t;
        profile[r0 + k] += e[i] * Math.exp(-d * d * SPLAT_INV);
      }
    }
    double sum = 0;
    for (double v : profile) {
      sum += v * v;
    }
    return sum;
  }

  /** Centroid and standard deviations of the edges in the deskewed frame, in the full frame's pixels. */
  static FramePose moments(float[] e, int[] idx, int w, double angle, int f) {
    double s = Math.sin(angle);
    double c = Math.cos(angle);
    double m = 0;
    double mx = 0;
    double my = 0;
    double mxx = 0;
    double myy = 0;
    for (int i : idx) {
      // the centre of the f x f block in the frame's pixels
      double x = (i % w + 0.5) * f;
      double y = (i / w + 0.5) * f;
      double dx = c * x + s * y;
      double dy = -s * x + c * y;
      double v = e[i];
      m += v;
      mx += v * dx;
      my += v * dy;
      mxx += v * dx * dx;
      myy += v * dy * dy;
    }
    double cx = mx / m;
    double cy = my / m;
    double sx = Math.sqrt(Math.max(mxx / m - cx * cx, 0));
    double sy = Math.sqrt(Math.max(myy / m - cy * cy, 0));
    // one edge pixel has no spread: a block's size keeps the window from collapsing
    return new FramePose(angle, cx, cy, Math.max(sx, f), Math.max(sy, f));
  }

  /** The grey image sampled over the pose's window, 2 x 2 bilinear samples per cell, standardised. */
  static float[] sample(float[] g, int w, int h, int f, FramePose pose, int width, int height) {
    double s = Math.sin(pose.angle());
    double c = Math.cos(pose.angle());
    float[] out = new float[width * height];
    double mean = 0;
    for (int v = 0; v < height; v++) {
      for (int u = 0; u < width; u++) {
        double sum = 0;
        for (int b = 0; b < 2; b++) {
          for (int a = 0; a < 2; a++) {
            double nx = -EXTENT + 2 * EXTENT * (u + 0.25 + 0.5 * a) / width;
            double ny = -EXTENT + 2 * EXTENT * (v + 0.25 + 0.5 * b) / height;
            double dx = pose.cx() + nx * pose.sx();
            double dy = pose.cy() + ny * pose.sy();
            // back to the frame, then to the working image's pixel centres
            double x = (c * dx - s * dy) / f - 0.5;
            double y = (s * dx + c * dy) / f - 0.5;
            sum += bilinear(g, w, h, x, y);
          }
        }
        out[v * width + u] = (float) (sum / 4);
        mean += out[v * width + u];
      }
    }
    mean /= out.length;
    double var = 0;
    for (float x : out) {
      var += (x - mean) * (x - mean);
    }
    double std = Math.sqrt(var / out.length);
    double scale = std < 1e-6 ? 0 : 1 / std;
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) ((out[i] - mean) * scale);
    }
    return out;
  }

  /** Bilinear interpolation, coordinates clamped to the image (outside it, the nearest edge pixel). */
  private static double bilinear(float[] g, int w, int h, double x, double y) {
    x = Math.max(0, Math.min(w - 1, x));
    y = Math.max(0, Math.min(h - 1, y));
    int x0 = Math.min((int) x, w - 2);
    int y0 = Math.min((int) y, h - 2);
    double tx = x - x0;
    double ty = y - y0;
    int i = y0 * w + x0;
    return (g[i] * (1 - tx) + g[i + 1] * tx) * (1 - ty) + (g[i + w] * (1 - tx) + g[i + w + 1] * tx) * ty;
  }
}
