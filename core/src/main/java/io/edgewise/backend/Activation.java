package io.edgewise.backend;

/**
 * The activations the devices apply, fused into a convolution (a FusedConv's `activation` attribute with its
 * `activation_params`) or standalone (an activation node): the one table of their names, codes and parameter counts
 * on the Java side. The codes are what the native core takes (EW_ACT_* of native/include/edgewise/edgewise.h) and
 * the OpenCL kernels take (ACT_* of kernels/common.cl); C needs its own constants, and ActivationTableTest fails
 * when either disagrees with this enum.
 */
public enum Activation {
  /** No activation (a FusedConv without the attribute). */
  NONE("", 0, 0, true),
  RELU("Relu", 1, 0, true),
  /** Parameters min, max. */
  CLIP("Clip", 2, 2, true),
  /** Parameter alpha. */
  LEAKY_RELU("LeakyRelu", 3, 1, true),
  HARD_SWISH("HardSwish", 4, 0, true),
  SIGMOID("Sigmoid", 5, 0, true),
  TANH("Tanh", 6, 0, true),
  /** max(0, min(1, alpha * x + beta)), parameters alpha, beta; standalone only: convolutions refuse it. */
  HARD_SIGMOID("HardSigmoid", 7, 2, false),
  /** x * sigmoid(x) (Swish with beta 1: EfficientNet, YOLO); no ONNX op, the graph optimizer fuses it. */
  SILU("SiLU", 8, 0, true);

  private final String label;
  private final int code;
  private final int params;
  private final boolean fusable;

  Activation(String label, int code, int params, boolean fusable) {
    this.label = label;
    this.code = code;
    this.params = params;
    this.fusable = fusable;
  }

  /** The name a FusedConv's activation attribute gives (the ONNX op type where there is one); "" for NONE. */
  public String label() {
    return label;
  }

  /** EW_ACT_* of edgewise.h, ACT_* of kernels/common.cl. */
  public int code() {
    return code;
  }

  /** How many values of activation_params it takes (a, b of the native and OpenCL kernels, in order). */
  public int params() {
    return params;
  }

  /** Whether a convolution's epilogue applies it (a FusedConv may name it). */
  public boolean fusable() {
    return fusable;
  }

  /** The activation with this label, or null. */
  public static Activation named(String label) {
    for (Activation a : values()) {
      if (a.label.equals(label)) {
        return a;
      }
    }
    return null;
  }

  /** The activation a FusedConv's activation attribute names (NONE for ""), or null where convolutions have none. */
  public static Activation ofFusedConv(String label) {
    Activation a = named(label);
    return a != null && a.fusable ? a : null;
  }
}
