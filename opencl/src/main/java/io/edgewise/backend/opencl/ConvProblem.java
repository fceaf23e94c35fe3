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

  /**
   * The algorithm for this shape on a device of the given type. CPU devices (PoCL) get explicit vectors for every
   * shape: there the interleaved kernels run scalar code, since PoCL does not vectorise across work-items of a
   * kernel with loops. A pointwise convolution then runs as a one-row image ({@link #asRow()}), a depthwise one
   * with one output channel per work-item.
   */
  public ConvAlgorithm algorithm(String deviceType) {
    return deviceType.equals("CPU") ? ConvAlgorithm.DIRECT_VEC : algorithm();
  }

  /** Output channels per group. */
  public int channelsPerGroup() {
    return k / groups;
  }

  /** A 1x1, stride-1, unpadded convolution, seen as one row of H*W pixels: the same arithmetic and memory layout. */
  public ConvProblem asRow() {
    if (algorithm() != ConvAlgorithm.GEMM) {
      return this;
    }
    return new ConvProblem(n, c, 1, h * w, k, 1, oh * ow, 1, 1, 1, 1, 0, 0, 1, 1, groups);
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

  /** An ONNX Conv node with this geometry (inputs X, W), for the reference kernel. */
  public io.edgewise.model.Node node() {
    java.util.Map<String, io.edgewise.model.Attribute> attrs = new java.util.LinkedHashMap<>();
    attrs.put("kernel_shape", io.edgewise.model.Attribute.ofInts("kernel_shape", kh, kw));
    attrs.put("strides", io.edgewise.model.Attribute.ofInts("strides", sh, sw));
    attrs.put("dilations", io.edgewise.model.Attribute.ofInts("dilations", dilH, dilW));
    int padHEnd = Math.max(0, (oh - 1) * sh + (kh - 1) * dilH + 1 - h - padH);
    int padWEnd = Math.max(0, (ow - 1) * sw + (kw - 1) * dilW + 1 - w - padW);
    attrs.put("pads", io.edgewise.model.Attribute.ofInts("pads", padH, padW, padHEnd, padWEnd));
    attrs.put("group", io.edgewise.model.Attribute.ofInt("group", groups));
    return new io.edgewise.model.Node("conv", "Conv", "", java.util.List.of("X", "W"), java.util.List.of("Y"), attrs);
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
