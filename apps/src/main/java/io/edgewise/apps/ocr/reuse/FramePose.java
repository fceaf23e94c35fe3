package io.edgewise.apps.ocr.reuse;

import io.edgewise.apps.ocr.Point;
import io.edgewise.apps.ocr.Quad;

/**
 * Where a frame's content sits, estimated from the frame alone ({@link RegisteredFrame}): the skew that makes its
 * text rows horizontal, and the centroid and spread of its edges in the deskewed frame, in the frame's pixels. Two
 * frames of one scene under a small shift, scale change and rotation have poses related by that same transform, so
 * a point of one frame maps to the other through their poses ({@link #map}) without comparing the frames.
 *
 * @param angle the skew in radians: deskewed coordinates are the frame's rotated by {@code -angle} about (0, 0)
 * @param cx the edges' centroid, deskewed x
 * @param cy the edges' centroid, deskewed y
 * @param sx the edges' standard deviation along deskewed x
 * @param sy the edges' standard deviation along deskewed y
 */
public record FramePose(double angle, double cx, double cy, double sx, double sy) {
  /** The point of a frame with pose {@code from} at the same place of the content in a frame with this pose. */
  public Point map(Point p, FramePose from) {
    double c = Math.cos(from.angle);
    double s = Math.sin(from.angle);
    // into the other frame's deskewed, normalised coordinates
    double nx = (c * p.x() + s * p.y() - from.cx) / from.sx;
    double ny = (-s * p.x() + c * p.y() - from.cy) / from.sy;
    // out through this pose
    double x = cx + nx * sx;
    double y = cy + ny * sy;
    double c2 = Math.cos(angle);
    double s2 = Math.sin(angle);
    return new Point(c2 * x - s2 * y, s2 * x + c2 * y);
  }

  /** A region of a frame with pose {@code from}, mapped into this frame (corners in the same order). */
  public Quad map(Quad q, FramePose from) {
    return new Quad(map(q.tl(), from), map(q.tr(), from), map(q.br(), from), map(q.bl(), from));
  }

  /** The pose as five floats (angle, cx, cy, sx, sy), as a stored frame keeps it. */
  public float[] toFloats() {
    return new float[] {(float) angle, (float) cx, (float) cy, (float) sx, (float) sy};
  }

  public static FramePose ofFloats(float[] f) {
    return new FramePose(f[0], f[1], f[2], f[3], f[4]);
  }
}
