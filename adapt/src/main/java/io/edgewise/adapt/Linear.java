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

  /**
   * Sherman-Morrison: given inv = A^-1 of a symmetric A, updates it in place to (A + x x')^-1 in O(d^2), so that a
   * bandit over thousands of rounds never inverts from scratch.
   */
  static void rankOneUpdateInverse(double[][] inv, double[] x) {
    double[] u = times(inv, x);
    double denom = 1 + dot(x, u);
    for (int i = 0; i < inv.length; i++) {
      for (int j = 0; j < inv.length; j++) {
        inv[i][j] -= u[i] * u[j] / denom;
      }
    }
  }

  /**
   * The lower-triangular Cholesky factor L (L L' = m) of a symmetric positive semi-definite matrix; diagonal
   * round-off below zero is clamped, so a matrix that is PSD up to rounding still factors.
   */
  static double[][] cholesky(double[][] m) {
    int n = m.length;
    double[][] l = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j <= i; j++) {
        double s = m[i][j];
        for (int k = 0; k < j; k++) {
          s -= l[i][k] * l[j][k];
        }
        if (i == j) {
          l[i][i] = Math.sqrt(Math.max(s, 0));
        } else {
          l[i][j] = l[j][j] > 0 ? s / l[j][j] : 0;
        }
      }
    }
    return l;
  }

  /** v' M v. */
  public static double quadratic(double[][] m, double[] v) {
    return dot(v, times(m, v));
  }
}
