package io.edgewise.backend.reference.ops;

import io.edgewise.backend.reference.OpContext;
import io.edgewise.tensor.Tensor;

/** Split: sizes from the `split` attribute (< opset 13) or input (>= 13), else equal parts (num_outputs, 18). */
final class SplitKernel {
  private SplitKernel() {}

  static Tensor[] compute(OpContext ctx, Tensor[] in) {
    Tensor x = ctx.required(in, 0);
    int rank = x.shape().rank();
    int axis = ShapeKernels.axis(ctx, ctx.node().attrInt("axis", 0), rank, "attribute axis");
    int parts = ctx.node().outputs().size();
    long n = x.shape().dim(axis);
    long[] sizes = ctx.opset() < 13 ? ctx.node().attrInts("split", null)
        : (in.length > 1 && in[1] != null ? ShapeKernels.longs(ctx, in[1], "input[1] split") : null);
    if (sizes == null) {
      sizes = new long[parts];
      long chunk = (n + parts - 1) / parts;  // opset 18: the last part may be smaller
      for (int i = 0; i < parts; i++) {
        sizes[i] = Math.max(0, Math.min(chunk, n - chunk * i));
      }
    }
    long total = 0;
    for (long s : sizes) {
      total += s;
    }
    if (sizes.length != parts || total != n) {
      throw ctx.invalid("split sizes " + java.util.Arrays.toString(sizes) + " do not divide axis " + axis + " of size "
          + n + " into " + parts + " outputs");
    }
    Tensor[] out = new Tensor[parts];
    long start = 0;
    for (int p = 0; p < parts; p++) {
      out[p] = SliceKernel.slice(x, axis, start, sizes[p]);
      start += sizes[p];
    }
    return out;
  }
}
