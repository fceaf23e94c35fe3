package io.edgewise.backend.reference.ops;

import io.edgewise.backend.reference.Broadcast;
import io.edgewise.backend.exec.OpContext;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;

/**
 * Pow: Z = X ^ Y with broadcasting; from opset 12 the exponent may have another type than the base and Z has
 * the base's type. Integer ^ integer is exact (repeated squaring, wrapping like C); a negative integer exponent
 * gives the truncated real result (1 for base 1, +-1 for base -1, else 0).
 */
final class ElementwisePow {
  private ElementwisePow() {}

  static Tensor[] compute(OpContext ctx, Tensor[] in) {
    Tensor x = ctx.required(in, 0);
    Tensor e = ctx.required(in, 1);
    if (ctx.opset() < 12 && x.dtype() != e.dtype()) {
      throw ctx.invalid("base " + x.dtype() + " and exponent " + e.dtype() + " must have the same type before "
          + "opset 12");
    }
    Shape out = ElementwiseOps.broadcast(ctx, x.shape(), e.shape());
    int[] ix = Broadcast.sourceIndex(x.shape(), out);
    int[] ie = Broadcast.sourceIndex(e.shape(), out);
    Tensor z = Tensor.allocate(x.dtype(), out);
    boolean exact = !x.dtype().isFloatingPoint() && !e.dtype().isFloatingPoint();
    for (int i = 0; i < ix.length; i++) {
      if (exact) {
        z.setLong(i, power(x.getLong(ix[i]), e.getLong(ie[i])));
      } else {
        z.setDouble(i, Math.pow(x.getDouble(ix[i]), e.getDouble(ie[i])));
      }
    }
    return new Tensor[] {z};
  }

  static long power(long base, long exp) {
    if (exp < 0) {
      return base == 1 ? 1 : base == -1 ? ((exp & 1) == 0 ? 1 : -1) : 0;
    }
    long result = 1;
    long b = base;
    long n = exp;
    while (n > 0) {
      if ((n & 1) == 1) {
        result *= b;
      }
      b *= b;
      n >>= 1;
    }
    return result;
  }
}
