package io.edgewise.backend.reference.ops;

import io.edgewise.backend.exec.OpContext;
import java.util.function.DoubleUnaryOperator;

/**
 * The activation of a FusedConv: attribute `activation` (Relu, Clip, LeakyRelu, HardSwish, Sigmoid, Tanh, or
 * absent) with `activation_params` (Clip: [min, max]; LeakyRelu: [alpha]), as ONNX Runtime's FusedConv has them;
 * and SiLU (x * sigmoid(x), written Sigmoid + Mul in ONNX), which ONNX Runtime's FusedConv lacks.
 */
final class ConvActivation {
  private final DoubleUnaryOperator f;

  private ConvActivation(DoubleUnaryOperator f) {
    this.f = f;
  }

  static ConvActivation of(OpContext ctx) {
    String name = ctx.node().attrString("activation", "");
    float[] p = ctx.node().attrFloats("activation_params", new float[0]);
    DoubleUnaryOperator f = switch (name) {
      case "" -> null;
      case "Relu" -> x -> Math.max(0, x);
      case "Clip" -> {
        requireParams(ctx, p, 2);
        double lo = p[0];
        double hi = p[1];
        yield x -> Math.min(Math.max(x, lo), hi);
      }
      case "LeakyRelu" -> {
        requireParams(ctx, p, 1);
        double alpha = p[0];
        yield x -> x >= 0 ? x : alpha * x;
      }
      case "HardSwish" -> x -> x * Math.max(0, Math.min(1, x / 6 + 0.5));
      case "Sigmoid" -> ActivationOps::sigmoid;
      case "Tanh" -> Math::tanh;
      case "SiLU" -> x -> x * ActivationOps.sigmoid(x);
      default -> throw ctx.notImplemented("activation '" + name + "' is not supported");
    };
    return new ConvActivation(f);
  }

  private static void requireParams(OpContext ctx, float[] p, int n) {
    if (p.length != n) {
      throw ctx.invalid("attribute activation_params needs " + n + " values, got " + p.length);
    }
  }

  void applyInPlace(double[] y) {
    if (f == null) {
      return;
    }
    for (int i = 0; i < y.length; i++) {
      y[i] = f.applyAsDouble(y[i]);
    }
  }
}
