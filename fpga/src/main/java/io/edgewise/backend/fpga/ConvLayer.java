package io.edgewise.backend.fpga;

import io.edgewise.EdgewiseException;

/**
 * One convolution (or fully-connected layer as a 1x1 convolution) in forward terms: batch, input channels N at
 * h x w, output channels M at r x c, a square k x k kernel at stride s with padding (top, left). {@link #kernelShape}
 * gives the geometry the kernel actually runs for each pass.
 */
public record ConvLayer(String name, long batch, long n, long h, long w, long m, long r, long c, int k, int stride,
    long padTop, long padLeft) {
  public ConvLayer {
    if (batch <= 0 || n <= 0 || h <= 0 || w <= 0 || m <= 0 || r <= 0 || c <= 0 || k <= 0 || stride <= 0) {
      throw EdgewiseException.invalidArgument("layer " + name + ": every extent must be positive");
    }
  }

  /** A layer whose output size follows from symmetric padding p. */
  public static ConvLayer of(String name, long batch, long n, long h, long w, long m, int k, int stride, long pad) {
    return new ConvLayer(name, batch, n, h, w, m, (h + 2 * pad - k) / stride + 1, (w + 2 * pad - k) / stride + 1, k,
        stride, pad, pad);
  }

  /** Useful floating-point operations of one pass: 2 per multiply-add of the forward convolution (each pass has as many). */
  public long flops() {
    return 2L * batch * m * r * c * n * k * k;
  }

  /**
   * The geometry the kernel runs: the tile array of edgewise.h (batch, N, h, w, M, R, C, k, s, pad_top, pad_left,
   * Tm, Tn, Tr, Tc, upsample, flip) for this pass with the given tiles.
   */
  public long[] kernelShape(ConvPass pass, int tm, int tn, int tr, int tc) {
    return switch (pass) {
      case FORWARD, WEIGHT_GRADIENT -> new long[] {batch, n, h, w, m, r, c, k, stride, padTop, padLeft, tm, tn, tr,
          tc, 1, 0};
      case INPUT_GRADIENT -> new long[] {batch, m, r, c, n, h, w, k, 1, k - 1 - padTop, k - 1 - padLeft, tm, tn, tr,
          tc, stride, 1};
    };
  }
}
