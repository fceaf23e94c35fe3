package io.edgewise.apps.ocr;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class ReadingOrderTest {
  @Test
  void topToBottomThenLeftToRightWithinTenPixels() {
    Quad a = Quad.ofBox(300, 100, 400, 120); // same line as b (4 px lower), right of it
    Quad b = Quad.ofBox(10, 96, 200, 118);
    Quad c = Quad.ofBox(10, 10, 50, 30);
    Quad d = Quad.ofBox(5, 200, 50, 230);
    assertEquals(List.of(c, b, a, d), ReadingOrder.sort(List.of(a, b, c, d), Function.identity()));
    Quad e = Quad.ofBox(5, 115, 50, 130); // 15 px below b: the next line
    assertEquals(List.of(b, a, e), ReadingOrder.sort(List.of(e, a, b), Function.identity()));
  }
}
