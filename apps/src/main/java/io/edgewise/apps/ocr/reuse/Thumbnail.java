package io.edgewise.apps.ocr.reuse;

import io.edgewise.apps.ocr.BgrImage;

/**
 * The reuse feature of an image: its grey levels averaged over a {@code width x height} grid of cells, standardised
 * to zero mean and unit variance (so brightness and contrast changes of a camera do not move it), optionally followed
 * by the image's log aspect ratio, weighted (so lines of different lengths are far apart even when their
 * thumbnails, stretched to one size, look alike).
 */
public final class Thumbnail {
  private Thumbnail() {}

  /**
   * The standardised {@code width x height} grey thumbnail, then {@code aspectWeight * ln(w / h)} if non-zero. (A
   * BgrImage is never empty: its constructor refuses zero sizes.)
   */
  public static float[] of(BgrImage img, int width, int height, float aspectWeight) {
    int n = width * height;
    float[] out = new float[aspectWeight != 0 ? n + 1 : n];
    double[] sum = new double[n];
    int[] count = new int[n];
    byte[] d = img.data();
    for (int y = 0; y < img.height(); y++) {
      int cy = (int) ((long) y * height / img.height());
      int row = y * img.width() * 3;
      for (int x = 0; x < img.width(); x++) {
        int cx = (int) ((long) x * width / img.width());
        int p = row + x * 3;
        // ITU-R BT.601 luma from B, G, R
        double grey = 0.114 * (d[p] & 0xff) + 0.587 * (d[p + 1] & 0xff) + 0.299 * (d[p + 2] & 0xff);
        sum[cy * width + cx] += grey;
        count[cy * width + cx]++;
      }
    }
    double mean = 0;
    for (int i = 0; i < n; i++) {
      // an image smaller than the grid leaves cells empty: they take the nearest filled row's value below
      out[i] = count[i] == 0 ? (i >= width ? out[i - width] : 0) : (float) (sum[i] / count[i]);
      mean += out[i];
    }
    mean /= n;
    double var = 0;
    for (int i = 0; i < n; i++) {
      var += (out[i] - mean) * (out[i] - mean);
    }
    double std = Math.sqrt(var / n);
    // a flat image (blank page, empty crop) has no contrast to standardise: all zeros
    double scale = std < 1e-6 ? 0 : 1 / std;
    for (int i = 0; i < n; i++) {
      out[i] = (float) ((out[i] - mean) * scale);
    }
    if (aspectWeight != 0) {
      out[n] = (float) (aspectWeight * Math.log((double) img.width() / img.height()));
    }
    return out;
  }
}
