package io.edgewise.backend.reference.ops;

import io.edgewise.backend.exec.OpContext;
import io.edgewise.backend.exec.OpRegistry;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;
import java.util.Arrays;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import java.util.function.LongBinaryOperator;

/**
 * ReduceMean/Sum/Max/Min/Prod (and the L1/L2/LogSum/LogSumExp/SumSquare family). keepdims and
 * noop_with_empty_axes as ONNX defines them (see {@link ReduceAxes}). Floating types accumulate in double;
 * integer types accumulate exactly in long and wrap to their width on store. A reduction over an empty set
 * gives the operation's identity (0 for sums, 1 for products, -inf / +inf or the integer type's extreme for
 * Max / Min, NaN for Mean).
 */
public final class ReduceOps {
  private ReduceOps() {}

  public static void register(OpRegistry r) {
    r.register("ReduceSum", (ctx, in) -> reduce(ctx, in, 13, Kind.SUM));
    r.register("ReduceMean", (ctx, in) -> reduce(ctx, in, 18, Kind.MEAN));
    r.register("ReduceMax", (ctx, in) -> reduce(ctx, in, 18, Kind.MAX));
    r.register("ReduceMin", (ctx, in) -> reduce(ctx, in, 18, Kind.MIN));
    r.register("ReduceProd", (ctx, in) -> reduce(ctx, in, 18, Kind.PROD));
    r.register("ReduceL1", (ctx, in) -> reduce(ctx, in, 18, Kind.L1));
    r.register("ReduceL2", (ctx, in) -> reduce(ctx, in, 18, Kind.L2));
    r.register("ReduceSumSquare", (ctx, in) -> reduce(ctx, in, 18, Kind.SUM_SQUARE));
    r.register("ReduceLogSum", (ctx, in) -> reduce(ctx, in, 18, Kind.LOG_SUM));
    r.register("ReduceLogSumExp", (ctx, in) -> reduce(ctx, in, 18, Kind.LOG_SUM_EXP));
    r.register("ArgMax", (ctx, in) -> ReduceArg.compute(ctx, in, true));
    r.register("ArgMin", (ctx, in) -> ReduceArg.compute(ctx, in, false));
  }

  /** Each reduction as (per-element map, combine, identity, final map), in double and, where exact, in long. */
  private enum Kind {
    SUM(v -> v, Double::sum, 0, v -> v, (a, b) -> a + b),
    MEAN(v -> v, Double::sum, 0, v -> v, (a, b) -> a + b),
    MAX(v -> v, ReduceOps::maxNan, Double.NEGATIVE_INFINITY, v -> v, null),
    MIN(v -> v, ReduceOps::minNan, Double.POSITIVE_INFINITY, v -> v, null),
    PROD(v -> v, (a, b) -> a * b, 1, v -> v, (a, b) -> a * b),
    L1(Math::abs, Double::sum, 0, v -> v, null),
    L2(v -> v * v, Double::sum, 0, Math::sqrt, null),
    SUM_SQUARE(v -> v * v, Double::sum, 0, v -> v, (a, b) -> a + b * b),
    LOG_SUM(v -> v, Double::sum, 0, Math::log, null),
    LOG_SUM_EXP(null, null, 0, null, null);

    final DoubleUnaryOperator map;
    final DoubleBinaryOperator combine;
    final double identity;
    final DoubleUnaryOperator finish;
    /** acc = f(acc, x) for integer inputs, or null where the double path is used (L1/L2: their ints are rare). */
    final LongBinaryOperator longStep;

    Kind(DoubleUnaryOperator map, DoubleBinaryOperator combine, double identity, DoubleUnaryOperator finish,
        LongBinaryOperator longStep) {
      this.map = map;
      this.combine = combine;
      this.identity = identity;
      this.finish = finish;
      this.longStep = longStep;
    }
  }

  // Math.max/min already propagate NaN, as numpy's reductions do; named for clarity.
  private static double maxNan(double a, double b) {
    return Math.max(a, b);
  }

