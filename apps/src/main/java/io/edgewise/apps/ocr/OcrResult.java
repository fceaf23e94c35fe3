package io.edgewise.apps.ocr;

import java.util.List;

/** What {@link OcrPipeline#read} found on a page, in reading order, and the time each stage took. */
public record OcrResult(List<OcrLine> lines, Timings timings) {
  /**
   * Milliseconds per stage: {@code det} pre-processing, the detector and DB post-processing; {@code cls} cropping
   * and the orientation classifier; {@code rec} the recogniser and CTC decoding; {@code total} the whole read.
   */
  public record Timings(double det, double cls, double rec, double total) {}

  /** The text, one line per line. */
  public String text() {
    StringBuilder b = new StringBuilder();
    for (OcrLine l : lines) {
      b.append(l.text()).append('\n');
    }
    return b.toString();
  }
}
