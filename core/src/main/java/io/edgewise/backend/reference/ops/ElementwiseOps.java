package io.edgewise.backend.reference.ops;

import io.edgewise.backend.reference.Broadcast;
import io.edgewise.backend.exec.OpContext;
import io.edgewise.backend.exec.OpRegistry;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.function.DoubleBinaryOperator;
import java.util.function.LongBinaryOperator;

/**
 * Elementwise arithmetic, comparison and logic with numpy broadcasting. Floating types compute in double;
 * integer types compute exactly in long and wrap to their width on store (uint64 uses unsigned division).
 */
public final class ElementwiseOps {
  private ElementwiseOps() {}

  public static void register(OpRegistry r) {
    r.register("Add", (ctx, in) -> arithmetic(ctx, in, Long::sum, Double::sum));
    r.register("Sub", (ctx, in) -> arithmetic(ctx, in, (a, b) -> a - b, (a, b) -> a - b));
    r.register("Mul", (ctx, in) -> arithmetic(ctx, in, (a, b) -> a * b, (a, b) -> a * b));
    r.register("Div", ElementwiseOps::divide);
    r.register("Mod", ElementwiseOps::mod);
    r.register("Pow", ElementwisePow::compute);
    r.register("Max", (ctx, in) -> extreme(ctx, in, true));
    r.register("Min", (ctx, in) -> extreme(ctx, in, false));
    r.register("Sum", (ctx, in) -> variadic(ctx, in, Long::sum, Double::sum));
    r.register("Mean", ElementwiseOps::mean);
    r.register("Equal", (ctx, in) -> compare(ctx, in, c -> c == 0));
    r.register("Less", (ctx, in) -> compare(ctx, in, c -> c < 0));
    r.register("LessOrEqual", (ctx, in) -> compare(ctx, in, c -> c <= 0));
    r.register("Greater", (ctx, in) -> compare(ctx, in, c -> c > 0));
    r.register("GreaterOrEqual", (ctx, in) -> compare(ctx, in, c -> c >= 0));
    r.register("And", (ctx, in) -> logic(ctx, in, (a, b) -> a & b));
    r.register("Or", (ctx, in) -> logic(ctx, in, (a, b) -> a | b));
    r.register("Xor", (ctx, in) -> logic(ctx, in, (a, b) -> a ^ b));
    r.register("Not", (ctx, in) -> ActivationOps.pointwise(ctx, in, v -> v == 0 ? 1 : 0, v -> v == 0 ? 1 : 0));
    r.register("Neg", (ctx, in) -> ActivationOps.pointwise(ctx, in, v -> -v, v -> -v));
    // unsigned values are their own absolute value (uint64 above 2^63 reads as a negative long)
    r.register("Abs", (ctx, in) -> ActivationOps.pointwise(ctx, in,
        ctx.required(in, 0).dtype().isSigned() ? Math::abs : v -> v, Math::abs));
    r.register("Sign", (ctx, in) -> ActivationOps.pointwise(ctx, in,
        ctx.required(in, 0).dtype().isSigned() ? Long::signum : v -> v == 0 ? 0 : 1, Math::signum));
    // Round: half to even, as numpy.round and the spec's examples
    r.register("Round", (ctx, in) -> ActivationOps.unary(ctx, in, Math::rint));
    r.register("Sqrt", (ctx, in) -> ActivationOps.unary(ctx, in, Math::sqrt));
    r.register("Exp", (ctx, in) -> ActivationOps.unary(ctx, in, Math::exp));
    r.register("Log", (ctx, in) -> ActivationOps.unary(ctx, in, Math::log));
    r.register("Reciprocal", (ctx, in) -> ActivationOps.unary(ctx, in, v -> 1 / v));
    r.register("Floor", (ctx, in) -> ActivationOps.unary(ctx, in, Math::floor));
    r.register("Ceil", (ctx, in) -> ActivationOps.unary(ctx, in, Math::ceil));
    r.register("Erf", (ctx, in) -> ActivationOps.unary(ctx, in, ElementwiseOps::erf));
    // trigonometric and hyperbolic functions (opset 7 and 9), floating types only
    r.register("Sin", (ctx, in) -> ActivationOps.unary(ctx, in, Math::sin));
    r.register("Cos", (ctx, in) -> ActivationOps.unary(ctx, in, Math::cos));
    r.register("Tan", (ctx, in) -> ActivationOps.unary(ctx, in, Math::tan));
    r.register("Asin", (ctx, in) -> ActivationOps.unary(ctx, in, Math::asin));
    r.register("Acos", (ctx, in) -> ActivationOps.unary(ctx, in, Math::acos));
    r.register("Atan", (ctx, in) -> ActivationOps.unary(ctx, in, Math::atan));
    r.register("Sinh", (ctx, in) -> ActivationOps.unary(ctx, in, Math::sinh));
    r.register("Cosh", (ctx, in) -> ActivationOps.unary(ctx, in, Math::cosh));
    r.register("Asinh", (ctx, in) -> ActivationOps.unary(ctx, in, v -> Math.log(v + Math.sqrt(v * v + 1))));
    r.register("Acosh", (ctx, in) -> ActivationOps.unary(ctx, in, v -> Math.log(v + Math.sqrt(v * v - 1))));
    r.register("Atanh", (ctx, in) -> ActivationOps.unary(ctx, in, v -> 0.5 * Math.log((1 + v) / (1 - v))));
    r.register("Where", ElementwiseOps::where);
  }

