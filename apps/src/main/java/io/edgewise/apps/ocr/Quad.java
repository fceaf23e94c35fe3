package io.edgewise.apps.ocr;

import java.util.List;

/** A text region: four corners, top-left, top-right, bottom-right, bottom-left (the reading direction is tl to tr). */
public record Quad(Point tl, Point tr, Point br, Point bl) {
  public List<Point> points() {
    return List.of(tl, tr, br, bl);
  }

  /** The axis-aligned bounds, {x0, y0, x1, y1}. */
  public double[] bounds() {
    double x0 = Math.min(Math.min(tl.x(), tr.x()), Math.min(br.x(), bl.x()));
    double y0 = Math.min(Math.min(tl.y(), tr.y()), Math.min(br.y(), bl.y()));
    double x1 = Math.max(Math.max(tl.x(), tr.x()), Math.max(br.x(), bl.x()));
    double y1 = Math.max(Math.max(tl.y(), tr.y()), Math.max(br.y(), bl.y()));
    return new double[] {x0, y0, x1, y1};
  }

  /** The axis-aligned rectangle {x0, y0, x1, y1} as a quad. */
  public static Quad ofBox(double x0, double y0, double x1, double y1) {
    return new Quad(new Point(x0, y0), new Point(x1, y0), new Point(x1, y1), new Point(x0, y1));
  }

  /** Shoelace area. */
  public double area() {
    List<Point> p = points();
    double a = 0;
    for (int i = 0; i < 4; i++) {
      Point u = p.get(i);
      Point v = p.get((i + 1) % 4);
      a += u.x() * v.y() - v.x() * u.y();
    }
    return Math.abs(a) / 2;
  }

  public double perimeter() {
    return tl.distance(tr) + tr.distance(br) + br.distance(bl) + bl.distance(tl);
  }

  @Override
  public String toString() {
    return String.format(java.util.Locale.ROOT, "[(%.1f,%.1f) (%.1f,%.1f) (%.1f,%.1f) (%.1f,%.1f)]", tl.x(), tl.y(),
        tr.x(), tr.y(), br.x(), br.y(), bl.x(), bl.y());
  }
}
