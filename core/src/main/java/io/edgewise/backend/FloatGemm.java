package io.edgewise.backend;

/**
 * C[m, n] = A[m, k] B[k, n] over row-major float32 arrays (C overwritten): a GEMM that a device lends the reference
 * kernels through {@link BackendOptions#refGemm()} (the cpu device lends the native core's sgemm).
 */
@FunctionalInterface
public interface FloatGemm {
  void multiply(int m, int n, int k, float[] a, float[] b, float[] c);
}
