package io.edgewise.apps.ocr.reuse;

import io.edgewise.reuse.ReuseOptions;

/**
 * Where the OCR pipeline reuses results and how strictly.
 *
 * @param frames look a whole frame up before running anything (a near-duplicate frame's lines are reused, regions
 *     included: under camera shake they may be a few pixels off)
 * @param lines look each text line up before orientation and recognition
 * @param reuse accuracy target, k, audit rate and calibration (the reuse module's; its tap is not used)
 */
public record OcrReuseOptions(boolean frames, boolean lines, ReuseOptions reuse) {
  /**
   * The frame feature: a 64 x 48 grey thumbnail of the frame's central 80% (about a text row per cell row on a page).
   * Of the whole frame it was mostly the page's edge on the desk: the same under every page, and moving with every
   * shake. Neither form has found a frame near enough to reuse on the camera stream yet (0 of 220 frames): a shift
   * of one cell moves every text row, so frames of one page are as far apart as frames of different pages. A
   * shift-invariant feature (or registering the frame first) is what frame reuse still needs.
   */
  public static final int FRAME_WIDTH = 64;
  public static final int FRAME_HEIGHT = 48;
  public static final double FRAME_CENTRE = 0.8;
  /**
   * The line feature: a 160 x 16 grey thumbnail of the crop (about a cell per stroke at the recogniser's 48 px
   * height: at 96 x 12 different words of one length were near enough to be reused for each other), and its aspect
   * ratio.
   */
  public static final int LINE_WIDTH = 160;
  public static final int LINE_HEIGHT = 16;
  /** Weight of ln(aspect) beside 2,560 unit-variance cells: 0.5 in aspect ratio moves a line about 8 units. */
  public static final float LINE_ASPECT_WEIGHT = 16f;
  /** Texts within this share of edit operations count as the same answer when calibrating (a line, a frame). */
  public static final double LINE_TOLERANCE = 0.05;
  public static final double FRAME_TOLERANCE = 0.02;
  /**
   * The default accuracy target, the reuse module's 95%. A reused line that is wrong is wrong in most of its
   * characters, so a stricter target looks right for OCR, but 99% needs some 270 agreeing shadow decisions inside
   * the chosen radius before its Wilson bound allows any reuse: over 220 frames (about 1,300 lines) it reused none.
   */
  public static final double DEFAULT_TARGET = 0.95;

  /** The tap names these features are stored under. */
  public static final String FRAME_TAP = "ocr:frame-centre80-thumb64x48";
  public static final String LINE_TAP = "ocr:line-thumb160x16";

  /** Both frames and lines at the reuse module's defaults (95% target, 5% audits). */
  public static OcrReuseOptions defaults() {
    return new OcrReuseOptions(true, true, ReuseOptions.defaults().withAccuracyTarget(DEFAULT_TARGET));
  }

  /** The configuration named by {@code none}, {@code frame}, {@code line} or {@code frame+line}. */
  public static OcrReuseOptions named(String config, ReuseOptions reuse) {
    return switch (config) {
      case "none" -> new OcrReuseOptions(false, false, reuse);
      case "frame" -> new OcrReuseOptions(true, false, reuse);
      case "line" -> new OcrReuseOptions(false, true, reuse);
      case "frame+line" -> new OcrReuseOptions(true, true, reuse);
      default -> throw io.edgewise.EdgewiseException.invalidArgument("unknown OCR reuse configuration '" + config
          + "'; one of none, frame, line, frame+line");
    };
  }

  /** The configuration's name, as {@link #named} reads it. */
  public String name() {
    return frames ? (lines ? "frame+line" : "frame") : (lines ? "line" : "none");
  }
}
