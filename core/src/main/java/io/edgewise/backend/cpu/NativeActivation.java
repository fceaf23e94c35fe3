package io.edgewise.backend.cpu;

import io.edgewise.backend.exec.OpContext;
import io.edgewise.backend.Activation;

/**
 * An activation with its parameters a, b as the native core's epilogues take it (code: EW_ACT_* of edgewise.h, from
 * {@link Activation}): Clip (min, max), LeakyRelu (alpha), Relu, HardSwish, Sigmoid, Tanh, SiLU (x * sigmoid(x)), or
 * none; and HardSigmoid (alpha, beta), which only the blocked channel op and the elementwise kernel apply.
 */
public record NativeActivation(Activation kind, float a, float b) {
  public static final NativeActivation NONE = new NativeActivation(Activation.NONE, 0, 0);

  /** A FusedConv's (or a blocked channel op's) attributes activation and activation_params. */
  public static NativeActivation of(OpContext ctx) {
    String name = ctx.node().attrString("activation", "");
    float[] p = ctx.node().attrFloats("activation_params", new float[0]);
    Activation kind = Activation.named(name);
    if (kind == null) {
      throw ctx.notImplemented("activation '" + name + "' is not supported");
    }
    int needed = kind.params();
    if (p.length < needed) {
      throw ctx.invalid("attribute activation_params needs " + needed + " values, got " + p.length);
    }
    return new NativeActivation(kind, needed > 0 ? p[0] : 0, needed > 1 ? p[1] : 0);
  }

  /** The EW_ACT_* code the native core takes. */
  public int code() {
    return kind.code();
  }
}
