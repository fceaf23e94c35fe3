package io.edgewise.backend.reference.ops;

import io.edgewise.backend.exec.OpContext;
import io.edgewise.tensor.Shape;
import io.edgewise.tensor.Tensor;

/**
 * Softmax and LogSoftmax. Before opset 13 the input is coerced to 2-D at `axis` (default 1) and normalised over
 * the flattened trailing dimensions; from 13 on it is normalised along `axis` alone (default -1).
 */
final class SoftmaxKernel {
  private SoftmaxKernel() {}

  static Tensor[] compute(OpContext ctx, Tensor[] in, boolean log) {
    Tensor x = ctx.required(in, 0);
    Shape s = x.shape();
    int rank = s.rank();
    boolean legacy = ctx.opset() < 13;
    int axis = (int) ctx.node().attrInt("axis", legacy ? 1 : -1);
    if (axis < -rank || axis >= Math.max(rank, 1)) {
      throw ctx.invalid("attribute axis = " + axis + " is out of range for rank " + rank);
    }
    if (axis < 0) {
      axis += rank;
    }
    long outer = 1;
    long inner = 1;
    long n;
    for (int i = 0; i < axis; i++) {
      outer *= s.dim(i);
    }
    if (legacy) {
      n = s.numElements() / Math.max(outer, 1);
    } else {
      n = rank == 0 ? 1 : s.dim(axis);
      for (int i = axis + 1; i < rank; i++) {
        inner *= s.dim(i);
      }
    }
    double[] v = x.toDoubleArray();
    for (long o = 0; o < outer; o++) {
      for (long k = 0; k < inner; k++) {
        long base = o * n * inner + k;
        double max = Double.NEGATIVE_INFINITY;
        for (long j = 0; j < n; j++) {
          max = Math.max(max, v[(int) (base + j * inner)]);
        }
        double sum = 0;
        for (long j = 0; j < n; j++) {
          sum += Math.exp(v[(int) (base + j * inner)] - max);
        }
        for (long j = 0; j < n; j++) {
          int idx = (int) (base + j * inner);
          v[idx] = log ? v[idx] - max - Math.log(sum) : Math.exp(v[idx] - max) / sum;
        }
      }
    }
    Tensor y = Tensor.allocate(x.dtype(), s);
    for (int i = 0; i < v.length; i++) {
      y.setDouble(i, v[i]);
    }
    return new Tensor[] {y};
  }
}
