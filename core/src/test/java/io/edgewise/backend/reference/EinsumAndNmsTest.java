package io.edgewise.backend.reference;

import static io.edgewise.backend.reference.ConvTestSupport.assertLongs;
import static io.edgewise.backend.reference.ConvTestSupport.assertTensor;
import static io.edgewise.backend.reference.ConvTestSupport.dims;
import static io.edgewise.backend.reference.ConvTestSupport.floats;
import static io.edgewise.backend.reference.ConvTestSupport.node;
import static io.edgewise.backend.reference.ConvTestSupport.run;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import io.edgewise.model.Attribute;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Einsum's common equations and NonMaxSuppression in both box formats, worked out by hand. */
class EinsumAndNmsTest {
  private static Tensor einsum(String eq, Tensor... in) {
    return run(node("", "Einsum", in.length, 1, Attribute.ofString("equation", eq)), 12, in)[0];
  }

  @Test
  void einsumMatrixProductsTransposesAndReductions() {
    Tensor a = floats(dims(2, 3), 1, 2, 3, 4, 5, 6);
    Tensor b = floats(dims(3, 2), 1, 0, 0, 1, 1, 1);
    assertTensor(einsum("ij,jk->ik", a, b), dims(2, 2), 4, 5, 10, 11);
    assertTensor(einsum("ij->ji", a), dims(3, 2), 1, 4, 2, 5, 3, 6);
    assertTensor(einsum("ij->i", a), dims(2), 6, 15);
    assertTensor(einsum("ij->", a), dims(), 21);
    // implicit output: labels occurring once, alphabetically ("ba" -> "ab": a transpose)
    assertTensor(einsum("ba", a), dims(3, 2), 1, 4, 2, 5, 3, 6);
    assertTensor(einsum("ij,jk", a, b), dims(2, 2), 4, 5, 10, 11);
    // outer product and dot product
    Tensor u = floats(dims(2), 1, 2);
    Tensor v = floats(dims(3), 3, 4, 5);
    assertTensor(einsum("i,j->ij", u, v), dims(2, 3), 3, 4, 5, 6, 8, 10);
    assertTensor(einsum("i,i", u, u), dims(), 5);
    // trace and diagonal: a label repeated in one operand
    Tensor sq = floats(dims(2, 2), 1, 2, 3, 4);
    assertTensor(einsum("ii", sq), dims(), 5);
    assertTensor(einsum("ii->i", sq), dims(2), 1, 4);
  }

  @Test
  void einsumBatchMatmulWithEllipsisBroadcasts() {
    // [2, 1, 2] x [2, 1]: batch of two row vectors times one matrix
    Tensor a = floats(dims(2, 1, 2), 1, 2, 3, 4);
    Tensor b = floats(dims(2, 1), 10, 100);
    assertTensor(einsum("bij,jk->bik", a, b), dims(2, 1, 1), 210, 430);
    assertTensor(einsum("...ij,jk->...ik", a, b), dims(2, 1, 1), 210, 430);
    // "..." dims of size 1 stretch: [1, 2] batch against [3, 2] batch, then a sum over it
    Tensor x = floats(dims(1, 2), 1, 2);
    Tensor y = floats(dims(3, 2), 1, 1, 2, 2, 3, 3);
    assertTensor(einsum("...j,...j->...", x, y), dims(3), 3, 6, 9);
    // integers stay integers
    Tensor i = Tensor.ofLongs(DType.INT32, Shape.of(2, 2), 1, 2, 3, 4);
    assertLongs(einsum("ij,jk->ik", i, i), dims(2, 2), 7, 10, 15, 22);
    EdgewiseException e = assertThrows(EdgewiseException.class, () -> einsum("ij,jk->ik", a, b));
    assertTrue(e.getMessage().contains("rank"), e.getMessage());
    e = assertThrows(EdgewiseException.class, () -> einsum("ij,jk->iz", x, y.withShape(Shape.of(2, 3))));
    assertTrue(e.getMessage().contains("'z'"), e.getMessage());
  }

  private static Tensor nms(long centerPointBox, Tensor boxes, Tensor scores, long max, float iou, Float score) {
    Tensor[] in = {boxes, scores, Tensor.ofLongs(DType.INT64, Shape.of(1), max), Tensor.ofFloats(Shape.of(1), iou),
        score == null ? null : Tensor.ofFloats(Shape.of(1), score)};
    return run(node("", "NonMaxSuppression", 5, 1, Attribute.ofInt("center_point_box", centerPointBox)), 11,
        in)[0];
  }

  @Test
  void nmsSelectsByScoreAndSuppressesOverlaps() {
    // the spec's "suppress by IoU" case: three boxes near the origin, two near y = 10, one at y = 100
    Tensor boxes = floats(dims(1, 6, 4), 0, 0, 1, 1, 0, 0.1f, 1, 1.1f, 0, -0.1f, 1, 0.9f,
        0, 10, 1, 11, 0, 10.1f, 1, 11.1f, 0, 100, 1, 101);
    Tensor scores = floats(dims(1, 1, 6), 0.9f, 0.75f, 0.6f, 0.95f, 0.5f, 0.3f);
    assertLongs(nms(0, boxes, scores, 3, 0.5f, 0f), dims(3, 3), 0, 0, 3, 0, 0, 0, 0, 0, 5);
    // a score threshold drops box 5; max 2 keeps the two best survivors
    assertLongs(nms(0, boxes, scores, 10, 0.5f, 0.4f), dims(2, 3), 0, 0, 3, 0, 0, 0);
    assertLongs(nms(0, boxes, scores, 2, 0.5f, null), dims(2, 3), 0, 0, 3, 0, 0, 0);
    // flipped corners ([y2, x2, y1, x1]) are the same boxes
    Tensor flipped = floats(dims(1, 6, 4), 1, 1, 0, 0, 1, 1.1f, 0, 0.1f, 1, 0.9f, 0, -0.1f,
        1, 11, 0, 10, 1, 11.1f, 0, 10.1f, 1, 101, 0, 100);
    assertLongs(nms(0, flipped, scores, 3, 0.5f, 0f), dims(3, 3), 0, 0, 3, 0, 0, 0, 0, 0, 5);
    // max_output_boxes_per_class 0 selects nothing
    assertLongs(nms(0, boxes, scores, 0, 0.5f, 0f), dims(0, 3));
  }

  @Test
  void nmsCenterPointBoxesAndTiesByIndex() {
    // the same boxes as [x_center, y_center, width, height]
    Tensor boxes = floats(dims(1, 6, 4), 0.5f, 0.5f, 1, 1, 0.5f, 0.6f, 1, 1, 0.5f, 0.4f, 1, 1,
        0.5f, 10.5f, 1, 1, 0.5f, 10.6f, 1, 1, 0.5f, 100.5f, 1, 1);
    Tensor scores = floats(dims(1, 1, 6), 0.9f, 0.75f, 0.6f, 0.95f, 0.5f, 0.3f);
    assertLongs(nms(1, boxes, scores, 3, 0.5f, 0f), dims(3, 3), 0, 0, 3, 0, 0, 0, 0, 0, 5);
    // equal scores, disjoint boxes: lower index first; two classes in order
    Tensor apart = floats(dims(1, 2, 4), 0, 0, 1, 1, 5, 5, 6, 6);
    Tensor tie = floats(dims(1, 2, 2), 0.5f, 0.5f, 0.1f, 0.7f);
    assertLongs(nms(0, apart, tie, 5, 0.5f, null), dims(4, 3), 0, 0, 0, 0, 0, 1, 0, 1, 1, 0, 1, 0);
  }
}
