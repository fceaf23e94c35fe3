package io.edgewise.apps.ocr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import org.junit.jupiter.api.Test;

class CropTest {
  /** Pixel (x, y) holds b = x, g = y, r = x + y (mod 256). */
  private static BgrImage gradient(int w, int h) {
    BgrImage img = BgrImage.filled(w, h, 0, 0, 0);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        img.set(x, y, x, y, (x + y) & 0xff);
      }
    }
    return img;
  }

  @Test
  void anAxisAlignedBoxIsTheSubImage() {
    BgrImage page = gradient(100, 60);
    BgrImage c = Crop.run(page, Quad.ofBox(10, 20, 50, 35));
    assertEquals(40, c.width());
    assertEquals(15, c.height());
    for (int y = 0; y < 15; y++) {
      for (int x = 0; x < 40; x++) {
        assertEquals(10 + x, c.get(x, y, 0));
        assertEquals(20 + y, c.get(x, y, 1));
      }
    }
  }

  @Test
  void aRotatedBoxIsStraightened() {
    BgrImage page = gradient(200, 200);
    double t = Math.toRadians(30);
    Point tl = new Point(50, 50);
    Point tr = new Point(50 + 80 * Math.cos(t), 50 + 80 * Math.sin(t));
    Point bl = new Point(50 - 20 * Math.sin(t), 50 + 20 * Math.cos(t));
    Point br = new Point(tr.x() + bl.x() - tl.x(), tr.y() + bl.y() - tl.y());
    BgrImage c = Crop.run(page, new Quad(tl, tr, br, bl));
    assertTrue(c.width() == 79 || c.width() == 80, "width " + c.width());
    assertEquals(20, c.height(), 1);
    // output (x, 0) lies on the top edge: page x = 50 + x cos t, y = 50 + x sin t (bilinear: within a level)
    for (int x = 0; x < 70; x += 10) {
      assertEquals(50 + x * Math.cos(t), c.get(x, 0, 0), 1.01);
      assertEquals(50 + x * Math.sin(t), c.get(x, 0, 1), 1.01);
    }
  }

  @Test
  void aTallCropIsTurnedIntoALine() {
    BgrImage c = Crop.run(gradient(100, 100), Quad.ofBox(10, 10, 20, 60));
    assertEquals(50, c.width());
    assertEquals(10, c.height());
  }

  @Test
  void aBoxThatCropsToNothingIsOneErrorNamingIt() {
    BgrImage page = gradient(50, 50);
    EdgewiseException e = assertThrows(EdgewiseException.class, () -> Crop.run(page, Quad.ofBox(10, 10, 10.5, 30)));
    assertTrue(e.getMessage().contains("crops to nothing") && e.getMessage().contains("(10.0,10.0)"), e.getMessage());
  }
}
