package io.edgewise.train;

/**
 * The oracle: direct loops over the definition of convolution and matrix product, every sum accumulated in double.
 */
final class ReferenceTrainingKernels implements TrainingKernels {
  @Override
  public String device() {
    return "ref";
  }

  /** The convolution's loop nest, visiting every (output, weight, input) triple that contributes. */
  private interface Tap {
    void accept(int yIndex, int wIndex, int xIndex);
  }

  private static void forEachTap(long[] g, Tap tap) {
    int n = (int) g[0], c = (int) g[1], h = (int) g[2], w = (int) g[3], m = (int) g[4], oh = (int) g[5];
    int ow = (int) g[6], kh = (int) g[7], kw = (int) g[8], sh = (int) g[9], sw = (int) g[10], dh = (int) g[11];
    int dw = (int) g[12], pt = (int) g[13], pl = (int) g[14], group = (int) g[15];
    int cg = c / group, mg = m / group;
    for (int b = 0; b < n; b++) {
      for (int o = 0; o < m; o++) {
        int grp = o / mg;
        for (int oy = 0; oy < oh; oy++) {
          for (int ox = 0; ox < ow; ox++) {
            int yi = ((b * m + o) * oh + oy) * ow + ox;
            for (int ci = 0; ci < cg; ci++) {
              for (int ky = 0; ky < kh; ky++) {
                int iy = oy * sh - pt + ky * dh;
                if (iy < 0 || iy >= h) {
                  continue;
                }
                for (int kx = 0; kx < kw; kx++) {
                  int ix = ox * sw - pl + kx * dw;
                  if (ix < 0 || ix >= w) {
                    continue;
                  }
                  tap.accept(yi, ((o * cg + ci) * kh + ky) * kw + kx, ((b * c + grp * cg + ci) * h + iy) * w + ix);
                }
              }
            }
          }
        }
      }
    }
  }

  @Override
  public void convForward(long[] g, float[] x, float[] w, float[] bias, float[] y) {
    double[] acc = new double[y.length];
    forEachTap(g, (yi, wi, xi) -> acc[yi] += (double) w[wi] * x[xi]);
    int plane = (int) (g[5] * g[6]);
    for (int i = 0; i < y.length; i++) {
      int channel = (int) ((i / plane) % g[4]);
      y[i] = (float) (acc[i] + (bias == null ? 0 : bias[channel]));
    }
  }

  @Override
  public void convBackwardData(long[] g, float[] dy, float[] w, float[] dx) {
    double[] acc = new double[dx.length];
    forEachTap(g, (yi, wi, xi) -> acc[xi] += (double) w[wi] * dy[yi]);
    for (int i = 0; i < dx.length; i++) {
      dx[i] = (float) acc[i];
    }
  }

  @Override
  public void convBackwardWeights(long[] g, float[] x, float[] dy, float[] dw) {
    double[] acc = new double[dw.length];
    forEachTap(g, (yi, wi, xi) -> acc[wi] += (double) x[xi] * dy[yi]);
    for (int i = 0; i < dw.length; i++) {
      dw[i] = (float) acc[i];
    }
  }

  @Override
  public void gemm(boolean transA, boolean transB, int m, int n, int k, float[] a, float[] b, float[] c,
      boolean accumulate) {
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double s = accumulate ? c[i * n + j] : 0;
        for (int p = 0; p < k; p++) {
          s += (double) a[transA ? p * m + i : i * k + p] * b[transB ? j * k + p : p * n + j];
        }
        c[i * n + j] = (float) s;
      }
    }
  }
}
