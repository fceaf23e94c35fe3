package io.edgewise.apps.ocr;

import io.edgewise.EdgewiseException;

/**
 * Cuts one text region out of the page and straightens it, as PaddleOCR's {@code get_rotate_crop_image}: the output
 * is as wide as the longer of the quad's top and bottom edges and as tall as the longer of its left and right edges
 * (whole pixels), filled through the perspective transform taking the output rectangle onto the quad, sampled
 * bilinearly with the page's edge pixels replicated; a crop at least 1.5 times as tall as wide is turned a quarter
 * counter-clockwise (vertical text read as a line).
 */
public final class Crop {
  private Crop() {}

  public static BgrImage run(BgrImage page, Quad q) {
    int w = (int) Math.max(q.tl().distance(q.tr()), q.bl().distance(q.br()));
    int h = (int) Math.max(q.tl().distance(q.bl()), q.tr().distance(q.br()));
    if (w < 1 || h < 1) {
      throw EdgewiseException.invalidArgument("box " + q + " crops to nothing (" + w + "x" + h + " px)");
    }
    double[] m;
    try {
      m = homography(new double[] {0, 0, w, 0, w, h, 0, h}, new double[] {q.tl().x(), q.tl().y(), q.tr().x(),
          q.tr().y(), q.br().x(), q.br().y(), q.bl().x(), q.bl().y()});
    } catch (ArithmeticException e) {
      throw EdgewiseException.invalidArgument("box " + q + " crops to nothing (its corners do not span an area)");
    }
    byte[] out = new byte[w * h * 3];
    int pw = page.width();
    int ph = page.height();
    byte[] src = page.data();
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        double den = m[6] * x + m[7] * y + 1;
        double sx = (m[0] * x + m[1] * y + m[2]) / den;
        double sy = (m[3] * x + m[4] * y + m[5]) / den;
        int x0 = (int) Math.floor(sx);
        int y0 = (int) Math.floor(sy);
        double fx = sx - x0;
        double fy = sy - y0;
        int ax = clamp(x0, pw);
        int bx = clamp(x0 + 1, pw);
        int ay = clamp(y0, ph);
        int by = clamp(y0 + 1, ph);
        int o = (y * w + x) * 3;
        for (int c = 0; c < 3; c++) {
          double top = (src[(ay * pw + ax) * 3 + c] & 0xff) * (1 - fx) + (src[(ay * pw + bx) * 3 + c] & 0xff) * fx;
          double bottom = (src[(by * pw + ax) * 3 + c] & 0xff) * (1 - fx) + (src[(by * pw + bx) * 3 + c] & 0xff) * fx;
          out[o + c] = (byte) (int) Math.round(top * (1 - fy) + bottom * fy);
        }
      }
    }
    BgrImage crop = new BgrImage(w, h, out);
    return (double) h / w >= 1.5 ? crop.rotate90CounterClockwise() : crop;
  }

  private static int clamp(int v, int n) {
    return v < 0 ? 0 : v >= n ? n - 1 : v;
  }

  /**
   * The 3x3 perspective transform (row-major, m[8] = 1, 8 values returned) taking the four points {@code from} onto
   * {@code to} (x, y pairs), by solving the 8x8 linear system.
   */
  static double[] homography(double[] from, double[] to) {
    double[][] a = new double[8][9];
    for (int i = 0; i < 4; i++) {
      double x = from[2 * i];
      double y = from[2 * i + 1];
      double u = to[2 * i];
      double v = to[2 * i + 1];
      a[2 * i] = new double[] {x, y, 1, 0, 0, 0, -x * u, -y * u, u};
      a[2 * i + 1] = new double[] {0, 0, 0, x, y, 1, -x * v, -y * v, v};
    }
    for (int col = 0; col < 8; col++) {
      int pivot = col;
      for (int r = col + 1; r < 8; r++) {
        if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) {
          pivot = r;
        }
      }
      double[] t = a[col];
      a[col] = a[pivot];
      a[pivot] = t;
      if (Math.abs(a[col][col]) < 1e-12) {
        throw new ArithmeticException("singular");
      }
      for (int r = 0; r < 8; r++) {
        if (r != col) {
          double f = a[r][col] / a[col][col];
          for (int k = col; k < 9; k++) {
            a[r][k] -= f * a[col][k];
          }
        }
      }
    }
    double[] m = new double[8];
    for (int i = 0; i < 8; i++) {
      m[i] = a[i][8] / a[i][i];
    }
    return m;
  }
}
