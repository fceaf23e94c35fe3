package io.edgewise.apps.ocr.reuse;

import io.edgewise.EdgewiseException;
import io.edgewise.apps.ocr.OcrEvaluator;
import io.edgewise.apps.ocr.OcrLine;
import io.edgewise.apps.ocr.Point;
import io.edgewise.apps.ocr.Quad;
import io.edgewise.apps.ocr.stream.FrameScore;
import io.edgewise.reuse.StoredResult;
import io.edgewise.reuse.StoredResult.StoredTensor;
import io.edgewise.tensor.DType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * OCR results as reuse entries. The H-kNN vote compares labels, so a result's label is a hash of its text (a line's
 * text, or a frame's lines joined): neighbours agree when they read the same text, and calibration counts a reuse as
 * right when the computed text equals the reused one exactly. The text itself travels as UTF-8 bytes; a frame's
 * regions as ten floats per line (corners, confidence, rotated).
 */
public final class TextResults {
  private static final String TEXT = "text";
  private static final String LINES = "lines";
  private static final String POSE = "pose";
  private static final int LINE_FLOATS = 10;

  private TextResults() {}

  /** The label a text votes with: a non-negative hash (a negative label would mean "not a classifier"). */
  public static int label(String text) {
    return text.hashCode() & 0x7fffffff;
  }

  /**
   * The label a computed text votes with: that of the stored result nearest its feature when their texts differ in at
   * most {@code tolerance} of their characters (edit distance over the longer), else a hash of its own text. Frames
   * of one page under camera shake read a character differently now and then; they are the same answer for reuse.
   */
  public static int label(String text, Optional<StoredResult> nearest, double tolerance) {
    if (nearest.isPresent() && nearest.get().isClassification()) {
      String other = text(nearest.get());
      int longer = Math.max(text.length(), other.length());
      if (longer == 0 || OcrEvaluator.editDistance(text, other) <= tolerance * longer) {
        return nearest.get().label();
      }
    }
    return label(text);
  }

  /**
   * The label a computed frame votes with: that of the stored frame nearest its feature when their lines, matched in
   * any order ({@link FrameScore}), differ in at most {@code tolerance} of the characters (of the longer reading),
   * else a hash of its own joined text. Reading order is not compared: two segments of one row swap places when the
   * camera turns a degree.
   */
  public static int frameLabel(List<OcrLine> lines, Optional<StoredResult> nearest, double tolerance) {
    String joined = joined(lines);
    if (nearest.isPresent() && nearest.get().isClassification()) {
      List<String> mine = lines.stream().map(OcrLine::text).toList();
      String other = text(nearest.get());
      List<String> theirs = other.isEmpty() ? List.of() : List.of(other.split("\n", -1));
      FrameScore.Errors e = FrameScore.score(theirs, mine);
      long longer = Math.max(Math.max(e.characters(), joinedLength(mine)), 1);
      if (e.errors() <= tolerance * longer || joined.isEmpty() && other.isEmpty()) {
        return nearest.get().label();
      }
    }
    return label(joined);
  }

  private static long joinedLength(List<String> lines) {
    return lines.stream().mapToLong(String::length).sum();
  }

  /** One recognised line: its text and confidence, voting with its text's own label. */
  public static StoredResult line(String text, double confidence) {
    return line(text, confidence, label(text));
  }

  /** One recognised line voting with the given label. */
  public static StoredResult line(String text, double confidence, int label) {
    byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
    return new StoredResult(label, (float) confidence,
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

  /** A frame's lines, in reading order, voting with their joined text's own label. */
  public static StoredResult frame(List<OcrLine> lines) {
    return frame(lines, label(joined(lines)));
  }

  /** The text of a frame's lines as one string, a line per line. */
  public static String joined(List<OcrLine> lines) {
    return String.join("\n", lines.stream().map(OcrLine::text).toList());
  }

  /** A frame's lines and the frame's pose (where its regions are relative to its content), voting with the label. */
  public static StoredResult frame(List<OcrLine> lines, FramePose pose, int label) {
    StoredResult r = frame(lines, label);
    ByteBuffer b = ByteBuffer.allocate(5 * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : pose.toFloats()) {
      b.putFloat(f);
    }
    List<StoredTensor> tensors = new ArrayList<>(r.tensors());
    tensors.add(new StoredTensor(POSE, DType.FLOAT32, new long[] {5}, b.array()));
    return new StoredResult(r.label(), r.confidence(), tensors);
  }

  /** The pose of a stored frame; empty when it was stored without one. */
  public static Optional<FramePose> pose(StoredResult r) {
    return r.tensors().stream().filter(t -> t.name().equals(POSE) && t.data().length == 5 * 4).findFirst()
        .map(t -> {
          ByteBuffer b = ByteBuffer.wrap(t.data()).order(ByteOrder.LITTLE_ENDIAN);
          float[] f = new float[5];
          for (int i = 0; i < 5; i++) {
            f[i] = b.getFloat();
          }
          return FramePose.ofFloats(f);
        });
  }

  /** A frame's lines voting with the given label. */
  public static StoredResult frame(List<OcrLine> lines, int label) {
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
    return new StoredResult(label, (float) conf, List.of(
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
