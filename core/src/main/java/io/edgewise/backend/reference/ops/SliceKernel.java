package io.edgewise.backend.reference.ops;

import io.edgewise.backend.exec.OpContext;
import io.edgewise.model.shapes.SliceRange;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;

/**
 * Slice: starts/ends/axes as attributes before opset 10, as inputs (with steps) from 10 on. Bounds are clamped as
 * numpy does, including negative steps.
 */
public final class SliceKernel {
  private SliceKernel() {}

  /** The view a Slice node takes of its input in[0] (checked against it). */
  public static StridedView view(OpContext ctx, Tensor[] in) {
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
    long[] inStrides = x.shape().strides();
    long[] strides = new long[rank];
    long offset = 0;
    for (int d = 0; d < rank; d++) {
      strides[d] = inStrides[d] * step[d];
      offset += begin[d] * inStrides[d];
    }
    return new StridedView(Shape.of(outDims), offset, strides);
  }
}
