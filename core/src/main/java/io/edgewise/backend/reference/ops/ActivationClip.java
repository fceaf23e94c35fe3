package io.edgewise.backend.reference.ops;

import io.edgewise.backend.exec.OpContext;
import io.edgewise.tensor.Tensor;

/**
 * Clip: bounds are the min/max attributes before opset 11 and optional scalar inputs from 11 on (where the
 * integer types are allowed too; they clip exactly in long). y = min(max(x, lo), hi), so when lo > hi every
 * element becomes hi; NaN stays NaN.
 */
final class ActivationClip {
  private ActivationClip() {}

  static Tensor[] compute(OpContext ctx, Tensor[] in) {
    Tensor x = ctx.required(in, 0);
    if (ctx.opset() < 11) {
      // the spec's defaults are the float limits, so even infinities are clipped to them
      double lo = ctx.node().attrFloat("min", -Float.MAX_VALUE);
      double hi = ctx.node().attrFloat("max", Float.MAX_VALUE);
      return ActivationOps.unary(ctx, in, v -> Math.min(Math.max(v, lo), hi));
    }
    Tensor min = bound(ctx, in, 1, x);
    Tensor max = bound(ctx, in, 2, x);
    if (x.dtype().isFloatingPoint()) {
      double lo = min == null ? Double.NEGATIVE_INFINITY : min.getDouble(0);
      double hi = max == null ? Double.POSITIVE_INFINITY : max.getDouble(0);
      return ActivationOps.unary(ctx, in, v -> Math.min(Math.max(v, lo), hi));
    }
    Tensor y = Tensor.allocate(x.dtype(), x.shape());
    for (long i = 0; i < x.size(); i++) {
      long v = x.getLong(i);
      if (min != null && ElementwiseTypes.compare(x.dtype(), v, min.getLong(0)) < 0) {
        v = min.getLong(0);
      }
      if (max != null && ElementwiseTypes.compare(x.dtype(), v, max.getLong(0)) > 0) {
        v = max.getLong(0);
      }
      y.setLong(i, v);
    }
    return new Tensor[] {y};
  }

  private static Tensor bound(OpContext ctx, Tensor[] in, int index, Tensor x) {
    if (index >= in.length || in[index] == null) {
      return null;
    }
    Tensor b = in[index];
    if (b.size() != 1) {
      throw ctx.invalid("input[" + index + "] (" + (index == 1 ? "min" : "max") + ") must be a scalar, got shape "
          + b.shape());
    }
    if (b.dtype() != x.dtype()) {
      throw ctx.invalid("input[" + index + "] is " + b.dtype() + " but input[0] is " + x.dtype());
    }
    return b;
  }
}
