package io.edgewise.backend.cpu;

import io.edgewise.backend.reference.OpContext;

/**
 * The activation a FusedConv node carries (attributes activation, activation_params) as the native core's EW_ACT_*
 * code and its two parameters; a plain Conv has none.
 */
record FusedActivation(int code, float a, float b) {
  static final FusedActivation NONE = new FusedActivation(0, 0, 0);

  static FusedActivation of(OpContext ctx) {
    String name = ctx.node().attrString("activation", "");
    float[] p = ctx.node().attrFloats("activation_params", new float[0]);
    int code = switch (name) {
      case "" -> 0;
      case "Relu" -> 1;
      case "Clip" -> 2;
      case "LeakyRelu" -> 3;
      case "HardSwish" -> 4;
      case "Sigmoid" -> 5;
      case "Tanh" -> 6;
      default -> throw ctx.notImplemented("activation '" + name + "' is not supported");
    };
    int needed = code == 2 ? 2 : code == 3 ? 1 : 0;
    if (p.length < needed) {
      throw ctx.invalid("attribute activation_params needs " + needed + " values, got " + p.length);
    }
    return new FusedActivation(code, needed > 0 ? p[0] : 0, needed > 1 ? p[1] : 0);
  }
}
