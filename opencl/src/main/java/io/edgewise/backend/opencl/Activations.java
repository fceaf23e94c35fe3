package io.edgewise.backend.opencl;

import io.edgewise.backend.Activation;
import io.edgewise.model.Node;

/** The fused-activation codes of kernels/common.cl ({@link Activation}'s), from a FusedConv's attributes. */
final class Activations {
  private Activations() {}

  /**
   * {code, floatBits(a), floatBits(b)} for a FusedConv's activation attribute (none for a plain Conv), or null
   * when the activation has no kernel code or too few activation_params.
   */
  static int[] of(Node node, boolean fused) {
    if (!fused) {
      return code(Activation.NONE, 0, 0);
    }
    Activation kind = Activation.ofFusedConv(node.attrString("activation", ""));
    float[] p = node.attrFloats("activation_params", new float[0]);
    if (kind == null || p.length < kind.params()) {
      return null;
    }
    return code(kind, kind.params() > 0 ? p[0] : 0, kind.params() > 1 ? p[1] : 0);
  }

  static int[] code(Activation kind, float a, float b) {
    return new int[] {kind.code(), Float.floatToIntBits(a), Float.floatToIntBits(b)};
  }
}
