package io.edgewise.backend.reference.ops;

import io.edgewise.backend.reference.Broadcast;
import io.edgewise.backend.exec.OpContext;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;

/** PRelu: y = x < 0 ? slope * x : x, with slope broadcast to x (unidirectionally: y has x's shape). */
final class ActivationPRelu {
  private ActivationPRelu() {}

  static Tensor[] compute(OpContext ctx, Tensor[] in) {
    Tensor x = ctx.required(in, 0);
    Tensor slope = ctx.required(in, 1);
    Shape out = ElementwiseOps.broadcast(ctx, x.shape(), slope.shape());
    if (!out.equals(x.shape())) {
      throw ctx.invalid("slope " + slope.shape() + " does not broadcast to X " + x.shape());
    }
    int[] is = Broadcast.sourceIndex(slope.shape(), out);
    Tensor y = Tensor.allocate(x.dtype(), out);
    boolean fp = x.dtype().isFloatingPoint();
    for (int i = 0; i < is.length; i++) {
      if (fp) {
        double v = x.getDouble(i);
        y.setDouble(i, v < 0 ? slope.getDouble(is[i]) * v : v);
      } else {
        long v = x.getLong(i);
        y.setLong(i, x.dtype().isSigned() && v < 0 ? slope.getLong(is[i]) * v : v);
      }
    }
    return new Tensor[] {y};
  }
}
