package io.edgewise.backend.reference.ops;

import io.edgewise.backend.exec.OpContext;
import io.edgewise.backend.exec.OpRegistry;
import io.edgewise.tensor.DType;
import io.edgewise.tensor.Tensor;
import java.util.function.DoubleUnaryOperator;
import java.util.function.LongUnaryOperator;

/**
 * Pointwise activations and Softmax/LogSoftmax. Floating types compute in double and store at the input's dtype;
 * the ops ONNX also defines on integers (Relu, Clip) compute those exactly in long.
 */
public final class ActivationOps {
  private ActivationOps() {}

  public static void register(OpRegistry r) {
    r.register("Relu", (ctx, in) -> pointwise(ctx, in, v -> Math.max(0, v), x -> Math.max(0, x)));
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
    // HardSwish is x * HardSigmoid(x) with alpha = 1/6, beta = 0.5 (fixed by the spec)
    r.register("HardSwish", (ctx, in) -> unary(ctx, in, x -> x * Math.max(0, Math.min(1, x / 6 + 0.5))));
    r.register("Elu", (ctx, in) -> {
      double alpha = ctx.node().attrFloat("alpha", 1f);
      return unary(ctx, in, x -> x >= 0 ? x : alpha * (Math.exp(x) - 1));
    });
    r.register("Selu", (ctx, in) -> {
      // the defaults are the float32 values the spec prints
      double alpha = ctx.node().attrFloat("alpha", 1.67326319217681884765625f);
      double gamma = ctx.node().attrFloat("gamma", 1.05070102214813232421875f);
      return unary(ctx, in, x -> x > 0 ? gamma * x : gamma * (alpha * Math.exp(x) - alpha));
    });
    r.register("ThresholdedRelu", (ctx, in) -> {
      double alpha = ctx.node().attrFloat("alpha", 1f);
      return unary(ctx, in, x -> x > alpha ? x : 0);
    });
    // log(1 + exp(x)) without overflow for large x
    r.register("Softplus", (ctx, in) -> unary(ctx, in, x -> x > 0 ? x + Math.log1p(Math.exp(-x))
        : Math.log1p(Math.exp(x))));
    r.register("Softsign", (ctx, in) -> unary(ctx, in, x -> x / (1 + Math.abs(x))));
    r.register("Gelu", ActivationOps::gelu);
    r.register("PRelu", ActivationPRelu::compute);
    r.register("Clip", ActivationClip::compute);
    r.register("Softmax", (ctx, in) -> SoftmaxKernel.compute(ctx, in, false));
    r.register("LogSoftmax", (ctx, in) -> SoftmaxKernel.compute(ctx, in, true));
  }

  static double sigmoid(double x) {
    return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
  }

  private static Tensor[] gelu(OpContext ctx, Tensor[] in) {
    String approx = ctx.node().attrString("approximate", "none");
    return switch (approx) {
      case "none" -> unary(ctx, in, x -> 0.5 * x * (1 + ElementwiseOps.erf(x / Math.sqrt(2))));
      case "tanh" -> unary(ctx, in, x -> 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))));
      default -> throw ctx.invalid("attribute approximate = '" + approx + "' must be 'none' or 'tanh'");
    };
  }

  /** y = f(x) elementwise, at x's dtype, computed in double (integer inputs truncate on store). */
  static Tensor[] unary(OpContext ctx, Tensor[] in, DoubleUnaryOperator f) {
    Tensor x = ctx.required(in, 0);
    Tensor y = Tensor.allocate(x.dtype(), x.shape());
    if (x.dtype() == DType.FLOAT32) {
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

  /** y = f(x) elementwise: exact in long for integer (and bool) inputs, in double for floating ones. */
  static Tensor[] pointwise(OpContext ctx, Tensor[] in, LongUnaryOperator ints, DoubleUnaryOperator fps) {
    Tensor x = ctx.required(in, 0);
    if (x.dtype().isFloatingPoint()) {
      return unary(ctx, in, fps);
    }
    Tensor y = Tensor.allocate(x.dtype(), x.shape());
    for (long i = 0; i < x.size(); i++) {
      y.setLong(i, ints.applyAsLong(x.getLong(i)));
    }
    return new Tensor[] {y};
  }
}