  private static Tensor[] arithmetic(OpContext ctx, Tensor[] in, LongBinaryOperator ints, DoubleBinaryOperator fps) {
    Tensor a = ctx.required(in, 0);
    Tensor b = ctx.required(in, 1);
    return new Tensor[] {apply(ctx, a, b, ints, fps)};
  }

  static Tensor apply(OpContext ctx, Tensor a, Tensor b, LongBinaryOperator ints, DoubleBinaryOperator fps) {
    if (a.dtype() != b.dtype()) {
      throw ctx.invalid("inputs have different types " + a.dtype() + " and " + b.dtype());
    }
    Shape out = broadcast(ctx, a.shape(), b.shape());
    int[] ia = Broadcast.sourceIndex(a.shape(), out);
    int[] ib = Broadcast.sourceIndex(b.shape(), out);
    Tensor y = Tensor.allocate(a.dtype(), out);
    if (a.dtype() == DType.FLOAT32) {
      // float32 arrays keep ResNet's residual Adds fast; +,-,*,/ in double then rounded to float equal the
      // float32 operation exactly
      float[] va = a.toFloatArray();
      float[] vb = b.toFloatArray();
      float[] vy = new float[ia.length];
      for (int i = 0; i < ia.length; i++) {
        vy[i] = (float) fps.applyAsDouble(va[ia[i]], vb[ib[i]]);
      }
      y.setFloats(vy);
    } else if (a.dtype().isFloatingPoint()) {
      double[] va = a.toDoubleArray();
      double[] vb = b.toDoubleArray();
      for (int i = 0; i < ia.length; i++) {
        y.setDouble(i, fps.applyAsDouble(va[ia[i]], vb[ib[i]]));
      }
    } else {
      long[] va = a.toLongArray();
      long[] vb = b.toLongArray();
      for (int i = 0; i < ia.length; i++) {
        y.setLong(i, ints.applyAsLong(va[ia[i]], vb[ib[i]]));
      }
    }
    return y;
  }

