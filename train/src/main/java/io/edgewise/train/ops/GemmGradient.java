package io.edgewise.train.ops;

import io.edgewise.train.HeapTensor;
import io.edgewise.train.TrainingKernels;

/** Gemm: Y = alpha * op(A) * op(B) + beta * C, with C broadcast to [M, N]; products on the device's GEMM. */
final class GemmGradient implements OpGradient {
  @Override
  public Forward forward(OpCall call, HeapTensor[] in) {
    HeapTensor a = in[0];
    HeapTensor b = in[1];
    boolean ta = call.node().attrInt("transA", 0) != 0;
    boolean tb = call.node().attrInt("transB", 0) != 0;
    if (a.rank() != 2 || b.rank() != 2) {
      throw call.invalid("Gemm needs 2-D inputs, got " + a.describe() + " and " + b.describe());
    }
    int m = ta ? a.dim(1) : a.dim(0);
    int k = ta ? a.dim(0) : a.dim(1);
    int n = tb ? b.dim(0) : b.dim(1);
    if ((tb ? b.dim(1) : b.dim(0)) != k) {
      throw call.invalid("inner dimensions of " + a.describe() + " and " + b.describe() + " differ");
    }
    HeapTensor y = HeapTensor.zeros(m, n);
    call.kernels().gemm(ta, tb, m, n, k, a.data(), b.data(), y.data(), false);
    float alpha = call.node().attrFloat("alpha", 1f);
    float beta = call.node().attrFloat("beta", 1f);
    HeapTensor c = in.length > 2 ? in[2] : null;
    int[] src = c == null ? null : Broadcasting.sources(c.shape(), y.shape());
    float[] yd = y.data();
    for (int i = 0; i < yd.length; i++) {
      yd[i] = alpha * yd[i] + (c == null ? 0f : beta * c.data()[src == null ? i : src[i]]);
    }
    return Forward.of(y);
  }

  @Override
  public HeapTensor[] backward(OpCall call, HeapTensor[] in, Forward fwd, HeapTensor[] dOut, boolean[] wanted) {
    HeapTensor a = in[0];
    HeapTensor b = in[1];
    HeapTensor dy = dOut[0];
    boolean ta = call.node().attrInt("transA", 0) != 0;
    boolean tb = call.node().attrInt("transB", 0) != 0;
    float alpha = call.node().attrFloat("alpha", 1f);
    int m = dy.dim(0);
    int n = dy.dim(1);
    int k = ta ? a.dim(0) : a.dim(1);
    TrainingKernels kern = call.kernels();
    HeapTensor[] grads = new HeapTensor[in.length];
    if (wanted[0]) {
      HeapTensor da = HeapTensor.zeros(a.shape());
      if (!ta) {
        kern.gemm(false, !tb, m, k, n, dy.data(), b.data(), da.data(), false);   // dY op(B)^T
      } else {
        kern.gemm(tb, true, k, m, n, b.data(), dy.data(), da.data(), false);     // op(B) dY^T
      }
      grads[0] = scaled(da, alpha);
    }
    if (wanted[1]) {
      HeapTensor db = HeapTensor.zeros(b.shape());
      if (!tb) {
        kern.gemm(!ta, false, k, n, m, a.data(), dy.data(), db.data(), false);   // op(A)^T dY
      } else {
        kern.gemm(true, ta, n, k, m, dy.data(), a.data(), db.data(), false);     // dY^T op(A)
      }
      grads[1] = scaled(db, alpha);
    }
    if (in.length > 2 && in[2] != null && wanted[2]) {
      grads[2] = Broadcasting.reduce(dy, in[2].shape(), call.node().attrFloat("beta", 1f));
    }
    return grads;
  }

  private static HeapTensor scaled(HeapTensor t, float alpha) {
    if (alpha != 1f) {
      float[] d = t.data();
      for (int i = 0; i < d.length; i++) {
        d[i] *= alpha;
      }
    }
    return t;
  }
}
