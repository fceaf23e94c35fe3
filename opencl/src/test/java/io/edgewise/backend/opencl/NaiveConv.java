package io.edgewise.backend.opencl;

/** The oracle for kernel tests: convolution as the textbook loop nest, in double. */
final class NaiveConv {
  private NaiveConv() {}

  static float[] run(ConvProblem p, float[] x, float[] w, float[] b, float[] residual, boolean relu) {
    float[] y = new float[(int) p.outputElements()];
    int cg = p.c() / p.groups();
    int kg = p.k() / p.groups();
    for (int n = 0; n < p.n(); n++) {
      for (int k = 0; k < p.k(); k++) {
        int g = k / kg;
        for (int oy = 0; oy < p.oh(); oy++) {
          for (int ox = 0; ox < p.ow(); ox++) {
            double s = b == null ? 0 : b[k];
            for (int c = 0; c < cg; c++) {
              for (int i = 0; i < p.kh(); i++) {
                for (int j = 0; j < p.kw(); j++) {
                  int iy = oy * p.sh() - p.padH() + i * p.dilH();
                  int ix = ox * p.sw() - p.padW() + j * p.dilW();
                  if (iy >= 0 && iy < p.h() && ix >= 0 && ix < p.w()) {
                    s += (double) x[((n * p.c() + g * cg + c) * p.h() + iy) * p.w() + ix]
                        * w[((k * cg + c) * p.kh() + i) * p.kw() + j];
                  }
                }
              }
            }
            int at = ((n * p.k() + k) * p.oh() + oy) * p.ow() + ox;
            if (residual != null) {
              s += residual[at];
            }
            y[at] = (float) (relu ? Math.max(0, s) : s);
          }
        }
      }
    }
    return y;
  }
}