  /** The numpy broadcast of two shapes; an error names the node and both shapes. */
  static Shape broadcast(OpContext ctx, Shape a, Shape b) {
    int rank = Math.max(a.rank(), b.rank());
    for (int i = 0; i < rank; i++) {
      long da = i < rank - a.rank() ? 1 : a.dim(i - (rank - a.rank()));
      long db = i < rank - b.rank() ? 1 : b.dim(i - (rank - b.rank()));
      if (da != db && da != 1 && db != 1) {
        throw ctx.invalid("shapes " + a + " and " + b + " cannot be broadcast (axis " + i + ": " + da + " vs " + db
            + ")");
      }
    }
    return Broadcast.shape(a, b);
  }

  private static Tensor[] divide(OpContext ctx, Tensor[] in) {
    Tensor a = ctx.required(in, 0);
    boolean unsigned64 = a.dtype() == DType.UINT64;
    LongBinaryOperator ints = (x, y) -> {
      if (y == 0) {
        throw ctx.invalid("integer division by zero");
      }
      return unsigned64 ? Long.divideUnsigned(x, y) : x / y;  // C semantics: truncate toward zero
    };
    return arithmetic(ctx, in, ints, (x, y) -> x / y);
  }

  private static Tensor[] variadic(OpContext ctx, Tensor[] in, LongBinaryOperator ints, DoubleBinaryOperator fps) {
    Tensor acc = ctx.required(in, 0).copy();
    for (int i = 1; i < in.length; i++) {
      Tensor next = apply(ctx, acc, ctx.required(in, i), ints, fps);
      acc.close();
      acc = next;
    }
    return new Tensor[] {acc};
  }

  /** Max/Min: NaN propagates (as numpy.maximum); uint64 compares unsigned. */
  private static Tensor[] extreme(OpContext ctx, Tensor[] in, boolean max) {
    DType t = ctx.required(in, 0).dtype();
    LongBinaryOperator ints = (a, b) -> (ElementwiseTypes.compare(t, a, b) >= 0) == max ? a : b;
    return variadic(ctx, in, ints, max ? Math::max : Math::min);
  }

  /**
   * Mod: fmod = 0 gives the remainder with the divisor's sign (Python's %), fmod = 1 the dividend's (C's fmod).
   * Integer division by zero is refused.
   */
  private static Tensor[] mod(OpContext ctx, Tensor[] in) {
    boolean fmod = ctx.node().attrInt("fmod", 0) != 0;
    Tensor a = ctx.required(in, 0);
    if (a.dtype().isFloatingPoint() && !fmod) {
      throw ctx.invalid("attribute fmod must be 1 for floating-point inputs (" + a.dtype() + ")");
    }
    boolean unsigned = !a.dtype().isSigned();
    LongBinaryOperator ints = (x, y) -> {
      if (y == 0) {
        throw ctx.invalid("integer modulo by zero");
      }
      if (unsigned) {
        return Long.remainderUnsigned(x, y);
      }
      return fmod ? x % y : Math.floorMod(x, y);
    };
    return arithmetic(ctx, in, ints, (x, y) -> x % y);
  }

  private static Tensor[] mean(OpContext ctx, Tensor[] in) {
    Tensor[] sum = variadic(ctx, in, Long::sum, Double::sum);
    Tensor s = sum[0];
    for (long i = 0; i < s.size(); i++) {
      s.setDouble(i, s.getDouble(i) / in.length);
    }
    return sum;
  }

  @FunctionalInterface
  private interface Verdict {
    boolean of(int comparison);
  }

