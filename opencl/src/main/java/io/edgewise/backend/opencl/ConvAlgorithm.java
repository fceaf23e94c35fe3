package io.edgewise.backend.opencl;

/** Which kernel computes a convolution: direct tiled (interleaved work-items, or explicit vectors), 1x1 as tiled GEMM, or depthwise. */
public enum ConvAlgorithm {
  DIRECT("conv2d.cl", "conv2d"),
  /** Direct convolution with explicit vectors over a zero-padded copy of the input (CPUs, PoCL). */
  DIRECT_VEC("conv2d_vec.cl", "conv2d_vec"),
  /**
   * Direct convolution vectorised over output channels (weights packed by the host, one input value broadcast per
   * column); CPUs, PoCL, groups of one. Tuned against {@link #DIRECT_VEC} in the same search.
   */
  CHANNEL_VEC("conv2d_ocv.cl", "conv2d_ocv"),
  GEMM("gemm.cl", "gemm"),
  DEPTHWISE("depthwise.cl", "depthwise");

  public final String file;
  public final String kernel;

  ConvAlgorithm(String file, String kernel) {
    this.file = file;
    this.kernel = kernel;
  }
}
