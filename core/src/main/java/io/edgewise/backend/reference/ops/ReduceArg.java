package io.edgewise.backend.reference.ops;

import io.edgewise.backend.exec.OpContext;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;

/** ArgMax / ArgMin along one axis (keepdims, select_last_index); int64 indices; NaN counts as the extreme. */
final class ReduceArg {
  private ReduceArg() {}

  static Tensor[] compute(OpContext ctx, Tensor[] in, boolean max) {
    Tensor x = ctx.required(in, 0);
    int rank = x.shape().rank();
    int axis = ShapeKernels.axis(ctx, ctx.node().attrInt("axis", 0), rank, "attribute axis");
    boolean keepDims = ctx.node().attrInt("keepdims", 1) != 0;
    boolean last = ctx.node().attrInt("select_last_index", 0) != 0;
    long[] dims = x.shape().dims();
    long n = dims[axis];
    if (n == 0) {
      throw ctx.invalid("cannot take the arg" + (max ? "max" : "min") + " of an empty axis " + axis);
    }
    long outer = 1;
    long inner = 1;
    for (int d = 0; d < rank; d++) {
      if (d < axis) {
        outer *= dims[d];
      } else if (d > axis) {
        inner *= dims[d];
      }
    }
    long[] outDims = keepDims ? dims.clone() : new long[rank - 1];
    if (keepDims) {
      outDims[axis] = 1;
    } else {
      for (int d = 0, j = 0; d < rank; d++) {
        if (d != axis) {
          outDims[j++] = dims[d];
        }
      }
    }
    Tensor y = Tensor.allocate(DType.INT64, Shape.of(outDims));
    boolean fp = x.dtype().isFloatingPoint();
    for (long o = 0; o < outer; o++) {
      for (long k = 0; k < inner; k++) {
        long best = 0;
        for (long j = 1; j < n; j++) {
          long bi = (o * n + best) * inner + k;
          long ji = (o * n + j) * inner + k;
          int c = fp ? compareFloat(x.getDouble(ji), x.getDouble(bi), max)
              : ElementwiseTypes.compare(x.dtype(), x.getLong(ji), x.getLong(bi)) * (max ? 1 : -1);
          if (c > 0 || (c == 0 && last)) {
            best = j;
          }
        }
        y.setLong(o * inner + k, best);
      }
    }
    return new Tensor[] {y};
  }

  /** > 0 when a beats b; -0 equals 0, and NaN beats every number for both max and min (as numpy's argmax). */
  private static int compareFloat(double a, double b, boolean max) {
    if (Double.isNaN(a) || Double.isNaN(b)) {
      return Double.isNaN(a) == Double.isNaN(b) ? 0 : (Double.isNaN(a) ? 1 : -1);
    }
    return a == b ? 0 : (max ? Double.compare(a, b) : Double.compare(b, a));
  }
}
