package io.edgewise.backend.cpu;

import io.edgewise.EdgewiseException;
import io.edgewise.tensor.Tensor;

/**
 * The cpu device's guard before a native call: the native core sees raw addresses, so each call whose sizes come
 * from tensors has them checked here against the tensors' memory (Tensor.byteSize(), the bytes actually allocated),
 * and a size that does not fit is an EdgewiseException naming the call, the argument and both sizes instead of a
 * read or write past the memory. A comparison per argument, no allocation unless a check fails.
 */
final class NativeExtents {
  private NativeExtents() {}

  /** {@code t} (may be null: an absent optional argument) holds at least {@code floats} 4-byte values. */
  static void require(String call, String arg, Tensor t, long floats) {
    if (t != null && (floats < 0 || t.byteSize() < 4 * floats)) {
      throw EdgewiseException.invalidArgument(call + ": " + arg + " holds " + t.byteSize() + " bytes ("
          + t.shape() + "), the call needs " + floats + " floats (" + 4 * floats + " bytes)");
    }
  }

  /**
   * ew_conv2d's tensors for geometry {N, C, H, W, K, OH, OW, KH, KW, SH, SW, DH, DW, padH, padW, groups}:
   * x [N, C, H, W], w [K, C / groups, KH, KW] (null when prepacked), bias [K], residual and y [N, K, OH, OW].
   */
  static void conv2d(long[] g, Tensor x, Tensor w, Tensor bias, Tensor residual, Tensor y) {
    if (g[15] <= 0 || g[1] % g[15] != 0) {
      throw EdgewiseException.invalidArgument("ew_conv2d: " + g[1] + " channels in " + g[15] + " groups");
    }
    long out = g[0] * g[4] * g[5] * g[6];
    require("ew_conv2d", "x", x, g[0] * g[1] * g[2] * g[3]);
    require("ew_conv2d", "w", w, g[4] * (g[1] / g[15]) * g[7] * g[8]);
    require("ew_conv2d", "bias", bias, g[4]);
    require("ew_conv2d", "residual", residual, out);
    require("ew_conv2d", "y", y, out);
  }

  /** ew_pool2d's tensors for geometry {N, C, H, W, OH, OW, ...}: x [N, C, H, W], y [N, C, OH, OW]. */
  static void pool2d(long[] g, Tensor x, Tensor y) {
    require("ew_pool2d", "x", x, g[0] * g[1] * g[2] * g[3]);
    require("ew_pool2d", "y", y, g[0] * g[1] * g[4] * g[5]);
  }

  /**
   * A row-major matrix of {@code rows} x {@code cols} with leading dimension {@code ld} at element {@code offset}
   * of {@code t}: the last element read or written is offset + (rows - 1) * ld + cols - 1.
   */
  static void matrix(String call, String arg, Tensor t, long offset, long rows, long cols, long ld) {
    if (rows > 0 && cols > 0) {
      if (ld < cols) {
        throw EdgewiseException.invalidArgument(call + ": " + arg + " has leading dimension " + ld + " < " + cols
            + " columns");
      }
      require(call, arg, t, offset + (rows - 1) * ld + cols);
    }
  }

  /**
   * ew_strided_copy32: the view's lowest and highest source elements, offset plus the sum of (dims - 1) * strides
   * over the negative and the positive strides (a reversed Slice, step -1, reads backwards), and y.
   */
  static void stridedCopy(Tensor x, long offset, long[] dims, long[] strides, int rank, Tensor y) {
    long first = offset;
    long last = offset;
    long n = 1;
    for (int d = 0; d < rank; d++) {
      long span = (dims[d] - 1) * strides[d];
      if (dims[d] > 0) {
        first += Math.min(0, span);
        last += Math.max(0, span);
      }
      n *= dims[d];
    }
    if (n > 0) {
      if (first < 0) {
        throw EdgewiseException.invalidArgument("ew_strided_copy32: the view reads element " + first
            + " before x's first (offset " + offset + ", strides " + java.util.Arrays.toString(strides) + ")");
      }
      require("ew_strided_copy32", "x", x, last + 1);
    }
    require("ew_strided_copy32", "y", y, n);
  }
}
