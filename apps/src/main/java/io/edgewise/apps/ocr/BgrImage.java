package io.edgewise.apps.ocr;

import io.edgewise.EdgewiseException;

/**
 * An 8-bit colour image in PaddleOCR's layout: rows top to bottom, pixels left to right, three bytes per pixel in
 * blue, green, red order (OpenCV's {@code imread}).
 */
public record BgrImage(int width, int height, byte[] data) {
  public BgrImage {
    if (width <= 0 || height <= 0) {
      throw EdgewiseException.invalidArgument("zero-size image: " + width + "x" + height + " px");
    }
    if (data.length != width * height * 3) {
      throw EdgewiseException.invalidArgument("image data holds " + data.length + " bytes, a " + width + "x" + height
          + " BGR image needs " + width * height * 3);
    }
  }

  /** A blank image of one colour. */
  public static BgrImage filled(int width, int height, int b, int g, int r) {
    byte[] d = new byte[Math.multiplyExact(Math.multiplyExact(width, height), 3)];
    for (int i = 0; i < d.length; i += 3) {
      d[i] = (byte) b;
      d[i + 1] = (byte) g;
      d[i + 2] = (byte) r;
    }
    return new BgrImage(width, height, d);
  }

  /** Channel {@code c} (0 blue, 1 green, 2 red) of pixel (x, y), 0..255. */
  public int get(int x, int y, int c) {
    return data[(y * width + x) * 3 + c] & 0xff;
  }

  public void set(int x, int y, int b, int g, int r) {
    int i = (y * width + x) * 3;
    data[i] = (byte) b;
    data[i + 1] = (byte) g;
    data[i + 2] = (byte) r;
  }

  /** The image turned by 180 degrees (what the orientation classifier's "180" answer undoes). */
  public BgrImage rotate180() {
    byte[] out = new byte[data.length];
    int n = width * height;
    for (int p = 0; p < n; p++) {
      System.arraycopy(data, p * 3, out, (n - 1 - p) * 3, 3);
    }
    return new BgrImage(width, height, out);
  }

  /** The image turned a quarter counter-clockwise (numpy's rot90): a tall crop becomes a line. */
  public BgrImage rotate90CounterClockwise() {
    int w = height;
    int h = width;
    byte[] out = new byte[data.length];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        // out(x, y) = in(width - 1 - y, x)
        System.arraycopy(data, (x * width + (width - 1 - y)) * 3, out, (y * w + x) * 3, 3);
      }
    }
    return new BgrImage(w, h, out);
  }

  /**
   * Bilinear resize with OpenCV's INTER_LINEAR sampling (pixel centres aligned, edges replicated), as PaddleOCR's
   * {@code cv2.resize}.
   */
  public BgrImage resize(int newWidth, int newHeight) {
    if (newWidth <= 0 || newHeight <= 0) {
      throw EdgewiseException.invalidArgument("cannot resize to " + newWidth + "x" + newHeight + " px");
    }
    if (newWidth == width && newHeight == height) {
      return new BgrImage(width, height, data.clone());
    }
    byte[] out = new byte[newWidth * newHeight * 3];
    double sx = (double) width / newWidth;
    double sy = (double) height / newHeight;
    int[] x0 = new int[newWidth];
    int[] x1 = new int[newWidth];
    float[] fx = new float[newWidth];
    for (int x = 0; x < newWidth; x++) {
      double s = Math.max(0, (x + 0.5) * sx - 0.5);
      int i = Math.min((int) s, width - 1);
      x0[x] = i;
      x1[x] = Math.min(i + 1, width - 1);
      fx[x] = (float) (s - i);
    }
    for (int y = 0; y < newHeight; y++) {
      double s = Math.max(0, (y + 0.5) * sy - 0.5);
      int y0 = Math.min((int) s, height - 1);
      int y1 = Math.min(y0 + 1, height - 1);
      float fy = (float) (s - y0);
      int r0 = y0 * width;
      int r1 = y1 * width;
      int o = y * newWidth * 3;
      for (int x = 0; x < newWidth; x++) {
        int a = (r0 + x0[x]) * 3;
        int b = (r0 + x1[x]) * 3;
        int c = (r1 + x0[x]) * 3;
        int d = (r1 + x1[x]) * 3;
        float wx = fx[x];
        for (int k = 0; k < 3; k++) {
          float top = (data[a + k] & 0xff) * (1 - wx) + (data[b + k] & 0xff) * wx;
          float bottom = (data[c + k] & 0xff) * (1 - wx) + (data[d + k] & 0xff) * wx;
          out[o++] = (byte) Math.round(top * (1 - fy) + bottom * fy);
        }
      }
    }
    return new BgrImage(newWidth, newHeight, out);
  }
}
