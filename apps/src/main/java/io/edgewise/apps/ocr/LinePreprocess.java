package io.edgewise.apps.ocr;

import java.util.List;

/**
 * Text-line crops as the orientation classifier and the recogniser take them (PaddleOCR's {@code resize_norm_img}):
 * each line scaled to the model's height keeping its aspect ratio (width {@code ceil(height * w / h)}, at most the
 * batch width), normalised to [-1, 1] as {@code (pixel / 255 - 0.5) / 0.5} in B, G, R channel order, and padded
 * with zeros on the right to the batch width, as float[N, 3, height, width].
 */
public final class LinePreprocess {
  /** The classifier's input: 48 x 192. */
  public static final int CLS_HEIGHT = 48;
  public static final int CLS_WIDTH = 192;
  /** The recogniser's input height, and its narrowest batch width (PaddleOCR's rec_image_shape 3, 48, 320). */
  public static final int REC_HEIGHT = 48;
  public static final int REC_MIN_WIDTH = 320;

  private LinePreprocess() {}

  /** The recogniser's batch width for these lines: wide enough for the widest at height 48, at least 320. */
  public static int recWidth(List<BgrImage> lines) {
    double maxRatio = (double) REC_MIN_WIDTH / REC_HEIGHT;
    for (BgrImage l : lines) {
      maxRatio = Math.max(maxRatio, (double) l.width() / l.height());
    }
    return (int) (REC_HEIGHT * maxRatio);
  }

  /** The batch: float[lines.size(), 3, height, width]. */
  public static float[] batch(List<BgrImage> lines, int height, int width) {
    int plane = height * width;
    float[] out = new float[lines.size() * 3 * plane];
    for (int n = 0; n < lines.size(); n++) {
      BgrImage l = lines.get(n);
      int rw = Math.min(width, (int) Math.ceil(height * (double) l.width() / l.height()));
      rw = Math.max(rw, 1);
      BgrImage r = l.resize(rw, height);
      byte[] d = r.data();
      int base = n * 3 * plane;
      for (int y = 0; y < height; y++) {
        for (int x = 0; x < rw; x++) {
          int p = (y * rw + x) * 3;
          for (int c = 0; c < 3; c++) {
            out[base + c * plane + y * width + x] = (d[p + c] & 0xff) / 127.5f - 1f;
          }
        }
      }
    }
    return out;
  }
}
