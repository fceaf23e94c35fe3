package io.edgewise.apps.ocr;

import static io.edgewise.apps.ocr.MinAreaRectTest.assertPoint;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class DbPostprocessTest {
  private static void fill(float[] map, int w, int x0, int y0, int x1, int y1, float v) {
    for (int y = y0; y <= y1; y++) {
      for (int x = x0; x <= x1; x++) {
        map[y * w + x] = v;
      }
    }
  }

  @Test
  void regionsBecomeUnclippedBoxesInReadingOrder() {
    int w = 128;
    int h = 64;
    float[] map = new float[w * h];
    fill(map, w, 70, 10, 109, 19, 0.9f); // right, first row: 40 x 10 px
    fill(map, w, 10, 12, 49, 21, 0.9f); // left, same row (tops 2 px apart)
    fill(map, w, 10, 40, 49, 49, 0.9f); // second row
    fill(map, w, 80, 40, 100, 50, 0.4f); // above 0.3 but its mean is under 0.6: dropped
    fill(map, w, 5, 58, 6, 59, 0.9f); // 2 x 2: too small
    List<DbPostprocess.Detection> d = DbPostprocess.run(map, w, h, w, h, DbPostprocess.Params.defaults());
    assertEquals(3, d.size(), d.toString());
    // a 39 x 9 rectangle of pixel centres grows by 39 * 9 * 1.5 / 96 = 5.48 px on each side
    double g = 39.0 * 9 * 1.5 / 96;
    assertPoint(Math.round(10 - g), Math.round(12 - g), d.get(0).quad().tl());
    assertPoint(Math.round(49 + g), Math.round(21 + g), d.get(0).quad().br());
    assertEquals(70 - Math.round(g), d.get(1).quad().tl().x(), 1e-9, "same row: read left to right");
    assertEquals(40 - Math.round(g), d.get(2).quad().tl().y(), 1e-9);
    assertEquals(0.9, d.get(0).score(), 1e-6);
  }

  @Test
  void boxesScaleFromTheMapToThePage() {
    float[] map = new float[64 * 32];
    fill(map, 64, 20, 10, 39, 19, 0.8f);
    List<DbPostprocess.Detection> d = DbPostprocess.run(map, 64, 32, 128, 64, DbPostprocess.Params.defaults());
    assertEquals(1, d.size());
    double g = 19.0 * 9 * 1.5 / 56;
    assertPoint(Math.round((20 - g) * 2), Math.round((10 - g) * 2), d.get(0).quad().tl());
    assertPoint(Math.round((39 + g) * 2), Math.round((19 + g) * 2), d.get(0).quad().br());
  }

  @Test
  void boxesStayOnThePage() {
    float[] map = new float[32 * 32];
    fill(map, 32, 0, 0, 31, 9, 0.95f);
    List<DbPostprocess.Detection> d = DbPostprocess.run(map, 32, 32, 32, 32, DbPostprocess.Params.defaults());
    assertEquals(1, d.size());
    for (Point p : d.get(0).quad().points()) {
      assertEquals(true, p.x() >= 0 && p.x() <= 31 && p.y() >= 0 && p.y() <= 31, p.toString());
    }
  }

  @Test
  void aRotatedRegionGivesARotatedBox() {
    int w = 200;
    int h = 120;
    float[] map = new float[w * h];
    double theta = Math.toRadians(15);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        double u = (x - 40) * Math.cos(theta) + (y - 30) * Math.sin(theta);
        double v = -(x - 40) * Math.sin(theta) + (y - 30) * Math.cos(theta);
        if (u >= 0 && u <= 100 && v >= 0 && v <= 12) {
          map[y * w + x] = 0.9f;
        }
      }
    }
    List<DbPostprocess.Detection> d = DbPostprocess.run(map, w, h, w, h, DbPostprocess.Params.defaults());
    assertEquals(1, d.size());
    Quad q = d.get(0).quad();
    double angle = Math.toDegrees(Math.atan2(q.tr().y() - q.tl().y(), q.tr().x() - q.tl().x()));
    assertEquals(15, angle, 1.5);
  }

  @Test
  void nothingAboveTheThresholdIsNoBoxes() {
    assertEquals(List.of(), DbPostprocess.run(new float[32 * 32], 32, 32, 32, 32, DbPostprocess.Params.defaults()));
  }

  @Test
  void packedDetectionsAreTheirCornersAndScoreInOrder() {
    List<DbPostprocess.Detection> d = List.of(
        new DbPostprocess.Detection(new Quad(new Point(1, 2), new Point(3, 4), new Point(5, 6), new Point(7, 8)), 0.75),
        new DbPostprocess.Detection(Quad.ofBox(10.5, 20.25, 30.125, 40), 0.6000000001));
    double[] packed = DbPostprocess.pack(d);
    assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6, 7, 8, 0.75,
        10.5, 20.25, 30.125, 20.25, 30.125, 40, 10.5, 40, 0.6000000001}, packed);
    assertEquals(d, DbPostprocess.unpack(packed));
    assertEquals(List.of(), DbPostprocess.unpack(new double[0]));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DbPostprocess.unpack(new double[10]));
    assertEquals("packed boxes hold 10 numbers, not a multiple of 9", e.getMessage());
  }
}
