package io.edgewise.backend.reference.ops;

import io.edgewise.backend.exec.OpContext;
import io.edgewise.backend.Activation;
import java.util.function.DoubleUnaryOperator;

/**
 * The activation of a FusedConv: attribute `activation` (Relu, Clip, LeakyRelu, HardSwish, Sigmoid, Tanh, or
 * absent) with `activation_params` (Clip: [min, max]; LeakyRelu: [alpha]), as ONNX Runtime's FusedConv has them;
 * and SiLU (x * sigmoid(x), written Sigmoid + Mul in ONNX), which ONNX Runtime's FusedConv lacks. The names and
 * parameter counts are {@link Activation}'s; the functions are the oracle's own, in double.
 */
final class ConvActivation {
  private final DoubleUnaryOperator f;

  private ConvActivation(DoubleUnaryOperator f) {
    this.f = f;
  }

  static ConvActivation of(OpContext ctx) {
    String name = ctx.node().attrString("activation", "");
    float[] p = ctx.node().attrFloats("activation_params", new float[0]);
    Activation kind = Activation.ofFusedConv(name);
    if (kind == null) {
      throw ctx.notImplemented("activation '" + name + "' is not supported");
    }
    if (kind.params() > 0 && p.length != kind.params()) {
      throw ctx.invalid("attribute activation_params needs " + kind.params() + " values, got " + p.length);
    }
    DoubleUnaryOperator f = switch (kind) {
      case NONE -> null;
      case RELU -> x -> Math.max(0, x);
      case CLIP -> {
        double lo = p[0];
        double hi = p[1];
        yield x -> Math.min(Math.max(x, lo), hi);
      }
      case LEAKY_RELU -> {
        double alpha = p[0];
        yield x -> x >= 0 ? x : alpha * x;
      }
      case HARD_SWISH -> x -> x * Math.max(0, Math.min(1, x / 6 + 0.5));
      case SIGMOID -> ActivationOps::sigmoid;
      case TANH -> Math::tanh;
      case SILU -> x -> x * ActivationOps.sigmoid(x);
      case HARD_SIGMOID -> throw ctx.notImplemented("activation '" + name + "' is not supported");  // not fusable
    };
    return new ConvActivation(f);
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
