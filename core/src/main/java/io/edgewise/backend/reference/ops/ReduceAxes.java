package io.edgewise.backend.reference.ops;

import io.edgewise.backend.exec.OpContext;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.Arrays;

/**
 * Which axes a Reduce* node reduces and the resulting shapes. Axes are an attribute until the op's opset moved
 * them to input 1 (ReduceSum at 13, the others at 18); with no axes every axis is reduced, unless
 * noop_with_empty_axes = 1 (then the op is the identity).
 */
public record ReduceAxes(boolean[] reduced, long[] keptDims, long[] outDims, long groupSize, boolean noop) {

  public static ReduceAxes of(OpContext ctx, Tensor[] in, Tensor x, int axesInputSince) {
    int rank = x.shape().rank();
    long[] axes;
    if (ctx.opset() >= axesInputSince) {
      axes = in.length > 1 && in[1] != null ? ShapeKernels.longs(ctx, in[1], "input[1] axes") : null;
    } else {
      axes = ctx.node().attrInts("axes", null);
    }
    boolean keepDims = ctx.node().attrInt("keepdims", 1) != 0;
    boolean[] reduced = new boolean[rank];
    boolean empty = axes == null || axes.length == 0;
    if (empty && ctx.opset() >= axesInputSince && ctx.node().attrInt("noop_with_empty_axes", 0) != 0) {
      long[] dims = x.shape().dims();
      return new ReduceAxes(reduced, dims, dims, 1, true);
    }
    if (empty) {
      Arrays.fill(reduced, true);
    } else {
      for (long a : axes) {
        reduced[ShapeKernels.axis(ctx, a, rank, "axes entry")] = true;
      }
    }
    long[] inDims = x.shape().dims();
    long[] kept = new long[rank];
    long group = 1;
    int outRank = 0;
    for (int d = 0; d < rank; d++) {
      kept[d] = reduced[d] ? 1 : inDims[d];
      group *= reduced[d] ? inDims[d] : 1;
      outRank += !reduced[d] || keepDims ? 1 : 0;
    }
    long[] out = new long[outRank];
    for (int d = 0, j = 0; d < rank; d++) {
      if (!reduced[d] || keepDims) {
        out[j++] = kept[d];
      }
    }
    return new ReduceAxes(reduced, kept, out, group, false);
  }

  /** For every flat input index, the flat index of its group in the kept-dims output. */
  int[] groupIndex(Shape in) {
    long[] inDims = in.dims();
    long[] keptStrides = Shape.of(keptDims).strides();
    int[] target = new int[Math.toIntExact(in.numElements())];
    long[] idx = new long[inDims.length];
    for (int i = 0; i < target.length; i++) {
      long t = 0;
      for (int d = 0; d < inDims.length; d++) {
        t += (reduced[d] ? 0 : idx[d]) * keptStrides[d];
      }
      target[i] = (int) t;
      ShapeKernels.next(idx, inDims);
    }
    return target;
  }

  int groups() {
    return Math.toIntExact(Shape.of(keptDims).numElements());
  }
}
