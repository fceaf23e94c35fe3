package io.edgewise.backend.reference.ops;

import io.edgewise.backend.reference.Broadcast;
import io.edgewise.backend.reference.OpContext;
import io.edgewise.backend.reference.OpRegistry;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
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
    r.register("Pow", (ctx, in) -> arithmetic(ctx, in, (a, b) -> (long) Math.pow(a, b), Math::pow));
    r.register("Max", (ctx, in) -> variadic(ctx, in, Math::max, Math::max));
    r.register("Min", (ctx, in) -> variadic(ctx, in, Math::min, Math::min));
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
    r.register("Not", (ctx, in) -> unaryLong(ctx, in, v -> v == 0 ? 1 : 0));
    r.register("Neg", (ctx, in) -> unaryMixed(ctx, in, v -> -v, v -> -v));
    r.register("Abs", (ctx, in) -> unaryMixed(ctx, in, Math::abs, Math::abs));
    r.register("Sqrt", (ctx, in) -> ActivationOps.unary(ctx, in, Math::sqrt));
    r.register("Exp", (ctx, in) -> ActivationOps.unary(ctx, in, Math::exp));
    r.register("Log", (ctx, in) -> ActivationOps.unary(ctx, in, Math::log));
    r.register("Reciprocal", (ctx, in) -> ActivationOps.unary(ctx, in, v -> 1 / v));
    r.register("Floor", (ctx, in) -> ActivationOps.unary(ctx, in, Math::floor));
    r.register("Ceil", (ctx, in) -> ActivationOps.unary(ctx, in, Math::ceil));
    r.register("Erf", (ctx, in) -> ActivationOps.unary(ctx, in, ElementwiseOps::erf));
    r.register("Where", ElementwiseOps::where);
  }

  private static Tensor[] arithmetic(OpContext ctx, Tensor[] in, LongBinaryOperator ints, DoubleBinaryOperator fps) {
    Tensor a = ctx.required(in, 0);
    Tensor b = ctx.required(in, 1);
    return new Tensor[] {apply(ctx, a, b, ints, fps)};
  }

  private static Tensor apply(OpContext ctx, Tensor a, Tensor b, LongBinaryOperator ints, DoubleBinaryOperator fps) {
    if (a.dtype() != b.dtype()) {
      throw ctx.invalid("inputs have different types " + a.dtype() + " and " + b.dtype());
    }
    Shape out = broadcast(ctx, a, b);
    int[] ia = Broadcast.sourceIndex(a.shape(), out);
    int[] ib = Broadcast.sourceIndex(b.shape(), out);
    Tensor y = Tensor.allocate(a.dtype(), out);
    if (a.dtype().isFloatingPoint()) {
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

  private static Shape broadcast(OpContext ctx, Tensor a, Tensor b) {
    try {
      return Broadcast.shape(a.shape(), b.shape());
    } catch (io.edgewise.EdgewiseException e) {
      throw ctx.invalid(e.getMessage().replaceFirst("^\\[\\w+\\] ", ""));
    }
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
    Shape out = broadcast(ctx, a, b);
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
    Shape out = broadcast(ctx, a, b);
    int[] ia = Broadcast.sourceIndex(a.shape(), out);
    int[] ib = Broadcast.sourceIndex(b.shape(), out);
    Tensor y = Tensor.allocate(DType.BOOL, out);
    for (int i = 0; i < ia.length; i++) {
      y.setLong(i, op.applyAsLong(a.getBool(ia[i]) ? 1 : 0, b.getBool(ib[i]) ? 1 : 0));
    }
    return new Tensor[] {y};
  }

  private static Tensor[] unaryLong(OpContext ctx, Tensor[] in, java.util.function.LongUnaryOperator f) {
    Tensor x = ctx.required(in, 0);
    Tensor y = Tensor.allocate(x.dtype(), x.shape());
    for (long i = 0; i < x.size(); i++) {
      y.setLong(i, f.applyAsLong(x.getLong(i)));
    }
    return new Tensor[] {y};
  }

  private static Tensor[] unaryMixed(OpContext ctx, Tensor[] in, java.util.function.LongUnaryOperator ints,
      DoubleUnaryOperator fps) {
    Tensor x = ctx.required(in, 0);
    return x.dtype().isFloatingPoint() ? ActivationOps.unary(ctx, in, fps) : unaryLong(ctx, in, ints);
  }

  private static Tensor[] where(OpContext ctx, Tensor[] in) {
    Tensor c = ctx.required(in, 0);
    Tensor a = ctx.required(in, 1);
    Tensor b = ctx.required(in, 2);
    Shape out = Broadcast.shape(Broadcast.shape(c.shape(), a.shape()), b.shape());
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
