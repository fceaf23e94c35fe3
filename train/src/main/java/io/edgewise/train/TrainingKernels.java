package io.edgewise.train;

import io.edgewise.EdgewiseException;

/**
 * The device SPI of training: the heavy kernels of forward, backward and weight update, which each device implements
 * on its own compute (EF-Train: one convolution engine for all three). Light ops (activations, pooling, batch
 * normalization, shape plumbing) are computed by the shared Java code of {@code train.ops} on every device.
 *
 * <p>Convolution geometry is the native core's 16 values (batch, in_channels, in_h, in_w, out_channels, out_h,
 * out_w, kernel_h, kernel_w, stride_h, stride_w, dilation_h, dilation_w, pad_top, pad_left, group); the weights are
 * [out_channels, in_channels / group, kernel_h, kernel_w].
 */
public interface TrainingKernels extends AutoCloseable {
  /** The device name, as on the command line. */
  String device();

  /** y = conv(x, w) + bias (bias may be null); y is overwritten. */
  void convForward(long[] geometry, float[] x, float[] w, float[] bias, float[] y);

  /** dx = the input gradient of the convolution for output gradient dy; dx is overwritten. */
  void convBackwardData(long[] geometry, float[] dy, float[] w, float[] dx);

  /** dw = the weight gradient for input x and output gradient dy, summed over the batch; dw is overwritten. */
  void convBackwardWeights(long[] geometry, float[] x, float[] dy, float[] dw);

  /** Row-major c[m, n] = op(a) * op(b) (+ c when accumulate), op = transpose when the flag is set. */
  void gemm(boolean transA, boolean transB, int m, int n, int k, float[] a, float[] b, float[] c, boolean accumulate);

  /** Releases the device the kernels opened (nothing for ref and cpu). */
  @Override
  default void close() {}

  /**
   * The kernels of a device name: ref (plain Java, float64 accumulation, the oracle), cpu (the native core),
   * opencl[:i] (kernels/train.cl: im2col/col2im around one tiled GEMM, every pass on the device), fpga[:i] (the FPGA
   * image's tiled kernel in its three modes, cpu for what the image cannot run). The caller closes them.
   */
  static TrainingKernels forDevice(String device) {
    String d = device == null ? "" : device.trim();
    if (d.equals("ref")) {
      return new ReferenceTrainingKernels();
    }
    if (d.equals("cpu") || d.equals("auto")) {
      return new CpuTrainingKernels();
    }
    if (d.equals("fpga") || d.startsWith("fpga:")) {
      return new FpgaTrainingKernels(d);
    }
    if (d.equals("opencl") || d.startsWith("opencl:")) {
      return new OpenClTrainingKernels(d);
    }
    throw EdgewiseException.invalidArgument("unknown training device '" + device
        + "' (expected ref, cpu, opencl[:i] or fpga[:i])");
  }
}
