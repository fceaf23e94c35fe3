package io.edgewise.backend.reference;

import static io.edgewise.backend.reference.ConvTestSupport.assertLongs;
import static io.edgewise.backend.reference.ConvTestSupport.assertTensor;
import static io.edgewise.backend.reference.ConvTestSupport.dims;
import static io.edgewise.backend.reference.ConvTestSupport.floats;
import static io.edgewise.backend.reference.ConvTestSupport.node;
import static io.edgewise.backend.reference.ConvTestSupport.run1;

import io.edgewise.model.Attribute;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Gemm, MatMul and MatMulInteger against values worked out by hand. */
class MatMulOpsTest {
  @Test
  void gemmTransposesScalesAndBroadcastsC() {
    // A^T = [[1, 2], [3, 4]], B^T = [[1, 0], [0, 1]] -> A^T B^T = A^T; Y = 2 * A^T + 10 * [1, -1].
    Tensor a = floats(dims(2, 2), 1, 3, 2, 4);
    Tensor b = floats(dims(2, 2), 1, 0, 0, 1);
    Tensor c = floats(dims(2), 1, -1);
    Tensor y = run1(node("", "Gemm", 3, 1, Attribute.ofInt("transA", 1), Attribute.ofInt("transB", 1),
        Attribute.ofFloat("alpha", 2), Attribute.ofFloat("beta", 10)), a, b, c);
    assertTensor(y, dims(2, 2), 12, -6, 16, -2);
    // No C.
    assertTensor(run1(node("", "Gemm", 2, 1), a, b), dims(2, 2), 1, 3, 2, 4);
  }

  @Test
  void matMulBroadcastsBatchesAndHandlesVectors() {
    // A: two 1x2 matrices; B: one 2x2 matrix shared by both batches.
    Tensor a = floats(dims(2, 1, 2), 1, 2, 3, 4);
    Tensor b = floats(dims(2, 2), 1, 2, 3, 4);
    assertTensor(run1(node("", "MatMul", 2, 1), a, b), dims(2, 1, 2), 7, 10, 15, 22);
    // Vector times a batch of matrices: [1, 1] x B_i -> row sums of columns.
    Tensor bs = floats(dims(2, 2, 2), 1, 2, 3, 4, 5, 6, 7, 8);
    assertTensor(run1(node("", "MatMul", 2, 1), floats(dims(2), 1, 1), bs), dims(2, 2), 4, 6, 12, 14);
    // Vector dot vector -> scalar.
    assertTensor(run1(node("", "MatMul", 2, 1), floats(dims(3), 1, 2, 3), floats(dims(3), 4, 5, 6)), dims(), 32);
    // Integer MatMul is exact in 64 bits.
    Tensor ia = Tensor.ofLongs(DType.INT64, Shape.of(1, 2), 3_000_000_000L, 1);
    Tensor ib = Tensor.ofLongs(DType.INT64, Shape.of(2, 1), 3, 1);
    assertLongs(run1(node("", "MatMul", 2, 1), ia, ib), dims(1, 1), 9_000_000_001L);
  }

  @Test
  void matMulIntegerSubtractsPerRowAndPerColumnZeroPoints() {
    Tensor a = Tensor.ofLongs(DType.UINT8, Shape.of(2, 2), 11, 12, 23, 24);
    Tensor b = Tensor.ofLongs(DType.UINT8, Shape.of(2, 2), 1, 2, 3, 4);
    // Per-row a_zero_point [10, 20] -> A' = [[1, 2], [3, 4]]; B' = B - [1, 2] = [[0, 0], [2, 2]].
    Tensor azp = Tensor.ofLongs(DType.UINT8, Shape.of(2), 10, 20);
    Tensor bzp = Tensor.ofLongs(DType.UINT8, Shape.of(2), 1, 2);
    Tensor y = run1(node("", "MatMulInteger", 4, 1), a, b, azp, bzp);
    assertLongs(y, dims(2, 2), 4, 4, 8, 8);
    assertTensorType(y, DType.INT32);
  }

  @Test
  void badShapesAreRefused() {
    ConvOpsTest.expectInvalid("inner dimensions", node("", "Gemm", 2, 1), floats(dims(2, 3), new float[6]),
        floats(dims(2, 3), new float[6]));
    ConvOpsTest.expectInvalid("2-D", node("", "Gemm", 2, 1), floats(dims(6), new float[6]),
        floats(dims(6, 1), new float[6]));
    ConvOpsTest.expectInvalid("broadcast", node("", "Gemm", 3, 1), floats(dims(2, 2), new float[4]),
        floats(dims(2, 2), new float[4]), floats(dims(3), new float[3]));
    ConvOpsTest.expectInvalid("inner dimensions", node("", "MatMul", 2, 1), floats(dims(2, 3), new float[6]),
        floats(dims(2, 3), new float[6]));
    ConvOpsTest.expectInvalid("batch", node("", "MatMul", 2, 1), floats(dims(2, 1, 1), 1, 2),
        floats(dims(3, 1, 1), 1, 2, 3));
  }

  private static void assertTensorType(Tensor t, DType d) {
    org.junit.jupiter.api.Assertions.assertEquals(d, t.dtype());
  }
}