  private static double minNan(double a, double b) {
    return Math.min(a, b);
  }

  private static Tensor[] reduce(OpContext ctx, Tensor[] in, int axesInputSince, Kind kind) {
    Tensor x = ctx.required(in, 0);
    ReduceAxes ax = ReduceAxes.of(ctx, in, x, axesInputSince);
    if (ax.noop()) {
      return new Tensor[] {x.copy()};
    }
    int[] target = ax.groupIndex(x.shape());
    int groups = ax.groups();
    Tensor y = Tensor.allocate(x.dtype(), Shape.of(ax.outDims()));
    DType t = x.dtype();
    boolean integer = !t.isFloatingPoint();
    if (integer && (kind == Kind.MAX || kind == Kind.MIN)) {
      reduceIntegerExtreme(x, target, groups, kind == Kind.MAX, y);
    } else if (integer && kind.longStep != null) {
      long[] acc = new long[groups];
      Arrays.fill(acc, kind == Kind.PROD ? 1 : 0);
      for (int i = 0; i < target.length; i++) {
        acc[target[i]] = kind.longStep.applyAsLong(acc[target[i]], x.getLong(i));
      }
      for (int g = 0; g < groups; g++) {
        // integer Mean truncates toward zero, as C integer division (ONNX Runtime) does
        y.setLong(g, kind == Kind.MEAN ? (ax.groupSize() == 0 ? 0 : acc[g] / ax.groupSize()) : acc[g]);
      }
    } else if (kind == Kind.LOG_SUM_EXP) {
      reduceLogSumExp(x.toDoubleArray(), target, groups, y);
    } else {
      double[] acc = new double[groups];
      Arrays.fill(acc, kind.identity);
      double[] v = x.toDoubleArray();
      for (int i = 0; i < v.length; i++) {
        acc[target[i]] = kind.combine.applyAsDouble(acc[target[i]], kind.map.applyAsDouble(v[i]));
      }
      for (int g = 0; g < groups; g++) {
        double r = kind.finish.applyAsDouble(acc[g]);
        y.setDouble(g, kind == Kind.MEAN ? r / ax.groupSize() : r);
      }
    }
    return new Tensor[] {y};
  }

  private static void reduceIntegerExtreme(Tensor x, int[] target, int groups, boolean max, Tensor y) {
    boolean unsigned = !x.dtype().isSigned();
    long[] acc = new long[groups];
    boolean[] seen = new boolean[groups];
    for (int i = 0; i < target.length; i++) {
      long v = x.getLong(i);
      int g = target[i];
      int c = unsigned ? Long.compareUnsigned(v, acc[g]) : Long.compare(v, acc[g]);
      if (!seen[g] || (max ? c > 0 : c < 0)) {
        acc[g] = v;
        seen[g] = true;
      }
    }
    for (int g = 0; g < groups; g++) {
      y.setLong(g, seen[g] ? acc[g] : (max ? ElementwiseTypes.minValue(x.dtype())
          : ElementwiseTypes.maxValue(x.dtype())));
    }
  }

  /** log(sum(exp(x))) with the group maximum subtracted first, so that large inputs do not overflow. */
  private static void reduceLogSumExp(double[] v, int[] target, int groups, Tensor y) {
    double[] max = new double[groups];
    Arrays.fill(max, Double.NEGATIVE_INFINITY);
    for (int i = 0; i < v.length; i++) {
      max[target[i]] = Math.max(max[target[i]], v[i]);
    }
    double[] sum = new double[groups];
    for (int i = 0; i < v.length; i++) {
      double m = max[target[i]];
      sum[target[i]] += Double.isInfinite(m) ? Math.exp(v[i]) : Math.exp(v[i] - m);
    }
    for (int g = 0; g < groups; g++) {
      double m = Double.isInfinite(max[g]) ? 0 : max[g];
      y.setDouble(g, m + Math.log(sum[g]));
    }
  }
}
