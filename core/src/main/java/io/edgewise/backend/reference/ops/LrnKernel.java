package io.edgewise.backend.reference.ops;

import io.edgewise.backend.exec.OpContext;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;

/**
 * LRN (local response normalization across channels, as AlexNet and GoogLeNet use it):
 * y = x / (bias + alpha / size * sum of x^2 over channels [c - floor((size - 1) / 2), c + ceil((size - 1) / 2)])
 * ^ beta, the window clipped to the channels that exist. The sums run as a sliding window over channels, so a pixel
 * costs the same whatever the size.
 */
final class LrnKernel {
  private LrnKernel() {}

  static Tensor[] compute(OpContext ctx, Tensor[] in) {
    Tensor x = NormOps.channelsInput(ctx, in, 3);
    Shape s = x.shape();
    long size = ctx.node().attrInt("size", -1);
    if (size < 1) {
      throw ctx.invalid(size == -1 ? "attribute size is required" : "attribute size = " + size + " must be >= 1");
    }
    double alpha = ctx.node().attrFloat("alpha", 1e-4f);
    double beta = ctx.node().attrFloat("beta", 0.75f);
    double bias = ctx.node().attrFloat("bias", 1f);
    int n = Math.toIntExact(s.dim(0));
    int c = Math.toIntExact(s.dim(1));
    int inner = c == 0 || n == 0 ? 0 : Math.toIntExact(s.numElements() / ((long) n * c));
    int before = (int) ((size - 1) / 2);
    int after = (int) (size - 1 - before);  // ceil((size - 1) / 2)
    double[] v = x.toDoubleArray();
    double[] y = new double[v.length];
    double[] window = new double[inner];
    for (int img = 0; img < n; img++) {
      int base = img * c * inner;
      java.util.Arrays.fill(window, 0);
      for (int ch = 0; ch < Math.min(c, after); ch++) {  // channels [0, after) before the first output
        addSquares(v, base + ch * inner, inner, window, 1);
      }
      for (int ch = 0; ch < c; ch++) {
        if (ch + after < c) {
          addSquares(v, base + (ch + after) * inner, inner, window, 1);
        }
        if (ch - before - 1 >= 0) {
          addSquares(v, base + (ch - before - 1) * inner, inner, window, -1);
        }
        int at = base + ch * inner;
        for (int i = 0; i < inner; i++) {
          y[at + i] = v[at + i] / Math.pow(bias + alpha / size * window[i], beta);
        }
      }
    }
    return new Tensor[] {Tensor.ofDoubles(x.dtype(), s, y)};
  }

  private static void addSquares(double[] v, int from, int count, double[] window, int sign) {
    for (int i = 0; i < count; i++) {
      window[i] += sign * v[from + i] * v[from + i];
    }
  }
}
