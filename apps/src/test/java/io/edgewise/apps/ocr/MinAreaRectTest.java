package io.edgewise.apps.ocr;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MinAreaRectTest {
  @Test
  void axisAlignedPointsGiveTheirBoundingBoxInGetMiniBoxesOrder() {
    List<Point> pts = new ArrayList<>();
    for (int y = 10; y <= 20; y++) {
      pts.add(new Point(5, y));
      pts.add(new Point(45, y));
      pts.add(new Point(20, y)); // inside, dropped by the hull
    }
    MinAreaRect.Rect r = MinAreaRect.of(pts);
    assertEquals(10, r.shortSide(), 1e-9);
    assertEquals(400, r.width() * r.height(), 1e-6);
    assertPoint(5, 10, r.quad().tl());
    assertPoint(45, 10, r.quad().tr());
    assertPoint(45, 20, r.quad().br());
    assertPoint(5, 20, r.quad().bl());
  }

  @Test
  void aRotatedRectangleIsFoundAgain() {
    double theta = Math.toRadians(20);
    List<Point> pts = new ArrayList<>();
    for (int i = 0; i <= 60; i++) {
      for (int j = 0; j <= 10; j++) {
        double x = i * Math.cos(theta) - j * Math.sin(theta) + 100;
        double y = i * Math.sin(theta) + j * Math.cos(theta) + 50;
        pts.add(new Point(x, y));
      }
    }
    MinAreaRect.Rect r = MinAreaRect.of(pts);
    assertEquals(600, r.width() * r.height(), 1e-6);
    assertEquals(10, r.shortSide(), 1e-6);
    // the top-left corner is the rectangle's origin; top-right is 60 px along the 20-degree direction
    assertPoint(100, 50, r.quad().tl());
    assertPoint(100 + 60 * Math.cos(theta), 50 + 60 * Math.sin(theta), r.quad().tr());
  }

  @Test
  void degeneratePointSets() {
    assertEquals(0, MinAreaRect.of(List.of(new Point(3, 3))).shortSide());
    assertEquals(0, MinAreaRect.of(List.of(new Point(0, 0), new Point(5, 0), new Point(9, 0))).shortSide(), 1e-9);
  }

  static void assertPoint(double x, double y, Point p) {
    assertEquals(x, p.x(), 1e-6, "x of " + p);
    assertEquals(y, p.y(), 1e-6, "y of " + p);
  }
}
