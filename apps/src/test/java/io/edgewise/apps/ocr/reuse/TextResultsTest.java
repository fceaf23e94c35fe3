package io.edgewise.apps.ocr.reuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.apps.ocr.OcrLine;
import io.edgewise.apps.ocr.Point;
import io.edgewise.apps.ocr.Quad;
import io.edgewise.reuse.StoredResult;
import java.util.List;
import org.junit.jupiter.api.Test;

class TextResultsTest {
  @Test
  void aFrameRoundTripsWithItsRegionsAndVotesByItsText() {
    Quad q1 = new Quad(new Point(1, 2), new Point(30, 2), new Point(30, 12), new Point(1, 12));
    Quad q2 = new Quad(new Point(5, 20), new Point(50.5, 21), new Point(50, 33), new Point(5, 32));
    List<OcrLine> lines = List.of(new OcrLine("north Oslo", q1, 0.98, false), new OcrLine("äö 12", q2, 0.91, true));
    StoredResult r = TextResults.frame(lines);
    assertEquals(lines, TextResults.lines(r).stream().map(l -> new OcrLine(l.text(), l.quad(),
        Math.round(l.confidence() * 100) / 100.0, l.rotated180())).toList());
    assertEquals(TextResults.label("north Oslo\näö 12"), r.label());
    assertTrue(r.label() >= 0);
    assertEquals(0.91, r.confidence(), 1e-6);
    assertEquals(List.of(), TextResults.lines(TextResults.frame(List.of())));
  }

  /** A frame stored with its pose gives the pose back; one stored without has none. */
  @Test
  void aFrameKeepsItsPose() {
    Quad q = new Quad(new Point(1, 2), new Point(30, 2), new Point(30, 12), new Point(1, 12));
    FramePose pose = new FramePose(0.01, 310.5, 200.25, 136, 107.5);
    StoredResult r = TextResults.frame(List.of(new OcrLine("Oslo", q, 0.9, false)), pose, 77);
    assertEquals(77, r.label());
    FramePose back = TextResults.pose(r).orElseThrow();
    assertEquals(0.01, back.angle(), 1e-7);
    assertEquals(310.5, back.cx());
    assertEquals(200.25, back.cy());
    assertEquals(136, back.sx());
    assertEquals(107.5, back.sy());
    assertTrue(TextResults.pose(TextResults.frame(List.of())).isEmpty());
  }

  /**
   * A computed frame takes the stored frame's label when its lines, in any order, differ in at most the tolerance of
   * the characters; else its own.
   */
  @Test
  void aFrameTakesTheNearestsLabelWhenItsLinesMatchInAnyOrder() {
    Quad q = new Quad(new Point(1, 2), new Point(30, 2), new Point(30, 12), new Point(1, 12));
    StoredResult stored = TextResults.frame(List.of(new OcrLine("Linux to Monday silver budget", q, 0.9, false),
        new OcrLine("(60) new in", q, 0.9, false), new OcrLine("Not", q, 0.9, false)), 4242);
    // the lines in another order with one edit (1 of 43 characters) agree; "40N" for "Not" (3 edits, 7%) does not
    List<OcrLine> swapped = List.of(new OcrLine("(60) new in", q, 0.9, false),
        new OcrLine("Linux to Monday silver budget", q, 0.9, false), new OcrLine("N0t", q, 0.9, false));
    assertEquals(4242, TextResults.frameLabel(swapped, java.util.Optional.of(stored), 0.05));
    List<OcrLine> misread = List.of(new OcrLine("(60) new in", q, 0.9, false),
        new OcrLine("Linux to Monday silver budget", q, 0.9, false), new OcrLine("40N", q, 0.9, false));
    assertEquals(TextResults.label(TextResults.joined(misread)),
        TextResults.frameLabel(misread, java.util.Optional.of(stored), 0.05));
    assertEquals(TextResults.label(TextResults.joined(swapped)),
        TextResults.frameLabel(swapped, java.util.Optional.empty(), 0.05));
  }

  @Test
  void aLineKeepsItsText() {
    StoredResult r = TextResults.line("Lisbon bridge", 0.97);
    assertEquals("Lisbon bridge", TextResults.text(r));
    assertEquals(TextResults.label("Lisbon bridge"), r.label());
    assertNotEquals(TextResults.label("Lisbon bridges"), r.label());
  }
}
