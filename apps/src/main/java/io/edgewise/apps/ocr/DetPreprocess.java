package io.edgewise.apps.ocr;

import io.edgewise.EdgewiseException;

/**
 * The detector's input as PaddleOCR makes it: scale the page down so its longest side is at most the limit (never
 * up), round each side to a multiple of 32 (at least 32), resize bilinearly, then normalise every channel of the BGR
 * image as {@code (pixel / 255 - mean) / std} with ImageNet's mean (0.485, 0.456, 0.406) and std (0.229, 0.224,
 * 0.225), applied to the channels in B, G, R order as PaddleOCR does, laid out as float[1, 3, H, W].
 */
public final class DetPreprocess {
  static final float[] MEAN = {0.485f, 0.456f, 0.406f};
  static final float[] STD = {0.229f, 0.224f, 0.225f};

  /** The detector input: {@code chw} holds float[3, height, width]; {@code source*} is the page it came from. */
  public record Input(float[] chw, int width, int height, int sourceWidth, int sourceHeight) {}

  private DetPreprocess() {}

  /** The detector's input size for a {@code width} x {@code height} page: {width, height}, multiples of 32. */
  public static int[] targetSize(int width, int height, int limitSideLen) {
    if (width <= 0 || height <= 0) {
      throw EdgewiseException.invalidArgument("zero-size page: " + width + "x" + height + " px");
    }
    if (limitSideLen < 32) {
      throw EdgewiseException.invalidArgument("the detector's side limit must be at least 32 px, got " + limitSideLen);
    }
    double ratio = Math.max(width, height) > limitSideLen ? (double) limitSideLen / Math.max(width, height) : 1.0;
    int w = (int) (width * ratio);
    int h = (int) (height * ratio);
    return new int[] {round32(w), round32(h)};
  }

  private static int round32(int v) {
    return Math.max((int) Math.round(v / 32.0) * 32, 32);
  }

  public static Input run(BgrImage page, int limitSideLen) {
    int[] size = targetSize(page.width(), page.height(), limitSideLen);
    BgrImage r = page.resize(size[0], size[1]);
    int plane = size[0] * size[1];
    float[] chw = new float[3 * plane];
    byte[] d = r.data();
    for (int c = 0; c < 3; c++) {
      float scale = 1f / (255f * STD[c]);
      float shift = MEAN[c] / STD[c];
      for (int p = 0; p < plane; p++) {
        chw[c * plane + p] = (d[p * 3 + c] & 0xff) * scale - shift;
      }
    }
    return new Input(chw, size[0], size[1], page.width(), page.height());
  }
}
