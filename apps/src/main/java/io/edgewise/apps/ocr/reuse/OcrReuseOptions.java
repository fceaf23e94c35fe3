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
  /** The frame feature: a 64 x 48 grey thumbnail of the whole frame (about a text row per cell row on a page). */
  public static final int FRAME_WIDTH = 64;
  public static final int FRAME_HEIGHT = 48;
  /** The line feature: a 96 x 12 grey thumbnail of the upright crop, and its aspect ratio. */
  public static final int LINE_WIDTH = 96;
  public static final int LINE_HEIGHT = 12;
  /** Weight of ln(aspect) beside ~1,152 unit-variance cells: 0.5 in aspect ratio moves a line about 8 units. */
  public static final float LINE_ASPECT_WEIGHT = 16f;

  /** The tap names these features are stored under. */
  public static final String FRAME_TAP = "ocr:frame-thumb64x48";
  public static final String LINE_TAP = "ocr:line-thumb96x12";

  /** Both frames and lines at the reuse module's defaults (95% target, 5% audits). */
  public static OcrReuseOptions defaults() {
    return new OcrReuseOptions(true, true, ReuseOptions.defaults());
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