  private static Tensor[] compare(OpContext ctx, Tensor[] in, Verdict verdict) {
    Tensor a = ctx.required(in, 0);
    Tensor b = ctx.required(in, 1);
    if (a.dtype() != b.dtype()) {
      throw ctx.invalid("inputs have different types " + a.dtype() + " and " + b.dtype());
    }
    Shape out = broadcast(ctx, a.shape(), b.shape());
    int[] ia = Broadcast.sourceIndex(a.shape(), out);
    int[] ib = Broadcast.sourceIndex(b.shape(), out);
    Tensor y = Tensor.allocate(DType.BOOL, out);
    boolean fp = a.dtype().isFloatingPoint();
    boolean unsigned64 = a.dtype() == DType.UINT64;
    for (int i = 0; i < ia.length; i++) {
      int c;
      if (fp) {
        double x = a.getDouble(ia[i]);
        double z = b.getDouble(ib[i]);
        // NaN compares false with everything, as in IEEE and numpy
        c = Double.isNaN(x) || Double.isNaN(z) ? Integer.MIN_VALUE : Double.compare(x, z) == 0 || x == z ? 0
            : (x < z ? -1 : 1);
      } else {
        long x = a.getLong(ia[i]);
        long z = b.getLong(ib[i]);
        c = unsigned64 ? Long.compareUnsigned(x, z) : Long.compare(x, z);
      }
      y.setLong(i, c != Integer.MIN_VALUE && verdict.of(Integer.signum(c)) ? 1 : 0);
    }
    return new Tensor[] {y};
  }

  private static Tensor[] logic(OpContext ctx, Tensor[] in, LongBinaryOperator op) {
    Tensor a = ctx.required(in, 0);
    Tensor b = ctx.required(in, 1);
    Shape out = broadcast(ctx, a.shape(), b.shape());
    int[] ia = Broadcast.sourceIndex(a.shape(), out);
    int[] ib = Broadcast.sourceIndex(b.shape(), out);
    Tensor y = Tensor.allocate(DType.BOOL, out);
    for (int i = 0; i < ia.length; i++) {
      y.setLong(i, op.applyAsLong(a.getBool(ia[i]) ? 1 : 0, b.getBool(ib[i]) ? 1 : 0));
    }
    return new Tensor[] {y};
  }

  private static Tensor[] where(OpContext ctx, Tensor[] in) {
    Tensor c = ctx.required(in, 0);
    Tensor a = ctx.required(in, 1);
    Tensor b = ctx.required(in, 2);
    if (c.dtype() != DType.BOOL) {
      throw ctx.invalid("input[0] condition must be bool, got " + c.dtype());
    }
    if (a.dtype() != b.dtype()) {
      throw ctx.invalid("inputs X and Y have different types " + a.dtype() + " and " + b.dtype());
    }
    Shape out = broadcast(ctx, broadcast(ctx, c.shape(), a.shape()), b.shape());
    int[] ic = Broadcast.sourceIndex(c.shape(), out);
    int[] ia = Broadcast.sourceIndex(a.shape(), out);
    int[] ib = Broadcast.sourceIndex(b.shape(), out);
    Tensor y = Tensor.allocate(a.dtype(), out);
    for (int i = 0; i < ic.length; i++) {
      if (a.dtype().isFloatingPoint()) {
        y.setDouble(i, c.getBool(ic[i]) ? a.getDouble(ia[i]) : b.getDouble(ib[i]));
      } else {
        y.setLong(i, c.getBool(ic[i]) ? a.getLong(ia[i]) : b.getLong(ib[i]));
      }
    }
    return new Tensor[] {y};
  }

  /** Abramowitz-Stegun 7.1.26 is too coarse for an oracle; this series/continued fraction is exact to ~1e-15. */
  static double erf(double x) {
    double t = Math.abs(x);
    if (t < 2.5) {
      double sum = t;
      double term = t;
      double t2 = t * t;
      for (int n = 1; n < 60; n++) {
        term *= -t2 / n;
        sum += term / (2 * n + 1);
      }
      double r = 2 / Math.sqrt(Math.PI) * sum;
      return x < 0 ? -r : r;
    }
    // erfc continued fraction for large |x|
    double f = 0;
    for (int n = 60; n >= 1; n--) {
      f = n / 2.0 / (t + f);
    }
    double erfc = Math.exp(-t * t) / Math.sqrt(Math.PI) / (t + f);
    return x < 0 ? erfc - 1 : 1 - erfc;
  }
}
