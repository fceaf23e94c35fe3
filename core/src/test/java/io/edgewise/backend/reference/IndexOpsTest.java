package io.edgewise.backend.reference;

import static io.edgewise.backend.reference.ConvTestSupport.assertLongs;
import static io.edgewise.backend.reference.ConvTestSupport.assertTensor;
import static io.edgewise.backend.reference.ConvTestSupport.dims;
import static io.edgewise.backend.reference.ConvTestSupport.floats;
import static io.edgewise.backend.reference.ConvTestSupport.node;
import static io.edgewise.backend.reference.ConvTestSupport.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import io.edgewise.model.Attribute;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** GatherElements, Trilu, CumSum, DepthToSpace, SpaceToDepth and the trigonometric ops, worked out by hand. */
class IndexOpsTest {
  private static Tensor i64(long[] shape, long... v) {
    return Tensor.ofLongs(DType.INT64, Shape.of(shape), v);
  }

  @Test
  void gatherElementsPicksAlongTheAxisWithNegativeIndices() {
    // the spec's example 1: data [[1, 2], [3, 4]], indices [[0, 0], [1, 0]], axis 1 -> [[1, 1], [4, 3]]
    Tensor data = floats(dims(2, 2), 1, 2, 3, 4);
    Tensor y = run(node("", "GatherElements", 2, 1, Attribute.ofInt("axis", 1)), 13, data,
        i64(dims(2, 2), 0, 0, 1, 0))[0];
    assertTensor(y, dims(2, 2), 1, 1, 4, 3);
    // axis 0 with a negative index and fewer rows than data: [[-1, 0, 1]] picks data[2][0], data[0][1], data[1][2]
    Tensor d3 = floats(dims(3, 3), 1, 2, 3, 4, 5, 6, 7, 8, 9);
    y = run(node("", "GatherElements", 2, 1), 13, d3, i64(dims(1, 3), -1, 0, 1))[0];
    assertTensor(y, dims(1, 3), 7, 2, 6);
    // integer data stays exact
    Tensor ints = i64(dims(2, 2), 1L << 60, 5, 6, 7);
    y = run(node("", "GatherElements", 2, 1, Attribute.ofInt("axis", 0)), 13, ints,
        i64(dims(1, 2), 0, 1))[0];
    assertLongs(y, dims(1, 2), 1L << 60, 7);
    EdgewiseException e = assertThrows(EdgewiseException.class, () -> run(node("", "GatherElements", 2, 1), 13,
        d3, i64(dims(1, 3), 3, 0, 0)));
    assertTrue(e.getMessage().contains("out of range"), e.getMessage());
  }

  @Test
  void triluKeepsTheUpperOrLowerTriangleWithAnOffset() {
    Tensor x = floats(dims(3, 3), 1, 2, 3, 4, 5, 6, 7, 8, 9);
    assertTensor(run(node("", "Trilu", 1, 1), 14, x)[0], dims(3, 3), 1, 2, 3, 0, 5, 6, 0, 0, 9);
    assertTensor(run(node("", "Trilu", 2, 1), 14, x, Tensor.ofLongs(DType.INT64, Shape.scalar(), 1))[0],
        dims(3, 3), 0, 2, 3, 0, 0, 6, 0, 0, 0);
    assertTensor(run(node("", "Trilu", 2, 1, Attribute.ofInt("upper", 0)), 14, x,
        Tensor.ofLongs(DType.INT64, Shape.scalar(), -1))[0], dims(3, 3), 0, 0, 0, 4, 0, 0, 7, 8, 0);
    // batched, non-square: each [2, 3] matrix on its own
    Tensor b = floats(dims(2, 2, 3), 1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6);
    assertTensor(run(node("", "Trilu", 1, 1, Attribute.ofInt("upper", 0)), 14, b)[0], dims(2, 2, 3),
        1, 0, 0, 4, 5, 0, 1, 0, 0, 4, 5, 0);
  }

