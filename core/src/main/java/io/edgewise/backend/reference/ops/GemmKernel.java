package io.edgewise.backend.reference.ops;

import io.edgewise.nativecore.NativeCore;

/**
 * C[M,N] = A[M,K] * B[K,N] (row-major) for the reference backend: the native core's vectorized sgemm when fast
 * paths are on, else a plain-Java loop accumulating in double (the oracle).
 */
final class GemmKernel {
  private GemmKernel() {}

  static double[] multiply(boolean fast, int m, int n, int k, double[] a, int aOffset, double[] b, int bOffset) {
    double[] c = new double[Math.multiplyExact(m, n)];
    if (m == 0 || n == 0 || k == 0) {
      return c;
    }
    if (fast) {
      float[] fa = toFloat(a, aOffset, m * k);
      float[] fb = toFloat(b, bOffset, k * n);
      float[] fc = new float[c.length];
      NativeCore.sgemm(false, false, m, n, k, 1f, fa, k, fb, n, 0f, fc, n);
      for (int i = 0; i < c.length; i++) {
        c[i] = fc[i];
      }
      return c;
    }
    for (int i = 0; i < m; i++) {
      int rowA = aOffset + i * k;
      int rowC = i * n;
      for (int p = 0; p < k; p++) {
        double av = a[rowA + p];
        int rowB = bOffset + p * n;
        for (int j = 0; j < n; j++) {
          c[rowC + j] += av * b[rowB + j];
        }
      }
    }
    return c;
  }

  private static float[] toFloat(double[] v, int offset, int n) {
    float[] f = new float[n];
    for (int i = 0; i < n; i++) {
      f[i] = (float) v[offset + i];
    }
    return f;
  }
}
