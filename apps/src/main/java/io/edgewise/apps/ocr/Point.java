package io.edgewise.apps.ocr;

/** A point on the page, in pixels (x right, y down). */
public record Point(double x, double y) {
  public double distance(Point o) {
    return Math.hypot(x - o.x, y - o.y);
  }
}
