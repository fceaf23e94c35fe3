package io.edgewise.backend.reference.ops;

import io.edgewise.backend.FloatGemm;

/**
 * C[M,N] = A[M,K] * B[K,N] (row-major) for the reference backend: a plain-Java loop accumulating in double (the
 * oracle), or the GEMM a caller lent through BackendOptions.refGemm (float32 operands only; never by default).
 *
 * <p>The Java loop is i-k-j, blocked for the cache: a panel of B (KB rows by NB columns, 256 KiB) is reused by every
 * row of A, four rows of A at a time so each element of B read updates four rows of C. Every element of C still sums
 * its K products in order of k, so the result is the same to the bit as the naive i-k-j loop.
 */
final class GemmKernel {
  private static final int NB = 256;
  private static final int KB = 128;

  private GemmKernel() {}

  /** The product, by the lent GEMM `gemm` where it is not null (the operands are then rounded to float). */
  static double[] multiply(FloatGemm gemm, int m, int n, int k, double[] a, int aOffset, double[] b, int bOffset) {
    double[] c = new double[Math.multiplyExact(m, n)];
    if (m == 0 || n == 0 || k == 0) {
      return c;
    }
    if (gemm != null) {
      float[] fc = new float[c.length];
      gemm.multiply(m, n, k, toFloat(a, aOffset, m * k), toFloat(b, bOffset, k * n), fc);
      for (int i = 0; i < c.length; i++) {
        c[i] = fc[i];
      }
      return c;
    }
    for (int j0 = 0; j0 < n; j0 += NB) {
      int j1 = Math.min(n, j0 + NB);
      for (int p0 = 0; p0 < k; p0 += KB) {
        int p1 = Math.min(k, p0 + KB);
        int i = 0;
        for (; i + 4 <= m; i += 4) {
          fourRows(c, i * n, n, a, aOffset + i * k, k, b, bOffset, p0, p1, j0, j1);
        }
        for (; i < m; i++) {
          int rowC = i * n;
          int rowA = aOffset + i * k;
          for (int p = p0; p < p1; p++) {
            double av = a[rowA + p];
            int rowB = bOffset + p * n;
            for (int j = j0; j < j1; j++) {
              c[rowC + j] += av * b[rowB + j];
            }
          }
        }
      }
    }
    return c;
  }

  /** Rows c0 .. c0 + 3n of C += rows a0 .. a0 + 3k of A (columns p0..p1) times B (rows p0..p1, columns j0..j1). */
  private static void fourRows(double[] c, int c0, int n, double[] a, int a0, int k, double[] b, int bOffset, int p0,
      int p1, int j0, int j1) {
    int c1 = c0 + n;
    int c2 = c1 + n;
    int c3 = c2 + n;
    for (int p = p0; p < p1; p++) {
      double v0 = a[a0 + p];
      double v1 = a[a0 + k + p];
      double v2 = a[a0 + 2 * k + p];
      double v3 = a[a0 + 3 * k + p];
      int rowB = bOffset + p * n;
      for (int j = j0; j < j1; j++) {
        double bv = b[rowB + j];
        c[c0 + j] += v0 * bv;
        c[c1 + j] += v1 * bv;
        c[c2 + j] += v2 * bv;
        c[c3 + j] += v3 * bv;
      }
    }
  }

  private static float[] toFloat(double[] v, int offset, int n) {
    float[] f = new float[n];
    for (int i = 0; i < n; i++) {
      f[i] = (float) v[offset + i];
    }
    return f;
  }
}
