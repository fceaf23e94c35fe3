package io.edgewise.backend.reference.ops;

import io.edgewise.backend.exec.OpContext;
import io.edgewise.backend.reference.Broadcast;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;

/**
 * LayerNormalization (opset 17): each row X[i0..i(axis-1), :] over the trailing dimensions from `axis` (default
 * -1) is normalised to (x - mean) / sqrt(var + epsilon) (biased variance, epsilon default 1e-5), then multiplied
 * by Scale and offset by B (optional), both broadcast to X's shape (numpy rules, aligned at the right).
 *
 * <p>Optional outputs Mean and InvStdDev have X's shape with the normalised dimensions set to 1. Statistics are
 * computed in double; Mean and InvStdDev are float32 for stash_type = 1 (the default and the only value the spec's
 * reference implements), else X's dtype.
 */
final class LayerNormKernel {
  private LayerNormKernel() {}

  static Tensor[] compute(OpContext ctx, Tensor[] in) {
    Tensor x = ctx.required(in, 0);
    Tensor scale = ctx.required(in, 1);
    Tensor bias = in.length > 2 ? in[2] : null;
    if (!x.dtype().isFloatingPoint()) {
      throw ctx.invalid("input[0] X must be a floating-point tensor, got " + x.dtype());
    }
    Shape s = x.shape();
    int rank = s.rank();
    if (rank == 0) {
      throw ctx.invalid("input[0] X must have rank >= 1");
    }
    int axis = ShapeKernels.axis(ctx, ctx.node().attrInt("axis", -1), rank, "attribute axis");
    double epsilon = ctx.node().attrFloat("epsilon", 1e-5f);
    long stash = ctx.node().attrInt("stash_type", 1);
    long cols = 1;
    for (int d = axis; d < rank; d++) {
      cols *= s.dim(d);
    }
    long rows = cols == 0 ? 0 : s.numElements() / cols;
    int[] si = sourceIndex(ctx, scale, s, "input[1] Scale");
    int[] bi = bias == null ? null : sourceIndex(ctx, bias, s, "input[2] B");
    double[] xv = x.toDoubleArray();
    double[] sv = scale.toDoubleArray();
    double[] bv = bias == null ? null : bias.toDoubleArray();
    double[] y = new double[xv.length];
    double[] means = new double[(int) rows];
    double[] invStd = new double[(int) rows];
    for (int r = 0; r < rows; r++) {
      int base = (int) (r * cols);
      double[] m = NormOps.moments(xv, base, (int) cols);
      double mean = m[0];
      double inv = 1 / Math.sqrt(m[1] + epsilon);
      means[r] = mean;
      invStd[r] = inv;
      for (int j = 0; j < cols; j++) {
        int i = base + j;
        y[i] = (xv[i] - mean) * inv * sv[si[i]] + (bv == null ? 0 : bv[bi[i]]);
      }
    }
    long[] statDims = s.dims();
    for (int d = axis; d < rank; d++) {
      statDims[d] = 1;
    }
    DType statType = stash == 1 ? DType.FLOAT32 : x.dtype();
    Tensor[] out = new Tensor[3];
    out[0] = Tensor.ofDoubles(x.dtype(), s, y);
    if (ctx.wantsOutput(1)) {
      out[1] = Tensor.ofDoubles(statType, Shape.of(statDims), means);
    }
    if (ctx.wantsOutput(2)) {
      out[2] = Tensor.ofDoubles(statType, Shape.of(statDims), invStd);
    }
    return out;
  }

  /** For each element of X, the element of t that broadcasts onto it; t may not be larger than X. */
  private static int[] sourceIndex(OpContext ctx, Tensor t, Shape x, String what) {
    Shape both;
    try {
      both = Broadcast.shape(t.shape(), x);
    } catch (RuntimeException e) {
      throw ctx.invalid(what + " " + t.shape() + " does not broadcast to X " + x);
    }
    if (!both.equals(x)) {
      throw ctx.invalid(what + " " + t.shape() + " does not broadcast to X " + x);
    }
    return Broadcast.sourceIndex(t.shape(), x);
  }
}
