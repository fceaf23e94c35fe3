package io.edgewise.train;

import io.edgewise.nativecore.NativeCore;

/**
 * The cpu device's training kernels: the native core's packed GEMM and convolution. Backward passes reshape the data
 * so that the same GEMM does the work (EF-Train): weight gradient = dy x im2col(x)^T, input gradient = col2im(w^T x
 * dy) (ew_conv2d_backward_weights / ew_conv2d_backward_data).
 */
final class CpuTrainingKernels implements TrainingKernels {
  @Override
  public String device() {
    return "cpu";
  }

  @Override
  public void convForward(long[] geometry, float[] x, float[] w, float[] bias, float[] y) {
    NativeCore.conv2d(geometry, x, w, bias, y);
  }

  @Override
  public void convBackwardData(long[] geometry, float[] dy, float[] w, float[] dx) {
    NativeCore.conv2dBackwardData(geometry, dy, w, dx);
  }

  @Override
  public void convBackwardWeights(long[] geometry, float[] x, float[] dy, float[] dw) {
    NativeCore.conv2dBackwardWeights(geometry, x, dy, dw);
  }

  @Override
  public void gemm(boolean transA, boolean transB, int m, int n, int k, float[] a, float[] b, float[] c,
      boolean accumulate) {
    NativeCore.sgemm(transA, transB, m, n, k, 1f, a, transA ? m : k, b, transB ? k : n, accumulate ? 1f : 0f, c, n);
  }
}