  @Test
  void cumSumIsInclusiveExclusiveAndReversible() {
    Tensor x = floats(dims(2, 3), 1, 2, 3, 4, 5, 6);
    Tensor axis1 = Tensor.ofLongs(DType.INT32, Shape.scalar(), 1);
    assertTensor(run(node("", "CumSum", 2, 1), 14, x, axis1)[0], dims(2, 3), 1, 3, 6, 4, 9, 15);
    assertTensor(run(node("", "CumSum", 2, 1, Attribute.ofInt("exclusive", 1)), 14, x, axis1)[0],
        dims(2, 3), 0, 1, 3, 0, 4, 9);
    assertTensor(run(node("", "CumSum", 2, 1, Attribute.ofInt("reverse", 1)), 14, x, axis1)[0],
        dims(2, 3), 6, 5, 3, 15, 11, 6);
    assertTensor(run(node("", "CumSum", 2, 1, Attribute.ofInt("reverse", 1), Attribute.ofInt("exclusive", 1)),
        14, x, axis1)[0], dims(2, 3), 5, 3, 0, 11, 6, 0);
    Tensor axis0 = Tensor.ofLongs(DType.INT64, Shape.of(1), -2);
    assertTensor(run(node("", "CumSum", 2, 1), 14, x, axis0)[0], dims(2, 3), 1, 2, 3, 5, 7, 9);
    Tensor ints = Tensor.ofLongs(DType.INT32, Shape.of(3), 1, 2, 3);
    Tensor y = run(node("", "CumSum", 2, 1), 14, ints, Tensor.ofLongs(DType.INT64, Shape.of(1), 0))[0];
    assertEquals(DType.INT32, y.dtype());
    assertLongs(y, dims(3), 1, 3, 6);
  }

  @Test
  void depthToSpaceInBothModesAndSpaceToDepthInvertsDcr() {
    // [1, 4, 1, 2], b = 2: channels (0..3) of pixel w hold values c * 10 + w
    Tensor x = floats(dims(1, 4, 1, 2), 0, 1, 10, 11, 20, 21, 30, 31);
    // DCR: output (1, 1, 2, 4); out[h*2+by][w*2+bx] = channel (by*2+bx) at w
    Tensor dcr = run(node("", "DepthToSpace", 1, 1, Attribute.ofInt("blocksize", 2)), 13, x)[0];
    assertTensor(dcr, dims(1, 1, 2, 4), 0, 10, 1, 11, 20, 30, 21, 31);
    // CRD with one output channel is the same arrangement (c * 4 + by * 2 + bx)
    Tensor crd = run(node("", "DepthToSpace", 1, 1, Attribute.ofInt("blocksize", 2), Attribute.ofString("mode",
        "CRD")), 13, x)[0];
    assertTensor(crd, dims(1, 1, 2, 4), 0, 10, 1, 11, 20, 30, 21, 31);
    // CRD and DCR differ with two output channels: [1, 8, 1, 1], values = channel index
    Tensor x8 = floats(dims(1, 8, 1, 1), 0, 1, 2, 3, 4, 5, 6, 7);
    Tensor d8 = run(node("", "DepthToSpace", 1, 1, Attribute.ofInt("blocksize", 2)), 13, x8)[0];
    assertTensor(d8, dims(1, 2, 2, 2), 0, 2, 4, 6, 1, 3, 5, 7);
    Tensor c8 = run(node("", "DepthToSpace", 1, 1, Attribute.ofInt("blocksize", 2), Attribute.ofString("mode",
        "CRD")), 13, x8)[0];
    assertTensor(c8, dims(1, 2, 2, 2), 0, 1, 2, 3, 4, 5, 6, 7);
    Tensor back = run(node("", "SpaceToDepth", 1, 1, Attribute.ofInt("blocksize", 2)), 13, d8)[0];
    assertTensor(back, dims(1, 8, 1, 1), 0, 1, 2, 3, 4, 5, 6, 7);
    EdgewiseException e = assertThrows(EdgewiseException.class, () -> run(node("", "SpaceToDepth", 1, 1,
        Attribute.ofInt("blocksize", 3)), 13, d8));
    assertTrue(e.getMessage().contains("blocksize"), e.getMessage());
  }

  @Test
  void trigonometricFunctions() {
    Tensor x = floats(dims(3), 0, 0.5f, -1);
    assertTensor(run(node("", "Sin", 1, 1), 13, x)[0], dims(3), 0, (float) Math.sin(0.5), (float) Math.sin(-1));
    assertTensor(run(node("", "Cos", 1, 1), 13, x)[0], dims(3), 1, (float) Math.cos(0.5), (float) Math.cos(-1));
    assertTensor(run(node("", "Atanh", 1, 1), 13, floats(dims(1), 0.5f))[0], dims(1), 0.54930615f);
    assertTensor(run(node("", "Asinh", 1, 1), 13, floats(dims(1), 1))[0], dims(1), 0.88137359f);
    assertTensor(run(node("", "Acosh", 1, 1), 13, floats(dims(1), 2))[0], dims(1), 1.3169579f);
  }
}
