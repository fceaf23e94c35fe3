package io.edgewise.backend.reference.ops;

import io.edgewise.backend.exec.OpContext;
import io.edgewise.backend.exec.OpRegistry;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * NonMaxSuppression (opset 10, 11): boxes [B, N, 4], scores [B, C, N]; optional inputs max_output_boxes_per_class
 * (int64, default 0: select nothing), iou_threshold (default 0) and score_threshold (default: none). For every batch
 * and class, the boxes whose score is above score_threshold are visited by descending score (equal scores: lower box
 * index first); a box is selected unless its IoU with an already selected box of that class exceeds iou_threshold,
 * until max_output_boxes_per_class are selected. Output: selected_indices [K, 3] int64 rows (batch, class, box) in
 * that order.
 *
 * <p>center_point_box = 0 (default): a box is [y1, x1, y2, x2], any two opposite corners; 1: [x_center, y_center,
 * width, height]. A box of zero area or boxes that only touch suppress nothing.
 */
public final class NonMaxSuppressionKernel {
  private NonMaxSuppressionKernel() {}

  public static void register(OpRegistry r) {
    r.register("NonMaxSuppression", NonMaxSuppressionKernel::compute);
  }

  private static Tensor[] compute(OpContext ctx, Tensor[] in) {
    Tensor boxes = ctx.required(in, 0);
    Tensor scores = ctx.required(in, 1);
    if (boxes.shape().rank() != 3 || boxes.shape().dim(2) != 4) {
      throw ctx.invalid("input[0] boxes must be [batch, boxes, 4], got " + boxes.shape());
    }
    if (scores.shape().rank() != 3 || scores.shape().dim(0) != boxes.shape().dim(0)
        || scores.shape().dim(2) != boxes.shape().dim(1)) {
      throw ctx.invalid("input[1] scores must be [batch, classes, boxes] matching boxes " + boxes.shape() + ", got "
          + scores.shape());
    }
    long centerPointBox = ctx.node().attrInt("center_point_box", 0);
    if (centerPointBox != 0 && centerPointBox != 1) {
      throw ctx.invalid("attribute center_point_box = " + centerPointBox + " must be 0 or 1");
    }
    long maxPerClass = scalar(in, 2) == null ? 0 : Math.max(in[2].getLong(0), 0);
    double iouThreshold = scalar(in, 3) == null ? 0 : in[3].getFloat(0);
    boolean hasScoreThreshold = scalar(in, 4) != null;
    float scoreThreshold = hasScoreThreshold ? in[4].getFloat(0) : 0;
    if (iouThreshold < 0 || iouThreshold > 1) {
      throw ctx.invalid("input[3] iou_threshold = " + iouThreshold + " must be in [0, 1]");
    }
    int batches = (int) boxes.shape().dim(0);
    int n = (int) boxes.shape().dim(1);
    int classes = (int) scores.shape().dim(1);
    double[][] corners = new double[batches * n][];
    for (int i = 0; i < corners.length; i++) {
      corners[i] = corners(boxes, i, centerPointBox == 1);
    }
    float[] sv = scores.toFloatArray();
    List<long[]> selected = new ArrayList<>();
    for (int b = 0; b < batches; b++) {
      for (int c = 0; c < classes; c++) {
        int base = (b * classes + c) * n;
        List<Integer> candidates = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          if (!hasScoreThreshold || sv[base + i] > scoreThreshold) {
            candidates.add(i);
          }
        }
        // descending score; equal scores keep the lower box index first
        candidates.sort((p, q) -> sv[base + p] != sv[base + q] ? Float.compare(sv[base + q], sv[base + p])
            : Integer.compare(p, q));
        List<Integer> kept = new ArrayList<>();
        for (int i : candidates) {
          if (kept.size() >= maxPerClass) {
            break;
          }
          boolean suppressed = false;
          for (int k : kept) {
            if (iou(corners[b * n + i], corners[b * n + k]) > iouThreshold) {
              suppressed = true;
              break;
            }
          }
          if (!suppressed) {
            kept.add(i);
            selected.add(new long[] {b, c, i});
          }
        }
      }
    }
    long[] flat = new long[selected.size() * 3];
    for (int i = 0; i < selected.size(); i++) {
      System.arraycopy(selected.get(i), 0, flat, i * 3, 3);
    }
    return new Tensor[] {Tensor.ofLongs(DType.INT64, Shape.of(selected.size(), 3), flat)};
  }

  /** The optional input when present and non-empty, else null. */
  private static Tensor scalar(Tensor[] in, int i) {
    return i < in.length && in[i] != null && in[i].size() > 0 ? in[i] : null;
  }

  /** Box i as {xmin, ymin, xmax, ymax}. */
  private static double[] corners(Tensor boxes, int i, boolean centerPoint) {
    double a = boxes.getFloat(i * 4L);
    double b = boxes.getFloat(i * 4L + 1);
    double c = boxes.getFloat(i * 4L + 2);
    double d = boxes.getFloat(i * 4L + 3);
    if (centerPoint) {  // [x_center, y_center, width, height]
      return new double[] {a - c / 2, b - d / 2, a + c / 2, b + d / 2};
    }
    // [y1, x1, y2, x2], corners in either order
    return new double[] {Math.min(b, d), Math.min(a, c), Math.max(b, d), Math.max(a, c)};
  }

  private static double iou(double[] p, double[] q) {
    double ix = Math.min(p[2], q[2]) - Math.max(p[0], q[0]);
    double iy = Math.min(p[3], q[3]) - Math.max(p[1], q[1]);
    if (ix <= 0 || iy <= 0) {
      return 0;
    }
    double inter = ix * iy;
    double areaP = (p[2] - p[0]) * (p[3] - p[1]);
    double areaQ = (q[2] - q[0]) * (q[3] - q[1]);
    double union = areaP + areaQ - inter;
    if (areaP <= 0 || areaQ <= 0 || union <= 0) {
      return 0;
    }
    return inter / union;
  }
}
