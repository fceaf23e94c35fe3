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

  @Test
  void aLineKeepsItsText() {
    StoredResult r = TextResults.line("Lisbon bridge", 0.97);
    assertEquals("Lisbon bridge", TextResults.text(r));
    assertEquals(TextResults.label("Lisbon bridge"), r.label());
    assertNotEquals(TextResults.label("Lisbon bridges"), r.label());
  }
}
