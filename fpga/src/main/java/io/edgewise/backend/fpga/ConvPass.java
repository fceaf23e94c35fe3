package io.edgewise.backend.fpga;

/** The three passes the unified kernel runs (EF-Train's FP, BP and WU). */
public enum ConvPass {
  /** y = conv(x, w). */
  FORWARD,
  /** dx from dy: dy upsampled by the stride, w rotated and transposed, a stride-1 convolution. */
  INPUT_GRADIENT,
  /** dw from x and dy: the MAC array accumulates into the weight tile. */
  WEIGHT_GRADIENT
}
