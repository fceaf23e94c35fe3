package io.edgewise.adapt;

/**
 * The small dense linear algebra the bandits need (dimension ~10): Gauss-Jordan inverse, products. Public for the
 * co-scheduler's bandit in {@code adapt.cosched}.
 */
public final class Linear {
  private Linear() {}

  /** The inverse of a symmetric positive definite matrix (ridge-regularised, so never singular). */
  public static double[][] inverse(double[][] m) {
    int n = m.length;
    double[][] w = new double[n][2 * n];
    for (int i = 0; i < n; i++) {
      System.arraycopy(m[i], 0, w[i], 0, n);
      w[i][n + i] = 1;
    }
    for (int c = 0; c < n; c++) {
      int pivot = c;
      for (int r = c + 1; r < n; r++) {
        if (Math.abs(w[r][c]) > Math.abs(w[pivot][c])) {
          pivot = r;
        }
      }
      double[] t = w[c];
      w[c] = w[pivot];
      w[pivot] = t;
      double p = w[c][c];
      for (int k = 0; k < 2 * n; k++) {
        w[c][k] /= p;
      }
      for (int r = 0; r < n; r++) {
        if (r != c && w[r][c] != 0) {
          double f = w[r][c];
          for (int k = 0; k < 2 * n; k++) {
            w[r][k] -= f * w[c][k];
          }
        }
      }
    }
    double[][] inv = new double[n][n];
    for (int i = 0; i < n; i++) {
      System.arraycopy(w[i], n, inv[i], 0, n);
    }
    return inv;
  }

  public static double[] times(double[][] m, double[] v) {
    double[] out = new double[m.length];
    for (int i = 0; i < m.length; i++) {
      out[i] = dot(m[i], v);
    }
    return out;
  }

  public static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  /** v' M v. */
  public static double quadratic(double[][] m, double[] v) {
    return dot(v, times(m, v));
  }
}
