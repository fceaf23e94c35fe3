package io.edgewise.apps.ocr;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A page's read as JSON values, one form for `edgewise ocr --json` and the served pipeline's answer: each line as
 * {@code {"text", "box": [x0, y0, x1, y1], "confidence"}} (4 decimals) and the stages' times as
 * {@code {"det", "cls", "rec", "total"}} in milliseconds (1 decimal).
 */
public final class OcrJson {
  private OcrJson() {}

  /** The lines, in reading order (a list the caller may add to). */
  public static List<Map<String, Object>> lines(List<OcrLine> lines) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (OcrLine l : lines) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("text", l.text());
      m.put("box", l.box());
      m.put("confidence", Math.round(l.confidence() * 10000) / 10000.0);
      out.add(m);
    }
    return out;
  }

  /** Milliseconds per stage. */
  public static Map<String, Object> timing(OcrResult.Timings t) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("det", round(t.det()));
    m.put("cls", round(t.cls()));
    m.put("rec", round(t.rec()));
    m.put("total", round(t.total()));
    return m;
  }

  private static double round(double ms) {
    return Math.round(ms * 10) / 10.0;
  }
}
