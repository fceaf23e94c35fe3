package io.edgewise.backend.reference.ops;

import io.edgewise.backend.reference.OpContext;
import io.edgewise.model.shapes.SliceRange;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;

/**
 * Slice: starts/ends/axes as attributes before opset 10, as inputs (with steps) from 10 on. Bounds are clamped as
 * numpy does, including negative steps.
 */
final class SliceKernel {
  private SliceKernel() {}

  static Tensor[] compute(OpContext ctx, Tensor[] in) {
    Tensor x = ctx.required(in, 0);
    int rank = x.shape().rank();
    long[] starts;
    long[] ends;
    long[] axes;
    long[] steps = null;
    if (ctx.opset() < 10) {
      starts = ctx.node().attrInts("starts", null);
      ends = ctx.node().attrInts("ends", null);
      axes = ctx.node().attrInts("axes", null);
      if (starts == null || ends == null) {
        throw ctx.invalid("attributes starts and ends are required");
      }
    } else {
      starts = ShapeKernels.longs(ctx, ctx.required(in, 1), "input[1] starts");
      ends = ShapeKernels.longs(ctx, ctx.required(in, 2), "input[2] ends");
      axes = in.length > 3 && in[3] != null ? ShapeKernels.longs(ctx, in[3], "input[3] axes") : null;
      steps = in.length > 4 && in[4] != null ? ShapeKernels.longs(ctx, in[4], "input[4] steps") : null;
    }
    if (axes == null) {
      axes = new long[starts.length];
      for (int i = 0; i < axes.length; i++) {
        axes[i] = i;
      }
    }
    if (ends.length != starts.length || axes.length != starts.length || steps != null
        && steps.length != starts.length) {
      throw ctx.invalid("starts, ends, axes and steps must have the same length");
    }
    long[] dims = x.shape().dims();
    long[] begin = new long[rank];
    long[] step = new long[rank];
    long[] outDims = dims.clone();
    java.util.Arrays.fill(step, 1);
    boolean[] seen = new boolean[rank];
    for (int i = 0; i < starts.length; i++) {
      int a = ShapeKernels.axis(ctx, axes[i], rank, "axes entry");
      if (seen[a]) {
        throw ctx.invalid("axis " + axes[i] + " is sliced twice");
      }
      seen[a] = true;
      long s = steps == null ? 1 : steps[i];
      if (s == 0 || s == Long.MIN_VALUE) {
        throw ctx.invalid("steps[" + i + "] = " + s + " is not a valid step");
      }
      long[] range = SliceRange.of(dims[a], starts[i], ends[i], s);
      outDims[a] = range[1];
      begin[a] = range[0];
      step[a] = s;
    }
    Shape out = Shape.of(outDims);
    long[] strides = x.shape().strides();
    int[] index = new int[(int) out.numElements()];
    long[] idx = new long[rank];
    for (int i = 0; i < index.length; i++) {
      long f = 0;
      for (int d = 0; d < rank; d++) {
        f += (begin[d] + idx[d] * step[d]) * strides[d];
      }
      index[i] = (int) f;
      ShapeKernels.next(idx, outDims);
    }
    return new Tensor[] {ShapeKernels.gather(x, out, index)};
  }

  /** x[..., start:start+length, ...] along one axis (used by Split). */
  static Tensor slice(Tensor x, int axis, long start, long length) {
    long[] dims = x.shape().dims();
    dims[axis] = length;
    Shape out = Shape.of(dims);
    long[] strides = x.shape().strides();
    int[] index = new int[(int) out.numElements()];
    long[] idx = new long[dims.length];
    for (int i = 0; i < index.length; i++) {
      long f = 0;
      for (int d = 0; d < dims.length; d++) {
        f += (idx[d] + (d == axis ? start : 0)) * strides[d];
      }
      index[i] = (int) f;
      ShapeKernels.next(idx, dims);
    }
    return ShapeKernels.gather(x, out, index);
  }
}
