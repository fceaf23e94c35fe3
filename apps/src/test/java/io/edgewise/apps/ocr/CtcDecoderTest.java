package io.edgewise.apps.ocr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.edgewise.EdgewiseException;
import java.util.List;
import org.junit.jupiter.api.Test;

class CtcDecoderTest {
  // classes: 0 blank, 1 'a', 2 'b', 3 'c', 4 ' '
  private final CtcDecoder decoder = new CtcDecoder(List.of("a", "b", "c"));

  private static float[] steps(int classes, int[] best, float[] p) {
    float[] out = new float[best.length * classes];
    for (int t = 0; t < best.length; t++) {
      for (int k = 0; k < classes; k++) {
        out[t * classes + k] = (1 - p[t]) / (classes - 1);
      }
      out[t * classes + best[t]] = p[t];
    }
    return out;
  }

  @Test
  void repeatsMergeBlanksDropAndTheLastClassIsASpace() {
    assertEquals(5, decoder.classCount());
    int[] best = {1, 1, 0, 1, 2, 2, 4, 3, 0, 0};
    float[] p = {0.9f, 0.8f, 0.99f, 0.7f, 0.6f, 0.9f, 0.5f, 0.8f, 0.9f, 0.9f};
    CtcDecoder.Text t = decoder.decode(steps(5, best, p), 0, best.length, 5);
    assertEquals("aab c", t.text());
    // confidence: the first step of each kept run: 0.9, 0.7, 0.6, 0.5, 0.8
    assertEquals((0.9 + 0.7 + 0.6 + 0.5 + 0.8) / 5, t.confidence(), 1e-6);
  }

  @Test
  void secondItemOfABatchAndAnAllBlankLine() {
    float[] batch = new float[2 * 3 * 5];
    float[] a = steps(5, new int[] {0, 0, 0}, new float[] {0.9f, 0.9f, 0.9f});
    float[] b = steps(5, new int[] {3, 0, 3}, new float[] {0.9f, 0.9f, 0.9f});
    System.arraycopy(a, 0, batch, 0, 15);
    System.arraycopy(b, 0, batch, 15, 15);
    assertEquals("", decoder.decode(batch, 0, 3, 5).text());
    assertEquals(0, decoder.decode(batch, 0, 3, 5).confidence());
    assertEquals("cc", decoder.decode(batch, 1, 3, 5).text());
  }

  @Test
  void aModelWithOtherClassesIsRefused() {
    assertThrows(EdgewiseException.class, () -> decoder.decode(new float[12], 0, 2, 6));
  }

  @Test
  void theBestPathCarriesWhatDecodingNeeds() {
    int[] best = {1, 1, 0, 1, 2, 2, 4, 3, 0, 0};
    float[] p = {0.9f, 0.8f, 0.99f, 0.7f, 0.6f, 0.9f, 0.5f, 0.8f, 0.9f, 0.9f};
    float[] batch = new float[2 * best.length * 5];
    System.arraycopy(steps(5, best, p), 0, batch, best.length * 5, best.length * 5);  // item 1; item 0 all zeros
    int[] classes = new int[2 * best.length];
    float[] probs = new float[2 * best.length];
    CtcDecoder.bestPath(batch, 0, best.length, 5, classes, probs, 0);
    CtcDecoder.bestPath(batch, 1, best.length, 5, classes, probs, best.length);
    // item 0: every class ties at 0, the lowest (blank) wins; item 1: the classes and probabilities written above
    for (int t = 0; t < best.length; t++) {
      assertEquals(0, classes[t]);
      assertEquals(best[t], classes[best.length + t]);
      assertEquals(p[t], probs[best.length + t]);
    }
    CtcDecoder.Text fromPath = decoder.decodeBestPath(classes, probs, best.length, best.length);
    assertEquals("aab c", fromPath.text());
    assertEquals(decoder.decode(batch, 1, best.length, 5), fromPath);
    assertEquals("", decoder.decodeBestPath(classes, probs, 0, best.length).text());
  }

  @Test
  void aBestPathNamingAClassOutsideTheDictionaryIsRefused() {
    EdgewiseException e = assertThrows(EdgewiseException.class,
        () -> decoder.decodeBestPath(new int[] {1, 5}, new float[2], 0, 2));
    assertEquals(1, e.getMessage().lines().count());
  }
}
