package io.edgewise.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgewise.EdgewiseException;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.NativeLeakGuard;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The guard before the cpu device's native calls: sizes that fit pass; a tensor one element short of what the call
 * would read or write is an EdgewiseException naming the call, the argument and both sizes (never a native read or
 * write past the memory).
 */
@ExtendWith(NativeLeakGuard.class)
class NativeExtentsTest {
  private static Tensor floats(long... dims) {
    return Tensor.allocate(DType.FLOAT32, Shape.of(dims));
  }

  private static void refused(Runnable call, String... words) {
    EdgewiseException e = assertThrows(EdgewiseException.class, call::run);
    for (String w : words) {
      assertTrue(e.getMessage().contains(w), "'" + w + "' missing from: " + e.getMessage());
    }
  }

  @Test
  void conv2dPool2dAndGemmExtents() {
    // N=1, C=4, 6x7 -> K=6, 4x5, 3x3, stride 1, groups 2
    long[] conv = {1, 4, 6, 7, 6, 4, 5, 3, 3, 1, 1, 1, 1, 0, 0, 2};
    long[] pool = {1, 4, 6, 7, 3, 3, 2, 2, 2, 2, 1, 1, 0, 0, 0, 0, 1, 0};
    try (Tensor x = floats(1, 4, 6, 7); Tensor w = floats(6, 2, 3, 3); Tensor b = floats(6);
        Tensor y = floats(1, 6, 4, 5); Tensor yShort = floats(119); Tensor wShort = floats(107);
        Tensor py = floats(1, 4, 3, 3); Tensor a = floats(5, 7); Tensor bt = floats(3, 7)) {
      assertDoesNotThrow(() -> NativeExtents.conv2d(conv, x, w, b, y, y));
      refused(() -> NativeExtents.conv2d(conv, x, w, b, null, yShort), "ew_conv2d", "y holds 476 bytes",
          "needs 120 floats");
      refused(() -> NativeExtents.conv2d(conv, x, wShort, b, null, y), "ew_conv2d", "w holds 428 bytes");
      refused(() -> NativeExtents.conv2d(conv, x, w, b, yShort, y), "residual");
      assertDoesNotThrow(() -> NativeExtents.pool2d(pool, x, py));
      refused(() -> NativeExtents.pool2d(pool, x, b), "ew_pool2d", "y holds 24 bytes", "needs 36 floats");
      // Y = A [5x7] B^T ([3x7] transposed): B is read as 3 rows of 7
      assertDoesNotThrow(() -> NativeExtents.matrix("ew_sgemm", "B", bt, 0, 3, 7, 7));
      refused(() -> NativeExtents.matrix("ew_sgemm", "B", bt, 0, 4, 7, 7), "ew_sgemm: B holds 84 bytes",
          "needs 28 floats");
      refused(() -> NativeExtents.matrix("ew_sgemm", "A", a, 0, 5, 7, 6), "leading dimension 6 < 7");
      refused(() -> NativeExtents.stridedCopy(a, 1, new long[] {7, 5}, new long[] {1, 7}, 2, a), "ew_strided_copy32",
          "x holds 140 bytes", "needs 36 floats");
      assertDoesNotThrow(() -> NativeExtents.stridedCopy(a, 0, new long[] {7, 5}, new long[] {1, 7}, 2, a));
      // a reversed view (Slice with step -1) starts at the last element and reads backwards: 34 down to 0
      assertDoesNotThrow(() -> NativeExtents.stridedCopy(a, 34, new long[] {7, 5}, new long[] {-1, -7}, 2, a));
      refused(() -> NativeExtents.stridedCopy(a, 33, new long[] {7, 5}, new long[] {-1, -7}, 2, a),
          "ew_strided_copy32", "reads element -1");
    }
  }
}
