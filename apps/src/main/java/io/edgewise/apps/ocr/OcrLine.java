package io.edgewise.apps.ocr;

/**
 * One line read from a page: its text (leading and trailing spaces stripped), where it is ({@code quad}, the
 * detected region's corners on the page), the recogniser's confidence (mean probability of its characters), and
 * whether the orientation classifier turned it by 180 degrees before reading.
 */
public record OcrLine(String text, Quad quad, double confidence, boolean rotated180) {
  /** The axis-aligned box {x0, y0, x1, y1} in whole pixels. */
  public int[] box() {
    double[] b = quad.bounds();
    return new int[] {(int) Math.round(b[0]), (int) Math.round(b[1]), (int) Math.round(b[2]), (int) Math.round(b[3])};
  }
}
