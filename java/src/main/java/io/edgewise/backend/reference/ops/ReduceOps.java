package io.edgewise.backend.reference.ops;

import io.edgewise.backend.reference.OpContext;
import io.edgewise.backend.reference.OpRegistry;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.function.DoubleBinaryOperator;

/**
 * ReduceMean/Sum/Max/Min/Prod. Axes are an attribute until the op's opset moved them to input 1 (ReduceSum at 13,
 * the others at 18); keepdims and noop_with_empty_axes as ONNX defines them.
 */
public final class ReduceOps {
  private ReduceOps() {}

  public static void register(OpRegistry r) {
    r.register("ReduceSum", (ctx, in) -> reduce(ctx, in, 13, 0, Double::sum, false));
    r.register("ReduceMean", (ctx, in) -> reduce(ctx, in, 18, 0, Double::sum, true));
    r.register("ReduceMax", (ctx, in) -> reduce(ctx, in, 18, Double.NEGATIVE_INFINITY, Math::max, false));
    r.register("ReduceMin", (ctx, in) -> reduce(ctx, in, 18, Double.POSITIVE_INFINITY, Math::min, false));
    r.register("ReduceProd", (ctx, in) -> reduce(ctx, in, 18, 1, (a, b) -> a * b, false));
  }

  private static Tensor[] reduce(OpContext ctx, Tensor[] in, int axesInputSince, double init,
      DoubleBinaryOperator op, boolean mean) {
    Tensor x = ctx.required(in, 0);
    int rank = x.shape().rank();
    long[] axes = ctx.opset() >= axesInputSince
        ? (in.length > 1 && in[1] != null ? ShapeKernels.longs(ctx, in[1], "input[1] axes") : null)
        : ctx.node().attrInts("axes", null);
    boolean keepDims = ctx.node().attrInt("keepdims", 1) == 1;
    boolean[] reduced = new boolean[rank];
    if (axes == null || axes.length == 0) {
      if (ctx.node().attrInt("noop_with_empty_axes", 0) == 1) {
        return new Tensor[] {x.copy()};
      }
      java.util.Arrays.fill(reduced, true);
    } else {
      for (long a : axes) {
        reduced[ShapeKernels.axis(ctx, a, rank, "axes entry")] = true;
      }
    }
    long[] inDims = x.shape().dims();
    long[] keptDims = new long[rank];
    int outRank = 0;
    for (int d = 0; d < rank; d++) {
      keptDims[d] = reduced[d] ? 1 : inDims[d];
      if (!reduced[d] || keepDims) {
        outRank++;
      }
    }
    long[] outDims = new long[outRank];
    for (int d = 0, j = 0; d < rank; d++) {
      if (!reduced[d] || keepDims) {
        outDims[j++] = keptDims[d];
      }
    }
    Shape kept = Shape.of(keptDims);
    double[] acc = new double[(int) kept.numElements()];
    java.util.Arrays.fill(acc, init);
    long[] keptStrides = kept.strides();
    long[] idx = new long[rank];
    double[] xv = x.toDoubleArray();
    for (int i = 0; i < xv.length; i++) {
      long target = 0;
      for (int d = 0; d < rank; d++) {
        target += (reduced[d] ? 0 : idx[d]) * keptStrides[d];
      }
      acc[(int) target] = op.applyAsDouble(acc[(int) target], xv[i]);
      ShapeKernels.next(idx, inDims);
    }
    long count = acc.length == 0 ? 1 : Math.max(1, x.size() / acc.length);
    Tensor y = Tensor.allocate(x.dtype(), Shape.of(outDims));
    for (int i = 0; i < acc.length; i++) {
      y.setDouble(i, mean ? acc[i] / count : acc[i]);
    }
    return new Tensor[] {y};
  }
}
