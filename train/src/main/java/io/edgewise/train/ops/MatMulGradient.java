package io.edgewise.train.ops;

import io.edgewise.train.HeapTensor;
import io.edgewise.train.TrainingKernels;
import java.util.Arrays;

/**
 * MatMul of A [..., M, K] with B [K, N] (the classifier and projection case: A's leading axes flattened into M) or
 * with B [..., K, N] of the same batch axes (one GEMM per matrix).
 */
final class MatMulGradient implements OpGradient {
  private record Plan(int batches, int m, int k, int n, boolean sharedB, int[] outShape) {}

  private static Plan plan(OpCall call, HeapTensor a, HeapTensor b) {
    if (a.rank() < 2 || b.rank() < 2) {
      throw call.notImplemented("MatMul of " + a.describe() + " and " + b.describe() + " (1-D operands)");
    }
    int k = a.dim(a.rank() - 1);
    if (b.dim(b.rank() - 2) != k) {
      throw call.invalid("inner dimensions of " + a.describe() + " and " + b.describe() + " differ");
    }
    int n = b.dim(b.rank() - 1);
    int[] out = a.shape().clone();
    out[out.length - 1] = n;
    if (b.rank() == 2) {
      return new Plan(1, a.size() / k, k, n, true, out);
    }
    if (a.rank() != b.rank()
        || !Arrays.equals(Arrays.copyOf(a.shape(), a.rank() - 2), Arrays.copyOf(b.shape(), b.rank() - 2))) {
      throw call.notImplemented("MatMul broadcasting " + a.describe() + " with " + b.describe());
    }
    int m = a.dim(a.rank() - 2);
    return new Plan(a.size() / (m * k), m, k, n, false, out);
  }

  @Override
  public Forward forward(OpCall call, HeapTensor[] in) {
    Plan p = plan(call, in[0], in[1]);
    HeapTensor y = HeapTensor.zeros(p.outShape());
    for (int i = 0; i < p.batches(); i++) {
      float[] c = new float[p.m() * p.n()];
      call.kernels().gemm(false, false, p.m(), p.n(), p.k(), slice(in[0].data(), i, p.m() * p.k()),
          p.sharedB() ? in[1].data() : slice(in[1].data(), i, p.k() * p.n()), c, false);
      System.arraycopy(c, 0, y.data(), i * c.length, c.length);
    }
    return new Forward(new HeapTensor[] {y}, p);
  }

  @Override
  public HeapTensor[] backward(OpCall call, HeapTensor[] in, Forward fwd, HeapTensor[] dOut, boolean[] wanted) {
    Plan p = (Plan) fwd.saved();
    TrainingKernels kern = call.kernels();
    HeapTensor da = wanted[0] ? HeapTensor.zeros(in[0].shape()) : null;
    HeapTensor db = wanted[1] ? HeapTensor.zeros(in[1].shape()) : null;
    for (int i = 0; i < p.batches(); i++) {
      float[] dy = slice(dOut[0].data(), i, p.m() * p.n());
      float[] a = slice(in[0].data(), i, p.m() * p.k());
      float[] b = p.sharedB() ? in[1].data() : slice(in[1].data(), i, p.k() * p.n());
      if (da != null) {
        float[] g = new float[p.m() * p.k()];
        kern.gemm(false, true, p.m(), p.k(), p.n(), dy, b, g, false);                 // dY B^T
        System.arraycopy(g, 0, da.data(), i * g.length, g.length);
      }
      if (db != null) {
        float[] g = new float[p.k() * p.n()];
        kern.gemm(true, false, p.k(), p.n(), p.m(), a, dy, g, false);                 // A^T dY
        System.arraycopy(g, 0, db.data(), p.sharedB() ? 0 : i * g.length, g.length);
      }
    }
    return new HeapTensor[] {da, db};
  }

  private static float[] slice(float[] data, int index, int length) {
    return length == data.length ? data : Arrays.copyOfRange(data, index * length, (index + 1) * length);
  }
}
