package io.edgewise.backend.reference;

import io.edgewise.EdgewiseException;
import io.edgewise.tensor.Shape;

/** Numpy-style multidirectional broadcasting, as ONNX's elementwise ops use it. */
public final class Broadcast {
  private Broadcast() {}

  /** The broadcast result shape of a and b; throws naming both shapes when they are incompatible. */
  public static Shape shape(Shape a, Shape b) {
    int rank = Math.max(a.rank(), b.rank());
    long[] out = new long[rank];
    for (int i = 0; i < rank; i++) {
      long da = i < rank - a.rank() ? 1 : a.dim(i - (rank - a.rank()));
      long db = i < rank - b.rank() ? 1 : b.dim(i - (rank - b.rank()));
      if (da != db && da != 1 && db != 1) {
        throw EdgewiseException.invalidArgument("shapes " + a + " and " + b + " cannot be broadcast (axis " + i + ")");
      }
      out[i] = da == 1 ? db : da;
    }
    return Shape.of(out);
  }

  /**
   * For every flat index of {@code out}, the flat index into {@code in} (which broadcasts to {@code out}).
   * Precomputed once per op so the inner loops stay simple.
   */
  public static int[] sourceIndex(Shape in, Shape out) {
    int n = Math.toIntExact(out.numElements());
    int rank = out.rank();
    long[] inStrides = new long[rank];
    long[] strides = in.strides();
    for (int i = 0; i < rank; i++) {
      int j = i - (rank - in.rank());
      inStrides[i] = j < 0 || in.dim(j) == 1 ? 0 : strides[j];
    }
    int[] index = new int[n];
    long[] outDims = out.dims();
    long[] counter = new long[rank];
    long src = 0;
    for (int flat = 0; flat < n; flat++) {
      index[flat] = (int) src;
      for (int d = rank - 1; d >= 0; d--) {
        counter[d]++;
        src += inStrides[d];
        if (counter[d] < outDims[d]) {
          break;
        }
        src -= inStrides[d] * counter[d];
        counter[d] = 0;
      }
    }
    return index;
  }
}
