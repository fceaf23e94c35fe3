package io.edgewise.backend.opencl;

import io.edgewise.model.Node;

/** The fused-activation codes of kernels/common.cl, from a FusedConv's attributes or an activation node. */
final class Activations {
  private Activations() {}

  /**
   * {code, floatBits(a), floatBits(b)} for a FusedConv's activation attribute (none for a plain Conv), or null
   * when the activation has no kernel code.
   */
  static int[] of(Node node, boolean fused) {
    if (!fused) {
      return new int[] {0, 0, 0};
    }
    String name = node.attrString("activation", "");
    float[] p = node.attrFloats("activation_params", new float[0]);
    return switch (name) {
      case "" -> code(0, 0, 0);
      case "Relu" -> code(1, 0, 0);
      case "Clip" -> p.length < 2 ? null : code(2, p[0], p[1]);
      case "LeakyRelu" -> p.length < 1 ? null : code(3, p[0], 0);
      case "HardSwish" -> code(4, 0, 0);
      case "Sigmoid" -> code(5, 0, 0);
      case "Tanh" -> code(6, 0, 0);
      case "SiLU" -> code(8, 0, 0);
      default -> null;
    };
  }

  static int[] code(int code, float a, float b) {
    return new int[] {code, Float.floatToIntBits(a), Float.floatToIntBits(b)};
  }
}
