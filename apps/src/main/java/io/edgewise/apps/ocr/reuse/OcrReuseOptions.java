package io.edgewise.apps.ocr.reuse;

import io.edgewise.reuse.ReuseOptions;

/**
 * Where the OCR pipeline reuses results and how strictly.
 *
 * @param frames look a whole frame up before running anything (a near-duplicate frame's lines are reused, their
 *     regions moved by the two frames' poses, after re-reading {@code verifyLines} of them)
 * @param lines look each text line up before orientation and recognition
 * @param reuse accuracy target, k, audit rate and calibration (the reuse module's; its tap is not used)
 * @param verifyLines lines of a reused frame re-read in the new frame before the reuse is accepted (0: none)
 */
public record OcrReuseOptions(boolean frames, boolean lines, ReuseOptions reuse, int verifyLines) {
  /**
   * The frame feature: a 64 x 48 grey thumbnail of the frame registered on its own content ({@link RegisteredFrame}:
   * deskewed, centred and scaled by its edges' moments), so that camera shake does not move it. Before registration
   * (a thumbnail of the central 80%), no frame of the camera stream was near enough to reuse: a shift of one cell
   * moved every text row.
   */
  public static final int FRAME_WIDTH = 64;
  public static final int FRAME_HEIGHT = 48;
  /**
   * Lines of a reused frame re-read by default: one costs a classifier and a recogniser run on one line (a tenth of
   * a page's reading or less) and catches a frame of another page (whose every line differs) however near its
   * thumbnail came.
   */
  public static final int DEFAULT_VERIFY_LINES = 1;

  public OcrReuseOptions {
    if (verifyLines < 0) {
      throw io.edgewise.EdgewiseException.invalidArgument("lines to verify must be >= 0, got " + verifyLines);
    }
  }

  /** With {@link #DEFAULT_VERIFY_LINES}. */
  public OcrReuseOptions(boolean frames, boolean lines, ReuseOptions reuse) {
    this(frames, lines, reuse, DEFAULT_VERIFY_LINES);
  }

  public OcrReuseOptions withVerifyLines(int n) {
    return new OcrReuseOptions(frames, lines, reuse, n);
  }
  /**
   * The line feature: a 160 x 16 grey thumbnail of the crop (about a cell per stroke at the recogniser's 48 px
   * height: at 96 x 12 different words of one length were near enough to be reused for each other), and its aspect
   * ratio.
   */
  public static final int LINE_WIDTH = 160;
  public static final int LINE_HEIGHT = 16;
  /** Weight of ln(aspect) beside 2,560 unit-variance cells: 0.5 in aspect ratio moves a line about 8 units. */
  public static final float LINE_ASPECT_WEIGHT = 16f;
  /**
   * Texts within this share of edit operations count as the same answer when calibrating: a line's text, and a
   * frame's lines taken in any order (matched as {@link io.edgewise.apps.ocr.stream.FrameScore} matches them). A
   * frame's was 2% of its joined text: on the camera stream's pages (4-6 lines, some 60 characters) one frame in
   * eight reads a short word differently from its neighbours ("40N" for "Not", 3 edits), so frames of one page
   * disagreed in 9% of pairs and the 95% target never allowed a frame to be reused. One rule for both: the reused
   * answer is as near the computed one as two readings of one line are allowed to be.
   */
  public static final double LINE_TOLERANCE = 0.05;
  public static final double FRAME_TOLERANCE = LINE_TOLERANCE;
  /**
   * The default accuracy target, the reuse module's 95%. A reused line that is wrong is wrong in most of its
   * characters, so a stricter target looks right for OCR, but 99% needs some 270 agreeing shadow decisions inside
   * the chosen radius before its Wilson bound allows any reuse: over 220 frames (about 1,300 lines) it reused none.
   */
  public static final double DEFAULT_TARGET = 0.95;

  /** The tap names these features are stored under. */
  public static final String FRAME_TAP = "ocr:frame-registered-thumb64x48";
  public static final String LINE_TAP = "ocr:line-thumb160x16";

  /** Both frames and lines at the reuse module's defaults (95% target, 5% audits). */
  public static OcrReuseOptions defaults() {
    return new OcrReuseOptions(true, true, ReuseOptions.defaults().withAccuracyTarget(DEFAULT_TARGET));
  }

  /** The configuration named by {@code none}, {@code frame}, {@code line} or {@code frame+line} ({@code both}). */
  public static OcrReuseOptions named(String config, ReuseOptions reuse) {
    return switch (config) {
      case "none" -> new OcrReuseOptions(false, false, reuse);
      case "frame" -> new OcrReuseOptions(true, false, reuse);
      case "line" -> new OcrReuseOptions(false, true, reuse);
      case "frame+line", "both" -> new OcrReuseOptions(true, true, reuse);
      default -> throw io.edgewise.EdgewiseException.invalidArgument("unknown OCR reuse configuration '" + config
          + "'; one of none, frame, line, frame+line (both)");
    };
  }

  /** The configuration's name, as {@link #named} reads it. */
  public String name() {
    return frames ? (lines ? "frame+line" : "frame") : (lines ? "line" : "none");
  }
}
