package io.edgewise.backend.reference.ops;

import io.edgewise.backend.exec.OpContext;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;

/** Split: sizes from the `split` attribute (< opset 13) or input (>= 13), else equal parts (num_outputs, 18). */
public final class SplitKernel {
  private SplitKernel() {}

  /** The views a Split node takes of its input in[0], one per output (checked against it). */
  public static StridedView[] views(OpContext ctx, Tensor[] in) {
    Tensor x = ctx.required(in, 0);
    int rank = x.shape().rank();
    int axis = ShapeKernels.axis(ctx, ctx.node().attrInt("axis", 0), rank, "attribute axis");
    int parts = ctx.node().outputs().size();
    long n = x.shape().dim(axis);
    long[] sizes = ctx.opset() < 13 ? ctx.node().attrInts("split", null)
        : (in.length > 1 && in[1] != null ? ShapeKernels.longs(ctx, in[1], "input[1] split") : null);
    if (sizes == null) {
      sizes = equalParts(ctx, n, parts);
    }
    long total = 0;
    for (int i = 0; i < sizes.length; i++) {
      if (sizes[i] < 0) {
        throw ctx.invalid("split size " + i + " is negative: " + java.util.Arrays.toString(sizes));
      }
      total += sizes[i];
    }
    if (sizes.length != parts || total != n) {
      throw ctx.invalid("split sizes " + java.util.Arrays.toString(sizes) + " do not divide axis " + axis + " of size "
          + n + " into " + parts + " outputs");
    }
    StridedView[] views = new StridedView[parts];
    long[] strides = x.shape().strides();
    long start = 0;
    for (int p = 0; p < parts; p++) {
      long[] dims = x.shape().dims();
      dims[axis] = sizes[p];
      views[p] = new StridedView(Shape.of(dims), start * strides[axis], strides);
      start += sizes[p];
    }
    return views;
  }

  /**
   * Sizes without a `split` list: before opset 18 the axis must divide evenly among the outputs; from 18 on
   * num_outputs is required and the last part may be smaller (ceil(n / num_outputs) each before it).
   */
  private static long[] equalParts(OpContext ctx, long n, int parts) {
    long[] sizes = new long[parts];
    if (ctx.opset() >= 18) {
      long declared = ctx.node().attrInt("num_outputs", -1);
      if (declared < 0) {
        throw ctx.invalid("either input 'split' or attribute num_outputs is required from opset 18");
      }
      if (declared != parts) {
        throw ctx.invalid("attribute num_outputs = " + declared + " but the node has " + parts + " outputs");
      }
      long chunk = (n + parts - 1) / parts;
      for (int i = 0; i < parts; i++) {
        sizes[i] = Math.max(0, Math.min(chunk, n - chunk * i));
      }
    } else {
      if (parts == 0 || n % parts != 0) {
        throw ctx.invalid("axis of size " + n + " does not split evenly into " + parts + " outputs");
      }
      java.util.Arrays.fill(sizes, n / parts);
    }
    return sizes;
  }
}
