package io.edgewise.apps.ocr;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class LinePreprocessTest {
  @Test
  void batchWidthIsTheWidestLineAtHeight48AndAtLeast320() {
    assertEquals(320, LinePreprocess.recWidth(List.of(BgrImage.filled(100, 24, 0, 0, 0))));
    assertEquals(480, LinePreprocess.recWidth(List.of(BgrImage.filled(100, 24, 0, 0, 0),
        BgrImage.filled(300, 30, 0, 0, 0))));
  }

  @Test
  void linesAreScaledNormalisedAndPaddedWithZeros() {
    BgrImage white = BgrImage.filled(24, 12, 255, 255, 255); // 48 x 96 at height 48
    BgrImage black = BgrImage.filled(10, 10, 0, 0, 0); // 48 x 48
    float[] x = LinePreprocess.batch(List.of(white, black), 48, 192);
    int plane = 48 * 192;
    assertEquals(2 * 3 * plane, x.length);
    assertEquals(1f, x[0]);
    assertEquals(1f, x[2 * plane + 47 * 192 + 95], "last column of the white line");
    assertEquals(0f, x[2 * plane + 47 * 192 + 96], "padding");
    assertEquals(-1f, x[3 * plane + 47], "the black line");
    assertEquals(0f, x[3 * plane + 48]);
    // wider than the batch: squeezed to the batch width
    float[] y = LinePreprocess.batch(List.of(BgrImage.filled(500, 10, 255, 0, 0)), 48, 192);
    assertEquals(1f, y[191]);
    assertEquals(-1f, y[plane + 191]);
  }
}
