package io.edgewise.apps.ocr;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The minimum-area rotated rectangle around a set of points (OpenCV's {@code minAreaRect}): the convex hull, then
 * rotating calipers (the best rectangle has a side along a hull edge). The corners come ordered as PaddleOCR's
 * {@code get_mini_boxes}: of the two leftmost corners the upper is top-left, of the two rightmost the upper is
 * top-right.
 */
public final class MinAreaRect {
  /** The rectangle: its corners and side lengths ({@code shortSide} is PaddleOCR's "sside"). */
  public record Rect(Quad quad, double width, double height) {
    public double shortSide() {
      return Math.min(width, height);
    }
  }

  private MinAreaRect() {}

  public static Rect of(List<Point> points) {
    if (points.isEmpty()) {
      throw new IllegalArgumentException("no points");
    }
    List<Point> hull = convexHull(points);
    if (hull.size() == 1) {
      Point p = hull.get(0);
      return new Rect(new Quad(p, p, p, p), 0, 0);
    }
    double best = Double.POSITIVE_INFINITY;
    Point[] corners = null;
    double bw = 0;
    double bh = 0;
    int n = hull.size();
    for (int i = 0; i < n; i++) {
      Point a = hull.get(i);
      Point b = hull.get((i + 1) % n);
      double len = a.distance(b);
      if (len == 0) {
        continue;
      }
      double ux = (b.x() - a.x()) / len;
      double uy = (b.y() - a.y()) / len;
      double minU = Double.POSITIVE_INFINITY;
      double maxU = Double.NEGATIVE_INFINITY;
      double minV = Double.POSITIVE_INFINITY;
      double maxV = Double.NEGATIVE_INFINITY;
      for (Point p : hull) {
        double u = p.x() * ux + p.y() * uy;
        double v = -p.x() * uy + p.y() * ux;
        minU = Math.min(minU, u);
        maxU = Math.max(maxU, u);
        minV = Math.min(minV, v);
        maxV = Math.max(maxV, v);
      }
      double area = (maxU - minU) * (maxV - minV);
      if (area < best - 1e-9) {
        best = area;
        bw = maxU - minU;
        bh = maxV - minV;
        corners = new Point[] {at(minU, minV, ux, uy), at(maxU, minV, ux, uy), at(maxU, maxV, ux, uy),
            at(minU, maxV, ux, uy)};
      }
    }
    return new Rect(order(corners), bw, bh);
  }

  private static Point at(double u, double v, double ux, double uy) {
    return new Point(u * ux - v * uy, u * uy + v * ux);
  }

  /** Four corners in get_mini_boxes order: tl, tr, br, bl. */
  static Quad order(Point[] corners) {
    Point[] p = corners.clone();
    Arrays.sort(p, Comparator.comparingDouble(Point::x));
    Point tl;
    Point bl;
    if (p[1].y() > p[0].y()) {
      tl = p[0];
      bl = p[1];
    } else {
      tl = p[1];
      bl = p[0];
    }
    Point tr;
    Point br;
    if (p[3].y() > p[2].y()) {
      tr = p[2];
      br = p[3];
    } else {
      tr = p[3];
      br = p[2];
    }
    return new Quad(tl, tr, br, bl);
  }

  /** Andrew's monotone chain; collinear points dropped; counter-clockwise in y-up terms. */
  static List<Point> convexHull(List<Point> points) {
    Point[] p = points.toArray(new Point[0]);
    Arrays.sort(p, Comparator.comparingDouble(Point::x).thenComparingDouble(Point::y));
    int n = p.length;
    if (n < 3) {
      List<Point> out = new ArrayList<>();
      for (Point q : p) {
        if (out.isEmpty() || !out.get(out.size() - 1).equals(q)) {
          out.add(q);
        }
      }
      return out;
    }
    Point[] h = new Point[2 * n];
    int k = 0;
    for (int i = 0; i < n; i++) {
      while (k >= 2 && cross(h[k - 2], h[k - 1], p[i]) <= 0) {
        k--;
      }
      h[k++] = p[i];
    }
    for (int i = n - 2, t = k + 1; i >= 0; i--) {
      while (k >= t && cross(h[k - 2], h[k - 1], p[i]) <= 0) {
        k--;
      }
      h[k++] = p[i];
    }
    return new ArrayList<>(Arrays.asList(h).subList(0, Math.max(1, k - 1)));
  }

  private static double cross(Point o, Point a, Point b) {
    return (a.x() - o.x()) * (b.y() - o.y()) - (a.y() - o.y()) * (b.x() - o.x());
  }
}
