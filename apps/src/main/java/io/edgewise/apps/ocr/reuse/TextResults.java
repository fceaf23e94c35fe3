package io.edgewise.apps.ocr.reuse;

import io.edgewise.EdgewiseException;
import io.edgewise.apps.ocr.OcrLine;
import io.edgewise.apps.ocr.Point;
import io.edgewise.apps.ocr.Quad;
import io.edgewise.reuse.StoredResult;
import io.edgewise.reuse.StoredResult.StoredTensor;
import io.edgewise.tensor.DType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * OCR results as reuse entries. The H-kNN vote compares labels, so a result's label is a hash of its text (a line's
 * text, or a frame's lines joined): neighbours agree when they read the same text, and calibration counts a reuse as
 * right when the computed text equals the reused one exactly. The text itself travels as UTF-8 bytes; a frame's
 * regions as ten floats per line (corners, confidence, rotated).
 */
public final class TextResults {
  private static final String TEXT = "text";
  private static final String LINES = "lines";
  private static final int LINE_FLOATS = 10;

  private TextResults() {}

  /** The label a text votes with: a non-negative hash (a negative label would mean "not a classifier"). */
  public static int label(String text) {
    return text.hashCode() & 0x7fffffff;
  }

  /** One recognised line: its text and confidence. */
  public static StoredResult line(String text, double confidence) {
    byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
    return new StoredResult(label(text), (float) confidence,
        List.of(new StoredTensor(TEXT, DType.UINT8, new long[] {utf8.length}, utf8)));
  }

  /** The text of a stored line. */
  public static String text(StoredResult r) {
    for (StoredTensor t : r.tensors()) {
      if (t.name().equals(TEXT)) {
        return new String(t.data(), StandardCharsets.UTF_8);
      }
    }
    throw EdgewiseException.invalidArgument("reuse entry holds no '" + TEXT + "' tensor: not an OCR result");
  }

  /** A frame's lines, in reading order. */
  public static StoredResult frame(List<OcrLine> lines) {
    StringBuilder text = new StringBuilder();
    ByteBuffer geo = ByteBuffer.allocate(lines.size() * LINE_FLOATS * 4).order(ByteOrder.LITTLE_ENDIAN);
    double conf = 1;
    for (int i = 0; i < lines.size(); i++) {
      OcrLine l = lines.get(i);
      text.append(i == 0 ? "" : "\n").append(l.text());
      for (Point p : l.quad().points()) {
        geo.putFloat((float) p.x()).putFloat((float) p.y());
      }
      geo.putFloat((float) l.confidence()).putFloat(l.rotated180() ? 1 : 0);
      conf = Math.min(conf, l.confidence());
    }
    byte[] utf8 = text.toString().getBytes(StandardCharsets.UTF_8);
    return new StoredResult(label(text.toString()), (float) conf, List.of(
        new StoredTensor(TEXT, DType.UINT8, new long[] {utf8.length}, utf8),
        new StoredTensor(LINES, DType.FLOAT32, new long[] {lines.size(), LINE_FLOATS}, geo.array())));
  }

  /** The lines of a stored frame. */
  public static List<OcrLine> lines(StoredResult r) {
    String text = text(r);
    StoredTensor geo = r.tensors().stream().filter(t -> t.name().equals(LINES)).findFirst()
        .orElseThrow(() -> EdgewiseException.invalidArgument("reuse entry holds no '" + LINES + "' tensor"));
    int n = (int) geo.dims()[0];
    String[] texts = n == 0 ? new String[0] : text.split("\n", -1);
    if (texts.length != n || geo.data().length != n * LINE_FLOATS * 4) {
      throw EdgewiseException.invalidArgument("reuse entry: " + texts.length + " texts for " + n + " regions");
    }
    ByteBuffer b = ByteBuffer.wrap(geo.data()).order(ByteOrder.LITTLE_ENDIAN);
    List<OcrLine> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Point[] p = new Point[4];
      for (int k = 0; k < 4; k++) {
        p[k] = new Point(b.getFloat(), b.getFloat());
      }
      double conf = b.getFloat();
      boolean rotated = b.getFloat() != 0;
      out.add(new OcrLine(texts[i], new Quad(p[0], p[1], p[2], p[3]), conf, rotated));
    }
    return out;
  }
}
