package io.edgewise.backend.cpu;

import io.edgewise.backend.exec.OpContext;

/**
 * A FusedConv's activation as the native core's epilogue takes it (EW_ACT_* of edgewise.h with its parameters a,
 * b): Clip (min, max), LeakyRelu (alpha), Relu, HardSwish, Sigmoid, Tanh, SiLU (x * sigmoid(x)), or none; and
 * HardSigmoid (alpha, beta), which only the blocked channel op and the elementwise kernel apply.
 */
public record NativeActivation(int code, float a, float b) {
  public static final NativeActivation NONE = new NativeActivation(0, 0, 0);

  public static NativeActivation of(OpContext ctx) {
    String name = ctx.node().attrString("activation", "");
    float[] p = ctx.node().attrFloats("activation_params", new float[0]);
    int activation = code(name);
    if (activation < 0) {
      throw ctx.notImplemented("activation '" + name + "' is not supported");
    }
    int needed = activation == 2 || activation == 7 ? 2 : activation == 3 ? 1 : 0;
    if (p.length < needed) {
      throw ctx.invalid("attribute activation_params needs " + needed + " values, got " + p.length);
    }
    return new NativeActivation(activation, needed > 0 ? p[0] : 0, needed > 1 ? p[1] : 0);
  }

  /**
   * The EW_ACT_* code of an activation by name (a FusedConv's activation attribute, or the op type of a standalone
   * activation node), or -1 for none the native core has.
   */
  static int code(String name) {
    return switch (name) {
      case "" -> 0;
      case "Relu" -> 1;
      case "Clip" -> 2;
      case "LeakyRelu" -> 3;
      case "HardSwish" -> 4;
      case "Sigmoid" -> 5;
      case "Tanh" -> 6;
      case "HardSigmoid" -> 7;  // the blocked channel op and the elementwise kernel only: convolutions refuse it
      case "SiLU" -> 8;
      default -> -1;
    };
  }
}
