package io.edgewise.apps.ocr.reuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.edgewise.apps.ocr.BgrImage;
import org.junit.jupiter.api.Test;

class ThumbnailTest {
  /** A 4 x 2 image, left half black and right half white, into a 2 x 1 grid: cells 0 and 255, standardised -1, +1. */
  @Test
  void averagesCellsAndStandardises() {
    BgrImage img = BgrImage.filled(4, 2, 0, 0, 0);
    for (int y = 0; y < 2; y++) {
      for (int x = 2; x < 4; x++) {
        img.set(x, y, 255, 255, 255);
      }
    }
    assertArrayEquals(new float[] {-1, 1}, Thumbnail.of(img, 2, 1, 0), 1e-6f);
    // with the aspect ratio appended: ln(4 / 2) * 3
    float[] withAspect = Thumbnail.of(img, 2, 1, 3);
    assertEquals(3, withAspect.length);
    assertEquals(3 * Math.log(2), withAspect[2], 1e-6);
  }

  @Test
  void brightnessAndContrastDoNotMoveIt() {
    BgrImage a = BgrImage.filled(8, 8, 0, 0, 0);
    BgrImage b = BgrImage.filled(8, 8, 0, 0, 0);
    for (int y = 0; y < 8; y++) {
      for (int x = 0; x < 8; x++) {
        int v = (x * 7 + y * 13) % 100;
        a.set(x, y, v, v, v);
        b.set(x, y, 2 * v + 20, 2 * v + 20, 2 * v + 20);
      }
    }
    assertArrayEquals(Thumbnail.of(a, 4, 4, 0), Thumbnail.of(b, 4, 4, 0), 1e-5f);
  }

  @Test
  void aFlatImageIsAllZeros() {
    assertArrayEquals(new float[6], Thumbnail.of(BgrImage.filled(5, 5, 9, 9, 9), 3, 2, 0), 0f);
  }

  /** An image smaller than the grid: empty cells take the value of the cell above (here 1 x 2 into 1 x 4). */
  @Test
  void anImageSmallerThanTheGridFillsEmptyCells() {
    BgrImage img = BgrImage.filled(1, 2, 0, 0, 0);
    img.set(0, 1, 200, 200, 200);
    float[] t = Thumbnail.of(img, 1, 4, 0);
    // rows 0 and 1 of the image land in cells 0 and 2; cells 1 and 3 copy them: 0, 0, 200, 200 -> -1, -1, 1, 1
    assertArrayEquals(new float[] {-1, -1, 1, 1}, t, 1e-6f);
  }
}
