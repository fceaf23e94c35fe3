package io.edgewise.backend.reference.ops;

import io.edgewise.backend.reference.OpContext;
import io.edgewise.backend.reference.OpRegistry;
import io.edgewise.tensor.Tensor;
import java.util.function.DoubleUnaryOperator;

/** Pointwise activations and Softmax/LogSoftmax, computed in double and stored at the input's dtype. */
public final class ActivationOps {
  private ActivationOps() {}

  public static void register(OpRegistry r) {
    r.register("Relu", (ctx, in) -> unary(ctx, in, x -> Math.max(0, x)));
    r.register("LeakyRelu", (ctx, in) -> {
      double alpha = ctx.node().attrFloat("alpha", 0.01f);
      return unary(ctx, in, x -> x >= 0 ? x : alpha * x);
    });
    r.register("Sigmoid", (ctx, in) -> unary(ctx, in, ActivationOps::sigmoid));
    r.register("Tanh", (ctx, in) -> unary(ctx, in, Math::tanh));
    r.register("HardSigmoid", (ctx, in) -> {
      double alpha = ctx.node().attrFloat("alpha", 0.2f);
      double beta = ctx.node().attrFloat("beta", 0.5f);
      return unary(ctx, in, x -> Math.max(0, Math.min(1, alpha * x + beta)));
    });
    r.register("HardSwish", (ctx, in) -> unary(ctx, in, x -> x * Math.max(0, Math.min(1, x / 6 + 0.5))));
    r.register("Elu", (ctx, in) -> {
      double alpha = ctx.node().attrFloat("alpha", 1f);
      return unary(ctx, in, x -> x >= 0 ? x : alpha * (Math.exp(x) - 1));
    });
    r.register("Clip", ActivationOps::clip);
    r.register("Softmax", (ctx, in) -> SoftmaxKernel.compute(ctx, in, false));
    r.register("LogSoftmax", (ctx, in) -> SoftmaxKernel.compute(ctx, in, true));
  }

  static double sigmoid(double x) {
    return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
  }

  /** y = f(x) elementwise, at x's dtype. */
  static Tensor[] unary(OpContext ctx, Tensor[] in, DoubleUnaryOperator f) {
    Tensor x = ctx.required(in, 0);
    Tensor y = Tensor.allocate(x.dtype(), x.shape());
    if (x.dtype() == io.edgewise.tensor.DType.FLOAT32) {
      float[] v = x.toFloatArray();
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) f.applyAsDouble(v[i]);
      }
      y.setFloats(v);
    } else {
      for (long i = 0; i < x.size(); i++) {
        y.setDouble(i, f.applyAsDouble(x.getDouble(i)));
      }
    }
    return new Tensor[] {y};
  }

  /** Clip: bounds are attributes before opset 11 and optional scalar inputs from 11 on. */
  private static Tensor[] clip(OpContext ctx, Tensor[] in) {
    Tensor x = ctx.required(in, 0);
    double lo;
    double hi;
    if (ctx.opset() < 11) {
      lo = ctx.node().attrFloat("min", -Float.MAX_VALUE);
      hi = ctx.node().attrFloat("max", Float.MAX_VALUE);
    } else {
      lo = bound(ctx, in, 1, Double.NEGATIVE_INFINITY);
      hi = bound(ctx, in, 2, Double.POSITIVE_INFINITY);
    }
    Tensor y = Tensor.allocate(x.dtype(), x.shape());
    boolean integer = !x.dtype().isFloatingPoint();
    for (long i = 0; i < x.size(); i++) {
      // ONNX: min(max(x, lo), hi), so when lo > hi every element becomes hi
      if (integer) {
        long v = x.getLong(i);
        if (lo > Long.MIN_VALUE && v < lo) {
          v = (long) lo;
        }
        if (hi < Long.MAX_VALUE && v > hi) {
          v = (long) hi;
        }
        y.setLong(i, v);
      } else {
        y.setDouble(i, Math.min(Math.max(x.getDouble(i), lo), hi));
      }
    }
    return new Tensor[] {y};
  }

  private static double bound(OpContext ctx, Tensor[] in, int index, double absent) {
    if (index >= in.length || in[index] == null) {
      return absent;
    }
    if (in[index].size() != 1) {
      throw ctx.invalid("input[" + index + "] must be a scalar, got shape " + in[index].shape());
    }
    return in[index].getDouble(0);
  }
}
