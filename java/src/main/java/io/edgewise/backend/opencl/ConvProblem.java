package io.edgewise.backend.opencl;

/**
 * One 2-D convolution's geometry (NCHW), the unit the kernels are planned, tuned and benchmarked by. Pads are the
 * begin pads; the end pads follow from the output size (out-of-range taps read zero).
 */
public record ConvProblem(int n, int c, int h, int w, int k, int oh, int ow, int kh, int kw, int sh, int sw,
    int padH, int padW, int dilH, int dilW, int groups) {

  /** A stride-s, "same"-padded convolution without dilation, as the ResNet/MobileNet layers are. */
  public static ConvProblem same(int n, int c, int h, int w, int k, int kernel, int stride, int groups) {
    int pad = kernel / 2;
    int oh = (h + 2 * pad - kernel) / stride + 1;
    int ow = (w + 2 * pad - kernel) / stride + 1;
    return new ConvProblem(n, c, h, w, k, oh, ow, kernel, kernel, stride, stride, pad, pad, 1, 1, groups);
  }

  /** The algorithm for this shape on a device of the given type ("CPU" devices get explicit vectors). */
  public ConvAlgorithm algorithm(String deviceType) {
    ConvAlgorithm a = algorithm();
    return a == ConvAlgorithm.DIRECT && deviceType.equals("CPU") ? ConvAlgorithm.DIRECT_VEC : a;
  }

  /** The algorithm by shape alone: depthwise, 1x1 GEMM, or direct. */
  public ConvAlgorithm algorithm() {
    if (groups > 1 && groups == c && groups == k) {
      return ConvAlgorithm.DEPTHWISE;
    }
    if (kh == 1 && kw == 1 && sh == 1 && sw == 1 && padH == 0 && padW == 0 && groups == 1) {
      return ConvAlgorithm.GEMM;
    }
    return ConvAlgorithm.DIRECT;
  }

  /** Multiply-adds x 2 of one run. */
  public long flops() {
    return 2L * n * k * oh * ow * (c / groups) * kh * kw;
  }

  public long inputElements() {
    return (long) n * c * h * w;
  }

  public long outputElements() {
    return (long) n * k * oh * ow;
  }

  public long weightElements() {
    return (long) k * (c / groups) * kh * kw;
  }

  /** The tuning database's key for this shape, e.g. "n1 c64x56x56 k64 3x3 s1x1 p1x1 d1x1 g1". */
  public String key() {
    return "n" + n + " c" + c + "x" + h + "x" + w + " k" + k + " " + kh + "x" + kw + " s" + sh + "x" + sw + " p"
        + padH + "x" + padW + " d" + dilH + "x" + dilW + " g" + groups;
  }

  @Override
  public String toString() {
    return key();
  }
}
